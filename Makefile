# EIM BYO-Infrastructure — entry points. `make run` serves on the embedded defaults; `make test`
# installs and starts the real backends (make deps), then runs the checks and every test.
SHELL := /bin/bash
GO ?= go
# Two cores: two packages at a time, and no package's tests run for more than 20 minutes.
GOTEST_FLAGS ?= -p 2 -count=1 -timeout 20m
CONFIG ?= eim.yaml

# The release version (VERSION) and the git revision, linked into the binary (internal/version,
# `eim version`); the images and charts carry the same version (docs/upgrade.md).
VERSION := $(shell cat VERSION)
REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/eim-byoi/eim/internal/version.Version=$(VERSION) -X github.com/eim-byoi/eim/internal/version.Revision=$(REVISION)

# make fuzz: how long each fuzz target runs (go test -fuzztime); make test runs each for 2000 inputs.
FUZZTIME ?= 60s

.PHONY: images proto-breaking run build test unit fuzz deps deps-stop check generate proto proto-lint bench bench-fleet conformance e2e-faults clean

## run: serve every module on the embedded defaults (http 127.0.0.1:8080, grpc 127.0.0.1:9090, southbound TLS 127.0.0.1:8443)
run: build
	exec ./bin/eim serve

## build: the eim binary in bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/eim ./cmd/eim

## images: the OCI images of eim (docs/images.md), without a container runtime: <IMAGE_REPO>/eim:<VERSION> and
## one <IMAGE_REPO>/eim-<module>:<VERSION> per module, for PLATFORMS, as the OCI layout dist/oci and the archive
## dist/eim-images-<VERSION>.oci.tar; pushed to REGISTRY (e.g. 127.0.0.1:5000/eim-byoi) when it is given
IMAGE_REPO ?= ghcr.io/eim-byoi
PLATFORMS ?= linux/amd64,linux/arm64
REGISTRY ?=
CYCLONEDX_GOMOD := .tools/bin/cyclonedx-gomod
images: $(CYCLONEDX_GOMOD)
	$(GO) run ./scripts/images -out dist -version $(VERSION) -revision $(REVISION) \
	  -created $$(git log -1 --format=%ct HEAD) -repo $(IMAGE_REPO) -platforms $(PLATFORMS) \
	  -sbom-tool $(CYCLONEDX_GOMOD) $(if $(REGISTRY),-registry $(REGISTRY))

# the SBOM generator, from its tool module (make deps builds it too)
$(CYCLONEDX_GOMOD): scripts/deps/tools/cyclonedx-gomod/go.mod
	cd scripts/deps/tools/cyclonedx-gomod && GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
	  $(GO) build -o $(CURDIR)/$@ github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod

## test: everything, on a fresh Debian machine: backends, checks, all tests, then each fuzz
## target for a fixed number of inputs (their seeds already ran with the tests)
test: deps check
	$(GO) test $(GOTEST_FLAGS) ./...
	GO=$(GO) bash scripts/fuzz.sh 2000x

## unit: the tests alone, assuming `make deps` already ran
unit:
	$(GO) test $(GOTEST_FLAGS) ./...

## e2e-faults: the long form of the whole-stack fault test (issue 23: 1,000 simulated nodes, faults held
## longer than every timeout; every stack of the matrix, Keycloak included; 47 min on the shared 2-core machine);
## writes docs/reliability-long.md.
## The short form runs with `make test`; E2E_FAULTS_STACK=all runs every stack at the short sizes.
e2e-faults:
	E2E_FAULTS_LONG=1 $(GO) test -p 1 -count=1 -timeout 150m -run TestFaultsUnderLoad ./test/e2e -v -update

## fuzz: every fuzz target for FUZZTIME each (default 60s): token parser front end, claim
## decoder, strict YAML decoder (scripts/fuzz.sh)
fuzz:
	GO=$(GO) bash scripts/fuzz.sh $(FUZZTIME)

## deps: install and start every real backend the tests need (idempotent)
deps:
	bash scripts/deps/up.sh

## deps-stop: stop what deps started
deps-stop:
	bash scripts/deps/down.sh

