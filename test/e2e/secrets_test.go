package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secrets given through a file and through the environment never show in
// anything mgw prints or keeps: run output and logs at debug level, a run
// refused for a wrong secret, address verification, the report, the
// failed and skipped lists, nor the state directory's files.
func TestSecretsNeverShown(t *testing.T) {
	const (
		fileSecret  = "FileSecret-q8Zr2Lw9Vx"
		envSecret   = "EnvSecret-m3Ty7Hp1Kc"
		wrongSecret = "WrongSecret-d5Ns4Gb6Jf"
	)
	secrets := []string{fileSecret, envSecret, wrongSecret}
	srvA := newOSSWith(t, ossKeyID, fileSecret)
	srvB := newOSSWith(t, ossKeyID, envSecret)
	srvA.Deny(bucket, "denied/") // some files fail, so the failed list has lines

	s := newSetup(t)
	secretFile := filepath.Join(s.dir, "secret-a")
	writeFile(t, secretFile, []byte(fileSecret+"\n"))
	if err := os.Chmod(secretFile, 0o600); err != nil {
		t.Fatal(err)
	}
	a := ossAddr("oss-a", srvA)
	a.AccessKeySecret, a.AccessKeySecretFile = "", secretFile
	b := ossAddr("oss-b", srvB)
	b.AccessKeySecret = "${MGW_E2E_SECRET_B}"
	w := ossAddr("oss-wrong", srvA)
	w.AccessKeySecret = "${MGW_E2E_SECRET_WRONG}"
	s.write(t, []address{localAddr("src", s.src), a, b, w},
		newJob("to-a", "src", "oss-a"), newJob("to-b", "src", "oss-b"), newJob("to-wrong", "src", "oss-wrong"))
	writeFile(t, filepath.Join(s.src, "ok.txt"), []byte("fine"))
	writeFile(t, filepath.Join(s.src, "big.bin"), randomBytes(1, 9<<20))
	writeFile(t, filepath.Join(s.src, "denied", "no.txt"), []byte("refused"))

	var all []result
	mgw := func(code int, args ...string) {
		t.Helper()
		c := s.cmd(append([]string{"--log-level", "debug"}, args...)...)
		c.Env = append(os.Environ(), "MGW_E2E_SECRET_B="+envSecret, "MGW_E2E_SECRET_WRONG="+wrongSecret)
		r := runCmd(t, c)
		if r.code != code {
			t.Errorf("mgw %v: want exit %d, got %s", args, code, r)
		}
		all = append(all, r)
	}
	mgw(3, "run", "to-a")
	mgw(0, "run", "to-b")
	mgw(2, "run", "to-wrong")
	mgw(0, "address", "verify", "oss-a")
	mgw(0, "address", "verify", "oss-b")
	mgw(1, "address", "verify", "oss-wrong")
	for _, j := range []string{"to-a", "to-b", "to-wrong"} {
		mgw(0, "report", j)
		mgw(0, "failed", j)
		mgw(0, "skipped", j)
	}

	for _, r := range all {
		for _, secret := range secrets {
			if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
				t.Errorf("a secret shows in the output of a command:\n%s", strings.ReplaceAll(r.String(), secret, "<SECRET>"))
			}
		}
	}
	if !strings.Contains(all[2].stderr, "DestAddrSecretKeyInvalid") {
		t.Errorf("the run with a wrong secret does not say DestAddrSecretKeyInvalid:\n%s", all[2])
	}
	err := filepath.WalkDir(s.state, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		for _, secret := range secrets {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("a secret is stored in the state file %s", p)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
