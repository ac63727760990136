// Package agent is the mgw agent process: it runs every job of a config in
// the background (one-shot jobs once, continuous jobs until stopped),
// applies a reloaded config, answers the control API on a unix socket,
// serves the Prometheus metrics and is the source of the read-only view
// (package vfs renders it).
//
// Below it: agent/config reads the config file; agent/engine runs one
// job's passes; agent/continuous keeps a continuous job going between
// passes; agent/client is the CLI's side of the control API. The agent
// knows no backend: it opens addresses through connectors/all.
package agent
