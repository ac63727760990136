package upyun_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/upyun"
	"github.com/mgw-dev/mgw/connectors/upyun/upyuntest"
	"github.com/mgw-dev/mgw/state/codes"
)

const (
	service  = "mgw-src"
	operator = "mgwreader"
	password = "upyun-test-password-3f9a"
)

func newServer(t *testing.T) *upyuntest.Server {
	t.Helper()
	srv := upyuntest.NewServer(upyuntest.Config{Operator: operator, Password: password, Services: []string{service, "other"}})
	t.Cleanup(srv.Close)
	return srv
}

// address is a validated upyun address of srv under prefix, listing two
// entries a page so that paging is exercised everywhere.
func address(t *testing.T, srv *upyuntest.Server, prefix string) connectors.Address {
	t.Helper()
	a := connectors.Address{Name: "up", Type: "upyun", Endpoint: srv.URL(), Service: service, Operator: operator,
		Password: password, Prefix: prefix, PageSize: 2}
	if ps := all.Validate(&a, t.TempDir()); len(ps) > 0 {
		t.Fatalf("validate: %v", ps)
	}
	return a
}

func open(t *testing.T, a connectors.Address) connectors.Bucket {
	t.Helper()
	b, err := upyun.New(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	srv := newServer(t)
	var n atomic.Int64
	fresh := func() string {
		dir := fmt.Sprintf("conf-%d", n.Add(1))
		srv.SeedFolder(service, dir)
		return dir
	}
	with := func(t *testing.T, mut func(*connectors.Address)) connectors.Bucket {
		a := address(t, srv, fresh())
		mut(&a)
		return open(t, a)
	}
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket { return open(t, address(t, srv, fresh())) },
		Seed: func(t *testing.T, objects map[string][]byte) connectors.Bucket {
			dir := fresh()
			for k, v := range objects {
				srv.Seed(service, dir+"/"+k, v, upyuntest.SeedOptions{})
			}
			return open(t, address(t, srv, dir))
		},
		ReadOnly: true,
		Secret:   password,
		BadKeyID: func(t *testing.T) connectors.Bucket {
			return with(t, func(a *connectors.Address) { a.Operator = "nobody" })
		},
		BadSecret: func(t *testing.T) connectors.Bucket {
			return with(t, func(a *connectors.Address) { a.Password = "wrong" })
		},
		NoBucket: func(t *testing.T) connectors.Bucket {
			return with(t, func(a *connectors.Address) { a.Service = "absent" })
		},
		Denied: func(t *testing.T) connectors.Bucket {
			dir := fresh()
			srv.Deny(service, dir)
			return open(t, address(t, srv, dir))
		},
	})
}

