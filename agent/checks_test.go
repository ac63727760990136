package agent

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
)

// checkJob writes the check's summary and findings, scrubbed of the
// config's secrets; a check that cannot finish says why, and the next one
// replaces it whole.
func TestCheckJobWritesCheckTxt(t *testing.T) {
	dir := t.TempDir()
	const secret = "s3cr3t-file-name"
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", secret), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseConfig(filepath.Join(dir, "mgw.yaml"), []byte(`state_dir: state
addresses:
  - {name: src, type: local, path: src}
  - {name: dst, type: local, path: dst}
  - {name: other, type: s3, endpoint: "http://127.0.0.1:1", bucket: b, access_key_id: k, access_key_secret: `+secret+`}
jobs: [{name: follow, source: src, destination: dst, mode: continuous, check: daily}]
`))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAgent(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	path := checkPath(cfg.StateDir, "follow")
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// No destination folder: the check cannot list it.
	if err := a.checkJob(context.Background(), cfg, cfg.Job("follow"), path); err != nil {
		t.Fatal(err)
	}
	if got := read(); !strings.HasPrefix(got, "# check of job follow at ") || !strings.Contains(got, "could not finish: DestPrefixIsNotDir") {
		t.Errorf("check.txt of a check that could not finish:\n%s", got)
	}

	if err := os.Mkdir(filepath.Join(dir, "dst"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := a.checkJob(context.Background(), cfg, cfg.Job("follow"), path); err != nil {
		t.Fatal(err)
	}
	got := read()
	if !strings.HasPrefix(got, "# job ") || !strings.HasSuffix(got, "\nmissing\t****\t\n") || strings.Contains(got, secret) {
		t.Errorf("check.txt:\n%s", got)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("%d files beside check.txt, want none left behind", len(ents)-1)
	}
}
