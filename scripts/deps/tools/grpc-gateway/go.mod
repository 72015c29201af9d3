// Tool module for protoc-gen-grpc-gateway and protoc-gen-openapiv2 (github.com/grpc-ecosystem/grpc-gateway/v2).
// Its version must equal the main go.mod's grpc-gateway runtime. Built into .tools/bin/protoc-gen-{grpc-gateway,openapiv2}.
module github.com/eim-byoi/eim/scripts/deps/tools/grpc-gateway

go 1.26.0

tool (
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2
)

require (
	github.com/grpc-ecosystem/grpc-gateway/v2 v2.34.0 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20261110000943-09e21b237f2c // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261104224025-d1e00e9f33ab // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
