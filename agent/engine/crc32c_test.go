package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/state"
)

// versitygw as test/servers/versitygw.sh starts it.
const vgwEndpoint, vgwKey, vgwSecret = "http://127.0.0.1:7070", "testkey", "testsecret"

// vgwClient is a plain S3 client of versitygw, to look behind mgw's back.
func vgwClient() *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(vgwEndpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(vgwKey, vgwSecret, "")})
}

// vgwAddr is a fresh bucket on versitygw, as an address.
func vgwAddr(t *testing.T, name string) connectors.Address {
	t.Helper()
	conformance.RequireServer(t, "127.0.0.1:7070")
	b := make([]byte, 5)
	rand.Read(b)
	bucket := "mgw-engine-" + hex.EncodeToString(b)
	cli := vgwClient()
	if _, err := cli.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	return connectors.Address{Name: name, Type: "s3", Endpoint: vgwEndpoint, Region: "us-east-1", Bucket: bucket,
		PathStyle: true, AccessKeyID: vgwKey, AccessKeySecret: vgwSecret}
}

// sumsSpy is an S3 destination whose parts are watched (hook sees the
// checksums each is sent with, and may fail it); with noCRC32C it is a
// server that takes no part checksums, as an older mgw used it.
type sumsSpy struct {
	connectors.Bucket
	connectors.MultipartUploader
	noCRC32C atomic.Bool
	// noEcho makes the spy a server that takes CRC32C parts but echoes
	// none: it answers without the checksum, and, as the S3 backend does
	// on such an answer, stops offering CRC32C uploads.
	noEcho bool
	mu     sync.Mutex
	sent   map[int]connectors.PartSums
	acked  chan int // the number of each part the server acknowledged
	hook   func(p *sumsSpy, num int) error
}

func (p *sumsSpy) Features() connectors.Features {
	f := p.Bucket.Features()
	f.Multipart = p
	if p.noCRC32C.Load() {
		f.CRC32C = nil
	}
	return f
}

func (p *sumsSpy) UploadPart(ctx context.Context, key, id string, num int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	if p.hook != nil {
		if err := p.hook(p, num); err != nil {
			return connectors.Part{}, err
		}
	}
	p.mu.Lock()
	p.sent[num] = sums
	p.mu.Unlock()
	part, err := p.MultipartUploader.UploadPart(ctx, key, id, num, r, size, sums)
	if err == nil {
		p.acked <- num
	}
	if p.noEcho && part.HasCRC32C {
		part.CRC32C, part.HasCRC32C = 0, false
		p.noCRC32C.Store(true)
	}
	return part, err
}

// crcRun is a runner copying src to dst through a sumsSpy, on store st.
func crcRun(t *testing.T, src string, dst connectors.Address, st *state.Store, noCRC32C bool, hook func(*sumsSpy, int) error) (*Runner, *sumsSpy) {
	t.Helper()
	job := &config.Settings{Name: "crc", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 2,
		Retries: 0, RetryBackoff: time.Millisecond, PartSize: 5 << 20}
	srcAddr := connectors.Address{Name: "src", Type: "local", Path: src}
	s, err := all.Open(t.Context(), srcAddr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := all.Open(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	spy := &sumsSpy{Bucket: d, MultipartUploader: d.Features().Multipart, sent: map[int]connectors.PartSums{}, acked: make(chan int, 64), hook: hook}
	spy.noCRC32C.Store(noCRC32C)
	return NewRunner(job, srcAddr, dst, s, spy, st, slog.New(slog.NewTextHandler(io.Discard, nil))), spy
}

// partsOf are the 5 MiB parts of b.
func partsOf(b []byte) [][]byte {
	var parts [][]byte
	for len(b) > 0 {
		n := min(len(b), 5<<20)
		parts, b = append(parts, b[:n]), b[n:]
	}
	return parts
}

// refuseThird fails part 3 for good once parts 1 and 2 are acknowledged
// (an acknowledged part is checkpointed whatever follows), so the run ends
// with parts 1 and 2 checkpointed, as a kill would leave them.
func refuseThird(p *sumsSpy, num int) error {
	if num == 3 {
		<-p.acked
		<-p.acked
		return connectors.NewError(connectors.KindInvalidArgument, "upload-part", "big", errors.New("refused by the test"))
	}
	return nil
}

// TestMultipartCRC32CResume: a large file to S3 is sent in parts carrying
// a CRC32C (no MD5 computed), checkpointed with those CRC32Cs; the next
// run resumes it, checking the parts the server holds by the CRC32C it
// echoes, sends only the missing part, and verifies the object by the
// composite checksum the server computed. The index keeps the server's
// ETag, still its MD5 of the parts' MD5s.
func TestMultipartCRC32CResume(t *testing.T) {
	dst := vgwAddr(t, "dst")
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), 12<<20+777) // 3 parts
	parts := partsOf(want)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	r, _ := crcRun(t, src, dst, st, false, refuseThird)
	if run, err := r.Run(t.Context()); err != nil || run.FilesCopied != 0 {
		t.Fatalf("first run: %d copied, %v; want part 3 refused", run.FilesCopied, err)
	}
	cp, ok, err := st.Upload("crc", "big")
	if err != nil || !ok || !cp.CRC32C {
		t.Fatalf("checkpoint %+v (%v, %v), want an upload of CRC32C parts", cp, ok, err)
	}
	for _, p := range cp.Parts {
		if p.MD5 != nil || p.CRC32C != crc32.Checksum(parts[p.Number-1], castagnoli) {
			t.Errorf("checkpointed part %d: MD5 %x CRC32C %08x, want no MD5 and the part's CRC32C", p.Number, p.MD5, p.CRC32C)
		}
	}
	if len(cp.Parts) != 2 {
		t.Fatalf("checkpointed parts %+v, want 1 and 2", cp.Parts)
	}

	r, spy := crcRun(t, src, dst, st, false, nil)
	if run, err := r.Run(t.Context()); err != nil || run.FilesCopied != 1 {
		t.Fatalf("second run: %d copied (failed %v), %v", run.FilesCopied, run.FailedBy, err)
	}
	if len(spy.sent) != 1 || !spy.sent[3].HasCRC32C || spy.sent[3].MD5 != nil {
		t.Errorf("resumed run sent %+v, want part 3 alone, with a CRC32C and no MD5", spy.sent)
	}
	o, err := r.Dst.Stat(t.Context(), "big")
	if err != nil {
		t.Fatal(err)
	}
	crcs := make([]uint32, len(parts))
	md5s := make([][]byte, len(parts))
	for i, p := range parts {
		crcs[i] = crc32.Checksum(p, castagnoli)
		s := md5.Sum(p)
		md5s[i] = s[:]
	}
	if o.CRC32C != CompositeCRC32C(crcs) || o.ETag != MultipartETag(md5s) {
		t.Errorf("object CRC32C %q ETag %q, want %q and %q", o.CRC32C, o.ETag, CompositeCRC32C(crcs), MultipartETag(md5s))
	}
	e, ok, err := st.File("crc", "big")
	if err != nil || !ok || e.DestETag != o.ETag {
		t.Errorf("index entry %+v (%v, %v), want the server's ETag %q", e, ok, err, o.ETag)
	}
	readBack(t, r.Dst, "big", want)
}

