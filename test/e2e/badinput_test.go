package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
)

// ossSetup is a setup whose job "job" copies the source folder to a fresh
// OSS test server.
func ossSetup(t *testing.T, edit ...func(*job)) (*setup, *osstest.Server) {
	t.Helper()
	srv := newOSS(t)
	s := newSetup(t)
	j := newJob("job", "src", "dst")
	for _, e := range edit {
		e(&j)
	}
	s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, j)
	return s, srv
}

func wantStderr(t *testing.T, r result, want string) {
	t.Helper()
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r)
	}
}

func TestMissingSource(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	s.write(t, []address{localAddr("src", filepath.Join(s.dir, "nowhere")), ossAddr("dst", srv)}, newJob("job", "src", "dst"))
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "SourcePrefixIsNotDir")
}

func TestSourceIsAFile(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	f := filepath.Join(s.dir, "file.txt")
	writeFile(t, f, []byte("not a folder"))
	s.write(t, []address{localAddr("src", f), ossAddr("dst", srv)}, newJob("job", "src", "dst"))
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "SourcePrefixIsNotDir")
}

// A name that is not UTF-8 cannot be an OSS key; a folder takes it.
func TestNameNotUTF8(t *testing.T) {
	const bad = "caf\xe9.txt" // Latin-1 é
	t.Run("to-oss", func(t *testing.T) {
		s, srv := ossSetup(t)
		writeFile(t, filepath.Join(s.src, bad), []byte("latin-1"))
		writeFile(t, filepath.Join(s.src, "good.txt"), []byte("utf-8"))
		r := s.mgw(t, "run", "job")
		wantExit(t, r, 3)
		failed := s.failed(t, "job")
		if f, ok := failed[state.Escape(bad)]; !ok || f.code != "SourceAddrHasUnsupportedChar" {
			t.Errorf("failed list %v, want %q with SourceAddrHasUnsupportedChar", failed, state.Escape(bad))
		}
		if len(failed) != 1 {
			t.Errorf("failed list %v, want only the bad name", failed)
		}
		wantBucketHolds(t, srv, map[string][]byte{"good.txt": []byte("utf-8")})
	})
	t.Run("to-folder", func(t *testing.T) {
		s := newSetup(t)
		dst := filepath.Join(s.dir, "dst")
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		s.write(t, []address{localAddr("src", s.src), localAddr("dst", dst)}, newJob("job", "src", "dst"))
		writeFile(t, filepath.Join(s.src, bad), []byte("latin-1"))
		wantExit(t, s.mgw(t, "run", "job"), 0)
		if got := string(readFile(t, filepath.Join(dst, bad))); got != "latin-1" {
			t.Errorf("destination holds %q", got)
		}
	})
}

// Names with a newline or a tab are copied; when they fail, the failed
// list still has one line per file.
func TestNamesWithNewlineAndTab(t *testing.T) {
	names := []string{"new\nline.txt", "tab\there.txt", `back\slash.txt`}
	t.Run("copied", func(t *testing.T) {
		s, srv := ossSetup(t)
		files := map[string][]byte{}
		for i, n := range names {
			files[n] = randomBytes(uint64(i), 100)
			writeFile(t, filepath.Join(s.src, n), files[n])
		}
		wantExit(t, s.mgw(t, "run", "job"), 0)
		wantBucketHolds(t, srv, files)
	})
	t.Run("failed", func(t *testing.T) {
		s, srv := ossSetup(t)
		srv.Deny(bucket, "deny/")
		for _, n := range names {
			writeFile(t, filepath.Join(s.src, "deny", n), []byte(n))
		}
		wantExit(t, s.mgw(t, "run", "job"), 3)
		r := s.mgw(t, "failed", "job")
		wantExit(t, r, 0)
		got := lines(r.stdout)
		if len(got) != len(names) {
			t.Fatalf("mgw failed printed %d lines for %d files:\n%s", len(got), len(names), r.stdout)
		}
		want := map[string]bool{`deny/new\nline.txt`: true, `deny/tab\there.txt`: true, `deny/back\\slash.txt`: true}
		for _, l := range got {
			f := strings.Split(l, "\t")
			if len(f) != 5 || !want[f[0]] {
				t.Errorf("line %q: want 5 fields and one of the escaped names %v", l, want)
				continue
			}
			if f[1] != "DestAccessDenied" {
				t.Errorf("%s: code %s, want DestAccessDenied", f[0], f[1])
			}
		}
	})
}

// A key longer than the 1023 bytes OSS allows fails with its own code.
func TestKeyTooLong(t *testing.T) {
	s, srv := ossSetup(t)
	dir := s.src
	for i := range 5 {
		dir = filepath.Join(dir, strings.Repeat(string(rune('a'+i)), 220))
	}
	writeFile(t, filepath.Join(dir, "deep.txt"), []byte("deep"))
	writeFile(t, filepath.Join(s.src, "short.txt"), []byte("short"))
	wantExit(t, s.mgw(t, "run", "job"), 3)
	failed := s.failed(t, "job")
	if len(failed) != 1 {
		t.Fatalf("failed list %v, want the one long key", failed)
	}
	for p, f := range failed {
		if len(p) <= 1023 || f.code != "DestObjectNameTooLong" {
			t.Errorf("failed %d-byte path with %s, want a path over 1023 bytes with DestObjectNameTooLong", len(p), f.code)
		}
	}
	wantBucketHolds(t, srv, map[string][]byte{"short.txt": []byte("short")})
}

