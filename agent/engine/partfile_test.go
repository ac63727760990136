package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// partsSpy is the destination with its multipart uploads watched: before
// each part goes to the server, hook sees it (and may fail it).
type partsSpy struct {
	connectors.Bucket
	connectors.MultipartUploader
	hook func(ctx context.Context, num int, r io.ReadSeeker, size int64, md5 []byte) error
}

func (p *partsSpy) Features() connectors.Features {
	f := p.Bucket.Features()
	f.Multipart = p
	return f
}

func (p *partsSpy) UploadPart(ctx context.Context, key, id string, num int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	if err := p.hook(ctx, num, r, size, sums.MD5); err != nil {
		return connectors.Part{}, err
	}
	return p.MultipartUploader.UploadPart(ctx, key, id, num, r, size, sums)
}

// spyRunner copies the files of src to OSS with the destination's
// multipart uploads seen by hook.
func spyRunner(t *testing.T, src string, hook func(ctx context.Context, num int, r io.ReadSeeker, size int64, md5 []byte) error) *Runner {
	t.Helper()
	srv := ossServer(t, "parts")
	job := &config.Settings{Name: "parts", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 8,
		Retries: 2, RetryBackoff: time.Millisecond}
	r, _ := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, ossAddr(srv, "dst", "parts"))
	r.Dst = &partsSpy{Bucket: r.Dst, MultipartUploader: r.Dst.Features().Multipart, hook: hook}
	return r
}

func randomFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + i/4099)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMultipartFromFileRetryRereads: a part of a local file whose upload
// is cut half-way (a reset) is sent again read from the file, whole, and
// the copy verifies; the parts come from the file, not from a buffer.
func TestMultipartFromFileRetryRereads(t *testing.T) {
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), singlePutMax+3<<20)
	var mu sync.Mutex
	attempts := map[int]int{}
	r := spyRunner(t, src, func(_ context.Context, num int, body io.ReadSeeker, size int64, sum []byte) error {
		if _, ok := body.(*bytes.Reader); ok {
			t.Errorf("part %d sent from memory, not from the file", num)
		}
		mu.Lock()
		attempts[num]++
		attempt := attempts[num]
		mu.Unlock()
		if num == 1 && attempt == 1 {
			// The connection drops after half the part was sent.
			if _, err := io.CopyN(io.Discard, body, size/2); err != nil {
				t.Error(err)
			}
			return connectors.NewError(connectors.KindTransient, "upload-part", "big", errors.New("connection reset by peer"))
		}
		// What this attempt sends is the part whole, as hashed.
		h := md5.New()
		if n, err := io.Copy(h, body); err != nil || n != size {
			t.Errorf("part %d attempt %d: read %d bytes (%v), want %d", num, attempt, n, err, size)
		}
		if !bytes.Equal(h.Sum(nil), sum) {
			t.Errorf("part %d attempt %d: body does not match its Content-MD5", num, attempt)
		}
		_, err := body.Seek(0, io.SeekStart)
		return err
	})
	run, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if run.FilesCopied != 1 {
		t.Fatalf("copied %d files, want 1 (failed: %v)", run.FilesCopied, run.FailedBy)
	}
	if attempts[1] != 2 || attempts[2] != 1 {
		t.Errorf("attempts per part %v, want part 1 twice, part 2 once", attempts)
	}
	readBack(t, r.Dst, "big", want)
}

// heldParts is a part hook that holds every part until n are in flight
// at once, then lets them all go; most is the most in flight it saw.
type heldParts struct {
	n    int
	full chan struct{}
	once sync.Once

	mu             sync.Mutex
	inFlight, most int
}

func holdUntil(n int) *heldParts { return &heldParts{n: n, full: make(chan struct{})} }

func (h *heldParts) hook(ctx context.Context, _ int, _ io.ReadSeeker, _ int64, _ []byte) error {
	h.mu.Lock()
	h.inFlight++
	h.most = max(h.most, h.inFlight)
	if h.inFlight == h.n {
		h.once.Do(func() { close(h.full) })
	}
	h.mu.Unlock()
	defer func() { h.mu.Lock(); h.inFlight--; h.mu.Unlock() }()
	select {
	case <-h.full:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return fmt.Errorf("never %d parts in flight at once", h.n)
	}
}

// TestMultipartPartsInFlightBounded: several large files copied at once
// never have more parts in flight than the process's budget, and do reach
// it (so the bound, not the test, is what limits them): nine parts could
// go at once without it.
func TestMultipartPartsInFlightBounded(t *testing.T) {
	src := t.TempDir()
	for i := range 3 {
		randomFile(t, filepath.Join(src, fmt.Sprintf("big-%d", i)), 2*defaultPartSize+4<<20) // 3 parts each
	}
	h := holdUntil(partBudgetSize)
	r := spyRunner(t, src, h.hook)
	run, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if run.FilesCopied != 3 {
		t.Fatalf("copied %d files, want 3 (failed: %v)", run.FilesCopied, run.FailedBy)
	}
	if h.most != partBudgetSize {
		t.Errorf("at most %d parts in flight, want the budget %d", h.most, partBudgetSize)
	}
}

