package engine

import (
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// Only addresses of one service, endpoint, region and credentials let the
// destination read the source on the server.
func TestSameService(t *testing.T) {
	a := connectors.Address{Type: "s3", Endpoint: "http://127.0.0.1:7070", Region: "us-east-1", Bucket: "a",
		AccessKeyID: "id", AccessKeySecret: "secret"}
	same := a
	same.Bucket, same.Prefix, same.Endpoint = "b", "p/", "HTTP://127.0.0.1:7070/"
	if !sameService(a, same) {
		t.Error("another bucket of the same endpoint and credentials is not the same service")
	}
	for name, change := range map[string]func(*connectors.Address){
		"type":     func(b *connectors.Address) { b.Type = "oss" },
		"endpoint": func(b *connectors.Address) { b.Endpoint = "http://127.0.0.1:7071" },
		"region":   func(b *connectors.Address) { b.Region = "eu-west-1" },
		"key id":   func(b *connectors.Address) { b.AccessKeyID = "other" },
		"secret":   func(b *connectors.Address) { b.AccessKeySecret = "other" },
		"provider": func(b *connectors.Address) { b.Provider = "minio" },
	} {
		b := a
		change(&b)
		if sameService(a, b) {
			t.Errorf("another %s is the same service", name)
		}
	}
}
