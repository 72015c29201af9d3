// Tool module for protoc-gen-go (google.golang.org/protobuf/cmd/protoc-gen-go). Its version must equal the
// main go.mod's google.golang.org/protobuf (checked by api/proto tests). Built into .tools/bin/protoc-gen-go.
module github.com/eim-byoi/eim/scripts/deps/tools/protoc-gen-go

go 1.26.0

tool google.golang.org/protobuf/cmd/protoc-gen-go

require google.golang.org/protobuf v1.36.12 // indirect
