# shellcheck shell=bash
# The Kubernetes control plane of the chart install tests (sourced by up.sh): etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler built from the Go module proxy (tool modules
# scripts/deps/tools/{etcd,kube}), and kwok faking a node so that Deployments, Jobs and `helm test`
# pods reach their phases without a kubelet. Everything binds 127.0.0.1 (ports.env) and runs as
# TEST_USER; .tools/run/kube/kubeconfig is the clients' kubeconfig (admin token, system:masters).

KUBE_DIR=$RUN/kube
KUBECONFIG_FILE=$KUBE_DIR/kubeconfig

# ensure_kube_tools: build etcd, the three control-plane binaries and kwok (cold: ~12 minutes in all).
ensure_kube_tools() {
	grep -qF "k8s.io/api => k8s.io/api $KUBE_STAGING_VERSION" "$DEPS_DIR/tools/kube/go.mod" ||
		die "scripts/deps/tools/kube/go.mod does not replace the staging modules with $KUBE_STAGING_VERSION (versions.env). Fix: regenerate its replace block from $KUBE_MODULE $KUBE_VERSION's go.mod."
	build_go_tool etcd "$ETCD_MODULE" "$ETCD_MODULE" "$ETCD_VERSION"
	build_go_tool kwok "$KWOK_MODULE/cmd/kwok" "$KWOK_MODULE" "$KWOK_VERSION"
	local minor ld
	minor=$(cut -d. -f2 <<<"$KUBE_VERSION")
	ld="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
	local c
	for c in kube-apiserver kube-controller-manager kube-scheduler; do
		build_go_tool "$c" "$KUBE_MODULE/cmd/$c" "$KUBE_MODULE" "$KUBE_VERSION" "" "$ld" kube
	done
}

# kube_pki: a CA of its own, the API server's certificate (127.0.0.1, localhost and the in-cluster
# names), the service-account signing key, the token file and the kubeconfig.
kube_pki() {
	local d=$KUBE_DIR/pki
	make_dir "$KUBE_DIR" "$TEST_USER" 0755
	make_dir "$d" "$TEST_USER" 0700
	if ! { tls_valid "$d/ca.crt" "$d/ca.crt" && tls_valid "$d/apiserver.crt" "$d/ca.crt"; }; then
		: >"$LOGDIR/tls.log"
		tls_make "$d" "Kubernetes test CA and API server certificate" kube_pki_certs
	fi
	if [[ ! -s $d/sa.key ]]; then
		(cd "$d" && umask 077 && openssl genrsa -out sa.key 2048 && openssl rsa -in sa.key -pubout -out sa.pub) \
			>>"$LOGDIR/tls.log" 2>&1 || die "openssl could not create the service-account key (log: $LOGDIR/tls.log)."
	fi
	printf '%s,admin,admin,"system:masters"\n' "$KUBE_ADMIN_TOKEN" | put_file "$d/tokens.csv" 0600 "$TEST_USER"
	chown -R "$TEST_USER:$(id -gn "$TEST_USER")" "$d"
	put_file "$KUBECONFIG_FILE" 0600 "$TEST_USER" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: eim-test-bed
		  cluster: {server: "https://$H:$KUBE_APISERVER_PORT", certificate-authority: "$d/ca.crt"}
		users:
		- name: admin
		  user: {token: "$KUBE_ADMIN_TOKEN"}
		contexts:
		- name: eim-test-bed
		  context: {cluster: eim-test-bed, user: admin}
		current-context: eim-test-bed
	EOF
}
kube_pki_certs() {
	tls_new_ca ca "/O=EIM test bed/CN=EIM test bed Kubernetes CA" &&
		tls_sign apiserver ca "/O=EIM test bed/CN=kube-apiserver" \
			"subjectAltName=DNS:localhost,IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
			"keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth"
}

