package transport

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestNewTimeouts(t *testing.T) {
	for _, c := range []struct{ timeout, connect time.Duration }{
		{5 * time.Second, 5 * time.Second},
		{30 * time.Second, 30 * time.Second},
		{time.Minute, 30 * time.Second},
	} {
		tr := New(c.timeout, 7)
		if tr.ResponseHeaderTimeout != c.timeout {
			t.Errorf("New(%v): ResponseHeaderTimeout %v", c.timeout, tr.ResponseHeaderTimeout)
		}
		if tr.TLSHandshakeTimeout != c.connect {
			t.Errorf("New(%v): TLSHandshakeTimeout %v, want %v", c.timeout, tr.TLSHandshakeTimeout, c.connect)
		}
		if d := dialer(c.timeout); d.Timeout != c.connect || d.KeepAlive != 30*time.Second {
			t.Errorf("dialer(%v): Timeout %v KeepAlive %v, want %v and 30s", c.timeout, d.Timeout, d.KeepAlive, c.connect)
		}
	}
}

func TestNewFields(t *testing.T) {
	tr := New(time.Minute, 7)
	if tr.Proxy == nil || tr.DialContext == nil {
		t.Error("no Proxy or DialContext")
	}
	if tr.MaxIdleConnsPerHost != 7 || tr.MaxIdleConns != 0 {
		t.Errorf("MaxIdleConnsPerHost %d MaxIdleConns %d, want 7 and no global cap", tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
	}
	if tr.IdleConnTimeout != 90*time.Second || tr.ExpectContinueTimeout != time.Second {
		t.Errorf("IdleConnTimeout %v ExpectContinueTimeout %v", tr.IdleConnTimeout, tr.ExpectContinueTimeout)
	}
	if !tr.DisableCompression {
		t.Error("compression on")
	}
	// What only some backends want is theirs to set.
	if tr.ForceAttemptHTTP2 || tr.TLSClientConfig != nil {
		t.Errorf("ForceAttemptHTTP2 %v TLSClientConfig %v", tr.ForceAttemptHTTP2, tr.TLSClientConfig)
	}
}

// An object stored gzipped is read as its gzip bytes.
func TestGzipBodyKept(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write([]byte("stored compressed")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	acceptEncoding := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		acceptEncoding <- r.Header.Get("Accept-Encoding")
		rw.Header().Set("Content-Encoding", "gzip")
		_, _ = rw.Write(gz.Bytes())
	}))
	defer srv.Close()
	tr := New(10*time.Second, 2)
	defer tr.CloseIdleConnections()

	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ae := <-acceptEncoding; ae != "" {
		t.Errorf("request sent Accept-Encoding %q", ae)
	}
	if !bytes.Equal(got, gz.Bytes()) || resp.Uncompressed || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("body %q (Uncompressed %v, Content-Encoding %q), want the gzip bytes as sent",
			got, resp.Uncompressed, resp.Header.Get("Content-Encoding"))
	}
}
