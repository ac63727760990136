package e2e

import (
	"bytes"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// checkFiles is the tree every check test migrates: small files in
// folders, one large enough to go in parts to an object store, a name
// with a tab, and one the job's filter excludes.
func checkFiles() map[string][]byte {
	files := map[string][]byte{}
	for i := range 8 {
		files["a/0"+string(rune('0'+i))+".dat"] = randomBytes(uint64(40+i), 3000+i)
	}
	files["big.bin"] = randomBytes(50, 9<<20+7) // over the 8 MiB of a single put
	files["tab\there.txt"] = []byte("a tab in the name")
	files["skip/x.tmp"] = []byte("excluded")
	return files
}

// checkJob is the job every check test runs: the e2e defaults, and the
// filter that excludes *.tmp.
func checkJob(name, dst string) job {
	j := newJob(name, "src", dst)
	j.Exclude = []string{"**/*.tmp"}
	return j
}

// finding is one line of mgw check.
type finding struct{ category, detail string }

// check runs mgw check with args, wants exit code, and returns its
// findings by escaped path and what it printed.
func (s *setup) check(t *testing.T, code int, args ...string) (map[string]finding, result) {
	t.Helper()
	r := s.mgw(t, append([]string{"check"}, args...)...)
	wantExit(t, r, code)
	out := map[string]finding{}
	for _, l := range lines(r.stdout) {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("mgw check: line %q has %d fields, want 3", l, len(f))
		}
		if _, dup := out[f[1]]; dup {
			t.Errorf("mgw check: %s reported twice", f[1])
		}
		out[f[1]] = finding{f[0], f[2]}
	}
	return out, r
}

// wantFindings checks the findings are exactly want: escaped path ->
// category.
func wantFindings(t *testing.T, got map[string]finding, want map[string]string, r result) {
	t.Helper()
	for p, c := range want {
		if got[p].category != c {
			t.Errorf("%s: %q, want %s", p, got[p], c)
		}
	}
	for p, f := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: unexpected %s (%s)", p, f.category, f.detail)
		}
	}
	if t.Failed() {
		t.Logf("%s", r)
	}
}

// checkScenario migrates checkFiles with job, then checks it: clean; then
// after a file is rewritten with other bytes of the same size, one is
// truncated, one deleted, the large one rewritten and an extra one
// written, all behind mgw's back with put and del: each is found, and
// only those, and --output writes the same lines per category.
// The clean check compares as how says, and reads nothing from the
// destination.
func (s *setup) checkScenario(t *testing.T, jobName, how string, put func(key string, b []byte), del func(key string)) {
	t.Helper()
	files := checkFiles()
	for k, b := range files {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	wantExit(t, s.mgw(t, "run", jobName), 0)

	skipped := map[string]string{"skip/x.tmp": "skipped"}
	got, r := s.check(t, 0, jobName)
	wantFindings(t, got, skipped, r)
	wantSummary(t, r.stderr, "same", "10 files (9.0 MiB): "+how+"\n")
	if !regexp.MustCompile(`(?m)^read +.* from the source, 0 B from the destination$`).MatchString(r.stderr) {
		t.Errorf("the destination was read:\n%s", r.stderr)
	}
	wantSummary(t, r.stderr, "result", "no differences")

	put("a/01.dat", randomBytes(99, len(files["a/01.dat"])))
	put("a/02.dat", files["a/02.dat"][:100])
	del("a/03.dat")
	del("tab\there.txt")
	big := bytes.Clone(files["big.bin"])
	big[len(big)/2] ^= 0xff
	put("big.bin", big)
	put("only/here.dat", []byte("not in the source"))
	out := filepath.Join(s.dir, "check-out")
	got, r = s.check(t, 3, jobName, "--output", out)
	want := map[string]string{"skip/x.tmp": "skipped", "a/01.dat": "content", "a/02.dat": "size", "a/03.dat": "missing",
		`tab\there.txt`: "missing", "big.bin": "content", "only/here.dat": "extra"}
	wantFindings(t, got, want, r)
	wantSummary(t, r.stderr, "result", "5 differences") // extra is none with deletes: keep
	wantSummary(t, r.stderr, "check found", "5 differences")
	for _, cat := range []string{"missing", "size", "content", "extra", "skipped", "error"} {
		var lines []string
		for _, l := range strings.SplitAfter(r.stdout, "\n") {
			if strings.HasPrefix(l, cat+"\t") {
				lines = append(lines, l)
			}
		}
		b := readFile(t, filepath.Join(out, cat+".txt"))
		if n := strings.Count(string(b), "\n"); n != len(lines) {
			t.Errorf("%s.txt holds %d lines, stdout %d", cat, n, len(lines))
		}
		for _, l := range lines {
			if !bytes.Contains(b, []byte(l)) {
				t.Errorf("%s.txt lacks %q", cat, l)
			}
		}
	}
	wantSummary(t, string(readFile(t, filepath.Join(out, "summary.txt"))), "result", "5 differences")
}

// wantSummary checks a line of a check's summary (in check.txt, after
// "# ") says value for key.
func wantSummary(t *testing.T, summary, key, value string) {
	t.Helper()
	if !regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(key) + ` +` + regexp.QuoteMeta(value)).MatchString(summary) {
		t.Errorf("the summary does not say %s %s:\n%s", key, value, summary)
	}
}

