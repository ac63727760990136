package engine

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
)

// newTestRunner opens both addresses and a fresh state, closed with the
// test, and returns the job's runner, logging nowhere.
func newTestRunner(t *testing.T, job *config.Settings, srcAddr, dstAddr connectors.Address) (*Runner, *state.Store) {
	t.Helper()
	ctx := context.Background()
	s, err := all.Open(ctx, srcAddr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := all.Open(ctx, dstAddr)
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return NewRunner(job, srcAddr, dstAddr, s, d, st, slog.New(slog.NewTextHandler(io.Discard, nil))), st
}

// The OSS test server's key pair, for tests of the engine against it.
const ossKey, ossSecret = "LTAI5tEngineKey", "engine-secret"

// ossServer starts an OSS test server holding buckets, closed with the test.
func ossServer(t *testing.T, buckets ...string) *osstest.Server {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: ossKey, AccessKeySecret: ossSecret, Region: "cn-hangzhou", Buckets: buckets})
	t.Cleanup(srv.Close)
	return srv
}

// ossAddr is the address name of bucket on srv.
func ossAddr(srv *osstest.Server, name, bucket string) connectors.Address {
	return connectors.Address{Name: name, Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: bucket,
		PathStyle: true, AccessKeyID: ossKey, AccessKeySecret: ossSecret}
}
