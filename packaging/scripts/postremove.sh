#!/bin/sh
# The state (/var/lib/mgw) and the config are kept unless purged.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = "purge" ]; then
  rm -rf /var/lib/mgw
fi
exit 0
