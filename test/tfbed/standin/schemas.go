package main

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// providers are the stand-ins by name, each with exactly the schema parts that the modules and
// examples under terraform/ use, named and typed as in the real provider (hashicorp/helm 3.x,
// hashicorp/aws 6.x, hashicorp/kubernetes 2.x).
func providers() map[string]*standIn {
	return map[string]*standIn{"helm": helm(), "aws": aws(), "kubernetes": kubernetes()}
}

// Attribute kinds of the resource schemas: r* required, o* optional, c* computed, oc* optional
// and computed.
func rStr() rschema.Attribute  { return rschema.StringAttribute{Required: true} }
func oStr() rschema.Attribute  { return rschema.StringAttribute{Optional: true} }
func cStr() rschema.Attribute  { return rschema.StringAttribute{Computed: true} }
func ocStr() rschema.Attribute { return rschema.StringAttribute{Optional: true, Computed: true} }
func oBool() rschema.Attribute { return rschema.BoolAttribute{Optional: true} }
func oNum() rschema.Attribute  { return rschema.Int64Attribute{Optional: true} }
func oStrList() rschema.Attribute {
	return rschema.ListAttribute{Optional: true, ElementType: types.StringType}
}
func oStrMap(sensitive bool) rschema.Attribute {
	return rschema.MapAttribute{Optional: true, ElementType: types.StringType, Sensitive: sensitive}
}

// Data-source attribute kinds.
func dReq() dschema.Attribute { return dschema.StringAttribute{Required: true} }
func dC() dschema.Attribute   { return dschema.StringAttribute{Computed: true} }
func dOC() dschema.Attribute  { return dschema.StringAttribute{Optional: true, Computed: true} }

func objList(attrs map[string]attr.Type) dschema.Attribute {
	return dschema.ListAttribute{Computed: true, ElementType: types.ObjectType{AttrTypes: attrs}}
}

func kubeConn() map[string]pschema.Attribute {
	return map[string]pschema.Attribute{
		"host":                   pschema.StringAttribute{Optional: true},
		"cluster_ca_certificate": pschema.StringAttribute{Optional: true},
		"config_path":            pschema.StringAttribute{Optional: true},
		"config_context":         pschema.StringAttribute{Optional: true},
		"token":                  pschema.StringAttribute{Optional: true, Sensitive: true},
	}
}

func execAttrs() map[string]pschema.Attribute {
	return map[string]pschema.Attribute{
		"api_version": pschema.StringAttribute{Required: true},
		"command":     pschema.StringAttribute{Required: true},
		"args":        pschema.ListAttribute{Optional: true, ElementType: types.StringType},
		"env":         pschema.MapAttribute{Optional: true, ElementType: types.StringType},
	}
}

// helm: provider { kubernetes = { ..., exec = {...} } } (3.x attribute syntax) and helm_release.
func helm() *standIn {
	conn := kubeConn()
	conn["exec"] = pschema.SingleNestedAttribute{Optional: true, Attributes: execAttrs()}
	return &standIn{
		config: map[string]pschema.Attribute{"kubernetes": pschema.SingleNestedAttribute{Optional: true, Attributes: conn}},
		resources: map[string]map[string]rschema.Attribute{
			"helm_release": {
				"id": cStr(), "name": rStr(), "namespace": ocStr(), "chart": rStr(), "version": ocStr(),
				"repository": oStr(), "values": oStrList(), "wait": oBool(), "timeout": oNum(),
				"create_namespace": oBool(), "atomic": oBool(), "status": cStr(),
			},
		},
	}
}

// kubernetes: provider { ..., exec {...} } (a block) and the namespace and secret resources.
func kubernetes() *standIn {
	meta := func(namespaced bool) map[string]rschema.Attribute {
		m := map[string]rschema.Attribute{"name": rStr(), "labels": oStrMap(false), "annotations": oStrMap(false),
			"uid": cStr(), "resource_version": cStr()}
		if namespaced {
			m["namespace"] = oStr()
		}
		return m
	}
	return &standIn{
		config:       kubeConn(),
		configBlocks: map[string]map[string]pschema.Attribute{"exec": execAttrs()},
		resources: map[string]map[string]rschema.Attribute{
			"kubernetes_namespace_v1": {"id": cStr()},
			"kubernetes_secret_v1":    {"id": cStr(), "data": oStrMap(true), "type": ocStr()},
		},
		resourceBlocks: map[string]map[string]map[string]rschema.Attribute{
			"kubernetes_namespace_v1": {"metadata": meta(false)},
			"kubernetes_secret_v1":    {"metadata": meta(true)},
		},
	}
}

// aws: the data sources of modules/aws-existing and the IAM role and its policy.
func aws() *standIn {
	return &standIn{
		config: map[string]pschema.Attribute{"region": pschema.StringAttribute{Optional: true}},
		resources: map[string]map[string]rschema.Attribute{
			"aws_iam_role":        {"id": cStr(), "arn": cStr(), "name": ocStr(), "assume_role_policy": rStr(), "unique_id": cStr()},
			"aws_iam_role_policy": {"id": cStr(), "name": ocStr(), "role": rStr(), "policy": rStr()},
		},
		dataSources: map[string]map[string]dschema.Attribute{
			"aws_region":          {"id": dC(), "region": dOC(), "name": dC(), "endpoint": dC()},
			"aws_caller_identity": {"id": dC(), "account_id": dC(), "arn": dC(), "user_id": dC()},
			"aws_partition":       {"id": dC(), "partition": dC(), "dns_suffix": dC()},
			"aws_vpc": {"id": dOC(), "arn": dC(), "cidr_block": dC(),
				"tags": dschema.MapAttribute{Optional: true, Computed: true, ElementType: types.StringType}},
			"aws_subnets": {"id": dC(), "ids": dschema.ListAttribute{Computed: true, ElementType: types.StringType},
				"tags": dschema.MapAttribute{Optional: true, ElementType: types.StringType}},
			"aws_eks_cluster": {"id": dC(), "name": dReq(), "arn": dC(), "endpoint": dC(),
				"identity": objList(map[string]attr.Type{"oidc": types.ListType{ElemType: types.ObjectType{
					AttrTypes: map[string]attr.Type{"issuer": types.StringType}}}}),
				"certificate_authority": objList(map[string]attr.Type{"data": types.StringType})},
			"aws_iam_openid_connect_provider": {"id": dC(), "arn": dOC(), "url": dOC()},
			"aws_db_instance": {"id": dC(), "db_instance_identifier": dOC(), "address": dC(), "arn": dC(),
				"port": dschema.Int64Attribute{Computed: true}, "engine": dC(), "resource_id": dC()},
			"aws_kms_key":               {"id": dC(), "key_id": dReq(), "arn": dC()},
			"aws_secretsmanager_secret": {"id": dC(), "name": dOC(), "arn": dOC()},
		},
		dataSourceBlocks: map[string]map[string]map[string]dschema.Attribute{
			"aws_subnets": {"filter": {"name": dReq(), "values": dschema.SetAttribute{Required: true, ElementType: types.StringType}}},
		},
	}
}
