// Tool module for protoc-gen-go-grpc (google.golang.org/grpc/cmd/protoc-gen-go-grpc). Built by
// scripts/deps/up.sh into .tools/bin/protoc-gen-go-grpc.
module github.com/eim-byoi/eim/scripts/deps/tools/protoc-gen-go-grpc

go 1.26.0

tool google.golang.org/grpc/cmd/protoc-gen-go-grpc

require (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
