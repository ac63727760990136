package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc64"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// mgwBin is the binary under test, built once by TestMain.
var mgwBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "mgw-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The tests that drop privileges run the binary as nobody.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	mgwBin = filepath.Join(dir, "mgw")
	build := exec.Command("go", "build", "-o", mgwBin, "./cmd/mgw")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/mgw: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot finds the folder holding go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// The credentials of the OSS test servers.
const (
	ossKeyID  = "LTAI5tE2eTestKeyID"
	ossSecret = "e2eSecretValue-7c1f0a9b3d"
	bucket    = "mgw-e2e" // OSS bucket names are 3 to 63 characters
)

func newOSS(t *testing.T) *osstest.Server {
	t.Helper()
	return newOSSWith(t, ossKeyID, ossSecret)
}

func newOSSWith(t *testing.T, keyID, secret string) *osstest.Server {
	t.Helper()
	srv := osstest.NewServer(osstest.Config{AccessKeyID: keyID, AccessKeySecret: secret, Region: "cn-hangzhou", Buckets: []string{bucket}})
	t.Cleanup(srv.Close)
	return srv
}

// config is the config file, as written by the tests.
type config struct {
	StateDir  string    `yaml:"state_dir"`
	Mount     *string   `yaml:"mount,omitempty"`
	StatusDir string    `yaml:"status_dir,omitempty"`
	Addresses []address `yaml:"addresses"`
	Jobs      []job     `yaml:"jobs"`
}

