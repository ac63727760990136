package oss_test

import (
	"bytes"
	"crypto/md5"
	"hash/crc64"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss"
)

// putParts stores data at key of b in parts of ps bytes, as another
// uploader would.
func putParts(t *testing.T, b connectors.Bucket, key string, data []byte, ps int) connectors.Object {
	t.Helper()
	mp := b.Features().Multipart
	id, err := mp.CreateMultipart(t.Context(), key, connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []connectors.Part
	for n, off := 1, 0; off < len(data); n, off = n+1, off+ps {
		chunk := data[off:min(off+ps, len(data))]
		sum := md5.Sum(chunk)
		p, err := mp.UploadPart(t.Context(), key, id, n, bytes.NewReader(chunk), int64(len(chunk)), connectors.PartSums{MD5: sum[:]})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	o, err := mp.CompleteMultipart(t.Context(), key, id, parts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func read(t *testing.T, b connectors.Bucket, key string) []byte {
	t.Helper()
	st, err := b.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, b, key, st.Size)
}

func readAll(t *testing.T, b connectors.Bucket, key string, size int64) []byte {
	t.Helper()
	r, err := b.Open(t.Context(), key, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A single-upload source is copied by one CopyObject and keeps its ETag;
// a source of parts is copied by UploadPartCopy in the destination's
// part size, and the copy's CRC64 is the source's. Nothing is read
// through the client.
func TestServerCopy(t *testing.T) {
	e := newEnv(t)
	srcA, dstA := e.addr(), e.addr()
	src, dst := e.open(t, srcA), e.open(t, dstA)
	oss.SetCopyPartSize(dst, 200<<10)
	sc := dst.Features().ServerCopier
	if sc == nil || !sc.CopiesFrom(src) {
		t.Fatal("a bucket of the same endpoint, region and credentials cannot be copied from")
	}

	small := bytes.Repeat([]byte("single "), 5000)
	put, err := src.Put(t.Context(), "a/small", bytes.NewReader(small), int64(len(small)), connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sc.CopyFrom(t.Context(), src, connectors.Object{Key: "a/small", Size: int64(len(small)), ETag: put.ETag}, "b/small",
		connectors.PutOptions{Meta: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != put.ETag || !got.HasCRC64 || got.CRC64 != crc64.Checksum(small, ecma) {
		t.Errorf("CopyObject: ETag %s CRC64 %d, want %s %d", got.ETag, got.CRC64, put.ETag, crc64.Checksum(small, ecma))
	}
	if st, err := dst.Stat(t.Context(), "b/small"); err != nil || st.Meta["k"] != "v" || !bytes.Equal(read(t, dst, "b/small"), small) {
		t.Errorf("copy: %v, meta %v", err, st.Meta)
	}

	big := make([]byte, 450<<10+3)
	for i := range big {
		big[i] = byte(i * 31 / 7)
	}
	so := putParts(t, src, "a/big", big, 150<<10)
	got, err = sc.CopyFrom(t.Context(), src, connectors.Object{Key: "a/big", Size: int64(len(big)), ETag: so.ETag}, "b/big", connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasCRC64 || got.CRC64 != crc64.Checksum(big, ecma) || got.Size != int64(len(big)) {
		t.Errorf("UploadPartCopy: CRC64 %d (%v) size %d, want %d %d", got.CRC64, got.HasCRC64, got.Size, crc64.Checksum(big, ecma), len(big))
	}
	if !bytes.Equal(read(t, dst, "b/big"), big) {
		t.Error("the copy of parts differs from the source")
	}
	if n := len(e.srv.PartUploads(bucketName, dstA.Prefix+"b/big")); n != 3 {
		t.Errorf("copied in %d parts, want 3 of 200 KiB", n)
	}
	if n := e.srv.Count("GetObject", srcA.Prefix+"a/big"); n != 0 {
		t.Errorf("%d GetObject of the source: bytes went through the client", n)
	}
}

// A source changed since it was listed is KindChanged, a missing one
// KindNotFound, and neither leaves an upload behind; an upload a killed
// copy left for the key is aborted; another region or other credentials
// cannot be copied from.
func TestServerCopyRefused(t *testing.T) {
	e := newEnv(t)
	srcA, dstA := e.addr(), e.addr()
	src, dst := e.open(t, srcA), e.open(t, dstA)
	sc := dst.Features().ServerCopier
	data := bytes.Repeat([]byte("x"), 300<<10)
	single, err := src.Put(t.Context(), "s", bytes.NewReader(data), int64(len(data)), connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts := putParts(t, src, "p", data, 100<<10)
	for _, o := range []connectors.Object{
		{Key: "s", Size: int64(len(data)), ETag: "0123456789ABCDEF0123456789ABCDEF"},
		{Key: "p", Size: int64(len(data)), ETag: "0123456789ABCDEF0123456789ABCDEF-3"},
	} {
		if _, err := sc.CopyFrom(t.Context(), src, o, "d/"+o.Key, connectors.PutOptions{}); connectors.KindOf(err) != connectors.KindChanged {
			t.Errorf("%s changed: %v, want KindChanged", o.Key, err)
		}
	}
	if _, err := sc.CopyFrom(t.Context(), src, connectors.Object{Key: "gone", Size: 1, ETag: single.ETag}, "d/gone", connectors.PutOptions{}); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("missing source: %v, want KindNotFound", err)
	}
	if _, err := sc.CopyFrom(t.Context(), src, connectors.Object{Key: "gone", Size: 1, ETag: parts.ETag}, "d/gone", connectors.PutOptions{}); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("missing source of parts: %v, want KindNotFound", err)
	}
	if ups := e.srv.Uploads(bucketName); len(ups) != 0 {
		t.Errorf("uploads left: %v", ups)
	}
	for _, k := range e.srv.Keys(bucketName) {
		if bytes.HasPrefix([]byte(k), []byte(dstA.Prefix)) {
			t.Errorf("a refused copy stored %s", k)
		}
	}

	// A killed copy's upload, left for the key, is aborted by the next.
	if _, err := dst.Features().Multipart.CreateMultipart(t.Context(), "d/p", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.CopyFrom(t.Context(), src, connectors.Object{Key: "p", Size: int64(len(data)), ETag: parts.ETag}, "d/p", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if ups := e.srv.Uploads(bucketName); len(ups) != 0 {
		t.Errorf("uploads left after the copy: %v", ups)
	}

	other := srcA
	other.AccessKeySecret = "another-secret"
	if sc.CopiesFrom(e.open(t, other)) {
		t.Error("copies from a bucket opened with other credentials")
	}
	other = srcA
	other.Region = "cn-shanghai"
	if sc.CopiesFrom(e.open(t, other)) {
		t.Error("copies from a bucket of another region")
	}
}
