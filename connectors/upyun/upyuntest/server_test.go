package upyuntest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(Config{Operator: "op", Password: "pw", Services: []string{"svc"}})
	t.Cleanup(s.Close)
	return s
}

// do sends a request signed with password at date (zero: now), as path
// is written (percent-encoded).
func do(t *testing.T, s *Server, method, path, password string, date time.Time, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if date.IsZero() {
		date = time.Now()
	}
	d := date.UTC().Format(http.TimeFormat)
	req.Header.Set("Date", d)
	req.Header.Set("Authorization", "UPYUN op:"+Signature(password, method, path, d, hdr["Content-MD5"]))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// The worked example of UPYUN's "签名认证" page.
func TestSignatureExample(t *testing.T) {
	got := Signature("password123", "PUT", "/upyun-temp/demo.jpg", "Wed, 09 Nov 2016 14:26:58 GMT", "7ac66c0f148de9519b8bd264312c4d64")
	if want := "YUaAZX+WNAcJdNGHS5SBlITME5A="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

// What UPYUN refuses, it refuses with its status and code; a HEAD gets
// the status alone.
func TestRefusals(t *testing.T) {
	s := newTestServer(t)
	s.Seed("svc", "a b/c", []byte("data"), SeedOptions{})
	for _, c := range []struct {
		name, method, path, password string
		date                         time.Time
		hdr                          map[string]string
		status, code                 int
	}{
		{"good", "GET", "/svc/a%20b/c", "pw", time.Time{}, nil, 200, 0},
		{"wrong password", "GET", "/svc/a%20b/c", "pv", time.Time{}, nil, 401, 40100005},
		{"date 31 minutes old", "GET", "/svc/a%20b/c", "pw", time.Now().Add(-31 * time.Minute), nil, 401, 40100002},
		{"date 29 minutes ahead", "GET", "/svc/a%20b/c", "pw", time.Now().Add(29 * time.Minute), nil, 200, 0},
		{"signed with its Content-MD5", "GET", "/svc/a%20b/c", "pw", time.Time{}, map[string]string{"Content-MD5": "8d777f385d3dfec8815d20f7496026dc"}, 200, 0},
		{"no such service", "GET", "/nosvc/", "pw", time.Time{}, nil, 401, 40100012},
		{"no such file", "GET", "/svc/nope", "pw", time.Time{}, nil, 404, 40400001},
		{"no such folder", "GET", "/svc/nope/", "pw", time.Time{}, nil, 404, 40400001},
		{"head of no file", "HEAD", "/svc/nope", "pw", time.Time{}, nil, 404, 0},
		{"bad iter", "GET", "/svc/", "pw", time.Time{}, map[string]string{"X-List-Iter": "!!"}, 400, 40001005},
		{"limit too large", "GET", "/svc/", "pw", time.Time{}, map[string]string{"X-List-Limit": "10001"}, 400, 40001005},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(t, s, c.method, c.path, c.password, c.date, c.hdr)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.code == 0 {
				return
			}
			var e struct {
				Code int    `json:"code"`
				Msg  string `json:"msg"`
				ID   string `json:"id"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Code != c.code || e.Msg == "" || len(e.ID) != 32 {
				t.Errorf("body %s, want code %d with msg and id", body, c.code)
			}
		})
	}
	// A request whose signature does not cover what it says.
	req, _ := http.NewRequest("GET", s.URL()+"/svc/a%20b/c", nil)
	d := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", d)
	req.Header.Set("Authorization", "UPYUN op:"+Signature("pw", "GET", "/svc/a b/c", d, ""))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("a signature of the unescaped path: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	req.Header.Set("Authorization", "UPYUN op:"+Signature("pw", "GET", "/svc/a%20b/c", d, ""))
	req.Header.Set("Content-MD5", "8d777f385d3dfec8815d20f7496026dc")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("a Content-MD5 the signature leaves out: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	req.Header.Del("Content-MD5")
	for _, auth := range []string{"", "Basic b3A6cHc=", "UPYUN nobody:x"} {
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := map[string]string{"": "40100004", "Basic b3A6cHc=": "40100003", "UPYUN nobody:x": "40100006"}[auth]
		if resp.StatusCode != 401 || !strings.Contains(string(body), want) {
			t.Errorf("Authorization %q: %d %s, want 401 %s", auth, resp.StatusCode, body, want)
		}
	}
}

// A folder is listed a page at a time, the iterator leading from one to
// the next until LastIter; the text form is UPYUN's tab-separated lines.
func TestListing(t *testing.T) {
	s := newTestServer(t)
	for _, k := range []string{"d/a", "d/b", "d/sub/x", "d/sub/y", "d/c"} {
		s.Seed("svc", k, []byte(k), SeedOptions{ModTime: time.Unix(1700000000, 0)})
	}
	s.SeedFolder("svc", "d/empty")
	var names []string
	iter := ""
	for pages := 0; iter != LastIter; pages++ {
		if pages > 10 {
			t.Fatal("the iterator never ends")
		}
		hdr := map[string]string{"Accept": "application/json", "X-List-Limit": "2"}
		if iter != "" {
			hdr["X-List-Iter"] = iter
		}
		resp, body := do(t, s, "GET", "/svc/d/", "pw", time.Time{}, hdr)
		var l struct {
			Files []entry `json:"files"`
			Iter  string  `json:"iter"`
		}
		if err := json.Unmarshal(body, &l); err != nil || resp.Header.Get("x-upyun-list-iter") != l.Iter {
			t.Fatalf("page %d: %s (%v)", pages, body, err)
		}
		for _, f := range l.Files {
			names = append(names, f.Name+":"+f.Type)
		}
		iter = l.Iter
	}
	want := "a:application/octet-stream b:application/octet-stream c:application/octet-stream empty:folder sub:folder"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("listing %s, want %s", got, want)
	}
	_, body := do(t, s, "GET", "/svc/d/sub", "pw", time.Time{}, nil)
	if got := string(body); got != "x\tN\t7\t1700000000\ny\tN\t7\t1700000000" {
		t.Errorf("text listing %q", got)
	}
	resp, _ := do(t, s, "HEAD", "/svc/d/sub", "pw", time.Time{}, nil)
	if resp.Header.Get("x-upyun-file-type") != "folder" {
		t.Errorf("HEAD of a folder: %v", resp.Header)
	}
}

// The CDN serves the CDN service's files without a signature, with Range.
func TestCDN(t *testing.T) {
	s := newTestServer(t)
	s.Seed("svc", "dir/f", []byte("0123456789"), SeedOptions{})
	req, _ := http.NewRequest("GET", s.CDNURL()+"/dir/f", nil)
	req.Header.Set("Range", "bytes=2-4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(body) != "234" || resp.Header.Get("Content-Range") != "bytes 2-4/10" {
		t.Errorf("CDN range: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, err := http.Get(s.CDNURL() + "/dir/nope"); err != nil || resp.StatusCode != 404 {
		t.Errorf("CDN miss: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := s.CDNCount("dir/f"); n != 1 {
		t.Errorf("CDNCount = %d", n)
	}
}
