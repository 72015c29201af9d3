#!/usr/bin/env bash
# make deps-stop: stop every test-bed server that scripts/deps/up.sh started, by its PID file
# (a graceful signal first, SIGKILL after a time-out). Idempotent; data under .tools/run is kept
# (rm -rf .tools/run for a clean slate; OpenBao and Keycloak keep nothing across restarts anyway).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Seconds to wait for a graceful stop before SIGKILL.
declare -A STOP_TIMEOUT=([rabbitmq]=60 [keycloak]=30 [mariadb]=60)

main() {
	need_root
	if [[ ! -d $RUN ]]; then
		log "nothing to stop ($RUN does not exist)"
		return 0
	fi
	take_lock
	local i name
	for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
		name=${SERVICES[i]}
		if alive "$name"; then
			stop_service "$name" "${STOP_SIGNAL[$name]:-TERM}" "${STOP_TIMEOUT[$name]:-20}"
			status "$name" down stopped
		else
			rm -f "$(pid_file "$name")"
			status "$name" down "not running"
		fi
	done
}

main "$@"
