#!/usr/bin/env bash
# Protobuf code generation and lint (docs/api.md, docs/adr/0007-proto-generation.md).
#
#   scripts/proto/gen.sh generate [DIR]   buf generate into DIR (default: the repository; files land in DIR/api/gen)
#   scripts/proto/gen.sh lint             buf lint of our own protos (api/proto, the legacy copies excluded)
#   scripts/proto/gen.sh include          only assemble the dependency include tree, print its path
#   scripts/proto/gen.sh breaking [REF]   buf breaking (WIRE_JSON) of our own protos against those of REF
#                                         (default: the commit in release/previous; docs/upgrade.md)
#
# Needs the toolchain of `make deps` in .tools/bin (buf and the protoc-gen-* plugins, pinned in
# scripts/deps/versions.env) and the .proto sources it fetched into .tools/proto. Nothing is fetched here
# except Go modules through the Go module proxy (go mod download), and nothing goes to the Buf Schema
# Registry: every import resolves inside the buf workspace of buf.yaml.
#
# The dependency protos (buf.yaml's module .tools/proto/include) are assembled from:
#   validate/validate.proto               the Go module github.com/envoyproxy/protoc-gen-validate (go.mod's version)
#   gnostic/openapi/v3/*.proto            the Go module github.com/google/gnostic-models (go.mod's version):
#                                         openapiv3/{annotations,OpenAPIv3}.proto, re-packaged as the legacy
#                                         protos import them (see regnostic)
#   google/api/*, google/rpc/*            the PyPI wheel googleapis-common-protos (.tools/proto, make deps)
#   buf/validate/validate.proto           the Maven Central jar build.buf:protovalidate (.tools/proto, make deps)
# The well-known types (google/protobuf/*) are built into buf.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=../deps/versions.env
source scripts/deps/versions.env
TOOLS=$ROOT/.tools
BIN=$TOOLS/bin

die() {
	printf 'proto: error: %s\n' "$*" >&2
	exit 1
}

need_tools() {
	local t
	for t in buf protoc-gen-go protoc-gen-go-grpc protoc-gen-grpc-gateway protoc-gen-openapiv2 protoc-gen-validate; do
		[[ -x $BIN/$t && -f $BIN/.$t.stamp ]] || die "$BIN/$t is missing: run make deps (it builds the pinned protobuf toolchain)."
	done
	local stamp
	stamp=$(<"$BIN/.buf.stamp")
	[[ $stamp == "buf $BUF_VERSION "* ]] ||
		die "$BIN/buf is not buf $BUF_VERSION (scripts/deps/versions.env): run make deps."
}

# module_dir MODULE: the module cache directory of MODULE at the version the main go.mod selects.
module_dir() {
	local dir
	dir=$(go list -m -f '{{.Dir}}' "$1" 2>/dev/null) || true
	if [[ -z $dir || ! -d $dir ]]; then
		go mod download "$1" >&2 || die "go mod download $1 failed."
		dir=$(go list -m -f '{{.Dir}}' "$1" 2>/dev/null) || true
	fi
	[[ -d $dir ]] || die "$1 is not in the main go.mod: run go mod tidy."
	printf '%s' "$dir"
}

# put SRC DEST: copy one file into the include tree being built.
put() {
	[[ -f $1 ]] || die "missing $1: run make deps."
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2"
	chmod 0644 "$2"
}

# regnostic SRC DEST: SRC with package openapi.v3 renamed gnostic.openapi.v3 and its import of
# openapiv3/OpenAPIv3.proto pointed at gnostic/openapi/v3/openapiv3.proto; each rewrite must apply once.
regnostic() {
	[[ -f $1 ]] || die "missing $1 (github.com/google/gnostic-models)."
	mkdir -p "$(dirname "$2")"
	sed -e 's|^package openapi\.v3;$|package gnostic.openapi.v3;|' \
		-e 's|^import "openapiv3/OpenAPIv3\.proto";$|import "gnostic/openapi/v3/openapiv3.proto";|' "$1" >"$2"
	grep -q '^package gnostic\.openapi\.v3;$' "$2" || die "$1 no longer declares package openapi.v3: update regnostic in $0."
	if grep -q '^import "openapiv3/' "$2"; then die "$1 imports another openapiv3 file: update regnostic in $0."; fi
}

