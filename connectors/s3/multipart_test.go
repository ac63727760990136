package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func md5of(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// An upload interrupted after parts 1 and 3 is picked up by another Bucket
// (as after a restart) from its upload ID alone: ListParts says what the
// server holds, part 2 is sent, and the object is complete.
func TestMultipartResume(t *testing.T) {
	addr := address(t)
	addr.PageSize = 2 // three parts: ListParts needs two pages
	first := open(t, addr)
	ctx := t.Context()

	content := bytes.Repeat([]byte("0123456789abcdef"), (2*minPartSize+1000)/16)
	parts := [][]byte{content[:minPartSize], content[minPartSize : 2*minPartSize], content[2*minPartSize:]}
	const key = "resume/big.bin"

	id, err := first.CreateMultipart(ctx, key, connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3} {
		p := parts[n-1]
		if _, err := first.UploadPart(ctx, key, id, n, bytes.NewReader(p), int64(len(p)), connectors.PartSums{MD5: md5of(p)}); err != nil {
			t.Fatalf("part %d: %v", n, err)
		}
	}

	second := open(t, addr)
	held, err := second.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || held[0].Number != 1 || held[1].Number != 3 ||
		held[0].Size != int64(len(parts[0])) || held[1].Size != int64(len(parts[2])) {
		t.Fatalf("list parts after 1 and 3: %+v", held)
	}
	for _, p := range held {
		if want := hex.EncodeToString(md5of(parts[p.Number-1])); p.ETag != want {
			t.Errorf("part %d: etag %q, want the part's MD5 %q", p.Number, p.ETag, want)
		}
	}

	p2, err := second.UploadPart(ctx, key, id, 2, bytes.NewReader(parts[1]), int64(len(parts[1])), connectors.PartSums{MD5: md5of(parts[1])})
	if err != nil {
		t.Fatal(err)
	}
	all, err := second.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[1] != p2 {
		t.Fatalf("list parts after 2: %+v (part 2 sent as %+v)", all, p2)
	}
	// Parts handed over out of order are completed in number order.
	o, err := second.CompleteMultipart(ctx, key, id, []connectors.Part{all[2], all[0], all[1]})
	if err != nil {
		t.Fatal(err)
	}
	if o.Size != int64(len(content)) || !strings.HasSuffix(o.ETag, "-3") {
		t.Errorf("complete: %+v, want size %d and a 3-part ETag", o, len(content))
	}
	rc, err := first.Open(ctx, key, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got bytes.Buffer
	if _, err := got.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), content) {
		t.Errorf("content after resume differs (%d bytes, want %d)", got.Len(), len(content))
	}
	if _, err := second.ListParts(ctx, key, id); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("list parts of a completed upload: %v, want not-found", err)
	}
}

func TestUploadPartBadMD5(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	const key = "badpart"
	id, err := b.CreateMultipart(ctx, key, connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.AbortMultipart(ctx, key, id) })
	p := []byte("part content")
	_, err = b.UploadPart(ctx, key, id, 1, bytes.NewReader(p), int64(len(p)), connectors.PartSums{MD5: md5of([]byte("other"))})
	if k := connectors.KindOf(err); k != connectors.KindInvalidArgument {
		t.Errorf("part with a wrong MD5: kind %v, want invalid-argument (%v)", k, err)
	}
	held, err := b.ListParts(ctx, key, id)
	if err != nil || len(held) != 0 {
		t.Errorf("parts after a refused part: %+v, %v", held, err)
	}
	for _, n := range []int{0, maxParts + 1} {
		_, err = b.UploadPart(ctx, key, id, n, bytes.NewReader(p), int64(len(p)), connectors.PartSums{})
		if k := connectors.KindOf(err); k != connectors.KindInvalidArgument {
			t.Errorf("part number %d: kind %v, want invalid-argument", n, k)
		}
	}
}
