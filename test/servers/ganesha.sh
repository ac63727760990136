#!/usr/bin/env bash
# ganesha.sh start|stop|restart|status
#
# The NFSv3 test server reached through the portmapper, as NAS appliances
# and the kernel server are: Debian's nfs-ganesha (VFS) with a private
# config, NFS on 127.0.0.1:20491 and MOUNT on 127.0.0.1:20492 (two ports:
# on one, MOUNT calls get PROG_UNAVAIL), registered with rpcbind on port
# 111 (ganesha exits without one; a running rpcbind is reused, else one is
# started and stopped again by stop). Data under /tmp/mgw-ganesha:
#   /export  folder export/, any client port
#   /secure  folder secure/, PrivilegedPort: only clients on a reserved
#            source port (below 1024), as the kernel server's "secure"
# Both are read-write, without root squashing. start installs nfs-ganesha,
# nfs-ganesha-vfs and rpcbind with apt-get if missing, and does nothing if
# the server already runs; restart gives an empty server. start and status
# print key=value lines for tests. There is one instance only: the
# portmapper knows one NFS server per host.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

host=127.0.0.1
nfs_port=20491
mnt_port=20492
dir=/tmp/mgw-ganesha
pidfile=$dir.pid
rpcbind_pidfile=/tmp/mgw-rpcbind.pid # only when this script started rpcbind
log=$dir/ganesha.log

info() {
	echo "server=$host"
	echo "export=/export"
	echo "dir=$dir/export"
	echo "secure_export=/secure"
	echo "secure_dir=$dir/secure"
	echo "nfs_port=$nfs_port"
	echo "mnt_port=$mnt_port"
	echo "pid=$(cat "$pidfile")"
}

install() {
	# The VFS backend is a package of its own.
	command -v ganesha.nfsd >/dev/null && command -v rpcbind >/dev/null && command -v rpcinfo >/dev/null &&
		compgen -G '/usr/lib/*/ganesha/libfsalvfs.so' >/dev/null && return 0
	echo "installing nfs-ganesha with apt-get" >&2
	apt_install nfs-ganesha nfs-ganesha-vfs rpcbind
	# On a machine with systemd the package starts the system's ganesha,
	# which would take the portmapper's NFS entry; rpcbind stays.
	if command -v systemctl >/dev/null && systemctl is-active --quiet nfs-ganesha 2>/dev/null; then
		systemctl stop nfs-ganesha >&2
	fi
}

configure() {
	mkdir -p "$dir"/{export,secure,recov}
	# NFSv3 only. Exports are mounted by their Pseudo path
	# (Mount_Path_Pseudo), not by their folder.
	cat >"$dir/ganesha.conf" <<CONF
NFS_CORE_PARAM {
	Bind_addr = $host;
	NFS_Port = $nfs_port;
	MNT_Port = $mnt_port;
	Protocols = 3;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = false;
	Mount_Path_Pseudo = true;
}
NFSV4 {
	Graceless = true;
	RecoveryBackend = fs;
	RecoveryRoot = "$dir/recov";
}
EXPORT_DEFAULTS {
	Protocols = 3;
	Transports = TCP;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
}
EXPORT {
	Export_Id = 1;
	Path = "$dir/export";
	Pseudo = "/export";
	FSAL { Name = VFS; }
}
EXPORT {
	Export_Id = 2;
	Path = "$dir/secure";
	Pseudo = "/secure";
	PrivilegedPort = true;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
CONF
}

# start_rpcbind reuses a running rpcbind, or starts one of its own.
start_rpcbind() {
	if pidfile_alive "$rpcbind_pidfile" || pgrep -x rpcbind >/dev/null; then
		return 0
	fi
	mkdir -p /run/rpcbind
	setsid rpcbind -f -w >/tmp/mgw-rpcbind.log 2>&1 &
	echo $! >"$rpcbind_pidfile"
	wait_tcp 127.0.0.1 111 "$(cat "$rpcbind_pidfile")"
}

# registered: the portmapper gives this server's ports for NFS 3 and
# MOUNT 3, and both answer there (a NULL call).
registered() {
	local map
	map=$(rpcinfo -p "$host" 2>/dev/null) || return 1
	grep -Eq "^ +100003 +3 +tcp +$nfs_port " <<<"$map" && grep -Eq "^ +100005 +3 +tcp +$mnt_port " <<<"$map" &&
		rpcinfo -t "$host" nfs 3 >/dev/null 2>&1 && rpcinfo -t "$host" mountd 3 >/dev/null 2>&1
}

# run starts ganesha in a session of its own (it signals its process group
# on the way out) and waits until it answers through the portmapper.
run() {
	setsid ganesha.nfsd -F -f "$dir/ganesha.conf" -L "$log" -p "$dir/ganesha.nfsd.pid" -N NIV_EVENT \
		>"$dir/ganesha.out" 2>&1 &
	echo $! >"$pidfile"
	local pid i
	pid=$(cat "$pidfile")
	for ((i = 0; i < 300; i++)); do
		registered && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "ganesha.nfsd exited before it was ready" >&2
			break
		fi
		sleep 0.1
	done
	tail -n 20 "$log" "$dir/ganesha.out" >&2 || true
	stop_pidfile "$pidfile"
	return 1
}

start() {
	if pidfile_alive "$pidfile" && registered; then
		info
		return 0
	fi
	stop_pidfile "$pidfile"
	if (exec 3<>"/dev/tcp/$host/$nfs_port") 2>/dev/null; then
		echo "$host:$nfs_port is taken by a process this script did not start" >&2
		return 1
	fi
	install
	start_rpcbind
	rm -rf "$dir"
	configure
	run
	info
}

stop() {
	stop_pidfile "$pidfile" # SIGTERM: ganesha takes its ports back from rpcbind
	stop_pidfile "$rpcbind_pidfile"
	rm -rf "$dir"
}

serve "$@"
