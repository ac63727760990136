package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// tempsOnDisk lists the temporary files under dir.
func tempsOnDisk(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".mgw-tmp-") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func tempRecords(t *testing.T, st *state.Store, job string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	if err := st.Temps(job, func(path string, tr state.Temps) error {
		got[path] = tr.Names
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func tempJob(name string) *config.Settings {
	return &config.Settings{Name: name, Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 2,
		Retries: 3, RetryBackoff: time.Millisecond}
}

// A temporary file a killed process left (recorded, on disk) is removed
// at the start of the next run, its record cleared, and the file copied;
// a file of the same look that the index does not name is not touched.
func TestTempLeftByKillRemovedNextRun(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	want := bytes.Repeat([]byte("mgw"), 1000)
	if err := os.MkdirAll(filepath.Join(src, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a", "f"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	job := tempJob("temps-kill")
	r, st := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	// What a process killed mid-write leaves: the record, then the file.
	const left = ".f.mgw-tmp-0123456789abcdef"
	if err := os.MkdirAll(filepath.Join(dst, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := st.AddTemp(job.Name, "a/f", left); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "a", left), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A source file that only looks like a temporary one (another
	// tool's) is not mgw's to remove.
	const stranger = ".g.mgw-tmp-fedcba9876543210"
	if err := os.WriteFile(filepath.Join(dst, "a", stranger), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}

	run, err := r.Run(context.Background())
	if err != nil || run.FilesFailed != 0 || run.FilesCopied != 1 {
		t.Fatalf("run: %v, %+v", err, run)
	}
	if _, err := os.Stat(filepath.Join(dst, "a", left)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file a killed run left is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "a", stranger)); err != nil {
		t.Errorf("a file no record names was removed: %v", err)
	}
	if got := tempRecords(t, st, job.Name); len(got) != 0 {
		t.Errorf("temporary file records left: %v", got)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "a", "f")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("copy differs (%v)", err)
	}
}

// probeSource is a source whose reader, halfway through the file, looks
// at the destination: a temporary file being written must already be
// named in the index, as a SIGKILL at that moment would leave it.
type probeSource struct {
	connectors.Bucket
	t      *testing.T
	st     *state.Store
	job    string
	dstDir string
	seen   []string // temporary files on disk at the probe
	named  bool     // all of them in the index
}

func (p *probeSource) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := p.Bucket.Open(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	return &probeReader{ReadCloser: rc, p: p, key: key}, nil
}

type probeReader struct {
	io.ReadCloser
	p     *probeSource
	key   string
	n     int64
	ready bool
}

func (r *probeReader) Read(b []byte) (int, error) {
	n, err := r.ReadCloser.Read(b)
	r.n += int64(n)
	if r.n >= 4<<20 && !r.ready {
		r.ready = true
		p := r.p
		names, ierr := p.st.TempsOf(p.job, r.key)
		if ierr != nil {
			p.t.Error(ierr)
		}
		p.seen = tempsOnDisk(p.t, p.dstDir)
		p.named = len(p.seen) > 0
		for _, s := range p.seen {
			in := false
			for _, n := range names {
				in = in || filepath.Base(s) == n
			}
			p.named = p.named && in
		}
	}
	return n, err
}

// Each temporary file is recorded before it is created, and cleared with
// the file's done record.
func TestTempRecordedWhileWritten(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	want := bytes.Repeat([]byte{7}, singlePutMax+1<<20) // streamed: written while read
	if err := os.WriteFile(filepath.Join(src, "big"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	job := tempJob("temps-probe")
	r, st := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	p := &probeSource{Bucket: r.Src, t: t, st: st, job: job.Name, dstDir: dst}
	r.Src = p
	run, err := r.Run(context.Background())
	if err != nil || run.FilesCopied != 1 {
		t.Fatalf("run: %v, %+v", err, run)
	}
	if len(p.seen) != 1 || !p.named {
		t.Errorf("while written, temporary files %v, all named in the index: %v", p.seen, p.named)
	}
	if got := tempsOnDisk(t, dst); len(got) != 0 {
		t.Errorf("temporary files left: %v", got)
	}
	if got := tempRecords(t, st, job.Name); len(got) != 0 {
		t.Errorf("temporary file records left: %v", got)
	}
}

// lostDest is a destination whose first Put of each key acts as a write
// whose connection was lost for good: the temporary file is made, told,
// and left; the error is a transient one.
type lostDest struct {
	connectors.Bucket
	dir  string
	lost map[string]string // key -> the temporary name left
}

func (d *lostDest) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	if _, ok := d.lost[key]; ok {
		return d.Bucket.Put(ctx, key, r, size, opts)
	}
	name := "." + filepath.Base(key) + ".mgw-tmp-00112233445566" + "77"
	d.lost[key] = name
	if opts.Temps != nil {
		if err := opts.Temps.Made(name); err != nil {
			return connectors.Object{}, err
		}
	}
	if err := os.WriteFile(filepath.Join(d.dir, filepath.Dir(key), name), []byte("cut"), 0o644); err != nil {
		return connectors.Object{}, err
	}
	return connectors.Object{}, connectors.NewError(connectors.KindTransient, "put", key, errors.New("connection lost"))
}

// A temporary file a failed attempt could not remove goes before the
// file is written again, and its record with it.
func TestTempRemovedBeforeRetry(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	want := []byte("content")
	if err := os.WriteFile(filepath.Join(src, "f"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	job := tempJob("temps-retry")
	r, st := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	d := &lostDest{Bucket: r.Dst, dir: dst, lost: map[string]string{}}
	r.Dst = d
	ctx := context.Background()
	o, err := r.Src.Stat(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	r.transfer(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), task{o: o})
	if _, ok, err := st.File(job.Name, "f"); err != nil || !ok {
		t.Fatalf("not copied (%v)", err)
	}
	if d.lost["f"] == "" {
		t.Fatal("the first attempt was not the lost one")
	}
	if got := tempsOnDisk(t, dst); len(got) != 0 {
		t.Errorf("temporary files left: %v", got)
	}
	if got := tempRecords(t, st, job.Name); len(got) != 0 {
		t.Errorf("temporary file records left: %v", got)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "f")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("copy differs (%v)", err)
	}
}
