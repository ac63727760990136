//go:build !linux

package agent

// watchable: on other systems fsnotify's own backend decides; network
// shares are treated as watchable and the rescan pass reconciles them.
func watchable(string) (bool, string) { return true, "" }
