package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// Each overwrite policy, on a bucket that already holds objects: which keys
// are sent, which are skipped and why. An object with the source's size,
// mtime and content is taken as the copy (indexed, not sent) whatever the
// policy but always.
func TestOverwritePolicies(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	keys := []string{"missing.txt", "older.txt", "newer.txt", "same.txt", "size.txt", "lookalike.txt"}
	content := map[string][]byte{}
	for i, key := range keys {
		content[key] = randomBytes(uint64(i), 100)
	}
	other := randomBytes(999, 100)
	mtimeMeta := map[string]string{"mtime": mtime.Format(time.RFC3339Nano)}
	// The objects found in the bucket, by key; "missing.txt" has none.
	seeds := map[string]struct {
		data    []byte
		modTime time.Time
		meta    map[string]string
	}{
		"older.txt":     {other, mtime.Add(-time.Hour), nil},
		"newer.txt":     {other, mtime.Add(time.Hour), nil},
		"same.txt":      {content["same.txt"], mtime, mtimeMeta},
		"size.txt":      {other[:50], mtime.Add(time.Hour), nil},
		"lookalike.txt": {other, mtime, mtimeMeta}, // size and mtime of the source, other bytes
	}
	for _, tc := range []struct {
		policy        string
		sent, skipped []string // the rest is adopted
	}{
		{"never", []string{"missing.txt"}, []string{"lookalike.txt", "newer.txt", "older.txt", "size.txt"}},
		{"if-newer", []string{"missing.txt", "older.txt"}, []string{"lookalike.txt", "newer.txt", "size.txt"}},
		{"if-different", []string{"lookalike.txt", "missing.txt", "newer.txt", "older.txt", "size.txt"}, nil},
		{"always", []string{"lookalike.txt", "missing.txt", "newer.txt", "older.txt", "same.txt", "size.txt"}, nil},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			s, srv := ossSetup(t, func(j *job) { j.Overwrite = tc.policy })
			for _, key := range keys {
				p := filepath.Join(s.src, key)
				writeFile(t, p, content[key])
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			for key, sd := range seeds {
				srv.Seed(bucket, key, sd.data, osstest.SeedOptions{ModTime: sd.modTime, Meta: sd.meta})
			}

			wantExit(t, s.mgw(t, "run", "job"), 0)

			var sent []string
			for _, key := range keys {
				if srv.Count("PutObject", key) > 0 {
					sent = append(sent, key)
				}
			}
			sort.Strings(sent)
			if strings.Join(sent, " ") != strings.Join(tc.sent, " ") {
				t.Errorf("sent %v, want %v", sent, tc.sent)
			}
			for _, key := range tc.sent {
				wantObjects(t, srv, map[string][]byte{key: content[key]})
			}

			skipped := s.skipped(t, "job")
			var skippedKeys []string
			for key, reason := range skipped {
				skippedKeys = append(skippedKeys, key)
				if !strings.Contains(reason, "overwrite: "+tc.policy) {
					t.Errorf("%s: skipped for %q, want the reason to name overwrite: %s", key, reason, tc.policy)
				}
			}
			sort.Strings(skippedKeys)
			if strings.Join(skippedKeys, " ") != strings.Join(tc.skipped, " ") {
				t.Errorf("skipped %v, want %v", skippedKeys, tc.skipped)
			}

			// Sent and adopted files are in the index; skipped ones are not.
			indexed, _ := index(t, s, "job")
			for _, key := range keys {
				isSkipped := skipped[key] != ""
				if indexed[key] == isSkipped {
					t.Errorf("%s: indexed %v, skipped %v: want exactly one", key, indexed[key], isSkipped)
				}
			}
		})
	}
}
