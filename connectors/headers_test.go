package connectors

import (
	"maps"
	"net/http"
	"testing"
	"time"
)

func TestObjectSize(t *testing.T) {
	for _, c := range []struct {
		range_, length string
		want           int64
	}{
		{"", "1000", 1000},
		{"bytes 0-99/1000", "100", 1000},
		{"bytes 990-999/1000", "10", 1000},
		{"bytes 0-99/*", "100", -1}, // the server does not know the whole
		{"", "", -1},
		{"", "x", -1},
	} {
		h := http.Header{}
		if c.range_ != "" {
			h.Set("Content-Range", c.range_)
		}
		if c.length != "" {
			h.Set("Content-Length", c.length)
		}
		if got := ObjectSize(h); got != c.want {
			t.Errorf("ObjectSize(Content-Range %q, Content-Length %q) = %d, want %d", c.range_, c.length, got, c.want)
		}
	}
}

func TestHeadersAndMetaOf(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "text/plain")
	h.Set("Expires", "0") // passed on as sent, not parsed
	h.Set("X-Amz-Meta-Owner", "ada")
	h.Set("X-Amz-Meta-", "no name")
	h.Set("X-Amz-Other", "not metadata")
	if got := HeadersOf(h); got != (Headers{ContentType: "text/plain", Expires: "0"}) {
		t.Errorf("HeadersOf = %+v", got)
	}
	if got := MetaOf(h, "x-amz-meta-"); !maps.Equal(got, map[string]string{"owner": "ada"}) {
		t.Errorf("MetaOf = %v", got)
	}
	if got := MetaOf(h, "x-oss-meta-"); got != nil {
		t.Errorf("MetaOf another prefix = %v, want nil", got)
	}
}

func TestCheckHeaders(t *testing.T) {
	for _, c := range []struct {
		name string
		opts PutOptions
		ok   bool
	}{
		{"Plain", PutOptions{Meta: map[string]string{"Owner-ID": "a\tb"}, Headers: Headers{ContentDisposition: `attachment; filename="ä.txt"`}}, true},
		{"NameSpace", PutOptions{Meta: map[string]string{"a b": "c"}}, false},
		{"NameEmpty", PutOptions{Meta: map[string]string{"": "c"}}, false},
		{"NameNotASCII", PutOptions{Meta: map[string]string{"größe": "1"}}, false},
		{"ValueLineBreak", PutOptions{Meta: map[string]string{"a": "x\ny"}}, false},
		{"HeaderCRLF", PutOptions{Headers: Headers{CacheControl: "no-cache\r\nX-Evil: 1"}}, false},
		{"HeaderNUL", PutOptions{Headers: Headers{Expires: "0\x00"}}, false},
	} {
		if err := CheckHeaders(c.opts); (err == nil) != c.ok {
			t.Errorf("%s: CheckHeaders = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 10 ", 10 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := RetryAfter(c.in, now); got != c.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
