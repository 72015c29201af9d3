// Tool module for protoc-gen-validate (github.com/envoyproxy/protoc-gen-validate), the generator of the
// legacy Validate()/ValidateAll() methods. Its version must equal the main go.mod's. Built into .tools/bin/protoc-gen-validate.
module github.com/eim-byoi/eim/scripts/deps/tools/protoc-gen-validate

go 1.26.0

tool github.com/envoyproxy/protoc-gen-validate

require (
	github.com/envoyproxy/protoc-gen-validate v1.3.3 // indirect
	github.com/iancoleman/strcase v0.3.0 // indirect
	github.com/lyft/protoc-gen-star/v2 v2.0.4 // indirect
	github.com/spf13/afero v1.15.0 // indirect
	golang.org/x/mod v0.32.0 // indirect
	golang.org/x/net v0.49.0 // indirect
	golang.org/x/sync v0.19.0 // indirect
	golang.org/x/text v0.33.0 // indirect
	golang.org/x/tools v0.41.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