// To the OSS test server: found by the MD5 ETags and the multipart ETag
// the listing gives, no object read.
func TestCheckOSS(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, checkJob("to-oss", "dst"))
	s.checkScenario(t, "to-oss", "9 by MD5 read against ETag, 1 by multipart ETag recomputed",
		func(k string, b []byte) { srv.Seed(bucket, k, b, osstest.SeedOptions{}) },
		func(k string) { srv.Delete(bucket, k) })
	if n := srv.Count("GetObject", ""); n != 0 {
		t.Errorf("%d objects read from the destination", n)
	}
}

// To S3 (versitygw).
func TestCheckS3(t *testing.T) {
	cli, name := newS3Bucket(t)
	s := newSetup(t)
	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", name)}, checkJob("to-s3", "dst"))
	s.checkScenario(t, "to-s3", "9 by MD5 read against ETag, 1 by multipart ETag recomputed",
		func(k string, b []byte) {
			if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &name, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
				t.Fatal(err)
			}
		},
		func(k string) {
			if _, err := cli.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &name, Key: aws.String(k)}); err != nil {
				t.Fatal(err)
			}
		})
}

// onDisk alters a destination folder directly, the names of its files
// made from the keys by name.
func onDisk(t *testing.T, dir string, name func(string) string) (put func(string, []byte), del func(string)) {
	return func(k string, b []byte) { writeFile(t, filepath.Join(dir, filepath.FromSlash(name(k))), b) },
		func(k string) {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name(k)))); err != nil {
				t.Fatal(err)
			}
		}
}

// To a local folder: compared by size and mtime, files whose mtime
// changed read on both sides; a file rewritten with its mtime put back is
// found by --download only.
func TestCheckLocal(t *testing.T) {
	s := newSetup(t)
	dst := filepath.Join(s.dir, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	s.write(t, []address{localAddr("src", s.src), localAddr("dst", dst)}, checkJob("to-local", "dst"))
	put, del := onDisk(t, dst, func(k string) string { return k })
	s.checkScenario(t, "to-local", "10 by size and mtime", put, del)

	p := filepath.Join(dst, "a", "04.dat")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, randomBytes(98, int(fi.Size())))
	if err := os.Chtimes(p, time.Time{}, fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	got, _ := s.check(t, 3, "to-local")
	if f, ok := got["a/04.dat"]; ok {
		t.Errorf("a/04.dat kept its size and mtime, yet found %v without reading it", f)
	}
	got, r := s.check(t, 3, "to-local", "--download")
	if got["a/04.dat"].category != "content" || !strings.Contains(r.stderr, "by both sides read") {
		t.Errorf("--download: a/04.dat %v\n%s", got["a/04.dat"], r)
	}
}

// To an SMB share (samba), altered in the folder it serves.
func TestCheckSMB(t *testing.T) {
	conformance.RequireServer(t, smbHost)
	info := server(t, "samba.sh", "", "", "status")
	folder, dir := freshFolder(t, info["dir"])
	u, err := user.Lookup(info["user"]) // the share's user writes the copies
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	s := newSetup(t)
	s.write(t, []address{localAddr("src", s.src), smbAddr("dst", smbHost, folder+"/")}, checkJob("to-smb", "dst"))
	// The share keeps a control character of a key as the Services for
	// Macintosh private-use character (a tab: U+F009), as macOS does.
	put, del := onDisk(t, dir, func(k string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 {
				return 0xF000 + r
			}
			return r
		}, k)
	})
	s.checkScenario(t, "to-smb", "10 by size and mtime", put, del)
}

// Under the agent, a continuous job with check: is checked once synced,
// then again every interval; the last check is jobs/JOB/check.txt.
func TestCheckScheduled(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	for k, b := range checkFiles() {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	none := ""
	statusDir := filepath.Join(s.dir, "status")
	j := checkJob("watched", "dst")
	j.Mode, j.Settle, j.Check = "continuous", "100ms", "1s"
	s.writeConfig(t, config{Mount: &none, StatusDir: statusDir, Addresses: []address{localAddr("src", s.src), ossAddr("dst", srv)}, Jobs: []job{j}})
	a := startAgent(t, s)
	checkTxt := filepath.Join(statusDir, "jobs", "watched", "check.txt")
	read := func() string { b, _ := os.ReadFile(checkTxt); return string(b) }
	clean := regexp.MustCompile(`(?m)^# result +no differences$`)
	eventually(t, "a clean check in check.txt", func() bool { return clean.MatchString(read()) })
	if got := read(); !strings.Contains(got, "\nskipped\tskip/x.tmp\t") || strings.Contains(got, ossSecret) {
		t.Errorf("check.txt:\n%s", got)
	}
	srv.Seed(bucket, "a/05.dat", randomBytes(97, 3005), osstest.SeedOptions{})
	eventually(t, "the change in check.txt", func() bool { return strings.Contains(read(), "\ncontent\ta/05.dat\tsource MD5 ") })
	wantSummary(t, read(), "result", "1 differences")
	a.stop(t)
}