// Run as nobody, mgw cannot read a root-only file or folder: both are in
// the failed list with their codes and the rest is copied.
func TestUnreadable(t *testing.T) {
	s, srv := ossSetup(t)
	asNobody := s.asNobody(t)
	writeFile(t, filepath.Join(s.src, "ok.txt"), []byte("readable"))
	writeFile(t, filepath.Join(s.src, "sub", "ok2.txt"), []byte("readable too"))
	writeFile(t, filepath.Join(s.src, "secret.txt"), []byte("root only"))
	if err := os.Chmod(filepath.Join(s.src, "secret.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.src, "locked", "inside.txt"), []byte("root only"))
	if err := os.Chmod(filepath.Join(s.src, "locked"), 0o700); err != nil {
		t.Fatal(err)
	}

	r := asNobody("run", "job")
	wantExit(t, r, 3)
	f := asNobody("failed", "job")
	wantExit(t, f, 0)
	codes := map[string]string{}
	for _, l := range lines(f.stdout) {
		fields := strings.Split(l, "\t")
		if len(fields) != 5 {
			t.Fatalf("bad line %q", l)
		}
		codes[fields[0]] = fields[1]
	}
	want := map[string]string{"secret.txt": "SourceFileUnreadable", "locked/": "SourceReadDirFailed"}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("failed list %v, want %v\n%s", codes, want, r)
	}
	wantBucketHolds(t, srv, map[string][]byte{"ok.txt": []byte("readable"), "sub/ok2.txt": []byte("readable too")})
	if keys := srv.Keys(bucket); len(keys) != 2 {
		t.Errorf("bucket holds %v, want only the two readable files", keys)
	}
}

// A file that grows or shrinks while its parts are sent ends as its final
// content; no object ever holds a mix.
func TestFileChangesDuringMultipart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(path string) error
	}{
		{"grows", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			_, err = f.Write(randomBytes(77, 3<<19))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err
		}},
		{"shrinks", func(p string) error { return os.Truncate(p, 9<<20+7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := ossSetup(t)
			path := filepath.Join(s.src, "moving.bin")
			original := randomBytes(5, 10<<20+999)
			writeFile(t, path, original)
			var once sync.Once
			var changeErr error
			srv.SetHandlerHook(func(op, _, key string) {
				if op == "UploadPart" && key == "moving.bin" {
					once.Do(func() { changeErr = tc.change(path) })
				}
			})
			r := s.mgw(t, "run", "job")
			srv.SetHandlerHook(nil)
			if changeErr != nil {
				t.Fatal(changeErr)
			}
			wantExit(t, r, 0)
			final := readFile(t, path)
			got, _, ok := srv.Object(bucket, "moving.bin")
			if !ok || string(got) != string(final) {
				t.Fatalf("object holds %d bytes (found %v), the final source %d", len(got), ok, len(final))
			}
			history := srv.History(bucket, "moving.bin")
			for i, v := range history {
				isFinal := v.Size == int64(len(final)) && v.CRC64 == crc(final)
				isOriginal := v.Size == int64(len(original)) && v.CRC64 == crc(original)
				if !isFinal && !isOriginal {
					t.Errorf("version %d (%s): %d bytes, crc %d: neither the original nor the final content", i, v.Op, v.Size, v.CRC64)
				}
			}
			if open := srv.Uploads(bucket); len(open) > 0 {
				t.Errorf("uploads left open: %v", open)
			}
		})
	}
}

// A file deleted after the scan listed it and before its copy is skipped,
// not failed.
func TestDeletedBeforeCopy(t *testing.T) {
	s, srv := ossSetup(t, func(j *job) { j.Concurrency = 1; j.Overwrite = "always" })
	names := []string{"a.txt", "b.txt"}
	for _, n := range names {
		writeFile(t, filepath.Join(s.src, n), []byte(n))
	}
	// The scan lists the folder in one go; the one worker copies one file
	// at a time. When the first file reaches the server, the other has
	// been listed and not yet opened: delete it then.
	var (
		once    sync.Once
		deleted string
		delErr  error
	)
	srv.SetHandlerHook(func(op, _, key string) {
		if op != "PutObject" {
			return
		}
		once.Do(func() {
			for _, n := range names {
				if n != key {
					deleted = n
					delErr = os.Remove(filepath.Join(s.src, n))
				}
			}
		})
	})
	r := s.mgw(t, "run", "job")
	srv.SetHandlerHook(nil)
	if delErr != nil {
		t.Fatal(delErr)
	}
	wantExit(t, r, 0)
	skipped := s.skipped(t, "job")
	if reason, ok := skipped[deleted]; !ok || !strings.Contains(reason, "deleted") {
		t.Errorf("skipped list %v, want %s as deleted from the source; the run said:\n%s", skipped, deleted, r.stdout)
	}
	if failed := s.failed(t, "job"); len(failed) > 0 {
		t.Errorf("failed list %v, want none", failed)
	}
	if _, _, ok := srv.Object(bucket, deleted); ok {
		t.Errorf("%s is in the bucket", deleted)
	}
}

func TestRefusedCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, keyID, secret, code string
	}{
		{"wrong-secret", ossKeyID, "not-the-secret-3f9a", "DestAddrSecretKeyInvalid"},
		{"wrong-key-id", "LTAI5tUnknownKeyID", ossSecret, "DestAddrAccessKeyInvalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newOSS(t)
			s := newSetup(t)
			writeFile(t, filepath.Join(s.src, "f.txt"), []byte("x"))
			a := ossAddr("dst", srv)
			a.AccessKeyID, a.AccessKeySecret = tc.keyID, tc.secret
			s.write(t, []address{localAddr("src", s.src), a}, newJob("job", "src", "dst"))
			r := s.mgw(t, "run", "job")
			wantExit(t, r, 2)
			wantStderr(t, r, tc.code)
			if n := srv.Count("PutObject", ""); n != 0 {
				t.Errorf("%d PutObject requests sent with refused credentials", n)
			}
		})
	}
}

// An endpoint that accepts connections and never answers times out.
func TestEndpointNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	s := newSetup(t)
	writeFile(t, filepath.Join(s.src, "f.txt"), []byte("x"))
	a := address{Name: "dst", Type: "oss", Endpoint: "http://" + ln.Addr().String(), Region: "cn-hangzhou", Bucket: bucket,
		PathStyle: true, AccessKeyID: ossKeyID, AccessKeySecret: ossSecret, Timeout: "1s"}
	s.write(t, []address{localAddr("src", s.src), a}, newJob("job", "src", "dst"))
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "CheckAddressTimeOut")
}

// An endpoint whose port is closed refuses the connection.
func TestEndpointRefuses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSetup(t)
	writeFile(t, filepath.Join(s.src, "f.txt"), []byte("x"))
	a := address{Name: "dst", Type: "oss", Endpoint: "http://" + addr, Region: "cn-hangzhou", Bucket: bucket,
		PathStyle: true, AccessKeyID: ossKeyID, AccessKeySecret: ossSecret, Timeout: "1s"}
	s.write(t, []address{localAddr("src", s.src), a}, newJob("job", "src", "dst"))
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "DestAddrEndpointInvalid")
}

// Config mistakes are exit 2 with the catalogue code, the file and line.
func TestBadConfig(t *testing.T) {
	const head = `state_dir: state
addresses:
  - name: src
    type: local
    path: src
  - name: dst
    type: local
    path: dst
jobs:
`
	for _, tc := range []struct {
		name, job string
		want      []string
	}{
		{"wrong-type", "  - name: job\n    source: src\n    destination: dst\n    concurrency: lots\n",
			[]string{"BadParameters", "config.yaml:13"}},
		{"unknown-field", "  - name: job\n    source: src\n    destination: dst\n    concurency: 4\n",
			[]string{"BadParameters", "concurency", "config.yaml:13"}},
		{"bad-job-name", "  - name: -j-\n    source: src\n    destination: dst\n",
			[]string{"InvalidJobName: The name of a migration job cannot start or end with a hyphen (-). It can contain only 3 to 62 lowercase letters, numbers, and hyphens."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t)
			writeFile(t, s.config, []byte(head+tc.job))
			r := s.mgw(t, "run", "job")
			wantExit(t, r, 2)
			for _, w := range tc.want {
				wantStderr(t, r, w)
			}
		})
	}
}

// Throttling answers are retried: the run ends with every file right.
func TestThrottled(t *testing.T) {
	s, srv := ossSetup(t)
	files := map[string][]byte{}
	for i := range 5 {
		files[fmt.Sprintf("small-%d", i)] = randomBytes(uint64(i), 1000+i)
	}
	files["big.bin"] = randomBytes(99, 9<<20+5)
	for k, b := range files {
		writeFile(t, filepath.Join(s.src, k), b)
	}
	srv.FailNext("PutObject", 3, 503, "ServiceUnavailable")
	srv.FailNext("UploadPart", 2, 429, "TooManyRequests")
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 0)
	wantBucketHolds(t, srv, files)
	if n := srv.Count("PutObject", ""); n != 5+3 {
		t.Errorf("%d PutObject requests, want 5 and 3 retries", n)
	}
	if n := srv.Count("UploadPart", ""); n != 10+2 {
		t.Errorf("%d UploadPart requests, want 10 and 2 retries", n)
	}
	rep := s.mgw(t, "report", "job")
	wantExit(t, rep, 0)
	if !regexp.MustCompile(`throttled\s+5 answers`).MatchString(rep.stdout) {
		t.Errorf("the report does not count the 5 throttling answers:\n%s", rep.stdout)
	}
}
