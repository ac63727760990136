package conformance

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func (s *suite) testMultipart(t *testing.T) {
	b := s.bucket(t)
	mp := b.Features().Multipart
	if mp == nil {
		t.Skip("backend has no multipart upload")
	}
	ctx := t.Context()
	partSize := b.Features().MinPartSize
	if partSize <= 0 {
		partSize = 5 << 20
	}
	sizes := []int64{partSize, partSize, partSize, 1234}
	var total int64
	for _, n := range sizes {
		total += n
	}
	content := data(int(total), 7)
	chunk := func(number int) []byte {
		off := int64(number-1) * partSize
		return content[off : off+sizes[number-1]]
	}

	const key = "big/multi.bin"
	id, err := mp.CreateMultipart(ctx, key, connectors.PutOptions{ModTime: mtime})
	s.ok(t, err, "create multipart")
	if id == "" {
		t.Fatal("create multipart returned an empty upload ID")
	}
	t.Cleanup(func() { mp.AbortMultipart(context.Background(), key, id) })

	parts := make([]connectors.Part, len(sizes))
	upload := func(number int) {
		p := chunk(number)
		part, err := mp.UploadPart(ctx, key, id, number, bytes.NewReader(p), int64(len(p)), connectors.PartSums{MD5: md5sum(p)})
		s.noSecret(t, err)
		if err != nil {
			t.Errorf("upload part %d: %s", number, s.text(err))
			return
		}
		if part.Number != number || part.Size != int64(len(p)) {
			t.Errorf("upload part %d returned number %d size %d, want size %d", number, part.Number, part.Size, len(p))
		}
		parts[number-1] = part
	}
	// The last part first, then the others at once: servers must not
	// depend on the order parts arrive in.
	upload(len(sizes))
	var wg sync.WaitGroup
	for n := len(sizes) - 1; n >= 1; n-- {
		wg.Go(func() { upload(n) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	listed, err := mp.ListParts(ctx, key, id)
	s.ok(t, err, "list parts")
	if len(listed) != len(parts) {
		t.Fatalf("list parts: %d parts, want %d: %+v", len(listed), len(parts), listed)
	}
	for i, p := range listed {
		want := parts[i]
		if p.Number != want.Number || p.Size != want.Size || (p.ETag != "" && want.ETag != "" && p.ETag != want.ETag) {
			t.Errorf("list parts [%d] = %+v, uploaded %+v", i, p, want)
		}
	}

	o, err := mp.CompleteMultipart(ctx, key, id, parts)
	s.ok(t, err, "complete multipart")
	if o.Key != key || o.Size != total {
		t.Errorf("complete returned key %s size %d, want %s %d", quote(o.Key), o.Size, quote(key), total)
	}
	checkModTime(t, s.stat(t, b, key, total), mtime)
	s.checkContent(t, b, key, content)
	sameKeys(t, "list after multipart upload", s.list(t, b, ""), key)
}

func (s *suite) testMultipartAbort(t *testing.T) {
	b := s.bucket(t)
	mp := b.Features().Multipart
	if mp == nil {
		t.Skip("backend has no multipart upload")
	}
	ctx := t.Context()
	const key = "aborted"
	id, err := mp.CreateMultipart(ctx, key, connectors.PutOptions{})
	s.ok(t, err, "create multipart")
	p := data(1000, 8)
	_, err = mp.UploadPart(ctx, key, id, 1, bytes.NewReader(p), int64(len(p)), connectors.PartSums{})
	s.ok(t, err, "upload part")

	s.ok(t, mp.AbortMultipart(ctx, key, id), "abort")
	_, err = mp.ListParts(ctx, key, id)
	s.wantKind(t, err, connectors.KindNotFound, "list parts of an aborted upload")
	_, err = b.Stat(ctx, key)
	s.wantKind(t, err, connectors.KindNotFound, "stat after abort")
	s.ok(t, mp.AbortMultipart(ctx, key, id), "abort of an aborted upload")
	sameKeys(t, "list after abort", s.list(t, b, ""))
}
