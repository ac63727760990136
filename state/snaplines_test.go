package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// The batch rendering gives the bytes of the record-by-record one
// (AppendFailedLine over Failures) for the same state, whatever the names,
// messages, times and batch size, and for records an earlier mgw stored as
// JSON.
func TestAppendLinesMatchRecordByRecord(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hostile := []string{
		"plain/file.txt", "dir/tab\there.txt", "dir/new\nline.txt", "dir/cr\rreturn.txt",
		`dir/back\slash.txt`, "dir/bell\x07.txt", "dir/del\x7f.txt", "dir/latin1-caf\xe9",
		"dir/日本語 ok.txt", "dir/trailing-space ", "dir/bad-utf8-\xf0\x28\x8c\x28", "dir/nul\x00byte",
	}
	times := []time.Time{
		{}, time.Unix(0, 0), time.Unix(-86400*365, 5), time.Date(2026, 11, 26, 7, 30, 0, 999, time.UTC),
		time.Date(2026, 11, 26, 7, 30, 0, 999_999_999, time.FixedZone("x", 3600)), time.Date(2026, 11, 26, 7, 30, 1, 0, time.UTC),
	}
	var n int
	for i, p := range hostile {
		for j := 0; j < 40; j++ {
			path := fmt.Sprintf("%s/%03d-%s", p, j, hostile[(i+j)%len(hostile)])
			f := Failure{
				Code:     []string{"NoPermission", "Internal\tError", "A\xffB"}[j%3],
				Message:  "msg " + hostile[j%len(hostile)],
				Attempts: []int{1, 12, 0, -3, 1 << 40}[j%5],
				First:    times[j%len(times)],
				Last:     times[(i+j)%len(times)],
			}
			if err := s.Fail("job", path, f); err != nil {
				t.Fatal(err)
			}
			if err := s.Skip("job", "skip/"+path, Skip{Reason: "why " + hostile[j%len(hostile)], At: f.Last}); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	// Records written by an earlier mgw: JSON after valueVersion.
	err = s.update(func(txn *badger.Txn) error {
		for i, p := range []string{"old/a\tb", "old/c"} {
			b, _ := json.Marshal(Failure{Code: "NoPermission", Message: "old " + p, Attempts: i + 2, Last: times[3]})
			if err := txn.Set(PathKey(KindFailure, "job", p), append([]byte{valueVersion}, b...)); err != nil {
				return err
			}
			b, _ = json.Marshal(Skip{Reason: "old " + p, At: times[3]})
			if err := txn.Set(PathKey(KindSkip, "job", p), append([]byte{valueVersion}, b...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, code := range []string{"", "NoPermission", "Internal\tError"} {
		var want strings.Builder
		if err := s.Failures("job", func(p string, f Failure) error {
			if code == "" || f.Code == code {
				want.WriteString(FailedLine(p, f))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 100, 4096, 1 << 30} {
			got := render(t, limit, func(b []byte, from string) ([]byte, string, bool, error) {
				snap := s.Snapshot()
				defer snap.Close()
				return snap.AppendFailedLines(b, "job", from, len(b)+limit, code)
			})
			if got != want.String() {
				t.Fatalf("failed lines, code %q, limit %d: differ\n got %q\nwant %q", code, limit, got, want.String())
			}
		}
	}
	var want strings.Builder
	if err := s.Skips("job", func(p string, k Skip) error { want.WriteString(SkippedLine(p, k)); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 100, 1 << 30} {
		got := render(t, limit, func(b []byte, from string) ([]byte, string, bool, error) {
			snap := s.Snapshot()
			defer snap.Close()
			return snap.AppendSkippedLines(b, "job", from, len(b)+limit)
		})
		if got != want.String() {
			t.Fatalf("skipped lines, limit %d: differ\n got %q\nwant %q", limit, got, want.String())
		}
	}
	if n < 400 || !strings.Contains(want.String(), `old/a\tb`) {
		t.Fatalf("the test's records are missing: %d, %q", n, want.String()[:100])
	}
}

// render calls batch until the lines end, each call resuming where the
// last stopped, as the view does, and returns all the bytes.
func render(t *testing.T, limit int, batch func(b []byte, from string) ([]byte, string, bool, error)) string {
	t.Helper()
	var out []byte
	from := ""
	for calls := 0; ; calls++ {
		var done bool
		var err error
		if out, from, done, err = batch(out, from); err != nil {
			t.Fatal(err)
		}
		if done {
			if limit == 1 && calls < 100 {
				t.Fatalf("a batch of one line each ended after %d calls", calls)
			}
			return string(out)
		}
	}
}
