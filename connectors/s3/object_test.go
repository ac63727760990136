package s3

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// A single-part upload's ETag is its MD5, as List, Stat and Put all say.
func TestPutETagAndMeta(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	content := []byte("some content for the etag")
	sum := md5of(content)
	mtime := time.Date(2020, 2, 29, 23, 59, 59, 999000000, time.FixedZone("", -7*3600))
	put, err := b.Put(ctx, "d/e.txt", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{
		MD5: sum, ModTime: mtime, Meta: map[string]string{"Owner": "alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(sum)
	if put.ETag != want {
		t.Errorf("put: etag %q, want %q", put.ETag, want)
	}
	st, err := b.Stat(ctx, "d/e.txt")
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag != want || st.ModTime.IsZero() || st.Meta["owner"] != "alice" ||
		st.Meta[connectors.MetaMtime] != "2020-03-01T06:59:59.999Z" {
		t.Errorf("stat: %+v", st)
	}
	var listed []connectors.Object
	err = b.ListDir(ctx, "d/", func(o connectors.Object) error {
		listed = append(listed, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].ETag != want || listed[0].Key != "d/e.txt" ||
		!listed[0].ModTime.Equal(st.ModTime) || listed[0].StorageClass != "" {
		t.Errorf("listdir: %+v, stat said %+v", listed, st)
	}
}

// Check refuses an address whose prefix names an object.
func TestCheckPrefixIsObject(t *testing.T) {
	addr := address(t)
	b := open(t, addr)
	ctx := t.Context()
	if _, err := b.Put(ctx, "file", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for sub, want := range map[string]connectors.Kind{
		"file/":    connectors.KindNotDir,
		"missing/": connectors.KindUnknown, // no error: an empty folder to fill
		"":         connectors.KindUnknown,
	} {
		a := addr
		a.Prefix += sub
		err := open(t, a).Check(ctx)
		if got := connectors.KindOf(err); got != want || (want == connectors.KindUnknown && err != nil) {
			t.Errorf("check of prefix %q: %v (kind %v), want %v", a.Prefix, err, got, want)
		}
	}
}

// A key that fits alone may not fit under the prefix.
func TestMaxKeyBytesCountsPrefix(t *testing.T) {
	addr := address(t)
	b := open(t, addr)
	if got, want := b.Features().MaxKeyBytes, maxKeyBytes-len(addr.Prefix); got != want {
		t.Errorf("MaxKeyBytes %d, want %d", got, want)
	}
}
