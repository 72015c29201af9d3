// The module TestGeneratedClientScenario builds in a temporary directory: scenario_test.go and the
// client oapi-codegen generates into ./client. Its requirements are what the generated code imports
// (github.com/oapi-codegen/runtime, at a version that supports the generator's output) and testify;
// make deps downloads them (scripts/deps/up.sh, ensure_client_generator).
module eimclientscenario

go 1.26.0

require (
	github.com/oapi-codegen/runtime v1.9.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