# assemble_include: .tools/proto/include -> include-<hash of the sources' versions>, built once per set of
# versions (in a temporary directory, renamed into place) and then only re-pointed. Several checkouts share
# .tools, so a finished tree is never modified.
assemble_include() {
	local pgv gnostic gapi=$TOOLS/proto/googleapis-common-protos-$GOOGLEAPIS_COMMON_PROTOS_VERSION
	local pv=$TOOLS/proto/protovalidate-$PROTOVALIDATE_JAR_VERSION
	[[ -f $gapi/.eim-complete && -f $pv/.eim-complete ]] ||
		die "the fetched .proto sources are missing under $TOOLS/proto: run make deps."
	pgv=$(module_dir github.com/envoyproxy/protoc-gen-validate)
	gnostic=$(module_dir github.com/google/gnostic-models)
	local key dir tmp
	key=$(printf '%s\n' "$pgv" "$gnostic" "$gapi" "$pv" 5 | sha256sum | cut -c1-12)
	dir=$TOOLS/proto/include-$key
	if [[ ! -d $dir ]]; then
		tmp=$(mktemp -d "$TOOLS/proto/.include.XXXXXX")
		put "$pgv/validate/validate.proto" "$tmp/validate/validate.proto"
		# The legacy protos import gnostic/openapi/v3/annotations.proto, package gnostic.openapi.v3 (the
		# BSR's packaging of gnostic, which no reachable registry serves); gnostic-models ships the same two
		# files as openapiv3/*.proto, package openapi.v3. Only the package and the import path are rewritten:
		# extension numbers, messages and go_package (github.com/google/gnostic-models/openapiv3) stay
		# theirs, so options encode exactly as the registered gnostic-models types decode them.
		regnostic "$gnostic/openapiv3/annotations.proto" "$tmp/gnostic/openapi/v3/annotations.proto"
		regnostic "$gnostic/openapiv3/OpenAPIv3.proto" "$tmp/gnostic/openapi/v3/openapiv3.proto"
		cp -R "$gapi/google" "$tmp/google"
		put "$pv/buf/validate/validate.proto" "$tmp/buf/validate/validate.proto"
		{
			printf 'Assembled by scripts/proto/gen.sh; never edited. Sources:\n'
			printf '  %s\n' "$pgv" "$gnostic" "$gapi" "$pv"
		} >"$tmp/SOURCES.txt"
		chmod -R a+rX "$tmp"
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # another run may have finished it first
	fi
	# atomic re-point: a symlink renamed over the old one
	if [[ $(readlink "$TOOLS/proto/include" 2>/dev/null) != "include-$key" ]]; then
		ln -sfn "include-$key" "$TOOLS/proto/include.new.$$"
		mv -T "$TOOLS/proto/include.new.$$" "$TOOLS/proto/include"
	fi
	printf '%s' "$TOOLS/proto/include"
}

# own_protos: our own .proto files (api/proto outside api/proto/legacy).
own_protos() {
	find api/proto -path api/proto/legacy -prune -o -name '*.proto' -print | sort
}

# CONFIG: buf.yaml as buf should read it. buf refuses a module without .proto files, so while api/proto
# holds none of our own, its entry (between "# own:begin" and "# own:end") is left out.
config() {
	if [[ -n $(own_protos) ]]; then
		cat buf.yaml
	else
		sed '/# own:begin/,/# own:end/d' buf.yaml
	fi
}

# modules: the module directories of the effective buf.yaml that code is generated for (all but the
# third-party dependency module under .tools).
modules() {
	config | awk '$1 == "-" && $2 == "path:" && $3 !~ /^\.tools\// { print $3 }'
}

generate() {
	local out=${1:-$ROOT}
	need_tools
	assemble_include >/dev/null
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	local tmp cfg m
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/eim-proto.XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	cfg=$(config)
	for m in $(modules); do
		PATH=$BIN:$PATH "$BIN/buf" generate "$m" --config "$cfg" --template buf.gen.yaml -o "$tmp" ||
			die "buf generate $m failed."
	done
	# Replace api/gen whole, so that the files of a removed proto disappear too.
	[[ -d $tmp/api/gen ]] || die "buf generate wrote nothing to api/gen."
	rm -rf "$out/api/gen"
	mkdir -p "$out/api"
	cp -R "$tmp/api/gen" "$out/api/gen"
}

lint() {
	need_tools
	assemble_include >/dev/null
	if [[ -z $(own_protos) ]]; then
		printf 'proto: api/proto holds no protos of our own yet (the legacy copies are never linted): nothing to lint\n'
		return 0
	fi
	"$BIN/buf" lint api/proto --config "$(config)" || die "buf lint found problems in api/proto (rules: buf.yaml)."
	printf 'proto: buf lint api/proto: clean\n'
}

# breaking REF: our own protos must stay wire- and JSON-compatible with those of commit REF (the
# previous release): both sides are built into buf images (REF's from a git archive of it, sharing
# this checkout's .tools) and compared with the WIRE_JSON rules, imports excluded.
breaking() {
	local ref=${1:-$(tr -d '[:space:]' <release/previous)}
	need_tools
	assemble_include >/dev/null
	git rev-parse --verify -q "$ref^{commit}" >/dev/null || die "release/previous: $ref is not a commit of this repository (git fetch it)."
	local tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/eim-breaking.XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	mkdir "$tmp/prev"
	git archive "$ref" | tar -x -C "$tmp/prev"
	ln -s "$TOOLS" "$tmp/prev/.tools"
	if [[ -z $(cd "$tmp/prev" && own_protos) ]]; then
		printf 'proto: %s has no protos of our own: nothing to compare\n' "$ref"
		return 0
	fi
	(cd "$tmp/prev" && "$BIN/buf" build api/proto --config "$(config)" -o "$tmp/prev.binpb") ||
		die "buf build of $ref's api/proto failed."
	"$BIN/buf" build api/proto --config "$(config)" -o "$tmp/cur.binpb" || die "buf build of api/proto failed."
	"$BIN/buf" breaking "$tmp/cur.binpb" --against "$tmp/prev.binpb" --exclude-imports \
		--config '{"version":"v2","breaking":{"use":["WIRE_JSON"]}}' ||
		die "api/proto breaks the wire or JSON contract of $ref (release/previous): keep fields and numbers, add new ones (docs/upgrade.md)."
	printf 'proto: buf breaking (WIRE_JSON) against %s: compatible\n' "$ref"
}

case ${1:-} in
generate) generate "${2:-}" ;;
lint) lint ;;
breaking) breaking "${2:-}" ;;
include) assemble_include && echo ;;
*) die "usage: $0 generate [DIR] | lint | include | breaking [REF]" ;;
esac
