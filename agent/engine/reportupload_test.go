package engine

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestReportUploadedUnderPrefix(t *testing.T) {
	srv := ossServer(t, "reports")
	srv.Deny("reports", "bad/")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "ok.txt"), 4)
	if err := os.Mkdir(filepath.Join(src, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "bad", "x, \"y\".txt"), 7)
	job := &config.Settings{Name: "sync", Mode: config.ModeOnce, Overwrite: config.OverwriteIfNewer, Concurrency: 4,
		Retries: 3, RetryBackoff: 10 * time.Millisecond, ReportPrefix: "mgw-reports/"}
	srcAddr := connectors.Address{Name: "src", Type: "local", Path: src}
	dstAddr := ossAddr(srv, "dst", "reports")
	r, _ := newTestRunner(t, job, srcAddr, dstAddr)
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	text, _, ok := srv.Object("reports", "mgw-reports/sync/run-1.txt")
	if !ok || !strings.Contains(string(text), "Migration report") || !strings.Contains(string(text), "failed") {
		t.Fatalf("text report (found %v):\n%s", ok, text)
	}
	b, _, ok := srv.Object("reports", "mgw-reports/sync/run-1-failed.csv")
	if !ok {
		t.Fatal("no CSV report")
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != "path,code,message,attempts,last_attempt" {
		t.Fatalf("csv rows %q", rows)
	}
	if rows[1][0] != "bad/x, \"y\".txt" || rows[1][1] != codes.DestAccessDenied {
		t.Errorf("failed row %q", rows[1])
	}
}
