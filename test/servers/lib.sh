# shellcheck shell=bash
# Helpers shared by the test server scripts: source it, it only defines functions.

# wait_tcp HOST PORT [PID]: wait up to 30 s for HOST:PORT to accept a
# connection; give up at once if process PID dies first.
wait_tcp() {
	local i
	for ((i = 0; i < 300; i++)); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
			echo "process $3 exited before $1:$2 was ready" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$1:$2 not ready after 30 s" >&2
	return 1
}

# pidfile_alive FILE: the process whose id FILE holds is running.
pidfile_alive() {
	[ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pidfile FILE: stop the process whose id FILE holds, wait until it is
# gone (SIGKILL after 5 s), and remove FILE. Nothing to stop is not an error.
stop_pidfile() {
	local pid i
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if kill "$pid" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

# apt_install PKG...: install Debian packages, refreshing the package lists
# first if they are too old to know them (a fresh machine's often are).
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "$@" >&2 ||
		{ apt-get update >&2 && apt-get install -y --no-install-recommends "$@" >&2; }
}

# serve VERB: a server script's command line. The script defines start,
# stop and info (its key=value lines), keeps the server's pid in $pidfile,
# and may define bounce (stop and start keeping the data); serve runs
# start, stop, restart, status and, where defined, bounce.
serve() {
	local verbs=start\|stop\|restart\|status
	declare -F bounce >/dev/null && verbs=start\|stop\|restart\|bounce\|status
	case "${1:-}" in
	start | stop) "$1" ;;
	restart)
		stop
		start
		;;
	status)
		# shellcheck disable=SC2154 # the sourcing script sets pidfile
		if pidfile_alive "$pidfile"; then
			info
		else
			echo "stopped"
			exit 3
		fi
		;;
	bounce) if [[ $verbs == *bounce* ]]; then bounce; else serve_usage "$verbs"; fi ;;
	*) serve_usage "$verbs" ;;
	esac
}

serve_usage() {
	echo "usage: $0 $1" >&2
	exit 2
}
