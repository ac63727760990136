package engine

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// againRecorder is a continuous job that only notes the files it is told
// to examine again.
type againRecorder struct{ again []string }

func (a *againRecorder) Unsettled(connectors.Object) bool { return false }
func (a *againRecorder) Again(key string)                 { a.again = append(a.again, key) }
func (a *againRecorder) Reconcile(context.Context, *slog.Logger, *KeySet, bool) error {
	return nil
}
func (a *againRecorder) Status() Status { return Status{} }

// A file copied once, then deleted from the source just as a copy of its
// newer version starts, stays in a continuous job's index and is handed
// back to the delete policy: forgotten, its first copy would stay at the
// destination for good with nothing left to delete it.
func TestVanishedDuringCopyKeepsIndexed(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "f")
	if err := os.WriteFile(p, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := &config.Settings{Name: "vanished", Mode: config.ModeContinuous, Overwrite: config.OverwriteAlways, Concurrency: 1,
		Retries: 3, RetryBackoff: time.Millisecond}
	r, st := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	o, err := r.Src.Stat(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	r.transfer(ctx, log, task{o: o})
	if _, ok, err := st.File(job.Name, "f"); err != nil || !ok {
		t.Fatalf("first copy not indexed (%v)", err)
	}

	ac := &againRecorder{}
	r.Continuous = ac
	newer := o
	newer.Size++ // the version the copier was given; the file is gone when it opens it
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	r.transfer(ctx, log, task{o: newer})
	if _, ok, err := st.File(job.Name, "f"); err != nil || !ok {
		t.Errorf("the index forgot the copy at the destination (%v)", err)
	}
	if len(ac.again) != 1 || ac.again[0] != "f" {
		t.Errorf("examined again: %q, want [f]", ac.again)
	}
	if _, err := os.Stat(filepath.Join(dst, "f")); err != nil {
		t.Errorf("the destination's copy is not for the copier to remove: %v", err)
	}
}