// Each way an address can be wrong gives its catalogue code, from the
// answer UPYUN gives (or the CDN), and never the password.
func TestCheckCodes(t *testing.T) {
	srv := newServer(t)
	srv.Seed(service, "photos/a.jpg", []byte("jpeg"), upyuntest.SeedOptions{})
	srv.SeedFolder(service, "empty")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	other := upyuntest.NewServer(upyuntest.Config{Operator: operator, Password: password, Services: []string{service, "other"}, CDNService: "other"})
	t.Cleanup(other.Close)
	for _, c := range []struct {
		name string
		mut  func(a *connectors.Address)
		srv  func() // what the server is made to do before the check
		want string
		kind connectors.Kind
	}{
		{"unknown operator", func(a *connectors.Address) { a.Operator = "nobody" }, nil, codes.SourceAddrUserDoesNotExist, connectors.KindBadKeyID},
		{"wrong password", func(a *connectors.Address) { a.Password = "wrong" }, nil, codes.SourceAddrPasswordInvalid, connectors.KindBadSecret},
		{"unknown service", func(a *connectors.Address) { a.Service = "absent" }, nil, codes.SourceAddrServiceInvalid, connectors.KindNoSuchBucket},
		{"blocked operator", nil, func() { srv.BlockOperator(true) }, codes.SourceAddrUserBlocked, connectors.KindAccessDenied},
		{"blocked in service", nil, func() { srv.FailNext("", 1, 401, "40100008") }, codes.SourceAddrUserBlocked, connectors.KindAccessDenied},
		{"blocked service", nil, func() { srv.BlockService(service, true) }, codes.SourceAddrServiceBlocked, connectors.KindAccessDenied},
		{"account overdue", nil, func() { srv.FailNext("", 1, 401, "40100021") }, codes.SourceAddrServiceBlocked, connectors.KindAccessDenied},
		{"no permission", nil, func() { srv.FailNext("", 1, 401, "40100017") }, codes.SourceAddrEndpointBucketPermissionInvalid, connectors.KindAccessDenied},
		{"missing folder", func(a *connectors.Address) { a.Prefix = "nope/" }, nil, codes.SourceAddrPathInvalid, connectors.KindNotFound},
		{"prefix is a file", func(a *connectors.Address) { a.Prefix = "photos/a.jpg/" }, nil, codes.SourceAddrPathInvalid, connectors.KindNotFound},
		{"throttled", nil, func() { srv.FailNext("", 1, 429, "42900001") }, codes.SourceDataAddressInvalid, connectors.KindThrottled},
		{"endpoint down", func(a *connectors.Address) { a.Endpoint = deadURL }, nil, codes.SourceAddrEndpointInvalid, connectors.KindBadEndpoint},
		{"CDN down", func(a *connectors.Address) { a.CDN = deadURL }, nil, codes.SourceAddrCdnInvalid, connectors.KindBadEndpoint},
		{"CDN of another service", func(a *connectors.Address) { a.CDN = other.CDNURL() }, nil, codes.SourceAddrCdnInvalid, connectors.KindInvalidArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.BlockOperator(false)
			srv.BlockService(service, false)
			a := address(t, srv, "")
			if c.mut != nil {
				c.mut(&a)
			}
			if c.srv != nil {
				c.srv()
			}
			err := open(t, a).Check(t.Context())
			if k := connectors.KindOf(err); k != c.kind {
				t.Errorf("check: kind %v, want %v (%v)", k, c.kind, err)
			}
			if got := all.AddressCode(connectors.Source, a, err); got != c.want {
				t.Errorf("check: code %s, want %s (%v)", got, c.want, err)
			}
			if err != nil && bytes.Contains([]byte(err.Error()), []byte(password)) {
				t.Error("the error holds the password")
			}
		})
	}
	srv.BlockOperator(false)
	srv.BlockService(service, false)
	for _, prefix := range []string{"", "photos", "empty"} {
		a := address(t, srv, prefix)
		a.CDN = srv.CDNURL()
		if err := open(t, a).Check(t.Context()); err != nil {
			t.Errorf("check of %q with its CDN: %v", prefix, err)
		}
	}
}

// A Stat refused by a HEAD, whose answer has no code, still tells which
// refusal it was.
func TestStatRefusals(t *testing.T) {
	srv := newServer(t)
	srv.Seed(service, "f", []byte("x"), upyuntest.SeedOptions{})
	a := address(t, srv, "")
	b := open(t, a)
	srv.BlockOperator(true)
	_, err := b.Stat(t.Context(), "f")
	if got := all.AddressCode(connectors.Source, a, err); got != codes.SourceAddrUserBlocked {
		t.Errorf("stat by a blocked operator: %s (%v)", got, err)
	}
	srv.BlockOperator(false)
	srv.FailNext("GetFileInfo", 1, 429, "42900002")
	_, err = b.Stat(t.Context(), "f")
	if k := connectors.KindOf(err); k != connectors.KindThrottled {
		t.Errorf("stat throttled: %v (%v)", k, err)
	}
	if n := srv.Count("GetFile", "f"); n != 1 {
		t.Errorf("%d GETs asked why, want 1 (for the blocked operator only)", n)
	}
}

// UPYUN's limits slow the job down, its system errors are retried, a
// wrong request is not.
func TestReadErrors(t *testing.T) {
	srv := newServer(t)
	srv.Seed(service, "f", []byte("content"), upyuntest.SeedOptions{})
	b := open(t, address(t, srv, ""))
	for _, c := range []struct {
		status int
		code   string
		want   connectors.Kind
	}{
		{429, "42900001", connectors.KindThrottled},
		{429, "42900005", connectors.KindThrottled},
		{503, "50300000", connectors.KindTransient},
		{400, "40001161", connectors.KindInvalidArgument},
		{401, "40100007", connectors.KindAccessDenied},
	} {
		srv.FailNext("GetFile", 1, c.status, c.code)
		_, err := b.Open(t.Context(), "f", 0, -1)
		var ce *connectors.Error
		if k := connectors.KindOf(err); k != c.want || !errors.As(err, &ce) || ce.Code != c.code {
			t.Errorf("%s: kind %v, want %v, and UPYUN's code (%v)", c.code, k, c.want, err)
		}
	}
	if got := read(t, b, "f", 0, -1); string(got) != "content" {
		t.Errorf("read after the errors: %q", got)
	}
}

