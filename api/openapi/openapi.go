// Package openapi holds the legacy EIM OpenAPI documents the northbound API is compatible
// with, copied verbatim from the legacy repositories (README.md gives their provenance): the
// apiv2 document and its scenario manifests, and the tenancy data model's document.
package openapi

import "embed"

// Legacy holds the documents under legacy/: apiv2-openapi.yaml, apiv2-manifest-<scenario>.yaml
// and orch-utils.tenancy-datamodel.openapi.yaml.
//
//go:embed legacy/*.yaml
var Legacy embed.FS
