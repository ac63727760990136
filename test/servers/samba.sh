#!/usr/bin/env bash
# samba.sh start|stop|restart|bounce|status
#
# The SMB test server: Debian's smbd with a private config on
# 127.0.0.1:1445 (SMB2/3 only), data under /tmp/mgw-smb. User mgwtest, whose
# password holds commas and both quote characters, may use the shares:
#   data    read-write; its folder denied/ belongs to root, mode 0700, so
#           mgwtest cannot read it
#   second  read-write, another folder
# start installs samba with apt-get if smbd is missing, and does nothing if
# the server already runs; restart gives an empty server; bounce stops and
# starts smbd keeping the data (a server restart under a running job).
# start and status print key=value lines for tests. MGW_SMB_PORT runs
# another instance on another port, with its own folder (tests that
# restart a server use their own, so as not to disturb the others).
# MGW_SMB_PROFILE=1 at start has smbd count the requests it serves, by
# SMB2 command (smbd profiling level = count): smbstatus --configfile=
# <conf> --profile prints them, conf= names the config.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

host=127.0.0.1
port=${MGW_SMB_PORT:-1445}
dir=/tmp/mgw-smb
[ "$port" = 1445 ] || dir=/tmp/mgw-smb-$port
pidfile=$dir.pid
user=mgwtest
password='pa,ss"wo'\''rd 1'

info() {
	echo "server=$host:$port"
	echo "share=data"
	echo "user=$user"
	echo "dir=$dir/share"
	echo "conf=$dir/smb.conf"
	echo "pid=$(cat "$pidfile")"
}

install() {
	command -v smbd >/dev/null && command -v smbpasswd >/dev/null && return 0
	echo "installing samba with apt-get" >&2
	apt_install samba
}

configure() {
	local profiling=off
	[ -z "${MGW_SMB_PROFILE:-}" ] || profiling=count
	mkdir -p "$dir"/{private,lock,state,cache,pid,log,ncalrpc,share,second}
	chmod 0777 "$dir/share" "$dir/second"
	mkdir -p "$dir/share/denied"
	echo "secret" >"$dir/share/denied/file"
	chown -R root:root "$dir/share/denied"
	chmod 0700 "$dir/share/denied"
	cat >"$dir/smb.conf" <<CONF
[global]
   workgroup = WORKGROUP
   server role = standalone server
   interfaces = $host
   bind interfaces only = yes
   smb ports = $port
   disable netbios = yes
   server min protocol = SMB2_02
   map to guest = never
   passdb backend = tdbsam:$dir/private/passdb.tdb
   private dir = $dir/private
   lock directory = $dir/lock
   state directory = $dir/state
   cache directory = $dir/cache
   pid directory = $dir/pid
   ncalrpc dir = $dir/ncalrpc
   log file = $dir/log/log.%m
   log level = 1
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
   smbd profiling level = $profiling
[data]
   path = $dir/share
   read only = no
   valid users = $user
   create mask = 0644
[second]
   path = $dir/second
   read only = no
   valid users = $user
CONF
	# Samba users must be Unix users; no home, no shell.
	id "$user" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$user"
	printf '%s\n%s\n' "$password" "$password" | smbpasswd -c "$dir/smb.conf" -s -a "$user" >/dev/null
}

# smbd runs in a session of its own: on shutdown it signals its whole
# process group, which must not be the caller's.
run() {
	setsid nohup smbd --foreground --no-process-group --debug-stdout \
		--configfile="$dir/smb.conf" >"$dir/log/smbd.out" 2>&1 &
	echo $! >"$pidfile"
	if ! wait_tcp "$host" "$port" "$(cat "$pidfile")"; then
		tail -n 20 "$dir/log/smbd.out" >&2
		stop_pidfile "$pidfile"
		return 1
	fi
}

start() {
	if pidfile_alive "$pidfile"; then
		info
		return 0
	fi
	rm -f "$pidfile"
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		echo "$host:$port is taken by a process this script did not start" >&2
		return 1
	fi
	install
	rm -rf "$dir"
	configure
	run
	info
}

# stop_smbd stops smbd and the children it forked per connection, which
# share its process group (and nothing else does: see run).
stop_smbd() {
	local pid
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill -TERM -- "-$pid" 2>/dev/null || true
	stop_pidfile "$pidfile"
}

stop() {
	stop_smbd
	rm -rf "$dir"
}

# bounce: stop and start the server keeping its files (a server restart
# under a running job).
bounce() {
	if ! [ -d "$dir/share" ]; then
		echo "not started" >&2
		exit 1
	fi
	stop_smbd
	run
	info
}

serve "$@"
