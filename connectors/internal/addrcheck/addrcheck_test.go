package addrcheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestNeed(t *testing.T) {
	var ps Problems
	ps.Need(codes.BadParameters, "s3", "endpoint", "e", "bucket", "", "access_key_id", "")
	want := Problems{
		{Code: codes.BadParameters, Field: "bucket", Detail: "required for type s3"},
		{Code: codes.BadParameters, Field: "access_key_id", Detail: "required for type s3"},
	}
	if !slices.Equal(ps, want) {
		t.Errorf("got %v, want %v", ps, want)
	}
}

// A secret loses its line end only; a file that cannot be read is named
// by its reason, not its path.
func TestSecret(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte(" a,b\"c \r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ps Problems
	if got := ps.Secret("password_file", "password", f); got != ` a,b"c ` || len(ps) != 0 {
		t.Errorf("Secret = %q, %v", got, ps)
	}
	if got := ps.Secret("password_file", "password", "/nonexistent/pw"); got != "" {
		t.Errorf("Secret of a missing file = %q", got)
	}
	want := Problems{{Code: codes.BadParameters, Field: "password_file", Detail: "cannot read the password file: no such file or directory"}}
	if !slices.Equal(ps, want) {
		t.Errorf("got %v, want %v", ps, want)
	}
}

func TestEndpoint(t *testing.T) {
	bad := Problems{{Code: codes.SourceAddrEndpointInvalid, Field: "endpoint", Detail: "not an http:// or https:// URL without credentials"}}
	for _, tc := range []struct {
		in, out string
		want    Problems
	}{
		{"", "", nil},
		{"host:9000", "https://host:9000", nil},
		{"http://127.0.0.1:10000/acct", "http://127.0.0.1:10000/acct", nil},
		{"ftp://host", "ftp://host", bad},
		{"https://user:pw@host", "https://user:pw@host", bad},
	} {
		var ps Problems
		a := connectors.Address{Endpoint: tc.in}
		ps.Endpoint(&a)
		if a.Endpoint != tc.out || !slices.Equal(ps, tc.want) {
			t.Errorf("%q: got %q %v, want %q %v", tc.in, a.Endpoint, ps, tc.out, tc.want)
		}
	}
}

func TestPrefixes(t *testing.T) {
	for in, want := range map[string][2]string{"": {"", ""}, "a": {"a/", "a/"}, "/2024": {"/2024/", "2024/"}, "a/": {"a/", "a/"}, "//": {"//", ""}} {
		if got := [2]string{SlashEnd(in), CleanPrefix(in)}; got != want {
			t.Errorf("%q: SlashEnd, CleanPrefix = %q, want %q", in, got, want)
		}
	}
}

// Roots in a bucket are prefixes of each other only within one endpoint
// and bucket, whatever the endpoint holds.
func TestBucketRoot(t *testing.T) {
	r := func(endpoint, bucket, prefix string) string {
		return BucketRoot(connectors.Address{Endpoint: endpoint, Bucket: bucket, Prefix: prefix})
	}
	if got := r("https://h/", "b", "p/"); got != r("https://h", "b", "p/") {
		t.Errorf("a trailing / of the endpoint counts: %q", got)
	}
	for _, other := range []string{r("https://h/b", "x", ""), r("https://h", "b/x", ""), r("https://h", "bx", "")} {
		if root := r("https://h", "b", ""); len(other) >= len(root) && other[:len(root)] == root {
			t.Errorf("%q starts with %q", other, root)
		}
	}
}
