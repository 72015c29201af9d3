// Package api holds EIM's protobuf contracts and the tests that keep them honest.
//
// api/proto/legacy holds the legacy EIM contracts (apiv2 resources and services, the host, maintenance and
// telemetry managers' southbound APIs, onboarding, the agent status API and the device-management API),
// copied byte for byte from ../shared/legacy/proto; api/proto will also hold our own protos (eim.*).
// api/gen holds the Go code generated from them by `make proto` (scripts/proto/gen.sh): messages, gRPC
// services, the grpc-gateway reverse proxy of services.v1 and the legacy Validate methods. The proto
// packages, services and field names are the legacy ones, so legacy agents and API clients talk to the
// new services unchanged. Nothing under api/gen is edited by hand; the tests in this package fail when it
// is stale (run make proto) or when a legacy copy drifts from its source. See docs/api.md.
package api