// TestMultipartMD5CheckpointResumes: an upload checkpointed with MD5s (by
// an older mgw, or on a server without checksums) resumes with MD5s,
// though the destination now takes CRC32C parts.
func TestMultipartMD5CheckpointResumes(t *testing.T) {
	dst := vgwAddr(t, "dst")
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), 12<<20+777)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	r, _ := crcRun(t, src, dst, st, true, refuseThird)
	if _, err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	cp, _, _ := st.Upload("crc", "big")
	if cp.CRC32C || len(cp.Parts) != 2 || cp.Parts[0].MD5 == nil {
		t.Fatalf("checkpoint %+v, want two parts with MD5s", cp)
	}
	r, spy := crcRun(t, src, dst, st, false, nil)
	if run, err := r.Run(t.Context()); err != nil || run.FilesCopied != 1 {
		t.Fatalf("second run: %d copied (failed %v), %v", run.FilesCopied, run.FailedBy, err)
	}
	if len(spy.sent) != 1 || spy.sent[3].HasCRC32C || spy.sent[3].MD5 == nil {
		t.Errorf("resumed run sent %+v, want part 3 alone, with an MD5", spy.sent)
	}
	readBack(t, r.Dst, "big", want)
}

func readBack(t *testing.T, b connectors.Bucket, key string, want []byte) {
	t.Helper()
	rc, err := b.Open(t.Context(), key, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("destination holds %d bytes (%v), not the file's %d", len(got), err, len(want))
	}
}

// TestMultipartNoCRC32CEcho: a server that answers a CRC32C part without
// echoing the checksum may not have checked it: the part is not taken,
// the upload is abandoned, and the file is sent again with MD5s.
func TestMultipartNoCRC32CEcho(t *testing.T) {
	dst := vgwAddr(t, "dst")
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), 12<<20+777)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, spy := crcRun(t, src, dst, st, false, nil)
	r.Job.Retries = 1
	spy.noEcho = true
	run, err := r.Run(t.Context())
	if err != nil || run.FilesCopied != 1 {
		t.Fatalf("run: %d copied (failed %v), %v", run.FilesCopied, run.FailedBy, err)
	}
	for n, sums := range spy.sent {
		if sums.HasCRC32C || sums.MD5 == nil {
			t.Errorf("part %d last sent with %+v, want an MD5 after the fallback", n, sums)
		}
	}
	o, err := r.Dst.Stat(t.Context(), "big")
	if err != nil || o.CRC32C != "" {
		t.Errorf("object %+v (%v): want one of MD5 parts, without a CRC32C", o, err)
	}
	readBack(t, r.Dst, "big", want)
}
