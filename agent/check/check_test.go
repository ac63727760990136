package check

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
)

// migrate copies job's source to its destination with one engine pass,
// which must copy every file, and returns both addresses opened again
// for a check.
func migrate(t *testing.T, job *config.Settings, srcAddr, dstAddr connectors.Address) *engine.Addresses {
	t.Helper()
	a := open(t, srcAddr, dstAddr)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := engine.NewRunner(job, srcAddr, dstAddr, a.Src, a.Dst, st, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(context.Background())
	if err != nil || run.FilesFailed > 0 {
		t.Fatalf("migration: %v, %d failed", err, run.FilesFailed)
	}
	return a
}

func open(t *testing.T, srcAddr, dstAddr connectors.Address) *engine.Addresses {
	t.Helper()
	src, err := all.Open(context.Background(), srcAddr)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := all.Open(context.Background(), dstAddr)
	if err != nil {
		t.Fatal(err)
	}
	a := &engine.Addresses{SrcAddr: srcAddr, DstAddr: dstAddr, Src: src, Dst: dst}
	t.Cleanup(a.Close)
	return a
}

// check runs a check and returns its result and findings by key.
func check(t *testing.T, job *config.Settings, a *engine.Addresses, opt Options) (*Result, map[string]Finding) {
	t.Helper()
	found := map[string]Finding{}
	res, err := Run(context.Background(), job, a, opt, func(f Finding) {
		if _, dup := found[f.Key]; dup {
			t.Errorf("%s reported twice", f.Key)
		}
		found[f.Key] = f
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range res.Found {
		n += c.Files
	}
	if n != int64(len(found)) {
		t.Errorf("%d findings counted, %d reported", n, len(found))
	}
	return res, found
}

// wantFound checks the findings are exactly these categories by key.
func wantFound(t *testing.T, found map[string]Finding, cats map[string]Category) {
	t.Helper()
	for k, c := range cats {
		if f, ok := found[k]; !ok || f.Category != c {
			t.Errorf("%s: found %+v, want %s", k, f, c)
		}
	}
	for k, f := range found {
		if _, ok := cats[k]; !ok {
			t.Errorf("%s: unexpected %s (%s)", k, f.Category, f.Detail)
		}
	}
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func settings(name string) *config.Settings {
	return &config.Settings{Name: name, Mode: config.ModeOnce, Overwrite: config.OverwriteIfNewer, Deletes: config.DeletesKeep,
		Concurrency: 4, PartSize: 1 << 20, Retries: 1, Exclude: []string{"**/*.tmp"}}
}

// A migration to OSS checks clean, each file compared by the checksum
// OSS tells: small files by their MD5 ETag, the large one by its
// multipart ETag recomputed from the source, or by CRC64 once the job's
// part size no longer gives its part count. Then every kind of change
// behind mgw's back is found, and only those.
func TestLocalToOSS(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "LTAI5tCheckKey", AccessKeySecret: "check-secret", Region: "cn-hangzhou", Buckets: []string{"check"}})
	defer srv.Close()
	dir := t.TempDir()
	for i := range 6 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("a/%d.txt", i)), randomBytes(uint64(i), 1000+i))
	}
	big := randomBytes(99, 9<<20+5) // over the single-put limit: 10 parts of 1 MiB
	writeFile(t, filepath.Join(dir, "big.bin"), big)
	writeFile(t, filepath.Join(dir, "x.tmp"), []byte("filtered"))
	job := settings("oss")
	srcAddr := connectors.Address{Name: "src", Type: "local", Path: dir}
	dstAddr := connectors.Address{Name: "dst", Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "check",
		PathStyle: true, AccessKeyID: "LTAI5tCheckKey", AccessKeySecret: "check-secret"}
	a := migrate(t, job, srcAddr, dstAddr)

	res, found := check(t, job, a, Options{})
	wantFound(t, found, map[string]Category{"x.tmp": Skipped})
	if res.Differences() != 0 || res.By[ByMD5] != 6 || res.By[ByMultipart] != 1 || res.Same.Files != 7 {
		t.Fatalf("clean migration: %+v", res)
	}
	if total := int64(len(big)) + 6*1000 + 15 + 8; res.Read[0] != total-8 || res.Read[1] != 0 {
		t.Errorf("read %v, want every copied source byte once and nothing from the destination", res.Read)
	}

	job2 := *job
	job2.PartSize = 2 << 20
	res, _ = check(t, &job2, a, Options{})
	if res.Differences() != 0 || res.By[ByCRC64] != 1 {
		t.Fatalf("part size changed: %+v", res)
	}

	srv.Seed("check", "a/1.txt", randomBytes(7, 1001), osstest.SeedOptions{})
	srv.Seed("check", "a/2.txt", randomBytes(2, 1002)[:500], osstest.SeedOptions{})
	srv.Delete("check", "a/3.txt")
	srv.Seed("check", "extra/e.txt", []byte("not in the source"), osstest.SeedOptions{})
	// The large object uploaded again in the same parts, one byte changed.
	other := bytes.Clone(big)
	other[5<<20] ^= 1
	mp := a.Dst.Features().Multipart
	id, err := mp.CreateMultipart(t.Context(), "big.bin", connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []connectors.Part
	for i, off := 1, 0; off < len(other); i, off = i+1, off+1<<20 {
		p, err := mp.UploadPart(t.Context(), "big.bin", id, i, bytes.NewReader(other[off:min(off+1<<20, len(other))]), int64(min(1<<20, len(other)-off)), connectors.PartSums{})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	if _, err := mp.CompleteMultipart(t.Context(), "big.bin", id, parts); err != nil {
		t.Fatal(err)
	}
	res, found = check(t, job, a, Options{})
	wantFound(t, found, map[string]Category{"x.tmp": Skipped, "a/1.txt": Content, "a/2.txt": Size, "a/3.txt": Missing,
		"extra/e.txt": Extra, "big.bin": Content})
	if res.Differences() != 4 {
		t.Errorf("differences %d, want 4 (extra is not one with deletes: keep)", res.Differences())
	}
	t.Logf("%s / %s", found["a/1.txt"].Detail, found["big.bin"].Detail)

	res, found = check(t, &job2, a, Options{})
	if f := found["big.bin"]; f.Category != Content || res.By[ByCRC64] != 0 {
		t.Errorf("part size changed: big.bin %+v, %d by CRC64", f, res.By[ByCRC64])
	}
	res, found = check(t, job, a, Options{Download: true})
	if res.By[ByBytes] != 3 || found["big.bin"].Category != Content || found["a/1.txt"].Category != Content {
		t.Errorf("download: %+v", res)
	}

	// A name OSS cannot hold: missing, and why.
	writeFile(t, filepath.Join(dir, "bad\xff.txt"), []byte("latin-1"))
	_, found = check(t, job, a, Options{})
	if f := found["bad\xff.txt"]; f.Category != Missing || !strings.Contains(f.Detail, "not UTF-8") {
		t.Errorf("a name that is not UTF-8: %+v", f)
	}
}

// A disk destination keeps the source's mtime: a file written there since
// is read on both sides, one that kept its mtime is found only by
// reading both; symlinks are skipped and folders mgw keeps for itself
// are not extra.
func TestLocalToLocal(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for i := range 4 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("d/%d", i)), randomBytes(uint64(i), 100))
	}
	if err := os.Symlink("d/0", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	job := settings("local")
	job.Mode, job.Deletes, job.ArchivePrefix, job.ReportPrefix = config.ModeContinuous, config.DeletesArchive, ".mgw-deleted/", "reports/"
	a := migrate(t, job, connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: dst})
	writeFile(t, filepath.Join(dst, ".mgw-deleted/old"), []byte("archived"))
	writeFile(t, filepath.Join(dst, "reports/run-1.txt"), []byte("report"))

	res, found := check(t, job, a, Options{})
	wantFound(t, found, map[string]Category{"link": Skipped})
	if res.By[ByMtime] != 4 || res.Differences() != 0 {
		t.Fatalf("clean: %+v", res)
	}

	// Rewritten: a new mtime, so both are read.
	writeFile(t, filepath.Join(dst, "d/1"), randomBytes(50, 100))
	// Rewritten, mtime put back: only reading both finds it.
	p := filepath.Join(dst, "d/2")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, randomBytes(51, 100))
	if err := os.Chtimes(p, time.Time{}, fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	// Touched only: read, and found the same.
	if err := os.Chtimes(filepath.Join(dst, "d/3"), time.Time{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dst, "new"), []byte("extra"))
	res, found = check(t, job, a, Options{})
	wantFound(t, found, map[string]Category{"link": Skipped, "d/1": Content, "new": Extra})
	if res.By[ByBytes] != 1 || res.By[ByMtime] != 2 || res.Differences() != 2 {
		t.Errorf("%+v: want d/1 and d/3 read, and the extra file a difference under deletes: archive", res)
	}
	res, found = check(t, job, a, Options{Download: true})
	wantFound(t, found, map[string]Category{"link": Skipped, "d/1": Content, "d/2": Content, "new": Extra})
	if res.By[ByBytes] != 2 || res.Read[0] != 400 || res.Read[1] != 400 {
		t.Errorf("download: %+v", res)
	}
}

