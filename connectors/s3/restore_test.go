package s3

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// versitygw keeps every object STANDARD and does not implement
// RestoreObject: against it only the unarchived side can be tested. A
// restore of an object that needs none must still succeed, without a
// request the server would refuse.
func TestRestoreNotArchived(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	data := []byte("warm bytes")
	if _, err := b.Put(ctx, "warm", bytes.NewReader(data), int64(len(data)), connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b.Features().Restorer == nil {
		t.Fatal("no Restorer")
	}
	o, err := b.Stat(ctx, "warm")
	if err != nil {
		t.Fatal(err)
	}
	if o.StorageClass != "" || o.Restored {
		t.Errorf("Stat: class %q restored %v, want a standard object", o.StorageClass, o.Restored)
	}
	if err := b.Features().Restorer.Restore(ctx, "warm", 1); err != nil {
		t.Errorf("Restore of a standard object: %v", err)
	}
	if got := readAll(t, b, "warm"); !bytes.Equal(got, data) {
		t.Errorf("read %q after Restore, want %q", got, data)
	}
	err = b.Features().Restorer.Restore(ctx, "missing", 1)
	if k := connectors.KindOf(err); k != connectors.KindNotFound {
		t.Errorf("Restore of a missing key: kind %v (%v), want not-found", k, err)
	}
}

func readAll(t *testing.T, b connectors.Bucket, key string) []byte {
	t.Helper()
	r, err := b.Open(t.Context(), key, 0, -1)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}

// glacier answers as S3 does for GLACIER objects (RestoreObject, HEAD's
// x-amz-restore, GET's 403 InvalidObjectState, ListObjectsV2's
// RestoreStatus): versitygw has no archive class to test them against.
type glacier struct {
	mu       sync.Mutex
	objects  map[string]*frozen
	restores []restoreRequest // the bodies of accepted RestoreObject calls
	posts    int
}

type frozen struct {
	data      []byte
	state     int  // 0 frozen, 1 restoring, 2 restored
	hideState bool // HEAD does not tell a restore under way yet
}

type restoreRequest struct {
	Days int    `xml:"Days"`
	Tier string `xml:"GlacierJobParameters>Tier"`
}

func (g *glacier) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, o := range g.objects {
		if o.state == 1 {
			o.state = 2
		}
	}
}

func (g *glacier) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != "b" {
		s3Error(w, 404, "NoSuchBucket")
		return
	}
	if key == "" && r.URL.Query().Get("list-type") == "2" {
		g.list(w, r)
		return
	}
	o := g.objects[key]
	if o == nil {
		s3Error(w, 404, "NoSuchKey")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Query().Has("restore"):
		g.posts++
		var req restoreRequest
		if err := xml.NewDecoder(r.Body).Decode(&req); err != nil || req.Days < 1 || req.Tier != "Standard" {
			s3Error(w, 400, "MalformedXML")
			return
		}
		switch o.state {
		case 0:
			o.state = 1
			g.restores = append(g.restores, req)
			w.WriteHeader(http.StatusAccepted)
		case 1:
			s3Error(w, 409, "RestoreAlreadyInProgress")
		default:
			w.WriteHeader(http.StatusOK) // the copy's expiry moves
		}
	case r.Method == http.MethodHead || r.Method == http.MethodGet:
		h := w.Header()
		h.Set("x-amz-storage-class", "GLACIER")
		h.Set("ETag", `"e1"`)
		h.Set("Last-Modified", time.Unix(1.7e9, 0).UTC().Format(http.TimeFormat))
		switch {
		case o.state == 1 && !o.hideState:
			h.Set("x-amz-restore", `ongoing-request="true"`)
		case o.state == 2:
			h.Set("x-amz-restore", `ongoing-request="false", expiry-date="Fri, 21 Dec 2040 00:00:00 GMT"`)
		}
		if r.Method == http.MethodGet && o.state != 2 {
			s3Error(w, 403, "InvalidObjectState")
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(o.data)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(o.data)
		}
	default:
		s3Error(w, 501, "NotImplemented")
	}
}

