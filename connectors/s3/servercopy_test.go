package s3

import (
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// Only a bucket of one endpoint, URL style, region and credentials is one
// the destination can read on the server; the endpoint is compared
// without case or a trailing slash.
func TestCopiesFrom(t *testing.T) {
	open := func(a connectors.Address) connectors.Bucket {
		t.Helper()
		b, err := New(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := connectors.Address{Type: "s3", Endpoint: "http://127.0.0.1:7070", Region: "us-east-1", Bucket: "a",
		PathStyle: true, AccessKeyID: "id", AccessKeySecret: "secret"}
	dst := open(a).(connectors.ServerCopier)
	same := a
	same.Bucket, same.Prefix, same.Endpoint = "b", "p/", "HTTP://127.0.0.1:7070/"
	if !dst.CopiesFrom(open(same)) {
		t.Error("another bucket of the same endpoint and credentials is not copied from")
	}
	for name, change := range map[string]func(*connectors.Address){
		"endpoint":  func(b *connectors.Address) { b.Endpoint = "http://127.0.0.1:7071" },
		"region":    func(b *connectors.Address) { b.Region = "eu-west-1" },
		"URL style": func(b *connectors.Address) { b.PathStyle = false },
		"key id":    func(b *connectors.Address) { b.AccessKeyID = "other" },
		"secret":    func(b *connectors.Address) { b.AccessKeySecret = "other" },
	} {
		b := a
		change(&b)
		if dst.CopiesFrom(open(b)) {
			t.Errorf("a bucket of another %s is copied from", name)
		}
	}
}
