package state

import (
	"bytes"
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
	var ts stampCache
	return snapLines(p, KindFailure, job, from, b, limit, func(b, path, v []byte) ([]byte, bool, error) {
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
	})
}

// AppendSkippedLines is AppendFailedLines for the skipped-list lines.
func (p *Snapshot) AppendSkippedLines(b []byte, job, from string, limit int) ([]byte, string, bool, error) {
	return snapLines(p, KindSkip, job, from, b, limit, func(b, path, v []byte) ([]byte, bool, error) {
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
	})
}

// snapLines runs line over the records of kind and job from from on,
// until b holds limit bytes. line appends one record's line (or, false,
// none); the bytes it is given are valid only during the call.
func snapLines(p *Snapshot, kind byte, job, from string, b []byte, limit int,
	line func(b, path, v []byte) ([]byte, bool, error)) ([]byte, string, bool, error) {
	prefix := JobPrefix(kind, job)
	it := p.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(append(bytes.Clone(prefix), from...)); it.Valid(); it.Next() {
		item := it.Item()
		key := item.Key()
		var added bool
		err := item.Value(func(v []byte) error {
			var err error
			b, added, err = line(b, key[len(prefix):], v)
			return err
		})
		if err != nil {
			return b, "", false, err
		}
		if added && len(b) >= limit {
			// Resume at the smallest path after this one.
			return b, string(key[len(prefix):]) + "\x00", false, nil
		}
	}
	return b, "", true, nil
}

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
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\\' || c >= utf8.RuneSelf {
			return append(b, Escape(string(s))...)
		}
	}
	return append(b, s...)
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
