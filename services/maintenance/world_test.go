package maintenance_test

import (
	"testing"
)

// world is one project's locations, OS resources and update policy, created through the API:
// region root with sub-region sub holding site; region other holding otherSite.
type world struct {
	name, id, operator, agent string
	root, sub, other          string
	site, otherSite           string
	mutableOS                 string
	policy                    string
}

const (
	emtProfile = "microvisor-toolkit"
	sha        = "b5f3d6b9c1f1e2a7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a"
)

func newWorld(t testing.TB, s *stack) *world {
	t.Helper()
	w := &world{}
	w.name, w.id, w.operator, w.agent = s.project(t)
	w.root = w.create(t, s, "regions", map[string]any{"name": "root"})
	w.sub = w.create(t, s, "regions", map[string]any{"name": "sub", "parentId": w.root})
	w.other = w.create(t, s, "regions", map[string]any{"name": "other"})
	w.site = w.create(t, s, "sites", map[string]any{"name": "site", "regionId": w.sub})
	w.otherSite = w.create(t, s, "sites", map[string]any{"name": "other-site", "regionId": w.other})
	w.mutableOS = w.create(t, s, "compute/os", osBody("ubuntu", "OS_TYPE_MUTABLE", "ubuntu-22.04-lts-generic", "ubuntu-22.04-lts"))
	w.policy = w.create(t, s, "os_update_policy", map[string]any{"name": "nightly", "updatePolicy": "UPDATE_POLICY_TARGET",
		"updateSources":       []string{"Types: deb\nURIs: https://packages.example.com/apt\nSuites: jammy\nComponents: main"},
		"updatePackages":      "curl\nvim",
		"updateKernelCommand": "quiet splash"})
	return w
}

func (w *world) create(t testing.TB, s *stack, collection string, body map[string]any) string {
	t.Helper()
	return s.create(t, w.name, w.operator, collection, body)
}

// osBody is an OS resource of type osType.
func osBody(name, osType, profile, image string) map[string]any {
	return map[string]any{"name": name, "architecture": "x86_64", "imageUrl": "https://files.example.com/" + image + ".img",
		"imageId": image, "sha256": sha, "profileName": profile, "securityFeature": "SECURITY_FEATURE_NONE",
		"osType": osType, "osProvider": "OS_PROVIDER_KIND_INFRA"}
}

// node is a host with its instance.
type node struct {
	guid, host, inst string
}

// node creates a host at site (none when empty) with an instance of os under policy (none
// when empty).
func (w *world) node(t testing.TB, s *stack, name, site, os, policy string) node {
	t.Helper()
	n := node{guid: newGUID()}
	h := map[string]any{"name": name, "uuid": n.guid}
	if site != "" {
		h["siteId"] = site
	}
	n.host = w.create(t, s, "compute/hosts", h)
	inst := map[string]any{"name": name + "-inst", "kind": "INSTANCE_KIND_METAL", "hostID": n.host, "osID": os}
	if policy != "" {
		inst["osUpdatePolicyID"] = policy
	}
	n.inst = w.create(t, s, "compute/instances", inst)
	return n
}
