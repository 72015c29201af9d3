// Package charts holds the Helm charts of EIM (the umbrella charts/eim, one charts/eim-<module>
// per module, the library chart charts/eim-common) and their tests: helm lint and template of
// every profile and provider combination, the manifests against the Kubernetes OpenAPI schemas,
// the rendered eim.yaml against eim config validate, installs into a real API server (make deps),
// and the rendered configuration run as real eim processes. go generate ./charts regenerates the
// files derived from the Go sources (package chartgen).
package charts

//go:generate go run ./internal/gen
