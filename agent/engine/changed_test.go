package engine

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// statSource is a local source whose readers are StatReaders, as a
// share's are: their Stat asks the file's path, after change has run
// once (a writer that struck while the file was read).
type statSource struct {
	connectors.Bucket
	once   sync.Once
	change func()
	stats  int
}

type statReader struct {
	io.ReadCloser
	s   *statSource
	key string
}

func (s *statSource) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := s.Bucket.Open(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	return &statReader{rc, s, key}, nil
}

func (r *statReader) Stat() (connectors.Object, error) {
	r.s.once.Do(r.s.change)
	r.s.stats++
	return r.s.Bucket.Stat(context.Background(), r.key)
}

// A small file rewritten while it was read is caught by the open file's
// Stat, and copied again: the destination holds what the file holds now,
// never the bytes read before the change.
func TestChangedWhileReadByHandle(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "f")
	if err := os.WriteFile(p, []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := &config.Settings{Name: "changed", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 1,
		Retries: 3, RetryBackoff: time.Millisecond}
	r, _ := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	ss := &statSource{Bucket: r.Src, change: func() {
		if err := os.WriteFile(p, []byte("after!"), 0o644); err != nil { // same size
			t.Error(err)
		}
		later := time.Now().Add(time.Hour)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Error(err)
		}
	}}
	r.Src = ss
	run, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if run.FilesCopied != 1 || run.FilesFailed != 0 {
		t.Fatalf("copied %d, failed %d (%v), want 1 and 0", run.FilesCopied, run.FilesFailed, run.FailedBy)
	}
	got, err := os.ReadFile(filepath.Join(dst, "f"))
	if err != nil || string(got) != "after!" {
		t.Fatalf("destination holds %q (%v), want the bytes after the change", got, err)
	}
	if ss.stats < 2 {
		t.Errorf("the open file was asked %d times, want once per attempt (2)", ss.stats)
	}
}
