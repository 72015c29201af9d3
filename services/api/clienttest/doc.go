// Package clienttest proves the northbound API against a client nobody here wrote: its test
// generates a Go client from the legacy apiv2 OpenAPI document (api/openapi/legacy/apiv2-openapi.yaml)
// with the pinned oapi-codegen of make deps, unedited, and drives a whole scenario through it against
// the API served on loopback (docs/adr/0011-generated-api-client.md).
//
// The scenario itself is testdata/scenario/scenario_test.go, a test of a module of its own that
// compiles against the generated package; TestGeneratedClientScenario copies it into a temporary
// directory, generates the client beside it and runs it with `go test`:
//
//	go test -count=1 -run TestGeneratedClientScenario ./services/api/clienttest
package clienttest
