// Package nasfs holds what the share connectors (smb, nfs) have in
// common: all of connectors.Bucket but the protocol. Share implements
// Bucket over a pool of FS connections: key checks and key-to-path
// mapping, Put through a temporary name renamed into place, ranged reads
// that resume on a new connection, the parallel, paged walk behind List
// and ListDir (a folder reopened and its names skipped after a drop),
// Check, and the classification that needs no protocol (a path through a
// file is not found; a folder is not an object).
//
// A backend supplies FS, the nine calls its client library offers, plus
// Dial, and the two functions that sort its client's errors (Kind,
// Broken). nasfs must not know either protocol or either library: no
// NTSTATUS, no NFS3ERR, no backslashes.
package nasfs
