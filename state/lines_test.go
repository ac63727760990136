package state

import (
	"strings"
	"testing"
	"time"
)

// Whatever a failure holds, its line is one line of five fields whose
// path unescapes to the path, and its binary form reads back the same.
func FuzzFailedLine(f *testing.F) {
	f.Add("a/b.txt", "NoPermission", "access denied", 3, int64(1764140000))
	f.Add("tab\there\n", "X\tY", "multi\nline\\", -1, int64(0))
	f.Add("\xff\xfe", "", "", 0, int64(-9e9+1))
	f.Fuzz(func(t *testing.T, path, code, msg string, attempts int, sec int64) {
		sec %= 9e9 // times are stored as Unix nanoseconds: years 1678 to 2262
		fl := Failure{Code: code, Message: msg, Attempts: attempts, First: time.Unix(sec, 0), Last: time.Unix(sec, 7)}
		line := FailedLine(path, fl)
		if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("%q is not one line", line)
		}
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(fields) != 5 {
			t.Fatalf("%q has %d fields", line, len(fields))
		}
		if p, err := Unescape(fields[0]); err != nil || p != path {
			t.Fatalf("path %q shown as %q (%v)", path, fields[0], err)
		}
		b, _ := fl.MarshalBinary()
		var back Failure
		if err := back.UnmarshalBinary(b); err != nil || back.Code != code || back.Message != msg ||
			back.Attempts != attempts || !back.First.Equal(fl.First) || !back.Last.Equal(fl.Last) {
			t.Fatalf("binary round trip: %+v -> %+v (%v)", fl, back, err)
		}
		k := Skip{Reason: msg, At: fl.Last}
		if n := strings.Count(SkippedLine(path, k), "\t"); n != 1 {
			t.Fatalf("skipped line with %d tabs", n)
		}
		c := strings.Split(string(AppendCheckLine(nil, "content", path, msg)), "\t")
		if len(c) != 3 || strings.Count(c[2], "\n") != 1 || !strings.HasSuffix(c[2], "\n") {
			t.Fatalf("check line %q is not one line of three fields", c)
		}
		if p, err := Unescape(c[1]); err != nil || p != path {
			t.Fatalf("check line: path %q shown as %q (%v)", path, c[1], err)
		}
	})
}
