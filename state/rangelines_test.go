package state

import (
	"bytes"
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var hostileNames = []string{
	"plain/file.txt", "dir/tab\there.txt", "dir/new\nline.txt", "dir/cr\rreturn.txt",
	`dir/back\slash.txt`, "dir/bell\x07.txt", "dir/del\x7f.txt", "dir/latin1-caf\xe9",
	"dir/日本語 ok.txt", "dir/trailing-space ", "dir/bad-utf8-\xf0\x28\x8c\x28", "dir/nul\x00byte",
}

// fillHostile records n failures and as many skips of job, in batches,
// with hostile names, codes and messages.
func fillHostile(t *testing.T, s *Store, job string, n, seed int) {
	t.Helper()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	when := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)
	for _, kind := range []byte{KindFailure, KindSkip} {
		for i := 0; i < n; i++ {
			// Long paths, in about path order: Badger's tables then
			// hold disjoint runs of them, whose bounds split the ranges.
			h := hostileNames[(i+seed)%len(hostileNames)]
			path := fmt.Sprintf("d%03d/%s/%07d-%s-%s", i*1000/n, h, i, strings.Repeat("x", i%90), h)
			f := Failure{
				Code:     []string{"NoPermission", "Internal\tError", "A\xffB"}[i%3],
				Message:  fmt.Sprintf("msg %d %s", seed, hostileNames[i%len(hostileNames)]),
				Attempts: i % 7, First: when, Last: when.Add(time.Duration(i%5) * time.Second),
			}
			v := encode(f)
			if kind == KindSkip {
				v = encode(Skip{Reason: f.Message, At: f.Last})
			}
			if err := wb.Set(PathKey(kind, job, path), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
}

// renderLines reads l to its end in appends of at least limit bytes, and
// closes it.
func renderLines(t *testing.T, l *Lines, limit int) string {
	t.Helper()
	defer l.Close()
	var out []byte
	for {
		var done bool
		var err error
		if out, _, done, err = l.Append(out, len(out)+limit); err != nil {
			t.Fatal(err)
		}
		if done {
			return string(out)
		}
	}
}

// The parallel rendering by key ranges gives the bytes of the sequential
// one, from any start, for any piece size, with keys both in Badger's
// tables and in its memtable, hostile names included.
func TestLinesMatchSequential(t *testing.T) {
	s := openInTables(t, func(s *Store) {
		fillHostile(t, s, "job", 30000, 0)
		fillHostile(t, s, "other", 200, 1) // a neighbour whose lines must not show
	})
	defer s.Close()
	fillHostile(t, s, "job", 3000, 5) // in the memtable, some overwriting

	snap := s.Snapshot()
	defer snap.Close()
	if n := len(snap.splits(KindFailure, "job", "")); n < 2 {
		t.Fatalf("%d split points at table bounds: the test renders one range", n)
	}
	seq := func(kind byte, from, code string) string {
		line := failedLine(code)
		if kind == KindSkip {
			line = skippedLine
		}
		b, _, done, err := snapLines(snap, kind, "job", from, "", nil, 1<<40, false, line)
		if err != nil || !done {
			t.Fatal(err, done)
		}
		return string(b)
	}
	all := seq(KindFailure, "", "")
	if strings.Count(all, "\n") < 30000 || !strings.Contains(all, `\xe9`) || !strings.Contains(all, `\t`) {
		t.Fatalf("the sequential rendering lacks the test's records: %d lines", strings.Count(all, "\n"))
	}
	defer func(n int) { LineWorkers = n }(LineWorkers)
	LineWorkers = 3 // more ranges in flight than cores, on any machine
	mid := "d500/"
	for _, c := range []struct {
		from, code            string
		first, piece, workers int
	}{
		{"", "", 64 << 10, 1 << 20, 0},
		{"", "", 1, 1, 0},
		{"", "", 100, 4096, 0},
		{mid, "", 64 << 10, 1 << 20, 0},
		{"", "Internal\tError", 1000, 10000, 0},
		{mid, "A\xffB", 64 << 10, 1 << 20, 0},
		{"", "", 1000, 10000, 1},
	} {
		LineWorkers = cmp.Or(c.workers, 3)
		want := seq(KindFailure, c.from, c.code)
		got := renderLines(t, snap.FailedLines("job", c.from, c.code, c.first, c.piece), 1+c.piece/3)
		if got != want {
			t.Fatalf("from %q code %q pieces %d: %d bytes, want %d (first difference at %d)",
				c.from, c.code, c.piece, len(got), len(want), firstDiff(got, want))
		}
	}
	// Many more ranges than tables, split at hostile paths, at paths
	// of no record, and at the first and last records.
	var splits []string
	err := snap.Failures("job", "", func(p string, _ Failure) error {
		if len(splits)%2 == 0 {
			p += "\x00"
		}
		if rng := len(splits); rng < 3 || len(p)%23 == 0 {
			splits = append(splits, p)
		}
		return nil
	})
	if err != nil || len(splits) < 100 {
		t.Fatalf("%d splits, %v", len(splits), err)
	}
	splits = append(splits, "\xff")
	got := renderLines(t, snap.rangeLines(KindFailure, "job", "", splits, 1000, 20000, func() lineFunc { return failedLine("") }), 20000)
	if got != all {
		t.Fatalf("%d ranges: %d bytes, want %d (first difference at %d)", len(splits)+1, len(got), len(all), firstDiff(got, all))
	}

	want := seq(KindSkip, "", "")
	if got := renderLines(t, snap.SkippedLines("job", "", 4096, 1<<20), 1<<20); got != want {
		t.Fatalf("skipped lines: %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}

	// Resuming at the path an append returned gives the rest.
	l := snap.FailedLines("job", "", "", 1000, 50000)
	head, next, done, err := l.Append(nil, 200000)
	l.Close()
	if err != nil || done || !strings.HasPrefix(all, string(head)) {
		t.Fatalf("first append: %d bytes, done %v, %v", len(head), done, err)
	}
	if rest := renderLines(t, snap.FailedLines("job", next, "", 1000, 50000), 1<<20); string(head)+rest != all {
		t.Fatalf("resumed at %q: the bytes differ", next)
	}
}

// openInTables opens a store, runs fill, and opens it again: the records
// are then in Badger's tables, whose bounds split the ranges.
func openInTables(t *testing.T, fill func(*Store)) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fill(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	return s
}

func firstDiff(a, b string) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Failures recorded and rewritten while a list renders never show in it
// (all ranges read the snapshot), and no line is torn or mixes two
// versions of a record: the rendering equals the sequential one of the
// same snapshot, and every line has its five fields.
func TestLinesWhileRecording(t *testing.T) {
	s := openInTables(t, func(s *Store) { fillHostile(t, s, "job", 20000, 0) })
	defer s.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() { // new failures, and old ones rewritten with longer messages
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := fmt.Sprintf("d%03d/new-%d-%07d", i%997, w, i)
				if i%2 == 1 && i < 20000 { // one written by fillHostile
					h := hostileNames[i%len(hostileNames)]
					p = fmt.Sprintf("d%03d/%s/%07d-%s-%s", i*1000/20000, h, i, strings.Repeat("x", i%90), h)
				}
				f := Failure{Code: "NoPermission", Message: strings.Repeat("rewritten ", 1+i%9), Attempts: 100 + i, Last: time.Now()}
				if err := s.set(PathKey(KindFailure, "job", p), f); err != nil { // as Fail, without adding up attempts
					t.Error(err)
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	defer func(n int) { LineWorkers = n }(LineWorkers)
	for round := 0; round < 3; round++ {
		LineWorkers = 1 + round
		snap := s.Snapshot()
		got := renderLines(t, snap.FailedLines("job", "", "", 4096, 32<<10), 32<<10)
		want, _, _, err := snapLines(snap, KindFailure, "job", "", "", nil, 1<<40, false, failedLine(""))
		snap.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Fatalf("round %d: the parallel rendering differs from the sequential one of its snapshot at byte %d", round, firstDiff(got, string(want)))
		}
		for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			// A rewritten record has attempts 100+i and 1+i%9 words
			// "rewritten"; an original one fewer than 7 attempts.
			f := strings.Split(line, "\t")
			if len(f) != 5 {
				t.Fatalf("round %d, line %d torn: %q", round, i, line)
			}
			attempts, _ := strconv.Atoi(f[3])
			words := strings.Count(f[2], "rewritten ")
			if (words > 0) != (attempts >= 100) || (words > 0 && words != 1+(attempts-100)%9) {
				t.Fatalf("round %d, line %d mixes two versions of its record: %q", round, i, line)
			}
		}
	}
}

// needsEscape, eight bytes at a time, agrees with the byte-by-byte rule
// for every byte value at every position.
func TestNeedsEscape(t *testing.T) {
	slow := func(s []byte) bool {
		for _, c := range s {
			if c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
				return true
			}
		}
		return false
	}
	for n := 1; n <= 24; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				s := bytes.Repeat([]byte{'a'}, n)
				s[pos] = byte(c)
				if pos > 0 { // a neighbour just above a threshold
					s[pos-1] = []byte{0x20, 0x7e, 0x5d, 0x5b, '~'}[c%5]
				}
				if got, want := needsEscape(s), slow(s); got != want {
					t.Fatalf("needsEscape(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}
