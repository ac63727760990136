package main

// systemdUnitTemplate is packaging/mgw.service with the command line (and
// the user, with --user) filled in by the service library: a plain binary
// installed with mgw service install runs like the packaged one. The test
// keeps the two the same.
const systemdUnitTemplate = `# mgw agent: installed by the mgw .deb/.rpm; "mgw service install" writes
# the same unit for a plain binary.
[Unit]
Description=mgw data migration agent
Documentation=https://github.com/mgw-dev/mgw
After=network-online.target remote-fs.target
Wants=network-online.target
# Restart backoff: at most 5 starts in 10 minutes, 10 s apart, then the
# unit stays failed (mgw status --check and the alert rules say so).
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
{{if UserName}}User={{UserName}}
{{end}}ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=10s
# SIGTERM checkpoints the transfers in flight and unmounts the view.
TimeoutStopSec=90s
StandardOutput=journal
StandardError=journal
SyslogIdentifier=mgw
UMask=0077
LimitNOFILE=65536
# The state dir, 0700, owned by the user the agent runs as.
StateDirectory=mgw
StateDirectoryMode=0700

# Hardening that still lets the agent run as root (it must read every
# file) and mount the read-only view with FUSE: /usr, /boot and /etc are
# read-only to it; /var/lib/mgw and /mnt/mgw stay writable (other paths
# too, for local destinations), and mounts propagate to the host so that
# everyone sees /mnt/mgw.
ProtectSystem=full
ReadWritePaths=-/var/lib/mgw -/mnt/mgw
MountFlags=shared
PrivateTmp=yes
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`
