package httplist_test

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/httplist"
)

// files is a net/http server of objects with Range, ETag and
// Last-Modified (http.ServeContent), and of list files.
type files struct {
	srv   *httptest.Server
	mu    sync.Mutex
	data  map[string][]byte      // by decoded URL path
	hdr   map[string]http.Header // extra answer headers, by path
	mod   time.Time
	seq   atomic.Int64
	heads atomic.Int64
}

func newFiles(t *testing.T) *files {
	t.Helper()
	f := &files{data: map[string][]byte{}, mod: time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *files) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		f.heads.Add(1)
	}
	f.mu.Lock()
	data, ok := f.data[r.URL.Path]
	if h := f.hdr[r.URL.Path]; h != nil {
		w = lateHeaders{w, h}
	}
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := md5.Sum(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	http.ServeContent(w, r, "", f.mod, bytes.NewReader(data))
}

// lateHeaders adds h to the answer as it is sent: http.ServeContent would
// send no length had it seen a Content-Encoding, where a web server of
// precompressed files sends one.
type lateHeaders struct {
	http.ResponseWriter
	h http.Header
}

func (w lateHeaders) WriteHeader(code int) {
	for name, vs := range w.h {
		w.Header()[name] = vs
	}
	w.ResponseWriter.WriteHeader(code)
}

func (f *files) set(path string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data[path] = data
}

