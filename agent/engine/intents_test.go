package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
)

// openUploads lists the keys of the uploads open in the bucket of a.
func openUploads(t *testing.T, a connectors.Address) []string {
	t.Helper()
	out, err := vgwClient().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &a.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	slices.Sort(keys)
	return keys
}

// startUpload opens an upload of key at a with one part sent, as a
// process killed after CreateMultipart answered would leave it.
func startUpload(t *testing.T, a connectors.Address, key string) {
	t.Helper()
	b, err := all.Open(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mp := b.Features().Multipart
	id, err := mp.CreateMultipart(t.Context(), key, connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte{7}, 5<<20)
	sum := md5.Sum(part)
	if _, err := mp.UploadPart(t.Context(), key, id, 1, bytes.NewReader(part), int64(len(part)), connectors.PartSums{MD5: sum[:]}); err != nil {
		t.Fatal(err)
	}
}

// TestIntentAbortsUnrecordedUpload: a process killed between the
// server's answer to CreateMultipart and the checkpoint of its upload ID
// leaves an intent in the index and an upload at the destination that
// nobody can name. The next run aborts the uploads open for that key
// (and those of no other key), then copies the file: nothing is left
// open.
func TestIntentAbortsUnrecordedUpload(t *testing.T) {
	dst := vgwAddr(t, "dst")
	src := t.TempDir()
	want := randomFile(t, filepath.Join(src, "big"), 12<<20+777)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	r, _ := crcRun(t, src, dst, st, false, nil)
	o, err := r.Src.Stat(t.Context(), "big")
	if err != nil {
		t.Fatal(err)
	}
	// The intent as the killed process wrote it, and its upload.
	if err := st.SaveUpload("crc", "big", state.Upload{Source: identity(o), PartSize: 5 << 20, Asked: time.Now()}); err != nil {
		t.Fatal(err)
	}
	startUpload(t, dst, "big")
	startUpload(t, dst, "big.old") // not this job's: "big" is only its prefix
	if got := openUploads(t, dst); !slices.Equal(got, []string{"big", "big.old"}) {
		t.Fatalf("open uploads before the run: %q", got)
	}

	if run, err := r.Run(t.Context()); err != nil || run.FilesCopied != 1 {
		t.Fatalf("run: %d copied (failed %v), %v", run.FilesCopied, run.FailedBy, err)
	}
	if got := openUploads(t, dst); !slices.Equal(got, []string{"big.old"}) {
		t.Errorf("open uploads after the run: %q, want only big.old's", got)
	}
	if cp, ok, err := st.Upload("crc", "big"); ok || err != nil {
		t.Errorf("checkpoint left: %+v, %v", cp, err)
	}
	readBack(t, r.Dst, "big", want)
}

// lostAnswer is a destination whose CreateMultipart starts the upload
// and then loses the answer (a timeout), as a cut connection would; it
// records whether the index held the intent when it was called.
type lostAnswer struct {
	connectors.Bucket
	connectors.MultipartUploader
	cu       connectors.CRC32CUploader
	st       *state.Store
	intended bool
}

func (l *lostAnswer) Features() connectors.Features {
	f := l.Bucket.Features()
	f.Multipart, f.CRC32C = l, l
	return f
}

func (l *lostAnswer) CreateMultipartCRC32C(ctx context.Context, key string, opts connectors.PutOptions) (string, bool, error) {
	cp, ok, err := l.st.Upload("crc", key)
	l.intended = err == nil && ok && cp.UploadID == "" && !cp.Asked.IsZero()
	if _, _, err := l.cu.CreateMultipartCRC32C(ctx, key, opts); err != nil {
		return "", false, err
	}
	return "", false, connectors.NewError(connectors.KindTimeout, "create-multipart", key, errors.New("answer lost by the test"))
}

// TestIntentBeforeCreate: the intent is in the index before the upload is
// asked for, and an upload whose answer was lost is aborted at once: the
// failed file leaves nothing open at the destination.
func TestIntentBeforeCreate(t *testing.T) {
	dst := vgwAddr(t, "dst")
	src := t.TempDir()
	randomFile(t, filepath.Join(src, "big"), 12<<20+777)
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	job := &config.Settings{Name: "crc", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 2,
		Retries: 0, RetryBackoff: time.Millisecond, PartSize: 5 << 20}
	r, _ := crcRun(t, src, dst, st, false, nil)
	d := r.Dst.(*sumsSpy).Bucket
	spy := &lostAnswer{Bucket: d, MultipartUploader: d.Features().Multipart, cu: d.Features().CRC32C, st: st}
	r = NewRunner(job, r.SrcAddr, dst, r.Src, spy, st, r.Log)
	if run, err := r.Run(t.Context()); err != nil || run.FilesFailed != 1 {
		t.Fatalf("run: %d failed, %v; want the file failed", run.FilesFailed, err)
	}
	if !spy.intended {
		t.Error("CreateMultipart was called without an intent in the index")
	}
	if got := openUploads(t, dst); len(got) != 0 {
		t.Errorf("open uploads after the lost answer: %q", got)
	}
	if cp, ok, err := st.Upload("crc", "big"); ok || err != nil {
		t.Errorf("intent left though its uploads were aborted: %+v, %v", cp, err)
	}
}