type address struct {
	Name                string `yaml:"name"`
	Type                string `yaml:"type"`
	Path                string `yaml:"path,omitempty"`
	Endpoint            string `yaml:"endpoint,omitempty"`
	Region              string `yaml:"region,omitempty"`
	Bucket              string `yaml:"bucket,omitempty"`
	Prefix              string `yaml:"prefix,omitempty"`
	PathStyle           bool   `yaml:"path_style,omitempty"`
	AccessKeyID         string `yaml:"access_key_id,omitempty"`
	AccessKeySecret     string `yaml:"access_key_secret,omitempty"`
	AccessKeySecretFile string `yaml:"access_key_secret_file,omitempty"`
	Timeout             string `yaml:"timeout,omitempty"`
	// s3 presets, azblob and gcs (cloud_b_test.go)
	Provider         string `yaml:"provider,omitempty"`
	Container        string `yaml:"container,omitempty"`
	ConnectionString string `yaml:"connection_string,omitempty"`
	Account          string `yaml:"account,omitempty"`
	AccountKey       string `yaml:"account_key,omitempty"`
	SASToken         string `yaml:"sas_token,omitempty"`
	KeyFile          string `yaml:"key_file,omitempty"`
	// httplist
	ListFile string `yaml:"list_file,omitempty"`
	// smb, nfs
	Server       string `yaml:"server,omitempty"`
	Share        string `yaml:"share,omitempty"`
	Export       string `yaml:"export,omitempty"`
	User         string `yaml:"user,omitempty"`
	Password     string `yaml:"password,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	ReservedPort bool   `yaml:"reserved_port,omitempty"` // nfs
	Conns        int    `yaml:"conns,omitempty"`
}

type job struct {
	Name           string     `yaml:"name"`
	Source         string     `yaml:"source"`
	Destination    string     `yaml:"destination"`
	Overwrite      string     `yaml:"overwrite,omitempty"`
	Concurrency    int        `yaml:"concurrency,omitempty"`
	PartSize       string     `yaml:"part_size,omitempty"`
	Retries        *int       `yaml:"retries,omitempty"`
	RetryBackoff   string     `yaml:"retry_backoff,omitempty"`
	Mode           string     `yaml:"mode,omitempty"`
	Settle         string     `yaml:"settle,omitempty"`
	Poll           string     `yaml:"poll,omitempty"`
	Deletes        string     `yaml:"deletes,omitempty"`
	MaxDelete      string     `yaml:"max_delete,omitempty"`
	Exclude        []string   `yaml:"exclude,omitempty"`
	ReportPrefix   string     `yaml:"report_prefix,omitempty"`
	Shard          *shardCfg  `yaml:"shard,omitempty"`  // shards_test.go
	Limits         *limitsCfg `yaml:"limits,omitempty"` // shards_test.go
	Check          string     `yaml:"check,omitempty"`
	ServerSideCopy *bool      `yaml:"server_side_copy,omitempty"` // servercopy_test.go
}

func localAddr(name, path string) address {
	return address{Name: name, Type: "local", Path: path}
}

func ossAddr(name string, srv *osstest.Server) address {
	return address{Name: name, Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: bucket,
		PathStyle: true, AccessKeyID: ossKeyID, AccessKeySecret: ossSecret}
}

// newJob is a job with the settings every test wants: fast retries and
// parts small enough to keep multipart files small.
func newJob(name, src, dst string) job {
	return job{Name: name, Source: src, Destination: dst, Concurrency: 4, PartSize: "1MiB", RetryBackoff: "10ms"}
}

// setup is one test's config, state and source.
type setup struct {
	dir    string // holds config.yaml and state/
	config string
	state  string
	src    string // the source folder
}

// newSetup makes a fresh folder with a source folder in it.
func newSetup(t *testing.T) *setup {
	t.Helper()
	dir := t.TempDir()
	s := &setup{dir: dir, config: filepath.Join(dir, "config.yaml"), state: filepath.Join(dir, "state"), src: filepath.Join(dir, "src")}
	if err := os.Mkdir(s.src, 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

// write writes the config file with the given addresses and jobs.
func (s *setup) write(t *testing.T, addrs []address, jobs ...job) {
	t.Helper()
	s.writeConfig(t, config{StateDir: s.state, Addresses: addrs, Jobs: jobs})
}

func (s *setup) writeConfig(t *testing.T, c config) {
	t.Helper()
	if c.StateDir == "" {
		c.StateDir = s.state
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.config, b)
}

// asNobody lets user nobody into s (its folders, a state folder of its
// own) and returns a function that runs an mgw command on s's config as
// nobody. It skips the test unless it runs as root.
func (s *setup) asNobody(t *testing.T) func(args ...string) result {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run mgw as another user")
	}
	// t.TempDir's folders are 0700.
	for _, d := range []string{s.dir, filepath.Dir(s.dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(s.state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(s.state, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) result {
		c := s.cmd(args...)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		return runCmd(t, c)
	}
}

// result is what one mgw command did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// cmd is an mgw command on s's config, not yet started.
func (s *setup) cmd(args ...string) *exec.Cmd {
	return exec.Command(mgwBin, append([]string{"--config", s.config}, args...)...)
}

// mgw runs an mgw command on s's config and returns what it did.
func (s *setup) mgw(t *testing.T, args ...string) result {
	t.Helper()
	return runCmd(t, s.cmd(args...))
}

func runCmd(t *testing.T, c *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("cannot run %v: %v", c.Args, err)
	}
	return r
}

// wantExit fails the test unless r exited with code.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

// failedLine is one parsed line of `mgw failed`.
type failedLine struct {
	path, code, message, attempts, last string
}

// failedList runs `mgw failed` and parses it, keyed by escaped path.
func (s *setup) failed(t *testing.T, jobName string) map[string]failedLine {
	t.Helper()
	r := s.mgw(t, "failed", jobName)
	wantExit(t, r, 0)
	out := map[string]failedLine{}
	for _, l := range lines(r.stdout) {
		f := strings.Split(l, "\t")
		if len(f) != 5 {
			t.Fatalf("mgw failed: line %q has %d fields, want 5", l, len(f))
		}
		if n, err := strconv.Atoi(f[3]); err != nil || n < 1 {
			t.Errorf("mgw failed: line %q: attempts %q is not a positive number", l, f[3])
		}
		if _, err := time.Parse(time.RFC3339, f[4]); err != nil {
			t.Errorf("mgw failed: line %q: last attempt %q is not RFC 3339", l, f[4])
		}
		out[f[0]] = failedLine{f[0], f[1], f[2], f[3], f[4]}
	}
	return out
}

// skipped runs `mgw skipped` and parses it: escaped path -> reason.
func (s *setup) skipped(t *testing.T, jobName string) map[string]string {
	t.Helper()
	r := s.mgw(t, "skipped", jobName)
	wantExit(t, r, 0)
	out := map[string]string{}
	for _, l := range lines(r.stdout) {
		p, reason, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("mgw skipped: line %q has no tab", l)
		}
		out[p] = reason
	}
	return out
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomBytes is n bytes from a generator seeded by seed: files differ
// from each other, and a test run is repeatable.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

var crcTable = crc64.MakeTable(crc64.ECMA)

func crc(b []byte) uint64 { return crc64.Checksum(b, crcTable) }

// sourceFiles reads every regular file under dir: key -> content.
func sourceFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// wantFolderHolds checks that folder dir holds exactly files, byte for
// byte.
func wantFolderHolds(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	got := sourceFiles(t, dir)
	for key, want := range files {
		if !bytes.Equal(got[key], want) {
			t.Errorf("%s: %d bytes (crc %d) in the folder, source %d bytes (crc %d)", key, len(got[key]), crc(got[key]), len(want), crc(want))
		}
	}
	for key := range got {
		if _, ok := files[key]; !ok {
			t.Errorf("%s: in the folder, not in the source", key)
		}
	}
}

// wantObjects checks every file is in the bucket with its bytes.
func wantObjects(t *testing.T, srv *osstest.Server, files map[string][]byte) {
	t.Helper()
	for key, want := range files {
		got, _, ok := srv.Object(bucket, key)
		switch {
		case !ok:
			t.Errorf("%s: not in the bucket", key)
		case !bytes.Equal(got, want):
			t.Errorf("%s: bucket holds %d bytes (crc %d), source %d bytes (crc %d)", key, len(got), crc(got), len(want), crc(want))
		}
	}
}

// wantBucketHolds checks every file is in the bucket with its bytes, and
// that no version ever visible under its key had other content.
func wantBucketHolds(t *testing.T, srv *osstest.Server, files map[string][]byte) {
	t.Helper()
	wantObjects(t, srv, files)
	for key, want := range files {
		for i, v := range srv.History(bucket, key) {
			if v.Size != int64(len(want)) || v.CRC64 != crc(want) {
				t.Errorf("%s: version %d (%s) had size %d crc %d, the source has %d, %d", key, i, v.Op, v.Size, v.CRC64, len(want), crc(want))
			}
		}
	}
}
