package vfs

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// A list read in pieces of any size, at any offset, forwards and backwards,
// gives exactly the bytes of the whole list.
func TestListReaderRandomAccess(t *testing.T) {
	defer func(n int64) { checkpointEvery = n }(checkpointEvery)
	checkpointEvery = 16 << 10
	st := openStore(t)
	addFailures(t, st, "job-a", "bulk", 3000, codes.InternalError, codes.NoPermission)
	want := []byte(expectFailed(t, st, "job-a", ""))
	v := newView(newFakeSource(), st)
	r := v.openList(file{path: "jobs/job-a/failed.txt", kind: kindFailed, job: "job-a"})
	defer r.Close()

	// A first read far ahead renders its way there holding little.
	defer func(n int64) { fillAtMost = n }(fillAtMost)
	fillAtMost = 8 << 10
	far := v.openList(file{path: "jobs/job-a/failed.txt", kind: kindFailed, job: "job-a"})
	tail := make([]byte, 100)
	if n, err := far.ReadAt(tail, int64(len(want)-50)); err != nil || string(tail[:n]) != string(want[len(want)-50:]) {
		t.Fatalf("read near the end: %q %v", tail[:n], err)
	}
	if c := cap(far.buf); c > 64<<10+8<<10 {
		t.Errorf("a read far ahead grew the buffer to %d bytes", c)
	}
	far.Close()

	got, err := io.ReadAll(&seqReader{r: r})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("sequential read: %d bytes, want %d", len(got), len(want))
	}
	if len(r.checks) < 4 {
		t.Fatalf("%d checkpoints after %d bytes, want several", len(r.checks), len(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100; i++ {
		off := rng.Int64N(int64(len(want)) + 10)
		p := make([]byte, 1+rng.IntN(40000))
		n, err := r.ReadAt(p, off)
		if err != nil {
			t.Fatal(err)
		}
		end := min(off+int64(len(p)), int64(len(want)))
		if off >= int64(len(want)) {
			end = off
		}
		if n != int(end-off) || !bytes.Equal(p[:n], want[off:end]) {
			t.Fatalf("ReadAt(%d bytes, %d) = %d bytes, want %d (content equal: %v)", len(p), off, n, end-off, bytes.Equal(p[:n], want[off:min(end, off+int64(n))]))
		}
	}
}

// errors/<CODE> is a header explaining the code, then failed.txt's lines
// with that code.
func TestErrorsFile(t *testing.T) {
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 100, codes.InternalError, codes.NoPermission, codes.OtherReasonError)
	v := newView(newFakeSource(), st)
	r := v.openList(file{path: "jobs/job-a/errors/NoPermission", kind: kindErrors, job: "job-a", code: codes.NoPermission})
	defer r.Close()
	got, err := io.ReadAll(&seqReader{r: r})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := codes.Lookup(codes.NoPermission)
	head, body, ok := strings.Cut(string(got), "# path<TAB>code<TAB>message<TAB>attempts<TAB>last attempt\n")
	if !ok {
		t.Fatalf("no column line in:\n%s", got)
	}
	if !strings.HasPrefix(head, "# NoPermission: "+c.Message+"\n") || !strings.Contains(head, "What to do: ") {
		t.Errorf("header does not explain the code:\n%s", head)
	}
	for _, l := range strings.Split(head, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			t.Errorf("header line %q does not start with #", l)
		}
	}
	if want := expectFailed(t, st, "job-a", codes.NoPermission); body != want || strings.Count(body, "\n") != 33 {
		t.Errorf("body has %d lines, want 33 equal to failed.txt's NoPermission lines", strings.Count(body, "\n"))
	}
	cs, err := v.failedCodes("job-a")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cs, ",") != "InternalError,NoPermission,OtherReasonError" {
		t.Errorf("failed codes %v", cs)
	}
}

// The lines are state's: the agent, the CLI and the view print the same.
func TestListLinesEscaped(t *testing.T) {
	st := openStore(t)
	for p := range weirdPaths {
		if err := st.Fail("job-a", p, state.Failure{Code: codes.InternalError, Message: "bad\tmessage\nhere", Attempts: 2, Last: when}); err != nil {
			t.Fatal(err)
		}
		if err := st.Skip("job-b", p, state.Skip{Reason: "destination is newer", At: when}); err != nil {
			t.Fatal(err)
		}
	}
	v := newView(newFakeSource(), st)
	for _, f := range []file{
		{path: "jobs/job-a/failed.txt", kind: kindFailed, job: "job-a"},
		{path: "jobs/job-b/skipped.txt", kind: kindSkipped, job: "job-b"},
	} {
		r := v.openList(f)
		got, err := io.ReadAll(&seqReader{r: r})
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		if len(lines) != len(weirdPaths) {
			t.Fatalf("%s: %d lines for %d files:\n%s", f.path, len(lines), len(weirdPaths), got)
		}
		seen := map[string]bool{}
		for _, l := range lines {
			fields := strings.Split(l, "\t")
			wantFields := 5
			if f.kind == kindSkipped {
				wantFields = 2
			}
			if len(fields) != wantFields {
				t.Fatalf("%s: line %q has %d fields, want %d", f.path, l, len(fields), wantFields)
			}
			p, err := state.Unescape(fields[0])
			if err != nil {
				t.Fatal(err)
			}
			if weirdPaths[p] != fields[0] {
				t.Errorf("%s: path %q shown as %q, want %q", f.path, p, fields[0], weirdPaths[p])
			}
			seen[p] = true
			if f.kind == kindFailed && fields[2] != `bad\tmessage\nhere` {
				t.Errorf("message shown as %q", fields[2])
			}
		}
		if len(seen) != len(weirdPaths) {
			t.Errorf("%s: %d distinct paths, want %d", f.path, len(seen), len(weirdPaths))
		}
	}
}

// Scrubbing a batch of lines gives the bytes of scrubbing each line,
// for secrets with a newline (which could match across a line's end) and
// without.
func TestScrubLinesAsEachLine(t *testing.T) {
	lines := []string{"a key=Sup3r-one\n", "tail Sup3r\n", "-one head\n", "x\n", "Sup3r-oneSup3r-one\n", "no end Sup3r-one"}
	for _, secrets := range [][]string{{"Sup3r-one"}, {"Sup3r\n-one"}, {"Sup3r\n", "head\nx"}, {"none-here"}} {
		s := newScrubber(secrets)
		var want, batch []byte
		for _, l := range lines {
			want = append(want, s.scrub([]byte(l))...)
			batch = append(batch, l...)
		}
		if got := s.scrubLines(batch); !bytes.Equal(got, want) {
			t.Errorf("secrets %q: batch scrubbed to %q, lines to %q", secrets, got, want)
		}
	}
}
