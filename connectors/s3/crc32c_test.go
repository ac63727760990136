package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32cOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// A part whose CRC32C does not match its bytes is refused by the server
// (BadDigest) and not stored: the checksum is verified, not just kept.
func TestUploadPartBadCRC32C(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	const key = "badcrc"
	id, ok, err := b.CreateMultipartCRC32C(ctx, key, connectors.PutOptions{})
	if err != nil || !ok {
		t.Fatalf("create with CRC32C parts: ok %v, %v; versitygw takes them", ok, err)
	}
	t.Cleanup(func() { b.AbortMultipart(ctx, key, id) })
	p := []byte("part content")
	_, err = b.UploadPart(ctx, key, id, 1, bytes.NewReader(p), int64(len(p)),
		connectors.PartSums{CRC32C: crc32cOf(p) ^ 1, HasCRC32C: true})
	if e := kindOf(t, err); e.Kind != connectors.KindInvalidArgument || e.Code != "BadDigest" {
		t.Errorf("part with a wrong CRC32C: kind %v code %q, want invalid-argument BadDigest (%v)", e.Kind, e.Code, err)
	}
	held, err := b.ListParts(ctx, key, id)
	if err != nil || len(held) != 0 {
		t.Errorf("parts after a refused part: %+v, %v", held, err)
	}
}

// An upload of CRC32C parts: each part's checksum is echoed (by UploadPart
// and ListParts), Complete and Stat tell the composite checksum the
// parts' CRC32Cs make, and the ETag stays S3's MD5 of the parts' MD5s, so
// `mgw check` still recomputes it from the source.
func TestMultipartCRC32C(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	const key = "crc/big.bin"
	content := bytes.Repeat([]byte("0123456789abcdef"), (minPartSize+1000)/16)
	parts := [][]byte{content[:minPartSize], content[minPartSize:]}

	id, ok, err := b.CreateMultipartCRC32C(ctx, key, connectors.PutOptions{})
	if err != nil || !ok {
		t.Fatalf("create: ok %v, %v", ok, err)
	}
	var sent []connectors.Part
	for i, p := range parts {
		got, err := b.UploadPart(ctx, key, id, i+1, bytes.NewReader(p), int64(len(p)),
			connectors.PartSums{CRC32C: crc32cOf(p), HasCRC32C: true})
		if err != nil {
			t.Fatal(err)
		}
		if !got.HasCRC32C || got.CRC32C != crc32cOf(p) {
			t.Fatalf("part %d echoed CRC32C %v %08x, sent %08x", i+1, got.HasCRC32C, got.CRC32C, crc32cOf(p))
		}
		sent = append(sent, got)
	}
	held, err := b.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range held {
		if !p.HasCRC32C || p.CRC32C != sent[i].CRC32C {
			t.Errorf("listed part %d: CRC32C %v %08x, want %08x", p.Number, p.HasCRC32C, p.CRC32C, sent[i].CRC32C)
		}
	}
	o, err := b.CompleteMultipart(ctx, key, id, sent)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	m := md5.New()
	for _, p := range parts {
		raw = binary.BigEndian.AppendUint32(raw, crc32cOf(p))
		s := md5.Sum(p)
		m.Write(s[:])
	}
	want := fmt.Sprintf("%s-2", encodeCRC32C(crc32cOf(raw)))
	if o.CRC32C != want {
		t.Errorf("complete: CRC32C %q, want %q", o.CRC32C, want)
	}
	st, err := b.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if st.CRC32C != want {
		t.Errorf("stat: CRC32C %q, want %q", st.CRC32C, want)
	}
	if etag := hex.EncodeToString(m.Sum(nil)) + "-2"; st.ETag != etag || o.ETag != etag {
		t.Errorf("ETag %q (complete %q), want the MD5 of the parts' MD5s %q", st.ETag, o.ETag, etag)
	}
}

// A server that ignores the checksum header (no algorithm echoed) gets a
// plain upload, and the bucket asks no more: later uploads go without it.
func TestCRC32CFallback(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("refuse=%v", refuse), func(t *testing.T) {
			var withAlgo, creates int
			b, _ := newFake(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
				creates++
				if r.Header.Get("x-amz-checksum-algorithm") != "" {
					withAlgo++
					if refuse {
						w.Header().Set("Content-Type", "application/xml")
						w.WriteHeader(http.StatusBadRequest)
						io.WriteString(w, `<Error><Code>InvalidArgument</Code><Message>x-amz-checksum-algorithm is not supported</Message></Error>`)
						return
					}
				}
				io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`)
			})
			for range 2 {
				id, ok, err := b.CreateMultipartCRC32C(t.Context(), "k", connectors.PutOptions{})
				if err != nil || ok || id != "u1" {
					t.Fatalf("create on a server without checksums: %q, ok %v, %v; want a plain upload", id, ok, err)
				}
			}
			if withAlgo != 1 {
				t.Errorf("%d creates asked for CRC32C parts, want only the first", withAlgo)
			}
		})
	}
}
