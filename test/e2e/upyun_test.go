package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/upyun/upyuntest"
)

// The UPYUN test server's account.
const (
	upService  = "mgw-e2e-photos"
	upOperator = "e2ereader"
	upPassword = "e2e-upyun-password-91c"
)

func newUPYUN(t *testing.T) *upyuntest.Server {
	t.Helper()
	srv := upyuntest.NewServer(upyuntest.Config{Operator: upOperator, Password: upPassword, Services: []string{upService}})
	t.Cleanup(srv.Close)
	return srv
}

func upyunAddr(name string, srv *upyuntest.Server) map[string]any {
	return map[string]any{"name": name, "type": "upyun", "endpoint": srv.URL(), "service": upService,
		"operator": upOperator, "password": upPassword}
}

// upyunTree is pairFiles' tree (nested folders, an empty file, one sent
// in parts) and names as hostile as UPYUN holds: every character but the
// tab, CR and LF it refuses, leading and trailing spaces and dots, other
// scripts, a 255-byte name and a key of 813 bytes.
func upyunTree() map[string][]byte {
	files := pairFiles(7)
	hostile := []string{
		`reserved "*:<>?| all of them.txt`, `what?.txt`, `hash#tag`, `percent %41 %2F %`, `plus+and space`,
		`amp&eq=semi;colon`, `back\slash`, "trailing space ", " leading space", "trailing dot.", ".hidden",
		"folder with trailing space /inside.txt", "日本語/データ.txt", "emoji 😀/🎉 party.txt",
		"nfd e\u0301te\u0301.txt", "Straße ΑΒΓ кириллица.txt", "100% #1 & more; [x] {y} ~z 'q' =+,@!$.txt",
		strings.Repeat("L", 251) + ".txt",
		strings.Repeat("d", 200) + "/" + strings.Repeat("e", 200) + "/" + strings.Repeat("f", 200) + "/" +
			strings.Repeat("g", 200) + "/deep.txt",
	}
	for i, k := range hostile {
		files["hostile/"+k] = randomBytes(uint64(700+i), 50+i*31)
	}
	files["hostile/empty ?"] = []byte{}
	return files
}

// seedUPYUN puts files under folder, with an empty folder beside them and
// a file outside the folder, which no job must copy.
func seedUPYUN(srv *upyuntest.Server, folder string, files map[string][]byte) {
	for k, v := range files {
		srv.Seed(upService, folder+"/"+k, v, upyuntest.SeedOptions{ModTime: time.Now().Add(-time.Hour)})
	}
	srv.SeedFolder(upService, folder+"/hostile/empty folder")
	srv.Seed(upService, "outside/not-copied.txt", []byte("outside the prefix"), upyuntest.SeedOptions{})
}

// UPYUN -> the OSS test server through the API: the hostile tree arrives
// whole (and nothing else), metadata travels, and a second run finds
// nothing to copy.
func TestUPYUNToOSS(t *testing.T) {
	srv := newUPYUN(t)
	files := upyunTree()
	seedUPYUN(srv, "photos", files)
	srv.Seed(upService, "photos/typed.pdf", []byte("%PDF-1.7"), upyuntest.SeedOptions{ContentType: "application/pdf", Meta: map[string]string{"owner": "ops"}})
	files["typed.pdf"] = []byte("%PDF-1.7")
	dst := newOSS(t)
	s := newSetup(t)
	src := upyunAddr("up-src", srv)
	src["prefix"] = "/photos"
	s.writeAny(t, []map[string]any{src, ossMap("dst", dst)}, newJob("job", "up-src", "dst"))

	wantExit(t, s.mgw(t, "address", "verify", "up-src"), 0)
	s.wantTwoCleanRuns(t, "job", len(files))
	wantBucketHolds(t, dst, files)
	if keys := dst.Keys(bucket); len(keys) != len(files) {
		t.Errorf("the bucket holds %d objects, the source folder %d files", len(keys), len(files))
	}
	if _, meta, _ := dst.Object(bucket, "typed.pdf"); meta["owner"] != "ops" {
		t.Errorf("typed.pdf: metadata %v, want owner=ops", meta)
	}
	if n := srv.Count("GetFile", ""); n < len(files)-1 { // the empty file needs no GET
		t.Errorf("%d GETs of the API for %d files", n, len(files))
	}
}

// UPYUN -> versitygw, the bytes read through the CDN domain: no file
// content comes from the API.
func TestUPYUNCDNToS3(t *testing.T) {
	cli, bkt := newS3Bucket(t)
	srv := newUPYUN(t)
	files := upyunTree()
	seedUPYUN(srv, "photos", files)
	s := newSetup(t)
	src := upyunAddr("up-src", srv)
	src["prefix"], src["cdn"] = "photos/", srv.CDNURL()
	dst := map[string]any{"name": "dst", "type": "s3", "endpoint": "http://" + s3Host, "region": "us-east-1", "bucket": bkt,
		"path_style": true, "access_key_id": s3KeyID, "access_key_secret": s3Secret}
	s.writeAny(t, []map[string]any{src, dst}, newJob("job", "up-src", "dst"))

	wantExit(t, s.mgw(t, "address", "verify", "up-src"), 0)
	s.wantTwoCleanRuns(t, "job", len(files))
	wantS3Objects(t, cli, bkt, files)
	wantS3Multipart(t, cli, bkt, bigKey)
	if n := srv.Count("GetFile", ""); n != 0 {
		t.Errorf("%d GETs of files through the API, want all through the CDN", n)
	}
	if n := srv.CDNCount(""); n < len(files)-1 {
		t.Errorf("%d requests to the CDN for %d files", n, len(files))
	}
}

