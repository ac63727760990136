//go:build !linux

package local

// watchable: on other systems fsnotify's own backend decides; network
// shares are treated as watchable and the agent's rescan passes reconcile
// them.
func watchable(string) error { return nil }
