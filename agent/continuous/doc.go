// Package continuous keeps a continuous job going after its first pass:
// it collects the changes the source's watch reports (or, where the
// source cannot be watched, polls with full passes), lets each settle,
// hands the settled ones to the runner, runs a reconcile pass every
// rescan, and applies the delete policy with its guards (SourceVanished,
// max_delete).
//
// It drives an engine.Runner and asks the source for the watch
// capability (connectors.Watcher); it never tests an address type or
// touches a file system itself.
package continuous