func (g *glacier) list(w http.ResponseWriter, r *http.Request) {
	withStatus := r.Header.Get("x-amz-optional-object-attributes") == "RestoreStatus"
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>`)
	for key, o := range g.objects {
		b.WriteString("<Contents><Key>" + key + "</Key><Size>" + strconv.Itoa(len(o.data)) +
			"</Size><ETag>&quot;e1&quot;</ETag><StorageClass>GLACIER</StorageClass>")
		if withStatus && o.state > 0 {
			b.WriteString("<RestoreStatus><IsRestoreInProgress>" + strconv.FormatBool(o.state == 1) + "</IsRestoreInProgress>")
			if o.state == 2 {
				b.WriteString("<RestoreExpiryDate>2040-12-21T00:00:00.000Z</RestoreExpiryDate>")
			}
			b.WriteString("</RestoreStatus>")
		}
		b.WriteString("</Contents>")
	}
	b.WriteString("</ListBucketResult>")
	w.Header().Set("Content-Type", "application/xml")
	io.WriteString(w, b.String())
}

func newGlacier(t *testing.T, objects map[string]*frozen) (*glacier, *Bucket) {
	g := &glacier{objects: objects}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	// provider aws: listings ask for RestoreStatus.
	b := open(t, connectors.Address{Provider: "aws", Endpoint: srv.URL, Bucket: "b", PathStyle: true,
		AccessKeyID: testKeyID, AccessKeySecret: testSecret})
	return g, b
}

func TestRestoreArchived(t *testing.T) {
	data := []byte("cold bytes")
	g, b := newGlacier(t, map[string]*frozen{"cold": {data: data}})
	ctx := t.Context()
	listed := func() connectors.Object {
		t.Helper()
		var got []connectors.Object
		if err := b.List(ctx, "", func(o connectors.Object) error { got = append(got, o); return nil }, nil); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("listed %d objects, want 1", len(got))
		}
		return got[0]
	}
	stat := func() connectors.Object {
		t.Helper()
		o, err := b.Stat(ctx, "cold")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	if o := listed(); o.StorageClass != "GLACIER" || o.Restored {
		t.Errorf("List: class %q restored %v, want GLACIER, not restored", o.StorageClass, o.Restored)
	}
	if o := stat(); o.StorageClass != "GLACIER" || o.Restored {
		t.Errorf("Stat: class %q restored %v, want GLACIER, not restored", o.StorageClass, o.Restored)
	}
	if _, err := b.Open(ctx, "cold", 0, -1); connectors.KindOf(err) != connectors.KindInvalidState {
		t.Fatalf("Open of a frozen object: %v, want invalid-state", err)
	}

	rs := b.Features().Restorer
	if err := rs.Restore(ctx, "cold", 3); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if len(g.restores) != 1 || g.restores[0] != (restoreRequest{Days: 3, Tier: "Standard"}) {
		t.Errorf("restore requests %+v, want one for 3 days at the Standard tier", g.restores)
	}
	if o := stat(); o.Restored {
		t.Error("Stat says restored while the restore runs")
	}
	if o := listed(); o.Restored {
		t.Error("List says restored while the restore runs")
	}
	if err := rs.Restore(ctx, "cold", 3); err != nil {
		t.Errorf("second Restore: %v", err)
	}
	if g.posts != 1 {
		t.Errorf("%d RestoreObject requests, want 1: HEAD showed the restore under way", g.posts)
	}

	g.finish()
	if o := stat(); !o.Restored || o.StorageClass != "GLACIER" {
		t.Errorf("Stat after the restore: class %q restored %v", o.StorageClass, o.Restored)
	}
	if o := listed(); !o.Restored {
		t.Error("List does not say restored")
	}
	if got := readAll(t, b, "cold"); !bytes.Equal(got, data) {
		t.Errorf("read %q, want %q", got, data)
	}
	if err := rs.Restore(ctx, "cold", 3); err != nil || g.posts != 1 {
		t.Errorf("Restore of a restored object: %v, %d requests", err, g.posts)
	}
}

// A restore another client started after the HEAD is answered 409
// RestoreAlreadyInProgress: not an error.
func TestRestoreAlreadyInProgress(t *testing.T) {
	g, b := newGlacier(t, map[string]*frozen{"cold": {data: []byte("x"), state: 1, hideState: true}})
	if err := b.Features().Restorer.Restore(t.Context(), "cold", 1); err != nil {
		t.Errorf("Restore: %v", err)
	}
	if g.posts != 1 {
		t.Errorf("%d RestoreObject requests, want 1", g.posts)
	}
}

// Listings ask for RestoreStatus only where the service is known to take
// the header.
func TestListRestoreStatusOnlyForAWS(t *testing.T) {
	var header []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = append(header, r.Header.Get("x-amz-optional-object-attributes"))
		io.WriteString(w, `<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>`)
	}))
	t.Cleanup(srv.Close)
	for _, provider := range []string{"aws", "other", ""} {
		b := open(t, connectors.Address{Provider: provider, Endpoint: srv.URL, Bucket: "b", PathStyle: true,
			AccessKeyID: testKeyID, AccessKeySecret: testSecret})
		if err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, nil); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"RestoreStatus", "", ""}; strings.Join(header, ",") != strings.Join(want, ",") {
		t.Errorf("x-amz-optional-object-attributes sent %q, want %q", header, want)
	}
}