// TestMultipartFileLeavesASlot: one large file alone has at most
// partsPerFile parts in flight, one fewer than the budget, so the next
// file in line always has a slot however long this one takes. Every part
// is held until the file's sender waits for a turn and each slot it took
// is a part in flight: what is in flight then is all it could take.
func TestMultipartFileLeavesASlot(t *testing.T) {
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), singlePutMax+4<<20)
	var (
		mu       sync.Mutex
		inFlight int
	)
	let := make(chan struct{})
	r := spyRunner(t, src, func(ctx context.Context, _ int, _ io.ReadSeeker, _ int64, _ []byte) error {
		mu.Lock()
		inFlight++
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		select {
		case <-let:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	r.Job.PartSize = 1 << 20 // 13 parts
	done := make(chan error, 1)
	var files int64
	go func() {
		run, err := r.Run(context.Background())
		if run != nil {
			files = run.FilesCopied
		}
		done <- err
	}()
	most := 0
	for most == 0 {
		partBudget.mu.Lock()
		taken := partBudgetSize - partBudget.free
		partBudget.mu.Unlock()
		mu.Lock()
		if n := inFlight; n > 0 && n == taken && parkedIn("(*partSender).take(") {
			most = n
		}
		mu.Unlock()
		runtime.Gosched()
	}
	close(let)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if files != 1 {
		t.Fatalf("copied %d files, want 1", files)
	}
	if most != partsPerFile {
		t.Errorf("at most %d parts of one file in flight, want %d", most, partsPerFile)
	}
	readBack(t, r.Dst, "big", want)
}

// parkedIn reports whether some goroutine is blocked (on a select or a
// channel send) inside fn.
func parkedIn(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) && (strings.Contains(g, "[select") || strings.Contains(g, "[chan send")) {
			return true
		}
	}
	return false
}

// completeSpy is the destination of TestMultipartTurnEndsWithParts: it
// holds every CompleteMultipart until a part of a third file arrives.
type completeSpy struct {
	connectors.Bucket
	connectors.MultipartUploader

	mu    sync.Mutex
	keys  map[string]bool
	third chan struct{}
}

func (c *completeSpy) Features() connectors.Features {
	f := c.Bucket.Features()
	f.Multipart = c
	return f
}

func (c *completeSpy) UploadPart(ctx context.Context, key, id string, num int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	c.mu.Lock()
	c.keys[key] = true
	if len(c.keys) == 3 && c.third != nil {
		close(c.third)
		c.third = nil
	}
	c.mu.Unlock()
	return c.MultipartUploader.UploadPart(ctx, key, id, num, r, size, sums)
}

func (c *completeSpy) CompleteMultipart(ctx context.Context, key, id string, parts []connectors.Part) (connectors.Object, error) {
	c.mu.Lock()
	third := c.third
	c.mu.Unlock()
	if third != nil {
		select {
		case <-third:
		case <-ctx.Done():
			return connectors.Object{}, ctx.Err()
		case <-time.After(30 * time.Second):
			return connectors.Object{}, errors.New("no third file's part came while two files were being completed")
		}
	}
	return c.MultipartUploader.CompleteMultipart(ctx, key, id, parts)
}

// TestMultipartTurnEndsWithParts: a file's turn among the partedFiles
// sending parts ends once its parts are acknowledged, not once the server
// has assembled it, so the next file's parts go while the server
// completes the ones before.
func TestMultipartTurnEndsWithParts(t *testing.T) {
	src := t.TempDir()
	want := map[string][]byte{}
	for i := range partedFiles + 1 {
		name := fmt.Sprintf("big-%d", i)
		want[name] = randomFile(t, filepath.Join(src, name), singlePutMax+1<<20)
	}
	srv := ossServer(t, "parts")
	job := &config.Settings{Name: "parts", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 8,
		Retries: 0, RetryBackoff: time.Millisecond, PartSize: 1 << 20}
	r, _ := newTestRunner(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, ossAddr(srv, "dst", "parts"))
	r.Dst = &completeSpy{Bucket: r.Dst, MultipartUploader: r.Dst.Features().Multipart, keys: map[string]bool{}, third: make(chan struct{})}
	run, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if run.FilesCopied != int64(len(want)) {
		t.Fatalf("copied %d files, want %d (failed: %v)", run.FilesCopied, len(want), run.FailedBy)
	}
	for name, b := range want {
		readBack(t, r.Dst, name, b)
	}
}