// publish serves objects under a fresh folder and returns key -> URL.
func (f *files) publish(objects map[string][]byte) map[string]string {
	dir := fmt.Sprintf("/o/%03d/", f.seq.Add(1))
	urls := map[string]string{}
	for k, v := range objects {
		segs := strings.Split(k, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		f.set(dir+k, v)
		urls[k] = f.srv.URL + dir + strings.Join(segs, "/")
	}
	return urls
}

func open(t *testing.T, a connectors.Address) connectors.Bucket {
	t.Helper()
	b, err := httplist.New(a)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// tsvList writes the classic list for urls into a temp file.
func tsvList(t *testing.T, urls map[string]string) string {
	t.Helper()
	var b strings.Builder
	for k, u := range urls {
		b.WriteString(u + "\t" + k + "\n")
	}
	p := filepath.Join(t.TempDir(), "list.tsv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// manifestList serves a manifest.json and a gzip-compressed CSV for urls
// and returns the manifest's URL.
func (f *files) manifestList(t *testing.T, urls map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := csv.NewWriter(zw)
	_ = w.Write([]string{"Key", "Url", "Size"})
	for k, u := range urls {
		_ = w.Write([]string{url.QueryEscape(k), url.QueryEscape(u), ""})
	}
	w.Flush()
	zw.Close()
	dir := fmt.Sprintf("/lists/%03d/", f.seq.Add(1))
	f.set(dir+"data/part-0.csv.gz", buf.Bytes())
	f.set(dir+"manifest.json", []byte(`{"fileFormat": "CSV", "fileSchema": "Key, Url, Size", "files": [{"key": "data/part-0.csv.gz"}]}`))
	return f.srv.URL + dir + "manifest.json"
}

func TestConformanceTSV(t *testing.T) {
	f := newFiles(t)
	seed := func(t *testing.T, objects map[string][]byte) connectors.Bucket {
		return open(t, connectors.Address{Type: "httplist", ListFile: tsvList(t, f.publish(objects))})
	}
	conformance.Run(t, conformance.Harness{
		New:      func(t *testing.T) connectors.Bucket { return seed(t, nil) },
		Seed:     seed,
		ReadOnly: true,
	})
}

func TestConformanceManifestOverHTTP(t *testing.T) {
	f := newFiles(t)
	seed := func(t *testing.T, objects map[string][]byte) connectors.Bucket {
		return open(t, connectors.Address{Type: "httplist", ListFile: f.manifestList(t, f.publish(objects)), ListFormat: httplist.FormatManifest})
	}
	conformance.Run(t, conformance.Harness{
		New:      func(t *testing.T) connectors.Bucket { return seed(t, map[string][]byte{}) },
		Seed:     seed,
		ReadOnly: true,
	})
}

func wantReason(t *testing.T, err error, reason httplist.Reason, kind connectors.Kind, line int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want reason %d", reason)
	}
	var le *httplist.ListFileError
	if !asListFileError(err, &le) {
		t.Fatalf("%v is not a ListFileError", err)
	}
	if le.Reason != reason || le.Line != line || connectors.KindOf(err) != kind {
		t.Errorf("%v: reason %d line %d kind %v, want reason %d line %d kind %v", err, le.Reason, le.Line, connectors.KindOf(err), reason, line, kind)
	}
	if line > 0 && !strings.Contains(err.Error(), fmt.Sprintf("line %d", line)) {
		t.Errorf("%q does not name line %d", err, line)
	}
}

func writeList(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckReportsLines(t *testing.T) {
	f := newFiles(t)
	urls := f.publish(map[string][]byte{"a": []byte("a")})
	good := urls["a"]
	dead := "http://127.0.0.1:1/x" // nothing listens on port 1
	for _, c := range []struct {
		name, list string
		reason     httplist.Reason
		kind       connectors.Kind
		line       int
	}{
		{"one column", good + "\ta\n" + good + "\n", httplist.BadFormat, connectors.KindInvalidArgument, 2},
		{"three columns", good + "\ta\n\n" + good + "\tb\tc\n", httplist.BadFormat, connectors.KindInvalidArgument, 3},
		{"spaces not tab", good + " a\n", httplist.BadFormat, connectors.KindInvalidArgument, 1},
		{"not a URL", good + "\ta\nftp://host/x\tb\n", httplist.CannotConnect, connectors.KindBadEndpoint, 2},
		{"escaping name", good + "\t../../etc/passwd\n", httplist.BadFormat, connectors.KindInvalidArgument, 1},
		{"absolute name", good + "\t/etc/passwd\n", httplist.BadFormat, connectors.KindInvalidArgument, 1},
		{"folder name", good + "\tdir/\n", httplist.BadFormat, connectors.KindInvalidArgument, 1},
		{"unreachable", dead + "\tx\n", httplist.CannotConnect, connectors.KindBadEndpoint, 1},
		{"gcs bad header", "TsvHttpData-1.1\n" + good + "\n", httplist.BadFormat, connectors.KindInvalidArgument, 1},
		{"gcs bad length", "TsvHttpData-1.0\n" + good + "\t12x\n", httplist.BadFormat, connectors.KindInvalidArgument, 2},
		{"gcs bad md5", "TsvHttpData-1.0\n" + good + "\t1\tnotbase64\n", httplist.BadFormat, connectors.KindInvalidArgument, 2},
		{"manifest bad json", "{\n\"fileFormat\": \"CSV\",\n\"files\": [\n}\n", httplist.BadFormat, connectors.KindInvalidArgument, 4},
		{"manifest no Url", `{"fileFormat": "CSV", "fileSchema": "Key, Size", "files": [{"key": "x.csv"}]}`, httplist.BadFormat, connectors.KindInvalidArgument, 0},
		{"manifest missing csv", `{"fileFormat": "CSV", "fileSchema": "Key, Url", "files": [{"key": "nowhere.csv.gz"}]}`, httplist.NotExist, connectors.KindNotFound, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, connectors.Address{ListFile: writeList(t, c.list)})
			wantReason(t, b.Check(t.Context()), c.reason, c.kind, c.line)
		})
	}
}

func TestManifestCSVLines(t *testing.T) {
	dir := t.TempDir()
	csvData := "Key,Url\n" + "a,http%3A%2F%2F127.0.0.1%3A1%2Fa\n" + "b,\"unterminated\n"
	if err := os.WriteFile(filepath.Join(dir, "part.csv"), []byte(csvData), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(m, []byte(`{"fileFormat": "CSV", "fileSchema": "Key, Url", "files": [{"key": "part.csv"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b := open(t, connectors.Address{ListFile: m})
	err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, func(connectors.ListError) {})
	wantReason(t, err, httplist.BadFormat, connectors.KindInvalidArgument, 3)
	if !strings.Contains(err.Error(), "part.csv line 3") {
		t.Errorf("%q does not name the CSV file", err)
	}
}

func TestListFilePaths(t *testing.T) {
	f := newFiles(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, file string
		reason     httplist.Reason
		kind       connectors.Kind
	}{
		{"missing file", filepath.Join(dir, "nope.tsv"), httplist.NotExist, connectors.KindNotFound},
		{"a folder", dir, httplist.InvalidPath, connectors.KindInvalidArgument},
		{"missing URL", f.srv.URL + "/lists/none.tsv", httplist.NotExist, connectors.KindNotFound},
		{"unreachable URL", "http://127.0.0.1:1/list.tsv", httplist.CannotConnect, connectors.KindBadEndpoint},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, connectors.Address{ListFile: c.file})
			wantReason(t, b.Check(t.Context()), c.reason, c.kind, 0)
			err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, nil)
			wantReason(t, err, c.reason, c.kind, 0)
		})
	}
	for _, bad := range []string{"", "ftp://host/list.tsv", "http:///nohost", "a\x00b"} {
		_, err := httplist.New(connectors.Address{ListFile: bad})
		wantReason(t, err, httplist.InvalidPath, connectors.KindInvalidArgument, 0)
	}
}

// Google's format: the key is host/path, the length and MD5 are checked.
func TestTsvHttpData(t *testing.T) {
	f := newFiles(t)
	urls := f.publish(map[string][]byte{"x.bin": []byte("hello"), "y.bin": []byte("world")})
	sum := md5.Sum([]byte("hello"))
	bad := md5.Sum([]byte("other"))
	list := "TsvHttpData-1.0\n" +
		urls["x.bin"] + "\t5\t" + b64(sum[:]) + "\n" +
		urls["y.bin"] + "\t6\t" + b64(bad[:]) + "\n"
	b := open(t, connectors.Address{ListFile: writeList(t, list)})
	host := strings.TrimPrefix(f.srv.URL, "http://")
	var keys []string
	var mu sync.Mutex
	var failed []connectors.ListError
	err := b.List(t.Context(), "", func(o connectors.Object) error {
		mu.Lock()
		keys = append(keys, o.Key)
		mu.Unlock()
		return nil
	}, func(le connectors.ListError) { failed = append(failed, le) })
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(urls["x.bin"])
	if want := host + u.Path; len(keys) != 1 || keys[0] != want {
		t.Errorf("listed %q, want [%q]", keys, want)
	}
	// y.bin's length is wrong in the list: its HEAD fails, List goes on.
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "line 3") {
		t.Errorf("onErr got %v, want y.bin at line 3", failed)
	}
	rc, err := b.Open(t.Context(), keys[0], 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := readAll(rc); err != nil || got != "hello" {
		t.Errorf("read %q, %v", got, err)
	}
}

func TestWritesUnsupported(t *testing.T) {
	f := newFiles(t)
	b := open(t, connectors.Address{ListFile: tsvList(t, f.publish(map[string][]byte{"k": []byte("v")}))})
	_, err := b.Put(t.Context(), "k", strings.NewReader("x"), 1, connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindUnsupported {
		t.Errorf("Put: %v", err)
	}
}

// Stat and Open of a key listed long ago (not in the cache) read the list
// again; the cache never grows past its bound.
func TestStatOutsideCache(t *testing.T) {
	f := newFiles(t)
	objs := map[string][]byte{"a/1": []byte("one"), "b/2": []byte("two")}
	b := open(t, connectors.Address{ListFile: tsvList(t, f.publish(objs))})
	o, err := b.Stat(t.Context(), "b/2")
	if err != nil || o.Size != 3 || o.ETag == "" || o.ModTime.IsZero() {
		t.Fatalf("Stat = %+v, %v", o, err)
	}
	if !o.ModTime.Equal(f.mod) {
		t.Errorf("ModTime %v, want Last-Modified %v", o.ModTime, f.mod)
	}
	_, err = b.Stat(t.Context(), "c/3")
	if connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("Stat of an unlisted key: %v", err)
	}
}

// The URL's query (a presigned signature) never appears in errors.
func TestNoQueryInErrors(t *testing.T) {
	const sig = "Signature=s3cr3tSig"
	list := "http://127.0.0.1:1/obj?" + sig + "\tobj\n"
	b := open(t, connectors.Address{ListFile: writeList(t, list)})
	for _, err := range []error{
		b.Check(t.Context()),
		b.List(t.Context(), "", func(connectors.Object) error { return nil }, nil),
	} {
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %v: want one without the query", err)
		}
	}
	a := connectors.Address{ListFile: "https://user:pw@host/list.tsv?" + sig}
	if r := a.Redacted().ListFile; strings.Contains(r, "s3cr3t") || strings.Contains(r, "pw") {
		t.Errorf("Redacted ListFile %q", r)
	}
}

// A server that goes quiet in the middle of a body is a timeout.
func TestStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		if r.Method == http.MethodHead {
			return
		}
		w.Write([]byte("01234"))
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	b := open(t, connectors.Address{ListFile: writeList(t, srv.URL+"/x\tx\n"), Timeout: 200 * time.Millisecond})
	rc, err := b.Open(t.Context(), "x", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := readAll(rc)
	if got != "01234" || connectors.KindOf(err) != connectors.KindTimeout || connectors.IsCanceled(err) {
		t.Errorf("read %q, %v (kind %v), want the first half then a timeout", got, err, connectors.KindOf(err))
	}
}

// A server that refuses HEAD is asked for the first byte instead.
func TestNoHEAD(t *testing.T) {
	f := newFiles(t)
	urls := f.publish(map[string][]byte{"h": []byte("no head here"), "empty": {}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		f.serve(w, r)
	}))
	t.Cleanup(srv.Close)
	list := ""
	for k, u := range urls {
		list += strings.Replace(u, f.srv.URL, srv.URL, 1) + "\t" + k + "\n"
	}
	b := open(t, connectors.Address{ListFile: writeList(t, list)})
	for key, size := range map[string]int64{"h": 12, "empty": 0} {
		o, err := b.Stat(t.Context(), key)
		if err != nil || o.Size != size || o.ETag == "" || !o.ModTime.Equal(f.mod) {
			t.Errorf("Stat %s = %+v, %v; want size %d with ETag and Last-Modified", key, o, err, size)
		}
	}
}

// Stat and the reader Open returns tell the object's standard headers as
// the server sends them, and no user metadata. Content-Encoding gzip over
// bytes that are not gzip is read as it is, not undone.
func TestHeaders(t *testing.T) {
	f := newFiles(t)
	content := []byte("not really gzip, but served as such")
	urls := f.publish(map[string][]byte{"page.html": content})
	path := strings.TrimPrefix(urls["page.html"], f.srv.URL)
	f.mu.Lock()
	f.hdr = map[string]http.Header{path: {
		"Content-Type":        {"text/html; charset=utf-8"},
		"Content-Encoding":    {"gzip"},
		"Cache-Control":       {"max-age=600"},
		"Content-Disposition": {`inline; filename="page.html"`},
		"Expires":             {"Wed, 21 Oct 2037 07:28:00 GMT"},
		"X-Amz-Meta-Owner":    {"not user metadata here"},
	}}
	f.mu.Unlock()
	want := connectors.Headers{
		ContentType: "text/html; charset=utf-8", ContentEncoding: "gzip", CacheControl: "max-age=600",
		ContentDisposition: `inline; filename="page.html"`, Expires: "Wed, 21 Oct 2037 07:28:00 GMT",
	}
	b := open(t, connectors.Address{Type: "httplist", ListFile: tsvList(t, urls)})
	if !b.Features().Metadata {
		t.Error("Features().Metadata is false")
	}
	st, err := b.Stat(t.Context(), "page.html")
	if err != nil {
		t.Fatal(err)
	}
	if st.Headers != want || st.Meta != nil {
		t.Errorf("stat: headers %+v meta %v, want %+v and no metadata", st.Headers, st.Meta, want)
	}
	rc, err := b.Open(t.Context(), "page.html", 4, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := readAll(rc)
	if err != nil || got != string(content[4:10]) {
		t.Errorf("read %q, %v; want %q", got, err, content[4:10])
	}
	o := rc.(connectors.ObjectReader).Object()
	if o.Headers != want || o.Size != int64(len(content)) || o.ETag != st.ETag || !o.ModTime.Equal(st.ModTime) {
		t.Errorf("reader's object %+v, stat %+v", o, st)
	}
}