// Each way an UPYUN source can be wrong gives its catalogue code through
// the binary, and the password shows nowhere.
func TestUPYUNBadAddress(t *testing.T) {
	srv := newUPYUN(t)
	srv.Seed(upService, "photos/a.jpg", []byte("jpeg"), upyuntest.SeedOptions{})
	s := newSetup(t)
	with := func(name string, f func(map[string]any)) map[string]any {
		a := upyunAddr(name, srv)
		f(a)
		return a
	}
	addrs := []map[string]any{
		with("no-operator", func(a map[string]any) { a["operator"] = "nobody" }),
		with("bad-password", func(a map[string]any) { a["password"] = "wrong-upyun-pw-55" }),
		with("no-service", func(a map[string]any) { a["service"] = "absent" }),
		with("no-folder", func(a map[string]any) { a["prefix"] = "nope/" }),
		with("bad-cdn", func(a map[string]any) { a["cdn"] = "http://127.0.0.1:1" }),
		with("blocked", func(map[string]any) {}),
		localMap("dst", s.src),
	}
	s.writeAny(t, addrs, newJob("job", "bad-password", "dst"))
	for name, code := range map[string]string{
		"no-operator":  "SourceAddrUserDoesNotExist",
		"bad-password": "SourceAddrPasswordInvalid",
		"no-service":   "SourceAddrServiceInvalid",
		"no-folder":    "SourceAddrPathInvalid",
		"bad-cdn":      "SourceAddrCdnInvalid",
	} {
		r := s.mgw(t, "address", "verify", name)
		wantExit(t, r, 1)
		wantStderr(t, r, code)
		if strings.Contains(r.stdout+r.stderr, upPassword) || strings.Contains(r.stdout+r.stderr, "wrong-upyun-pw-55") {
			t.Errorf("verify %s shows a password", name)
		}
	}
	srv.BlockOperator(true)
	r := s.mgw(t, "address", "verify", "blocked")
	wantExit(t, r, 1)
	wantStderr(t, r, "SourceAddrUserBlocked")
	srv.BlockOperator(false)
	srv.BlockService(upService, true)
	r = s.mgw(t, "address", "verify", "blocked")
	wantExit(t, r, 1)
	wantStderr(t, r, "SourceAddrServiceBlocked")
	srv.BlockService(upService, false)

	r = s.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "SourceAddrPasswordInvalid")

	// An UPYUN address is no destination: the config says so, with the line.
	s2 := newSetup(t)
	s2.writeAny(t, []map[string]any{localMap("src", s2.src), upyunAddr("up", srv)}, newJob("job", "src", "up"))
	r = s2.mgw(t, "run", "job")
	wantExit(t, r, 2)
	wantStderr(t, r, "DestinationDataAddressInvalid")
}

// UPYUN's bandwidth limit (429 42900005) is retried, slower: every file
// arrives, and the report counts the throttling answers.
func TestUPYUNThrottled(t *testing.T) {
	srv := newUPYUN(t)
	files := map[string][]byte{}
	for i := range 4 {
		k := fmt.Sprintf("f-%d", i)
		files[k] = randomBytes(uint64(40+i), 3000+i)
		srv.Seed(upService, k, files[k], upyuntest.SeedOptions{})
	}
	s := newSetup(t)
	s.writeAny(t, []map[string]any{upyunAddr("up-src", srv), localMap("dst", s.src)}, newJob("job", "up-src", "dst"))
	srv.FailNext("GetFile", 3, 429, "42900005")
	wantExit(t, s.mgw(t, "run", "job"), 0)
	wantFolderHolds(t, s.src, files)
	if n := srv.Count("GetFile", ""); n != len(files)+3 {
		t.Errorf("%d GETs, want %d and 3 retries", n, len(files))
	}
	rep := s.mgw(t, "report", "job")
	wantExit(t, rep, 0)
	if !regexp.MustCompile(`throttled\s+3 answers`).MatchString(rep.stdout) {
		t.Errorf("the report does not count the 3 throttling answers:\n%s", rep.stdout)
	}
}

// A continuous job polls an UPYUN source: files added and rewritten at
// the source while it runs arrive, and SIGTERM stops it cleanly.
func TestUPYUNContinuous(t *testing.T) {
	srv := newUPYUN(t)
	files := map[string][]byte{}
	for i := range 30 {
		k := fmt.Sprintf("d%d/f-%02d.dat", i%3, i)
		files[k] = randomBytes(uint64(900+i), 500+i*13)
		srv.Seed(upService, "live/"+k, files[k], upyuntest.SeedOptions{ModTime: time.Now().Add(-time.Hour)})
	}
	dst := newOSS(t)
	s := newSetup(t)
	src := upyunAddr("up-src", srv)
	src["prefix"] = "live"
	j := newJob("live", "up-src", "dst")
	j.Mode, j.Settle, j.Poll = "continuous", "100ms", "1s"
	s.writeAny(t, []map[string]any{src, ossMap("dst", dst)}, j)

	run := s.start(t, "run", "live")
	waitBucket(t, dst, files, "the first pass")

	changed := map[string][]byte{
		"d0/f-00.dat":      randomBytes(990, 4321), // rewritten, another size
		"new/one.dat":      randomBytes(991, 100),
		"new/deeper/2.dat": randomBytes(992, 0),
	}
	for k, v := range changed {
		srv.Seed(upService, "live/"+k, v, upyuntest.SeedOptions{})
		files[k] = v
	}
	waitBucket(t, dst, changed, "changes found by polling")

	run.stop(t)
	wantObjects(t, dst, files) // d0/f-00.dat had its first version before
	if n := srv.Count("ListFolder", ""); n < 2*5 {
		t.Errorf("%d listing requests: the source was not polled", n)
	}
}