func TestHasherParts(t *testing.T) {
	data := randomBytes(1, 2500)
	for _, size := range []int{0, 1, 999, 1000, 1001, 2500} {
		h := newHasher(want{md5: true, partSize: 1000})
		for off := 0; off < size; off += 7 { // odd writes across part ends
			h.Write(data[off:min(off+7, size)])
		}
		s := h.sums()
		var parts [][]byte
		for off := 0; off < size || off == 0; off += 1000 {
			m := md5sum(data[off:min(off+1000, size)])
			parts = append(parts, m)
		}
		if engine.MultipartETag(s.parts) != engine.MultipartETag(parts) || !bytes.Equal(s.md5, md5sum(data[:size])) {
			t.Errorf("size %d: %d parts, want %d", size, len(s.parts), len(parts))
		}
	}
}

func md5sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

func TestPartCount(t *testing.T) {
	for etag, n := range map[string]int64{
		"0123456789abcdef0123456789ABCDEF-12": 12,
		"0123456789abcdef0123456789abcdef":    0,
		"0123456789abcdef0123456789abcdeg-1":  0,
		"abc-3":                               0,
		"0123456789abcdef0123456789abcdef-0":  0,
		"0123456789abcdef0123456789abcdef-x":  0,
	} {
		if got, ok := partCount(etag); got != n || ok != (n > 0) {
			t.Errorf("%s: %d parts (%v), want %d", etag, got, ok, n)
		}
	}
}
