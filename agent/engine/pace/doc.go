// Package pace decides how fast a job may go: the speed limits the config
// sets (bytes/s and requests/s, with their weekly schedule), the pacer that
// backs off when a server throttles, and the backoff between retries. It
// knows time and rates only: nothing of files, connectors or the index.
package pace