# kube_get PATH: GET PATH from the API server as admin (body on stdout); fails on non-2xx.
kube_get() {
	curl -fsS --max-time 5 --cacert "$KUBE_DIR/pki/ca.crt" -H "Authorization: Bearer $KUBE_ADMIN_TOKEN" \
		"https://$H:$KUBE_APISERVER_PORT$1" 2>/dev/null
}
etcd_ready() { http_ok "http://$H:$KUBE_ETCD_PORT/health"; }
kube_apiserver_ready() { [[ $(kube_get /readyz) == ok ]]; }
kube_component_ready() { curl -fsSk -o /dev/null --max-time 3 "https://$H:$1/healthz" 2>/dev/null; }
kwok_ready() { http_ok "http://$H:$KWOK_PORT/healthz"; }
kube_node_ready() {
	kube_get /api/v1/nodes/kwok-node-0 | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

start_kube() {
	kube_pki
	local pki=$KUBE_DIR/pki
	make_dir "$RUN/etcd" "$TEST_USER" 0700
	service_start etcd "$TEST_USER" "$BIN/.etcd.stamp" -- "$BIN/etcd" --name default --data-dir "$RUN/etcd/data" \
		--listen-client-urls "http://$H:$KUBE_ETCD_PORT" --advertise-client-urls "http://$H:$KUBE_ETCD_PORT" \
		--listen-peer-urls "http://$H:$KUBE_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$H:$KUBE_ETCD_PEER_PORT" \
		--initial-cluster "default=http://$H:$KUBE_ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
	service_wait etcd "http://$H:$KUBE_ETCD_PORT" 30 "make deps-stop; if it still fails: rm -rf $RUN/etcd && make deps" etcd_ready

	make_dir "$RUN/kube-apiserver" "$TEST_USER" 0700
	service_start kube-apiserver "$TEST_USER" "$BIN/.kube-apiserver.stamp" "$pki/apiserver.crt" "$pki/tokens.csv" -- \
		"$BIN/kube-apiserver" --etcd-servers="http://$H:$KUBE_ETCD_PORT" --bind-address="$H" --advertise-address="$H" \
		--secure-port="$KUBE_APISERVER_PORT" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
		--token-auth-file="$pki/tokens.csv" --authorization-mode=RBAC \
		--service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$pki/sa.pub" \
		--service-account-signing-key-file="$pki/sa.key" --service-cluster-ip-range=10.96.0.0/24 \
		--endpoint-reconciler-type=none
	service_wait kube-apiserver "https://$H:$KUBE_APISERVER_PORT (kubeconfig $KUBECONFIG_FILE)" 90 \
		"make deps-stop; if it still fails: rm -rf $RUN/etcd && make deps" kube_apiserver_ready

	local -a kc=(--kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE"
		--authorization-kubeconfig="$KUBECONFIG_FILE" --bind-address="$H" --leader-elect=false)
	make_dir "$RUN/kube-controller-manager" "$TEST_USER" 0700
	service_start kube-controller-manager "$TEST_USER" "$BIN/.kube-controller-manager.stamp" -- \
		"$BIN/kube-controller-manager" "${kc[@]}" --secure-port="$KUBE_CONTROLLER_MANAGER_PORT" \
		--service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
		--controllers='*,-node-ipam-controller'
	make_dir "$RUN/kube-scheduler" "$TEST_USER" 0700
	service_start kube-scheduler "$TEST_USER" "$BIN/.kube-scheduler.stamp" -- \
		"$BIN/kube-scheduler" "${kc[@]}" --secure-port="$KUBE_SCHEDULER_PORT"
	service_wait kube-controller-manager "https://$H:$KUBE_CONTROLLER_MANAGER_PORT" 60 "make deps-stop && make deps" \
		kube_component_ready "$KUBE_CONTROLLER_MANAGER_PORT"
	service_wait kube-scheduler "https://$H:$KUBE_SCHEDULER_PORT" 60 "make deps-stop && make deps" \
		kube_component_ready "$KUBE_SCHEDULER_PORT"
	start_kwok
}

# start_kwok: kwok with kwok's own "fast" node and pod stages and its node heartbeat with a lease
# (from the module cache; without the lease the node controller marks the node, then its pods,
# not ready after its grace period), and ours completing `helm test` pods; then the fake node.
start_kwok() {
	local dir=$RUN/kwok src
	make_dir "$dir" "$TEST_USER" 0700
	src=$(cd "$DEPS_DIR/tools/kwok" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' "$KWOK_MODULE") ||
		die "go list -m $KWOK_MODULE failed in scripts/deps/tools/kwok. Fix: check that the Go module proxy is reachable, then make deps."
	{
		local f
		for f in "$src"/kustomize/stage/node/fast/node-initialize.yaml \
			"$src"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
			"$src"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml \
			"$DEPS_DIR/kube/helm-test-complete.yaml"; do
			printf -- '---\n'
			cat "$f"
		done
	} | put_file "$dir/stages.yaml" 0600 "$TEST_USER"
	service_start kwok "$TEST_USER" "$dir/stages.yaml" "$BIN/.kwok.stamp" -- \
		"$BIN/kwok" --kubeconfig="$KUBECONFIG_FILE" --manage-all-nodes=true --server-address="$H:$KWOK_PORT" \
		--node-lease-duration-seconds=40 \
		--config="$dir/stages.yaml"
	service_wait kwok "http://$H:$KWOK_PORT" 30 "make deps-stop && make deps" kwok_ready
	curl -sS -o /dev/null --max-time 10 --cacert "$KUBE_DIR/pki/ca.crt" -H "Authorization: Bearer $KUBE_ADMIN_TOKEN" \
		-H 'Content-Type: application/yaml' --data-binary "@$DEPS_DIR/kube/node.yaml" \
		"https://$H:$KUBE_APISERVER_PORT/api/v1/nodes" || die "could not create the kwok node."
	wait_ready kwok 30 kube_node_ready || fail_service kwok "node kwok-node-0 is not Ready after 30s" "make deps-stop && make deps"
	status kwok-node up "kwok-node-0 Ready (fake: kwok completes its pods)"
}

# ensure_kubernetes_validate: PyPI kubernetes-validate (the Kubernetes OpenAPI schemas, offline) in
# .tools/venv, which the chart tests validate every rendered manifest with.
KV_STAMP=$TOOLS/venv/.kubernetes-validate-version
ensure_kubernetes_validate() {
	local venv=$TOOLS/venv
	if [[ -x $venv/bin/kubernetes-validate && -f $KV_STAMP && $(<"$KV_STAMP") == "$KUBERNETES_VALIDATE_VERSION" ]]; then
		return 0
	fi
	log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (PyPI) into $venv"
	{
		[[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
		"$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
	} >"$LOGDIR/kubernetes-validate.log" 2>&1 || {
		tail -n 30 "$LOGDIR/kubernetes-validate.log" >&2
		die "pip could not install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION (log above)."
	}
	printf '%s' "$KUBERNETES_VALIDATE_VERSION" >"$KV_STAMP"
}
