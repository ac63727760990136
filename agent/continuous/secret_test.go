package continuous

import (
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state/codes"
)

// TestSyncSecretRefusedMidRunPauses: the destination stops accepting the
// signature while the job runs (its secret changed). The job must not
// look synced nor end: it is paused with the destination's code, fails no
// file, and once the address works again `mgw job retry` copies the rest.
func TestSyncSecretRefusedMidRunPauses(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "LTAI5tSecretKey", AccessKeySecret: "secret-value-one", Region: "cn-hangzhou", Buckets: []string{"sig"}})
	t.Cleanup(srv.Close)
	g := newSyncRig(t, nil)
	g.dstAddr = connectors.Address{Name: "dst", Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "sig",
		PathStyle: true, AccessKeyID: "LTAI5tSecretKey", AccessKeySecret: "secret-value-one"}
	g.write("first", "1")
	g.start()
	g.synced()
	srv.FailNext("PutObject", 1<<20, 403, "SignatureDoesNotMatch")
	for _, k := range []string{"a", "b", "c"} {
		g.write(k, k)
	}
	g.waitFor("the job paused", func() bool { return g.j.Status().State == "paused" })
	st := g.j.Status()
	if st.Code != codes.DestAddrSecretKeyInvalid || !strings.Contains(st.Reason, "SignatureDoesNotMatch") {
		t.Errorf("paused with %s %q, want %s naming SignatureDoesNotMatch", st.Code, st.Reason, codes.DestAddrSecretKeyInvalid)
	}
	if st.Progress.FilesFailed != 0 {
		t.Errorf("%d files failed while the address was refused, want none", st.Progress.FilesFailed)
	}
	select {
	case err := <-g.done:
		g.cancel = nil
		t.Fatalf("the job ended (%v) instead of pausing", err)
	default:
	}

	srv.FailNext("PutObject", 0, 0, "")
	g.j.Retry()
	for _, k := range []string{"a", "b", "c"} {
		g.waitFor(k+" at the destination", func() bool { b, _, ok := srv.Object("sig", k); return ok && string(b) == k })
	}
	g.synced()
	if st := g.j.Status(); st.Code != "" || st.Progress.FilesFailed != 0 {
		t.Errorf("after retry: code %q, %d failed", st.Code, st.Progress.FilesFailed)
	}
}
