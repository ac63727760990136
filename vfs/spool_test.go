package vfs

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

func readAll(t *testing.T, r listSource) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(&seqReader{r: r})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A list read to the end is spooled; opened again with the state
// unchanged, it is served from the spool, byte for byte; after any commit
// it is rendered again. A rendering read with a gap is never spooled.
func TestSpool(t *testing.T) {
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 2000, codes.NoPermission)
	v := newView(newFakeSource(), st)
	dir := t.TempDir()
	v.spools = newSpools(dir)
	f := file{path: "jobs/job-a/failed.txt", kind: kindFailed, job: "job-a"}
	defer func(n int64) { fillAtLeast = n }(fillAtLeast)
	fillAtLeast = 4 << 10 // the jump below lands beyond the first fill

	// Read with a jump ahead: no spool.
	r := v.openListSource(f)
	p := make([]byte, 100)
	if _, err := r.ReadAt(p, 50000); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r = v.openListSource(f)
	_, ok := r.(*listReader)
	r.Close()
	if !ok {
		t.Fatal("a list read with a gap was spooled")
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Fatalf("spool dir holds %d files after a gap, want none", len(es))
	}

	first := readAll(t, v.openListSource(f))
	src := v.openListSource(f)
	if _, ok := src.(*spoolReader); !ok {
		t.Fatalf("second open of an unchanged list is a %T, want the spool", src)
	}
	if second := readAll(t, src); !bytes.Equal(first, second) || len(first) == 0 {
		t.Fatalf("spool gives %d bytes, the rendering %d", len(second), len(first))
	}
	if want := expectFailed(t, st, "job-a", ""); string(first) != want {
		t.Fatalf("rendering differs from the store")
	}

	if err := st.Fail("job-a", "y/new", state.Failure{Code: codes.InternalError, Message: "m", Attempts: 1, Last: when}); err != nil {
		t.Fatal(err)
	}
	src = v.openListSource(f)
	if _, ok := src.(*listReader); !ok {
		t.Fatalf("after a commit the list comes from a %T, want a new rendering", src)
	}
	if third := readAll(t, src); string(third) != expectFailed(t, st, "job-a", "") {
		t.Fatal("after a commit the list does not show it")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("spool dir holds %d files, want the latest spool only", len(es))
	}
}
