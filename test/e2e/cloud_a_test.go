package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/connectors/cos/costest"
)

// The COS test server's account.
const (
	cosBucket = "mgw-e2e-1250000000"
	cosID     = "AKIDe2eCosSecretId00000"
	cosKey    = "e2eCosSecretKey-5b8e1d"
	cosRegion = "ap-guangzhou"
)

// writeAny writes a config whose addresses are free-form maps, for the
// fields the shared address struct does not have.
func (s *setup) writeAny(t *testing.T, addrs []map[string]any, jobs ...job) {
	t.Helper()
	b, err := yaml.Marshal(struct {
		StateDir  string           `yaml:"state_dir"`
		Addresses []map[string]any `yaml:"addresses"`
		Jobs      []job            `yaml:"jobs"`
	}{s.state, addrs, jobs})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.config, b)
}

func newCOS(t *testing.T) *costest.Server {
	t.Helper()
	srv := costest.NewServer(costest.Config{SecretID: cosID, SecretKey: cosKey, Region: cosRegion, Buckets: []string{cosBucket}})
	t.Cleanup(srv.Close)
	return srv
}

func cosAddr(name string, srv *costest.Server) map[string]any {
	return map[string]any{"name": name, "type": "cos", "endpoint": srv.URL(), "region": cosRegion,
		"bucket": cosBucket, "secret_id": cosID, "secret_key": cosKey}
}

func localMap(name, path string) map[string]any {
	return map[string]any{"name": name, "type": "local", "path": path}
}

func ossMap(name string, srv interface{ URL() string }) map[string]any {
	return map[string]any{"name": name, "type": "oss", "endpoint": srv.URL(), "region": "cn-hangzhou", "bucket": bucket,
		"path_style": true, "access_key_id": ossKeyID, "access_key_secret": ossSecret}
}

// COS test server -> local folder: every object, small and multipart
// sized, arrives with its bytes; the prefix is the root of the copy.
func TestCOSToLocal(t *testing.T) {
	srv := newCOS(t)
	files := map[string][]byte{
		"a.txt":              []byte("hello from COS"),
		"dir/b.bin":          randomBytes(1, 3<<20), // more than one part at part_size 1MiB
		"dir/sub/with space": randomBytes(2, 1000),
		"日本語.txt":            []byte("utf-8"),
	}
	for k, v := range files {
		srv.Seed(cosBucket, "photos/"+k, v, costest.SeedOptions{})
	}
	srv.Seed(cosBucket, "other/outside.txt", []byte("not under the prefix"), costest.SeedOptions{})
	s := newSetup(t)
	src := cosAddr("cos-src", srv)
	src["prefix"] = "photos"
	s.writeAny(t, []map[string]any{src, localMap("dst", s.src)}, newJob("job", "cos-src", "dst"))

	wantExit(t, s.mgw(t, "address", "verify", "cos-src"), 0)
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 0)
	wantFolderHolds(t, s.src, files)
	// A second run finds nothing to copy.
	wantExit(t, s.mgw(t, "run", "job"), 0)
	if n := srv.Count("GetObject"); n == 0 {
		t.Error("no GetObject reached the COS server")
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Each way a COS source can be wrong gives its catalogue code, and the
// SecretKey shows nowhere.
func TestCOSBadAddress(t *testing.T) {
	srv := newCOS(t)
	s := newSetup(t)
	badID := cosAddr("bad-id", srv)
	badID["secret_id"] = "AKIDnoSuchId"
	badKey := cosAddr("bad-key", srv)
	badKey["secret_key"] = "wrong-cos-key-77"
	noBucket := cosAddr("no-bucket", srv)
	noBucket["bucket"] = "absent-1250000000"
	region := cosAddr("other-region", srv)
	region["region"] = "ap-beijing"
	s.writeAny(t, []map[string]any{badID, badKey, noBucket, region, localMap("dst", s.src)}, newJob("job", "bad-key", "dst"))
	for name, code := range map[string]string{
		"bad-id":       "SourceAddrSecretIdInvalid",
		"bad-key":      "SourceAddrSecretIdInvalid",
		"no-bucket":    "SourceAddrRegionBucketNotMatchOrNoSuchBucket",
		"other-region": "SourceAddrRegionBucketNotMatchOrNoSuchBucket",
	} {
		r := s.mgw(t, "address", "verify", name)
		wantExit(t, r, 1)
		wantStderr(t, r, code)
		if strings.Contains(r.stdout+r.stderr, cosKey) || strings.Contains(r.stdout+r.stderr, "wrong-cos-key-77") {
			t.Errorf("verify %s shows a SecretKey", name)
		}
	}
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "SourceAddrSecretIdInvalid")

	// Found by the config check, with the line: a bucket without APPID.
	s2 := newSetup(t)
	noApp := cosAddr("no-appid", srv)
	noApp["bucket"] = "photos"
	s2.writeAny(t, []map[string]any{noApp})
	r = s2.mgw(t, "address", "verify", "no-appid")
	wantExit(t, r, 2)
	wantStderr(t, r, "SourceAppIdInvalid")
	wantStderr(t, r, "addresses[0].bucket")
}

