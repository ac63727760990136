#!/bin/sh
# The agent is not started here: the example config must be edited first.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  # An upgrade restarts the running agents, mgw and the shards mgw@I:
  # transfers are checkpointed on stop.
  if systemctl is-active --quiet mgw 'mgw@*' 2>/dev/null; then
    systemctl try-restart mgw 'mgw@*' || true
    exit 0
  fi
fi
echo "mgw: edit /etc/mgw/mgw.yaml, check it with 'mgw agent --check-config', then: systemctl enable --now mgw"
exit 0
