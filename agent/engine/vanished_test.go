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
	"github.com/mgw-dev/mgw/state"
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
// newer version starts, stays in the index: forgotten, its first copy
// would stay at the destination for good, unknown to every later run. A
// continuous job hands it back to the delete policy; a one-shot run lists
// it as skipped. The copier never removes the destination's copy.
func TestVanishedDuringCopyKeepsIndexed(t *testing.T) {
	for _, continuous := range []bool{false, true} {
		mode := config.ModeOnce
		if continuous {
			mode = config.ModeContinuous
		}
		t.Run(string(mode), func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			p := filepath.Join(src, "f")
			if err := os.WriteFile(p, []byte("first"), 0o644); err != nil {
				t.Fatal(err)
			}
			job := &config.Settings{Name: "vanished", Mode: mode, Overwrite: config.OverwriteAlways, Concurrency: 1,
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
			if continuous {
				r.Continuous = ac
			}
			newer := o
			newer.Size++ // the version the copier was given; the file is gone when it opens it
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			r.transfer(ctx, log, task{o: newer})
			if _, ok, err := st.File(job.Name, "f"); err != nil || !ok {
				t.Errorf("the index forgot the copy at the destination (%v)", err)
			}
			if _, err := os.Stat(filepath.Join(dst, "f")); err != nil {
				t.Errorf("the destination's copy is not for the copier to remove: %v", err)
			}
			skipped := 0
			if err := st.Skips(job.Name, func(string, state.Skip) error { skipped++; return nil }); err != nil {
				t.Fatal(err)
			}
			if continuous {
				if len(ac.again) != 1 || ac.again[0] != "f" || skipped != 0 {
					t.Errorf("examined again: %q, skipped %d; want [f], 0", ac.again, skipped)
				}
			} else if skipped != 1 {
				t.Errorf("skipped %d, want the vanished file listed", skipped)
			}
		})
	}
}