// urlServer serves objects with Range, ETag and Last-Modified.
func urlServer(t *testing.T, objects map[string][]byte) *httptest.Server {
	t.Helper()
	mod := time.Date(2023, 7, 8, 9, 10, 11, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := objects[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x-%d"`, crc(data), len(data)))
		http.ServeContent(w, r, "", mod, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// An HTTP list -> OSS test server job: the classic URL<TAB>name list;
// the names are the keys at the destination.
func TestHTTPListToOSS(t *testing.T) {
	objects := map[string][]byte{
		"files/one.txt":   []byte("one"),
		"files/big.bin":   randomBytes(3, 5<<20), // multipart at the destination
		"files/space one": randomBytes(4, 777),
	}
	web := urlServer(t, objects)
	var list strings.Builder
	want := map[string][]byte{}
	for path, data := range objects {
		name := "copied/" + strings.TrimPrefix(path, "files/")
		list.WriteString(web.URL + "/" + strings.ReplaceAll(path, " ", "%20") + "\t" + name + "\n")
		want[name] = data
	}
	dst := newOSS(t)
	s := newSetup(t)
	writeFile(t, filepath.Join(s.dir, "urls.tsv"), []byte(list.String()))
	s.writeAny(t, []map[string]any{{"name": "urls", "type": "httplist", "list_file": "urls.tsv"}, ossMap("dst", dst)},
		newJob("job", "urls", "dst"))
	wantExit(t, s.mgw(t, "address", "verify", "urls"), 0)
	wantExit(t, s.mgw(t, "run", "job"), 0)
	wantBucketHolds(t, dst, want)

	// A URL that is gone fails that file only, listed under its name.
	list.WriteString(web.URL + "/files/gone\tcopied/gone\n")
	writeFile(t, filepath.Join(s.dir, "urls.tsv"), []byte(list.String()))
	wantExit(t, s.mgw(t, "run", "job"), 3)
	failed := s.failed(t, "job")
	if _, ok := failed["copied/gone"]; !ok || len(failed) != 1 {
		t.Errorf("failed list %v, want only copied/gone", failed)
	}
	wantBucketHolds(t, dst, want)
}

// Lists that are wrong are refused with the code and the line.
func TestHTTPListBadLists(t *testing.T) {
	web := urlServer(t, map[string][]byte{"a": []byte("a")})
	good := web.URL + "/a"
	for _, c := range []struct {
		name, list, code, where string
	}{
		{"two columns", good + "\ta\n" + good + "\tb\n" + good + " c\n", "SourceAddrBadHttpListFormat", "line 3"},
		{"escaping name", good + "\ta\n" + good + "\t../../etc/passwd\n", "SourceAddrBadHttpListFormat", "line 2"},
		{"bad URL", good + "\ta\nnot-a-url\tb\n", "SourceAddrCannotConnectUrl", "line 2"},
		{"unreachable", "http://127.0.0.1:1/a\ta\n", "SourceAddrCannotConnectUrl", "line 1"},
		{"manifest", "{\"fileFormat\": \"CSV\",\n \"fileSchema\": \"Key\",\n \"files\": []}\n", "SourceAddrBadHttpListFormat", "Url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSetup(t)
			writeFile(t, filepath.Join(s.dir, "urls.tsv"), []byte(c.list))
			s.writeAny(t, []map[string]any{{"name": "urls", "type": "httplist", "list_file": "urls.tsv"}, localMap("dst", s.src)},
				newJob("job", "urls", "dst"))
			r := s.mgw(t, "address", "verify", "urls")
			wantExit(t, r, 1)
			wantStderr(t, r, c.code)
			wantStderr(t, r, c.where)
			r = s.mgw(t, "run", "job")
			wantExit(t, r, 2)
			wantStderr(t, r, c.code)
			wantStderr(t, r, c.where)
		})
	}
	t.Run("missing list", func(t *testing.T) {
		s := newSetup(t)
		s.writeAny(t, []map[string]any{{"name": "urls", "type": "httplist", "list_file": "nowhere.tsv"}})
		r := s.mgw(t, "address", "verify", "urls")
		wantExit(t, r, 1)
		wantStderr(t, r, "SourceAddrListFilePathNotExist")
	})
	t.Run("list is a folder", func(t *testing.T) {
		s := newSetup(t)
		s.writeAny(t, []map[string]any{{"name": "urls", "type": "httplist", "list_file": s.src}})
		r := s.mgw(t, "address", "verify", "urls")
		wantExit(t, r, 1)
		wantStderr(t, r, "SourceAddrListFilePathInvalid")
	})
}

// SlowDown from the COS source is retried: the run ends with every file
// copied, and the report counts the throttling answers.
func TestCOSThrottled(t *testing.T) {
	srv := newCOS(t)
	files := map[string][]byte{}
	for i := range 4 {
		k := fmt.Sprintf("f-%d", i)
		files[k] = randomBytes(uint64(10+i), 2000+i)
		srv.Seed(cosBucket, k, files[k], costest.SeedOptions{})
	}
	s := newSetup(t)
	s.writeAny(t, []map[string]any{cosAddr("cos-src", srv), localMap("dst", s.src)}, newJob("job", "cos-src", "dst"))
	srv.FailNext("GetObject", 3, 503, "SlowDown")
	wantExit(t, s.mgw(t, "run", "job"), 0)
	wantFolderHolds(t, s.src, files)
	if n := srv.Count("GetObject"); n != len(files)+3 {
		t.Errorf("%d GetObject requests, want %d and 3 retries", n, len(files))
	}
	rep := s.mgw(t, "report", "job")
	wantExit(t, rep, 0)
	if !regexp.MustCompile(`throttled\s+3 answers`).MatchString(rep.stdout) {
		t.Errorf("the report does not count the 3 throttling answers:\n%s", rep.stdout)
	}
}

// The manifest format through the binary: manifest.json names a CSV.gz
// with URL-encoded Key and Url columns, relative to the manifest.
func TestHTTPListManifestToLocal(t *testing.T) {
	objects := map[string][]byte{"a b+c.txt": []byte("plus and space"), "d/e,f.bin": randomBytes(5, 4096)}
	web := urlServer(t, objects)
	var csvBuf bytes.Buffer
	zw := gzip.NewWriter(&csvBuf)
	cw := csv.NewWriter(zw)
	_ = cw.Write([]string{"Key", "Url"})
	for k := range objects {
		_ = cw.Write([]string{url.QueryEscape("in/" + k), url.QueryEscape(web.URL + "/" + url.PathEscape(k))})
	}
	cw.Flush()
	zw.Close()
	s := newSetup(t)
	writeFile(t, filepath.Join(s.dir, "list", "data", "part-0.csv.gz"), csvBuf.Bytes())
	writeFile(t, filepath.Join(s.dir, "list", "manifest.json"),
		[]byte(`{"fileFormat": "CSV", "fileSchema": "Key, Url", "files": [{"key": "data/part-0.csv.gz"}]}`))
	s.writeAny(t, []map[string]any{{"name": "urls", "type": "httplist", "list_file": "list/manifest.json"}, localMap("dst", s.src)},
		newJob("job", "urls", "dst"))
	wantExit(t, s.mgw(t, "run", "job"), 0)
	got := sourceFiles(t, s.src)
	for k, want := range objects {
		if !bytes.Equal(got["in/"+k], want) {
			t.Errorf("in/%s: %d bytes, want %d (have %v)", k, len(got["in/"+k]), len(want), keys(got))
		}
	}
}
