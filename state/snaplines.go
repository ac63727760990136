package state

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strconv"
	"time"
	"unicode/utf8"

	badger "github.com/dgraph-io/badger/v4"
)

// The read-only view serves failed.txt by rendering it from a snapshot as
// it is read, so its speed is this loop's. AppendFailedLines and
// AppendSkippedLines render straight from the stored bytes into the
// caller's buffer, a batch at a time: no record is decoded into strings
// and times, paths that need no escaping are copied as they are, and a
// second's RFC 3339 text is formatted once for the lines that share it.
// The bytes are those of AppendFailedLine and AppendSkippedLine for the
// same records (snaplines_test.go compares them).

// AppendFailedLines appends to b the failed-list lines of job's failures
// whose path is from or after from, in path order, until b holds at least
// limit bytes or the failures end; code, when set, keeps only the
// failures with that code. It returns b, the path to resume from (after
// the last line appended) and whether the failures ended.
func (p *Snapshot) AppendFailedLines(b []byte, job, from string, limit int, code string) ([]byte, string, bool, error) {
	return snapLines(p, KindFailure, job, from, "", b, limit, false, failedLine(code))
}

// AppendSkippedLines is AppendFailedLines for the skipped-list lines.
func (p *Snapshot) AppendSkippedLines(b []byte, job, from string, limit int) ([]byte, string, bool, error) {
	return snapLines(p, KindSkip, job, from, "", b, limit, false, skippedLine)
}

// lineFunc appends one record's line to b (or, false, none); the bytes it
// is given are valid only during the call.
type lineFunc func(b, path, v []byte) ([]byte, bool, error)

// failedLine renders failed-list lines, keeping only those of code when it
// is set. Each call has its own cache of the last second's text: one per
// goroutine.
func failedLine(code string) lineFunc {
	var ts stampCache
	return func(b, path, v []byte) ([]byte, bool, error) {
		if len(v) == 0 || v[0] != binaryVersion {
			var f Failure
			if err := decode(v, &f); err != nil {
				return b, false, err
			}
			if code != "" && f.Code != code {
				return b, false, nil
			}
			return AppendFailedLine(b, string(path), f), true, nil
		}
		d := decoder{b: v[1:]}
		c, msg := d.bytes(), d.bytes()
		attempts := d.varint()
		d.varint() // first attempt: not in the line
		last := d.varint()
		if d.err != nil {
			return b, false, d.err
		}
		if code != "" && string(c) != code {
			return b, false, nil
		}
		b = appendEscaped(b, path)
		b = append(b, '\t')
		b = appendEscaped(b, c)
		b = append(b, '\t')
		b = appendEscaped(b, msg)
		b = append(b, '\t')
		b = strconv.AppendInt(b, attempts, 10)
		b = append(b, '\t')
		b = ts.append(b, last)
		return append(b, '\n'), true, nil
	}
}

// skippedLine renders skipped-list lines.
func skippedLine(b, path, v []byte) ([]byte, bool, error) {
	if len(v) == 0 || v[0] != binaryVersion {
		var k Skip
		if err := decode(v, &k); err != nil {
			return b, false, err
		}
		return AppendSkippedLine(b, string(path), k), true, nil
	}
	d := decoder{b: v[1:]}
	reason := d.bytes()
	if d.err != nil {
		return b, false, d.err
	}
	b = appendEscaped(b, path)
	b = append(b, '\t')
	b = appendEscaped(b, reason)
	return append(b, '\n'), true, nil
}

// snapLines runs line over the records of kind and job whose path is in
// [from, end) (end "": to the last), until b holds limit bytes. It returns
// b, the path to resume from and whether the range ended. yield lets other
// goroutines run every yieldEvery bytes: a rendering on every core would
// otherwise hold them off for Go's 10 ms time slice, and the one serving
// the reader (FUSE) is among them.
func snapLines(p *Snapshot, kind byte, job, from, end string, b []byte, limit int, yield bool, line lineFunc) ([]byte, string, bool, error) {
	prefix := JobPrefix(kind, job)
	// No value prefetch (the zero options): the records are small and
	// stored in the LSM tree, so the value is read where the key is.
	it := p.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	nextYield := len(b) + yieldEvery
	for it.Seek(append(bytes.Clone(prefix), from...)); it.Valid(); it.Next() {
		if yield && len(b) >= nextYield {
			runtime.Gosched()
			nextYield = len(b) + yieldEvery
		}
		item := it.Item()
		path := item.Key()[len(prefix):]
		if end != "" && string(path) >= end {
			break
		}
		var added bool
		err := item.Value(func(v []byte) error {
			var err error
			b, added, err = line(b, path, v)
			return err
		})
		if err != nil {
			return b, "", false, err
		}
		if added && len(b) >= limit {
			// Resume at the smallest path after this one.
			return b, string(path) + "\x00", false, nil
		}
	}
	return b, "", true, nil
}

const yieldEvery = 64 << 10 // about 0.3 ms of rendering

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errShortEntry
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// appendEscaped appends Escape(s): s itself when it needs no escaping.
func appendEscaped(b, s []byte) []byte {
	if needsEscape(s) {
		return append(b, Escape(string(s))...)
	}
	return append(b, s...)
}

const (
	ones  = 0x0101010101010101 // 0x01 in each byte
	highs = 0x8080808080808080 // the high bit of each byte
)

// needsEscape reports whether s has a byte Escape changes or may change
// (a control byte, DEL, backslash, or any byte of 0x80 or more). It tests
// eight bytes at once: every line rendered runs its path, code and message
// through it, and byte by byte it was an eighth of the rendering.
func needsEscape(s []byte) bool {
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		if w&highs != 0 {
			return true
		}
		// Every byte is under 0x80 now, so these are exact: a byte
		// under 0x20, a byte equal to 0x7f, a byte equal to '\\'
		// (each sets the high bit of its byte, and only a byte that
		// already matched can set one above it).
		del, bs := w^(0x7f*ones), w^('\\'*ones)
		if ((w-0x20*ones)&^w|(del-ones)&^del|(bs-ones)&^bs)&highs != 0 {
			return true
		}
		s = s[8:]
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// stampCache formats Unix-nanosecond times as AppendFailedLine does
// (RFC 3339, UTC, whole seconds), once per second met in a row.
type stampCache struct {
	sec  int64  // the second text holds
	text []byte // nil until the first time
}

func (c *stampCache) append(b []byte, ns int64) []byte {
	if ns < 0 { // before 1970, or the zero time: no second arithmetic
		return fromNanos(ns).UTC().AppendFormat(b, time.RFC3339)
	}
	if sec := ns / 1e9; c.text == nil || sec != c.sec {
		c.sec = sec
		c.text = fromNanos(ns).UTC().AppendFormat(c.text[:0], time.RFC3339)
	}
	return append(b, c.text...)
}
