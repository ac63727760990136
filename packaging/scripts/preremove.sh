#!/bin/sh
# Stop the agent before its files go (not on upgrade: postinstall restarts it).
case "$1" in
  upgrade|1) exit 0 ;;   # deb upgrade | rpm upgrade (one version left)
esac
if [ -d /run/systemd/system ]; then
  systemctl disable --now mgw >/dev/null 2>&1 || true
  systemctl stop 'mgw@*' >/dev/null 2>&1 || true
fi
exit 0
