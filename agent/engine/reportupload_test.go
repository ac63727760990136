package engine

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestReportUploadedUnderPrefix(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "LTAI5tReportKey", AccessKeySecret: "report-secret", Region: "cn-hangzhou", Buckets: []string{"reports"}})
	t.Cleanup(srv.Close)
	srv.Deny("reports", "bad/")
	g := newSyncRig(t, func(j *JobConfig) { j.Mode = ModeOnce; j.ReportPrefix = "mgw-reports/" })
	g.dstAddr = &AddressConfig{Name: "dst", Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "reports",
		PathStyle: true, AccessKeyID: "LTAI5tReportKey", AccessKeySecret: "report-secret"}
	g.write("ok.txt", "fine")
	g.write("bad/x, \"y\".txt", "refused")
	ctx := context.Background()
	src, _ := OpenAddress(ctx, g.srcAddr)
	dst, _ := OpenAddress(ctx, g.dstAddr)
	r := NewRunner(g.job, g.srcAddr, g.dstAddr, src, dst, g.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := r.Run(ctx); err != nil {
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
