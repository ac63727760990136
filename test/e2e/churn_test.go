package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// A source that changes while it is copied: files appended, truncated,
// rewritten in place, replaced by rename and deleted, by a writer that
// records every content each file had. For a local folder, an SMB share
// and an NFS export, one-shot and continuous, to the OSS test server (which
// keeps every version it ever made visible):
//
//   - continuous: once the writer stops, the bucket equals the source;
//   - one-shot: each object is a content its file had at some moment, or
//     the file is in failed.txt with SourceFileChanged (or was deleted);
//   - both: no version ever visible in the bucket is a mix of two contents.
func TestSourceChurn(t *testing.T) {
	for _, src := range []string{"local", "smb", "nfs"} {
		for _, mode := range []string{"one-shot", "continuous"} {
			t.Run(src+"/"+mode, func(t *testing.T) {
				churnCase(t, src, mode)
			})
		}
	}
}

// churnBig is the size of the files sent in parts: past the single-request
// limit, a whole number of pages, so an append or truncate of whole pages
// is one step for a reader.
const churnBig = 9<<20 + 4096

// churnFiles is the tree the writer starts from: small files and three
// files of ten parts.
func churnFiles() map[string][]byte {
	files := map[string][]byte{}
	for i := range 40 {
		files[fmt.Sprintf("small/%d/f%02d.txt", i%4, i)] = randomBytes(uint64(300+i), 1+(i*7919)%(24<<10))
	}
	for i := range 3 {
		files[fmt.Sprintf("big/b%d.bin", i)] = randomBytes(uint64(400+i), churnBig)
	}
	return files
}

