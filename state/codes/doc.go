// Package codes is mgw's catalogue of error codes: the hosted "Data Online
// Migration" service's codes with their exact messages, mgw's own codes in
// the same style, and for every code a remedy an operator can act on.
//
// Two embedded files hold it. catalogue.tsv is the hosted service's
// catalogue copied verbatim (code, scope, message); it is never edited, only
// copied again. A test pins its SHA-256, and compares it with a reference
// copy when MGW_CODES_REFERENCE names one. mgw.tsv (code, scope, message,
// remedy) gives every catalogue code its remedy, leaving scope and message
// empty, and defines mgw's own codes in full.
// Program code refers to codes by the constants of this package, never by
// string literals.
//
// The catalogue has no per-file codes, so mgw adds them, with scope "file".
// Where the hosted service has a message its users search for, that message
// is kept:
//
//	situation                                 code                  message
//	source throttled past the retry budget    SourceThrottled       downloader gets input stream failed
//	destination throttled past the budget     DestThrottled         (mgw's own)
//	file changed while copied (requeued)      SourceFileChanged     check size failed
//	connection dropped mid-transfer           TransferInterrupted   premature end of content-length delimited message body
//	403 from the source / the destination     SourceAccessDenied,   http status code 403
//	                                          DestAccessDenied
//	archived object refused on read           SourceObjectArchived  The operation is not valid for the object's state
//	metadata the destination refuses          UserMetaInvalid       check usermeta failed
//	file cannot be opened or read             SourceFileUnreadable  (mgw's own)
//	key over 1023 bytes                       DestObjectNameTooLong (mgw's own)
//	size or checksum mismatch after copy      DestVerifyFailed      (mgw's own)
//	any other refused write                   DestWriteFailed       (mgw's own; the detail carries the server's code)
//	file deleted between scan and copy        SourceFileNotFound    (mgw's own; recorded as skipped, not failed)
//
// For the other per-file cases mgw records a catalogue code:
//
//   - a name the destination cannot store (not UTF-8, characters OSS refuses):
//     SourceAddrHasUnsupportedChar;
//   - an object found in an archive or cold storage class while listing,
//     listed and not attempted: UnsupportedArchiveBucket;
//   - errors of no known kind still failing at the job's retry limit:
//     RetryExceedMaxCount, with the last error as detail (errors of a known
//     kind keep their own code at the limit: TransferInterrupted for 5xx,
//     timeouts and resets, SourceThrottled/DestThrottled, SourceFileChanged);
//   - a source folder that cannot be listed: SourceReadDirFailed, and a
//     destination folder: DestReadDirFailed.
//
// Of the Provider* codes mgw gives only ProviderAccessDenied, when a job's
// permissions are revoked mid-run; a file's own 403 is SourceAccessDenied
// or DestAccessDenied, so the side is known. The others have better codes
// in mgw (see use.tsv).
//
// use.tsv classifies every catalogue code: "produced", naming the test
// that provokes it, or "n/a", saying why and what mgw does instead. The
// tests hold a produced code to a use in program code and to its test,
// and docs/codes.md is generated from all three files (go generate).
//
// The hosted service's "check content-length failed" has no code in mgw: it
// was a deliberate skip (the destination object was newer) reported as a
// failure. mgw lists such files under skipped, with the overwrite policy
// that decided it, and never as failed.
//
// The service codes ConfigFileInvalid and AgentNotRunning cover what the
// hosted service cannot meet: a config file that does not parse, and a CLI
// that finds no agent on the control socket.
package codes

//go:generate go run ./gen ../../docs/codes.md
