package vfs

// readme is the README at the root of the view.
const readme = `mgw: the read-only view of this agent
======================================

Everything here is read-only: writing, creating, renaming or deleting
fails with "Read-only file system". Each file shows a snapshot taken when
it is opened; open it again to see newer data.

README                   this file
agent/status             version, uptime, config path, state dir, shard, the jobs and their states
agent/metrics            Prometheus text format (the same as the metrics endpoint)
addresses/NAME/config    the data address, every secret replaced by ****
addresses/NAME/check     the last verification: time, then OK or the code and message
jobs/JOB/status          state, shard (of a job spread over agents), files and
                         bytes done/total, rate, ETA, lag, last scan, failures by code
jobs/JOB/status.json     the same, as JSON
jobs/JOB/config          the job's settings
jobs/JOB/report.txt      the migration report of the last run
jobs/JOB/pending.txt     one line per file queued or in flight:
                         path<TAB>when its change was seen (RFC 3339, UTC)
jobs/JOB/failed.txt      one line per file that failed in spite of retries:
                         path<TAB>code<TAB>message<TAB>attempts<TAB>last attempt (RFC 3339, UTC)
jobs/JOB/skipped.txt     one line per file deliberately not copied:
                         path<TAB>reason
jobs/JOB/errors/CODE     the files failing with CODE, lines as in failed.txt,
                         after a header (lines starting with "#") saying what
                         CODE means and how to fix it. ls errors/ shows the
                         codes failing now; any code of the catalogue can be read.
jobs/JOB/check.txt       the last check (mgw check, run by the agent as the job's
                         check: setting says): a summary in lines starting with
                         "#", then one line per finding:
                         category<TAB>path<TAB>detail, category one of missing,
                         size, content, extra, skipped, error

Lists
-----
failed.txt, skipped.txt, errors/CODE and check.txt can hold millions of
lines. They are produced as they are read, so ls -l shows their size as 0:
read them to the end (cat, less, grep, wc -l, tail, cp all do). They are
not appended to (failed.txt, skipped.txt and errors/CODE are sorted by
path; check.txt is replaced after each check): tail -f prints the end once
(with a "file truncated" notice) and nothing more; to watch a list, re-read
it, e.g. watch wc -l jobs/JOB/failed.txt.

Escaping
--------
Fields are separated by a tab and every line is exactly one file. In a path
(and in a message) these bytes are escaped:

  backslash                     \\
  tab, line feed, carriage ret  \t  \n  \r
  other control bytes           \xHH   (0x00-0x1f and 0x7f)
  bytes that are not UTF-8      \xHH   (each byte)

Everything else, all valid UTF-8 included, is shown as it is. mgw failed
JOB prints the same lines.

  a\tb.txt      is the file "a<TAB>b.txt"
  caf\xe9.txt   is "caf" + byte 0xE9 + ".txt" (Latin-1, not UTF-8)

mgw explain CODE also prints what a code means and what to do.
`