## check: formatting, vet, the import lint (services never import an adapter nor another module's
## internals; providers never import an adapter outside the adapters), buf lint of our protos,
## buf breaking against the previous release (release/previous) and api/gen current with api/proto (needs
## make deps: the protobuf toolchain), and promtool check rules on the alert rules the charts ship
check: proto-lint proto-breaking
	@unformatted=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run TestRepository ./internal/importlint
	$(GO) test -count=1 -run '^TestGenerated|^TestLegacyProtos|^TestLegacyOpenAPI' ./api
	.tools/bin/promtool check rules charts/eim/files/alerts/eim.rules.yaml

## generate: the configuration descriptions (services/config/descriptions_gen.go) from the doc comments of the
## configuration types, then the configuration tables of docs/providers from them
generate:
	$(GO) generate ./services/config
	$(GO) test -count=1 -run TestDocsConfigTables ./services/config -update-docs

## proto: regenerate api/gen from api/proto with the pinned toolchain of make deps (docs/api.md)
proto:
	bash scripts/proto/gen.sh generate

## proto-lint: buf lint (STANDARD) of our own protos; the legacy copies are compiled unchanged, never linted
proto-lint:
	bash scripts/proto/gen.sh lint

## proto-breaking: buf breaking (WIRE_JSON) of our own protos against the previous release, the commit in
## release/previous (docs/upgrade.md)
proto-breaking:
	bash scripts/proto/gen.sh breaking

## bench: benchmarks, each side by side with the raw driver, hand-written SQL or (the API) the inventory
## call it makes in the same run; the results (ratios and p99 latencies included) are written into
## docs/benchmarks.md by internal/benchreport. BENCH_PKGS narrows the packages (a run updates only
## their sections), e.g. make bench BENCH_PKGS=./services/api
BENCH_PKGS ?= ./...
bench: deps
	@mkdir -p .tools/bench
	set -o pipefail; $(GO) test -p 1 -run '^$$' -bench . -benchmem $(BENCH_PKGS) | tee .tools/bench/out.txt
	$(GO) run ./internal/benchreport -in .tools/bench/out.txt -out docs/benchmarks.md

## bench-fleet: the real `eim serve --target day2` on PostgreSQL (make deps) and then on the embedded SQLite
## defaults under `eim edge-sim` fleets (test/fleet, build tag fleetbench; not part of make test): throughput,
## latency percentiles, server CPU per 1,000 RPCs, RSS, database transactions/s, transitions sent vs
## recorded, written into docs/benchmarks.md (section fleet), docs/img/fleet-*.svg and .tools/bench/fleet.json.
## Unattended: every eim process it starts is stopped at the end, a failure names the log to read.
## Each fleet runs fresh (the start storm: row `start`) until every node is through its start sequence or
## FLEET_DURATION has passed, whichever comes first (a node is through once its system information, its
## third heartbeat (running) and its first poll are acknowledged: at least FLEET_RAMP_UP + two heartbeats,
## about 42 s, however fast the server), then FLEET_STEADY longer: that steady window is row
## `steady` (its server CPU, RSS and xact/s from 1 s samples over exactly the window; "storm not over" when
## the duration ran out first), and the fleet runs again for FLEET_WARM right after (`warm`: as if every
## agent restarted). Environment (default): FLEET_SIZES_POSTGRES (1000,10000,30000,100000),
## FLEET_SIZES_SQLITE (1000,10000) comma-separated node counts (set but empty: none); FLEET_DURATION (120s: the storm's limit),
## FLEET_STEADY (30s; 0: no window, the run ends at FLEET_DURATION), FLEET_WARM (60s; 0: no warm run),
## FLEET_RAMP_UP (20s), FLEET_HEARTBEAT (10s), FLEET_POLL (20s), FLEET_PROFILE (20s of perf at the largest
## PostgreSQL size; 0: none), FLEET_PPROF (a directory for the server's pprof profiles; unset: none),
## FLEET_REPORT_ONLY=1 (rewrite the report from .tools/bench/fleet.json, measure nothing). The defaults take
## about 30-40 minutes here (registration about 10 of them).
bench-fleet: deps
	@mkdir -p .tools/bench
	set -o pipefail; $(GO) test -tags fleetbench -p 1 -count=1 -timeout 90m -run '^TestBenchFleet$$' -v ./test/fleet | tee .tools/bench/fleet.txt

## conformance: run the conformance suites against the providers in $(CONFIG)
conformance:
	$(GO) run ./cmd/eim conformance --config $(CONFIG) --json conformance.json --junit conformance.xml

clean:
	rm -rf bin .data dist
