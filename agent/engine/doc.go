// Package engine runs one migration job's passes: a pass lists the
// source, plans each file against the index and the destination (filters,
// the overwrite policy), copies what needs it (a single put, multipart
// with checkpoints, or a stream), verifies each copy and records it, with
// retries, pacing and limits (engine/pace), the hold on a side that
// refuses access, restores of archived objects, and the run's report.
//
// A Runner is the job; Run does one pass. Continuous mode lives above, in
// agent/continuous, which drives the runner through Start, FullPass, Scan
// and Examine and is told what only it knows through the Continuous hooks.
// The engine knows backends only through connectors and connectors/all,
// and the config only as resolved Settings.
package engine
