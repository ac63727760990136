#!/usr/bin/env bash
# fuse.sh start|stop|restart|status
#
# Not a server: makes FUSE usable for the read-only view's tests (package
# vfs). start installs fuse3 with apt-get when fusermount3 is missing (and
# less, which the tests read the view with, when it is missing) and
# checks that /dev/fuse exists and the kernel knows fuse; it fails when FUSE
# cannot work here, so make test does not run the view's tests half-way.
# stop detaches stale mounts of the view that a killed test left behind
# (type fuse.mgw under /tmp, "transport endpoint is not connected"); live
# mounts are left alone. start and status print key=value lines.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

info() {
	echo "fusermount3=$(command -v fusermount3)"
	echo "dev_fuse=/dev/fuse"
}

check() {
	if [ ! -c /dev/fuse ]; then
		echo "/dev/fuse is missing: FUSE cannot work here (a container needs --device /dev/fuse and CAP_SYS_ADMIN)" >&2
		return 1
	fi
	if ! grep -qw fuse /proc/filesystems; then
		echo "the kernel does not list fuse in /proc/filesystems: modprobe fuse" >&2
		return 1
	fi
}

install() {
	local pkgs=()
	command -v fusermount3 >/dev/null || pkgs+=(fuse3)
	command -v less >/dev/null || pkgs+=(less)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	echo "installing ${pkgs[*]} with apt-get" >&2
	apt_install "${pkgs[@]}" >/dev/null 2>&1
}

# stale_mounts: mount points of the view under /tmp (left by killed tests).
stale_mounts() {
	awk '$3 == "fuse.mgw" && $2 ~ "^/tmp/" { print $2 }' /proc/mounts
}

case "${1:-}" in
start)
	install
	check
	info
	;;
stop)
	for m in $(stale_mounts); do
		stat "$m" >/dev/null 2>&1 || umount -l "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null || true
	done
	;;
restart)
	"$0" stop
	"$0" start
	;;
status)
	if command -v fusermount3 >/dev/null && check 2>/dev/null; then
		info
	else
		echo "stopped"
		exit 3
	fi
	;;
*)
	echo "usage: $0 start|stop|restart|status" >&2
	exit 2
	;;
esac