// A folder of many entries is listed two a page: every file once, one
// request a page; a missing root is no empty listing.
func TestListPages(t *testing.T) {
	srv := newServer(t)
	want := map[string]bool{}
	for i := range 9 {
		k := fmt.Sprintf("d/%d", i)
		srv.Seed(service, k, []byte(k), upyuntest.SeedOptions{})
		want[k] = true
	}
	srv.SeedFolder(service, "d/empty")
	b := open(t, address(t, srv, ""))
	got := map[string]int{}
	err := b.List(t.Context(), "d/", func(o connectors.Object) error {
		got[o.Key]++
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if got[k] != 1 {
			t.Errorf("%s listed %d times", k, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	// d/ holds 10 entries: 5 pages; d/empty/ one.
	if n := srv.Count("ListFolder", ""); n != 6 {
		t.Errorf("%d listing requests, want 6", n)
	}
	// The address's folder gone is an error, not a source emptied.
	err = open(t, address(t, srv, "gone")).List(t.Context(), "", func(connectors.Object) error { return nil }, nil)
	if k := connectors.KindOf(err); k != connectors.KindNotFound {
		t.Errorf("list of a missing root: %v (%v)", k, err)
	}
}

// The CDN's bytes are the service's or none: a copy its cache kept of a
// file since rewritten is refused until the cache is purged.
func TestCDNStale(t *testing.T) {
	srv := newServer(t)
	old := []byte("first version.")
	srv.Seed(service, "p/f.txt", old, upyuntest.SeedOptions{ModTime: time.Now().Add(-time.Hour)})
	srv.CDNCache(true)
	a := address(t, srv, "p")
	a.CDN = srv.CDNURL()
	b := open(t, a)
	if got := read(t, b, "f.txt", 0, -1); !bytes.Equal(got, old) {
		t.Fatalf("read %q", got)
	}
	for _, now := range [][]byte{[]byte("second version"), []byte("a longer third version")} {
		srv.Seed(service, "p/f.txt", now, upyuntest.SeedOptions{})
		for _, r := range [][2]int64{{0, -1}, {2, 3}} {
			rc, err := b.Open(t.Context(), "f.txt", r[0], r[1])
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if k := connectors.KindOf(err); k != connectors.KindChanged {
				t.Errorf("stale CDN, %d bytes at %d: kind %v, want changed (%v)", r[1], r[0], k, err)
			}
		}
		srv.PurgeCDN()
		if got := read(t, b, "f.txt", 0, -1); !bytes.Equal(got, now) {
			t.Errorf("after the purge: %q, want %q", got, now)
		}
	}
	if srv.Count("GetFile", "") != 0 || srv.CDNCount("p/f.txt") == 0 {
		t.Errorf("%d GETs of the API, %d of the CDN: content must come from the CDN", srv.Count("GetFile", ""), srv.CDNCount("p/f.txt"))
	}
}

func read(t *testing.T, b connectors.Bucket, key string, off, n int64) []byte {
	t.Helper()
	rc, err := b.Open(t.Context(), key, off, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Content-Type and x-upyun-meta-* travel; a folder is not a file.
func TestMetadataAndFolders(t *testing.T) {
	srv := newServer(t)
	mod := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	srv.Seed(service, "docs/a.pdf", []byte("%PDF"), upyuntest.SeedOptions{ModTime: mod, ContentType: "application/pdf", Meta: map[string]string{"Owner": "ops"}})
	b := open(t, address(t, srv, ""))
	o, err := b.Stat(t.Context(), "docs/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if o.Headers.ContentType != "application/pdf" || o.Meta["owner"] != "ops" || !o.ModTime.Equal(mod) || o.Size != 4 || len(o.ETag) != 32 {
		t.Errorf("stat: %+v", o)
	}
	for _, key := range []string{"docs", "docs/"} {
		_, err = b.Stat(t.Context(), key)
		if !errors.Is(err, connectors.ErrIsFolder) || connectors.KindOf(err) != connectors.KindNotFound {
			t.Errorf("stat of the folder %q: %v", key, err)
		}
	}
	rc, err := b.Open(t.Context(), "docs", 0, -1)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, connectors.ErrIsFolder) {
		t.Errorf("open of a folder: %v", err)
	}
}
