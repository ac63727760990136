package engine

import (
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// A server-side copy is verified by its ETag where it equals the source's
// listed one, else by its CRC64 against the source's, read while the
// source still holds the listed ETag; anything else is not verified.
func TestServerCopyVerified(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "id", AccessKeySecret: "secret", Region: "cn-hangzhou", Buckets: []string{"bkt"}})
	t.Cleanup(srv.Close)
	src, err := oss.New(t.Context(), connectors.Address{Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "bkt",
		PathStyle: true, AccessKeyID: "id", AccessKeySecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("the source's bytes")
	srv.Seed("bkt", "k", data, osstest.SeedOptions{})
	st, err := src.Stat(t.Context(), "k")
	if err != nil || !st.HasCRC64 {
		t.Fatalf("stat: %v, CRC64 %v", err, st.HasCRC64)
	}
	r := &Runner{Src: src, Progress: &Progress{}, limits: pace.NewLimiter(config.Limits{}, nil)}
	o := connectors.Object{Key: "k", Size: st.Size, ETag: st.ETag}
	parts := connectors.Object{Size: st.Size, ETag: "0123456789ABCDEF0123456789ABCDEF-2", CRC64: st.CRC64, HasCRC64: true}
	for name, c := range map[string]struct {
		o, got connectors.Object
		want   bool
	}{
		"same ETag":                  {o, connectors.Object{Size: st.Size, ETag: strings.ToLower(st.ETag)}, true},
		"same CRC64":                 {o, parts, true},
		"other size":                 {o, connectors.Object{Size: st.Size + 1, ETag: st.ETag}, false},
		"other ETag, no CRC64":       {o, connectors.Object{Size: st.Size, ETag: parts.ETag}, false},
		"other CRC64":                {o, connectors.Object{Size: st.Size, ETag: parts.ETag, CRC64: st.CRC64 + 1, HasCRC64: true}, false},
		"source no longer as listed": {connectors.Object{Key: "k", Size: st.Size, ETag: "FEDCBA9876543210FEDCBA9876543210"}, parts, false},
		"source gone":                {connectors.Object{Key: "gone", Size: st.Size, ETag: st.ETag}, parts, false},
	} {
		if got := r.serverCopyVerified(t.Context(), c.o, c.got); got != c.want {
			t.Errorf("%s: verified %v, want %v", name, got, c.want)
		}
	}
}
