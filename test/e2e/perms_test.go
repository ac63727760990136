package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A copy from a folder to a folder keeps restrictive modes: a 0600 file
// in a 0700 folder does not arrive readable by all, and a 0640 file keeps
// its group's read bit.
func TestLocalCopyKeepsModes(t *testing.T) {
	s := newSetup(t)
	dst := filepath.Join(s.dir, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	s.write(t, []address{localAddr("src", s.src), localAddr("dst", dst)}, newJob("keep-modes", "src", "dst"))
	writeFile(t, filepath.Join(s.src, "priv", "secret"), []byte("s"))
	writeFile(t, filepath.Join(s.src, "group.txt"), []byte("g"))
	for p, m := range map[string]fs.FileMode{"priv": 0o700, "priv/secret": 0o600, "group.txt": 0o640} {
		if err := os.Chmod(filepath.Join(s.src, p), m); err != nil {
			t.Fatal(err)
		}
	}
	wantExit(t, s.mgw(t, "run", "keep-modes"), 0)
	for p, want := range map[string]fs.FileMode{"priv": 0o700, "priv/secret": 0o600, "group.txt": 0o640} {
		fi, err := os.Lstat(filepath.Join(dst, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s arrived as %v, want %v", p, got, want)
		}
	}
}

// An endpoint that carries a password is refused when the config is
// checked, and the refusal does not repeat the password.
func TestEndpointWithPasswordRefused(t *testing.T) {
	const password = "Hunter2-x9Qp"
	s := newSetup(t)
	srv := newOSS(t)
	o := ossAddr("oss", srv)
	o.Endpoint = strings.Replace(o.Endpoint, "://", "://admin:"+password+"@", 1)
	s.write(t, []address{localAddr("src", s.src), o}, newJob("upload", "src", "oss"))
	for _, args := range [][]string{{"agent", "--check-config"}, {"address", "list"}} {
		r := s.mgw(t, args...)
		wantExit(t, r, 2)
		if strings.Contains(r.stdout+r.stderr, password) {
			t.Errorf("mgw %v shows the password:\n%s", args, strings.ReplaceAll(r.String(), password, "<PASSWORD>"))
		}
		if !strings.Contains(r.stderr, "BadParameters") || !strings.Contains(r.stderr, "endpoint") {
			t.Errorf("mgw %v does not name the endpoint and BadParameters:\n%s", args, r)
		}
	}
}

// A secret that cannot be had stops only the commands that open
// addresses: the ones that read the state and the config still answer.
func TestReadOnlyCommandsNeedNoSecrets(t *testing.T) {
	const envVar = "MGW_E2E_DEST_SECRET"
	srv := newOSS(t)
	s := newSetup(t)
	o := ossAddr("oss", srv)
	o.AccessKeySecret = "${" + envVar + "}"
	s.write(t, []address{localAddr("src", s.src), o}, newJob("upload", "src", "oss"))
	writeFile(t, filepath.Join(s.src, "a.txt"), []byte("a"))

	withSecret := s.cmd("run", "upload")
	withSecret.Env = append(os.Environ(), envVar+"="+ossSecret)
	wantExit(t, runCmd(t, withSecret), 0)

	t.Setenv(envVar, "") // restored after the test
	os.Unsetenv(envVar)
	for _, args := range [][]string{{"status"}, {"job", "list"}, {"failed", "upload"}, {"skipped", "upload"}, {"report", "upload"}, {"address", "list"}} {
		r := s.mgw(t, args...)
		wantExit(t, r, 0)
	}
	if r := s.mgw(t, "report", "upload"); !strings.Contains(r.stdout, "copied and verified  1") {
		t.Errorf("the report does not show the run:\n%s", r)
	}
	for _, args := range [][]string{{"run", "upload"}, {"agent", "--check-config"}, {"address", "verify", "oss"}} {
		r := s.mgw(t, args...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, "BadParameters") || !strings.Contains(r.stderr, "environment variable "+envVar+" is not set") {
			t.Errorf("mgw %v does not say the variable is not set:\n%s", args, r)
		}
	}
}
