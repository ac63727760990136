package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// TestMetadataCarriedBetweenBuckets copies objects between two OSS buckets:
// headers and user metadata arrive, by the small and the multipart path;
// what OSS would refuse is encoded or dropped, and the file's record and
// the report say so.
func TestMetadataCarriedBetweenBuckets(t *testing.T) {
	srv := ossServer(t, "src", "dst")
	big := bytes.Repeat([]byte("m"), singlePutMax+1<<20)
	srv.Seed("src", "odd.txt", []byte("odd"), osstest.SeedOptions{ContentType: `text/plain; name="报告"`,
		Meta: map[string]string{"city": "Zürich", "owner": "ops", "bad_name": "x"}})
	srv.Seed("src", "plain.png", []byte("png"), osstest.SeedOptions{ContentType: "image/png", Meta: map[string]string{"owner": "ops"}})
	srv.Seed("src", "big.bin", big, osstest.SeedOptions{ContentType: "application/x-big", Meta: map[string]string{"owner": "ops"}})

	srcAddr, dstAddr := ossAddr(srv, "src", "src"), ossAddr(srv, "dst", "dst")
	ctx := context.Background()
	retries := 1
	job := &config.Settings{Name: "meta", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 4, Retries: retries, RetryBackoff: time.Millisecond}
	r, st := newTestRunner(t, job, srcAddr, dstAddr)
	run, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.FilesCopied != 3 || run.FilesFailed != 0 {
		t.Fatalf("copied %d, failed %d (%v); want 3, 0", run.FilesCopied, run.FilesFailed, run.FailedBy)
	}

	// A small object's GET tells its metadata: no HEAD besides.
	if n := srv.Count("HeadObject", "odd.txt"); n != 0 {
		t.Errorf("odd.txt: %d HEAD requests, want 0", n)
	}

	for key, want := range map[string]struct {
		contentType string
		meta        map[string]string
	}{
		"odd.txt":   {`text/plain; name="%E6%8A%A5%E5%91%8A"`, map[string]string{"city": "Z%C3%BCrich", "owner": "ops"}},
		"plain.png": {"image/png", map[string]string{"owner": "ops"}},
		"big.bin":   {"application/x-big", map[string]string{"owner": "ops"}},
	} {
		o, err := r.Dst.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if o.Headers.ContentType != want.contentType {
			t.Errorf("%s: Content-Type %q, want %q", key, o.Headers.ContentType, want.contentType)
		}
		delete(o.Meta, "mtime")
		if len(o.Meta) != len(want.meta) {
			t.Errorf("%s: meta %v, want %v", key, o.Meta, want.meta)
		}
		for k, v := range want.meta {
			if o.Meta[k] != v {
				t.Errorf("%s: meta %s = %q, want %q", key, k, o.Meta[k], v)
			}
		}
	}

	e, _, err := st.File("meta", "odd.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.Note, "UserMetaInvalid: ") || !strings.Contains(e.Note, "encoded Content-Type") || !strings.Contains(e.Note, `dropped meta "bad_name"`) {
		t.Errorf("odd.txt record note %q", e.Note)
	}
	if e, _, _ := st.File("meta", "plain.png"); e.Note != "" {
		t.Errorf("plain.png record note %q, want none", e.Note)
	}
	if run.MetaChanged != 1 || len(run.Notes) != 1 || !strings.HasPrefix(run.Notes[0], "odd.txt: UserMetaInvalid: ") {
		t.Errorf("report: %d changed, notes %q", run.MetaChanged, run.Notes)
	}
}
