package meta

import (
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func TestCarriedMetaKeepsWhatFits(t *testing.T) {
	src := connectors.Object{
		Headers: connectors.Headers{ContentType: "text/plain; charset=utf-8", CacheControl: "max-age=60", Expires: "Thu, 01 Dec 2026 16:00:00 GMT"},
		Meta:    map[string]string{"Owner": "ops", "mtime": "2020-01-01T00:00:00Z"},
	}
	h, meta, note := Carry(src, 2048)
	if h != src.Headers || note != "" {
		t.Fatalf("headers %+v note %q, want them unchanged and no note", h, note)
	}
	if len(meta) != 1 || meta["owner"] != "ops" {
		t.Fatalf("meta %v, want only owner=ops (names lower-cased, mgw's mtime not carried)", meta)
	}
}

func TestCarriedMetaEncodesAndDrops(t *testing.T) {
	src := connectors.Object{
		Headers: connectors.Headers{ContentDisposition: `attachment; filename="报告.pdf"`, ContentType: "text/plain\r\nX-Evil: 1"},
		Meta: map[string]string{
			"city":     "Zürich",
			"bad name": "x",
			"big":      strings.Repeat("b", 100),
			"small":    "s",
			"under_no": "y",
			"dash-ok":  "z",
		},
	}
	h, meta, note := Carry(src, 60+len("mtime")+len("2006-01-02T15:04:05.999999999Z"))
	if want := `attachment; filename="%E6%8A%A5%E5%91%8A.pdf"`; h.ContentDisposition != want {
		t.Errorf("Content-Disposition %q, want %q", h.ContentDisposition, want)
	}
	if want := "text/plain%0D%0AX-Evil: 1"; h.ContentType != want {
		t.Errorf("Content-Type %q, want %q (no header injection)", h.ContentType, want)
	}
	want := map[string]string{"city": "Z%C3%BCrich", "small": "s", "dash-ok": "z"}
	if len(meta) != len(want) {
		t.Fatalf("meta %v, want %v", meta, want)
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("meta %s = %q, want %q", k, meta[k], v)
		}
	}
	for _, part := range []string{"UserMetaInvalid: ", "encoded Content-Disposition", "encoded Content-Type", "encoded meta city", `dropped meta "bad name" (name)`, `dropped meta "under_no" (name)`, "dropped meta big (over the destination's"} {
		if !strings.Contains(note, part) {
			t.Errorf("note %q does not say %q", note, part)
		}
	}
}