func churnCase(t *testing.T, src, mode string) {
	srv := newOSS(t)
	s := newSetup(t)
	files := churnFiles()
	var srcAddr address
	var dir, tmp string
	switch src {
	case "local":
		dir, tmp = s.src, filepath.Join(s.dir, "tmp")
		srcAddr = localAddr("src", dir)
	case "smb", "nfs":
		script, host := "samba.sh", smbHost
		if src == "nfs" {
			script, host = "nfs.sh", nfsHost
		}
		conformance.RequireServer(t, host)
		shareDir := server(t, script, "", "", "status")["dir"]
		var folder string
		folder, dir = shareFolder(t, shareDir, nil)
		_, tmp = freshFolder(t, shareDir) // beside the job's folder: a rename is atomic
		if src == "smb" {
			srcAddr = smbAddr("src", smbHost, folder)
		} else {
			srcAddr = nfsAddr("src", nfsHost, folder)
		}
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	seed(t, dir, files)
	w := newChurner(dir, tmp, files, uint64(len(src)*7+len(mode)))

	j := newJob("churn", "src", "dst")
	j.Limits = &limitsCfg{MaxBandwidth: "16MiB"} // the copy lasts a few seconds: the writer works all along
	if mode == "continuous" {
		j.Mode, j.Settle, j.Deletes, j.MaxDelete, j.Poll = "continuous", "100ms", "mirror", "100%", "1s"
	}
	s.write(t, []address{srcAddr, ossAddr("dst", srv)}, j)

	if mode == "one-shot" {
		stop := w.start(t)
		r := s.mgw(t, "run", "churn")
		ops := stop()
		t.Logf("%d changes while the run copied; exit %d\n%s", ops, r.code, r.stdout)
		if r.code != 0 && r.code != 3 { // 3: some files failed
			t.Fatalf("mgw run: %v", r)
		}
		failed := s.failed(t, "churn")
		w.judgeOneShot(t, srv, failed)
		w.wantNoMix(t, srv)
		return
	}

	a := s.start(t, "run", "churn")
	// The first pass under way, then the writer.
	eventually(t, "the first object", func() bool { return len(srv.Keys(bucket)) > 0 })
	stop := w.start(t)
	eventually(t, "a few hundred changes", func() bool { return w.count() >= 300 })
	ops := stop()
	final := sourceFiles(t, dir)
	t.Logf("%d changes while the job ran; %d files at the end", ops, len(final))
	eventuallyElse(t, "the bucket to equal the source", func() bool { return bucketEquals(srv, final) }, func() string {
		a.stop(t)
		return strings.Join(bucketDiff(srv, final), "\n") + "\nthe job's log:\n" + a.out.String()
	})
	a.stop(t)
	wantObjects(t, srv, final)
	w.wantNoMix(t, srv)
}

// bucketEquals reports whether the bucket holds exactly files.
func bucketEquals(srv *osstest.Server, files map[string][]byte) bool {
	keys := srv.Keys(bucket)
	if len(keys) != len(files) {
		return false
	}
	for _, k := range keys {
		got, _, ok := srv.Object(bucket, k)
		if !ok || !bytes.Equal(got, files[k]) {
			return false
		}
	}
	return true
}

// bucketDiff says how the bucket differs from files.
func bucketDiff(srv *osstest.Server, files map[string][]byte) []string {
	var d []string
	for k, b := range files {
		got, _, ok := srv.Object(bucket, k)
		switch {
		case !ok:
			d = append(d, k+": missing")
		case !bytes.Equal(got, b):
			d = append(d, fmt.Sprintf("%s: %d bytes, the source %d", k, len(got), len(b)))
		}
	}
	for _, k := range srv.Keys(bucket) {
		if _, ok := files[k]; !ok {
			d = append(d, k+": in the bucket, deleted from the source")
		}
	}
	sort.Strings(d)
	return d
}

// content is one state a file had: its bytes (small files) or only size
// and CRC (large ones); from is the shortest prefix a reader could see
// while it was written (the length before an append or a rewrite), or -1.
type content struct {
	size int64
	crc  uint64
	data []byte
	from int64
}

// churner changes files under dir at random and records every content.
type churner struct {
	dir, tmp string
	rng      *rand.Rand

	mu       sync.Mutex
	versions map[string][]content
	current  map[string][]byte // nil: deleted
	deleted  map[string]bool   // deleted at some moment
	ops      int
}

func newChurner(dir, tmp string, files map[string][]byte, seed uint64) *churner {
	w := &churner{dir: dir, tmp: tmp, rng: rand.New(rand.NewPCG(seed, 15)),
		versions: map[string][]content{}, current: map[string][]byte{}, deleted: map[string]bool{}}
	for k, b := range files {
		w.current[k] = b
		w.record(k, b, -1)
	}
	return w
}

func (w *churner) record(key string, b []byte, from int64) {
	c := content{size: int64(len(b)), crc: crc(b), from: from}
	if len(b) < 1<<20 {
		c.data = b
	}
	w.versions[key] = append(w.versions[key], c)
}

func (w *churner) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ops
}

// start runs the writer until the returned function is called; that
// returns the number of changes made.
func (w *churner) start(t *testing.T) func() int {
	done := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		// The small files first, the three large ones last.
		keys := make([]string, 0, len(w.current))
		for k := range w.current {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			bi, bj := filepath.Dir(keys[i]) == "big", filepath.Dir(keys[j]) == "big"
			if bi != bj {
				return bj
			}
			return keys[i] < keys[j]
		})
		for {
			select {
			case <-done:
				errc <- nil
				return
			default:
			}
			// One change in five is to a large file, mid-copy more often
			// than not.
			key := keys[w.rng.IntN(len(keys)-3)]
			if w.rng.IntN(5) == 0 {
				key = keys[len(keys)-3+w.rng.IntN(3)]
			}
			if err := w.change(key); err != nil {
				errc <- err
				return
			}
			time.Sleep(2 * time.Millisecond) // the writer's pace, a few hundred changes a second
		}
	}()
	return func() int {
		close(done)
		if err := <-errc; err != nil {
			t.Fatalf("the writer: %v", err)
		}
		return w.count()
	}
}

// change makes one change to key, chosen at random.
func (w *churner) change(key string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops++
	path := filepath.Join(w.dir, filepath.FromSlash(key))
	cur, big := w.current[key], len(w.current[key]) >= 8<<20 || filepath.Dir(key) == "big"
	op := w.rng.IntN(5)
	if cur == nil {
		op = 3 // a deleted file comes back by rename
	}
	switch op {
	case 0: // append
		n := 1 + w.rng.IntN(2000)
		if big {
			n = 4096
		}
		add := randomBytes(w.rng.Uint64(), n)
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(add)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		next := append(append([]byte{}, cur...), add...)
		w.current[key] = next
		w.record(key, next, int64(len(cur)))
	case 1: // truncate
		n := w.rng.IntN(len(cur) + 1)
		if big {
			n = 8<<20 + 4096*(1+w.rng.IntN(256))
			if n > len(cur) {
				n = len(cur)
			}
		}
		if err := os.Truncate(path, int64(n)); err != nil {
			return err
		}
		w.current[key] = cur[:n:n]
		w.record(key, cur[:n], -1)
	case 2: // rewrite in place: emptied, then written
		if big {
			return w.replace(key, path)
		}
		next := randomBytes(w.rng.Uint64(), 1+w.rng.IntN(24<<10))
		w.record(key, nil, -1)
		if err := os.WriteFile(path, next, 0o644); err != nil {
			return err
		}
		w.current[key] = next
		w.record(key, next, 0)
	case 3:
		return w.replace(key, path)
	case 4: // delete
		if err := os.Remove(path); err != nil {
			return err
		}
		w.current[key] = nil
		w.deleted[key] = true
	}
	return nil
}

// replace writes new content beside the tree and renames it over key.
func (w *churner) replace(key, path string) error {
	n := 1 + w.rng.IntN(24<<10)
	if filepath.Dir(key) == "big" {
		n = churnBig
	}
	next := randomBytes(w.rng.Uint64(), n)
	tmp := filepath.Join(w.tmp, "next")
	if err := os.WriteFile(tmp, next, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	w.current[key] = next
	w.record(key, next, -1)
	return nil
}

// had reports whether key had a content of this size and CRC at some
// moment, a reader's view of a write in progress included.
func (w *churner) had(key string, size int64, sum uint64) bool {
	for _, c := range w.versions[key] {
		if c.size == size && c.crc == sum {
			return true
		}
		if c.from >= 0 && c.data != nil && size >= c.from && size <= c.size && crc(c.data[:size]) == sum {
			return true
		}
	}
	return false
}

// wantNoMix checks every version the bucket ever made visible is a
// content its file had.
func (w *churner) wantNoMix(t *testing.T, srv *osstest.Server) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for key := range w.versions {
		for i, v := range srv.History(bucket, key) {
			if !w.had(key, v.Size, v.CRC64) {
				t.Errorf("%s: version %d (%s), %d bytes, is no content the file ever had: a mix", key, i, v.Op, v.Size)
			}
		}
	}
}

// judgeOneShot checks each file ended as a content it had, or failed with
// SourceFileChanged, or is gone because it was deleted.
func (w *churner) judgeOneShot(t *testing.T, srv *osstest.Server, failed map[string]failedLine) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	copied, changed := 0, 0
	for key := range w.versions {
		f, isFailed := failed[key]
		got, _, ok := srv.Object(bucket, key)
		switch {
		case ok:
			copied++
			if !w.had(key, int64(len(got)), crc(got)) {
				t.Errorf("%s: the object (%d bytes) is no content the file ever had", key, len(got))
			}
		case isFailed && f.code == "SourceFileChanged":
			changed++
		case isFailed && f.code == "SourceFileNotFound" && w.deleted[key]:
		case isFailed:
			t.Errorf("%s: failed with %s (%s), not SourceFileChanged", key, f.code, f.message)
		case !w.deleted[key]:
			t.Errorf("%s: lost: neither copied nor failed, and never deleted", key)
		}
	}
	t.Logf("%d files copied as a content they had, %d failed with SourceFileChanged", copied, changed)
}
