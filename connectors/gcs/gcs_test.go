package gcs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
)

// The server test/servers/fakegcs.sh starts; MGW_TEST_GCS_ENDPOINT points
// the tests at another. It checks no credentials, so the key files are
// checked by gcstest's token endpoint, as Google's would.
var (
	endpoint = envOr("MGW_TEST_GCS_ENDPOINT", "http://127.0.0.1:4443/storage/v1/")

	tokens  *gcstest.TokenServer
	keyJSON []byte

	runBucket struct {
		once sync.Once
		name string
		err  error
	}
	prefixes atomic.Int64
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	tokens = gcstest.NewTokenServer()
	keyJSON = tokens.NewKeyFile("mgw-test@mgw-test.iam.gserviceaccount.com", false)
	code := m.Run()
	if runBucket.name != "" {
		if err := removeBucket(context.Background(), runBucket.name); err != nil {
			fmt.Fprintf(os.Stderr, "removing test bucket %s: %v\n", runBucket.name, err)
		}
	}
	tokens.Close()
	os.Exit(code)
}

func requireServer(t *testing.T) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("MGW_TEST_GCS_ENDPOINT: %v", err)
	}
	conformance.RequireServer(t, u.Host)
}

// rawStorage reaches the server without the connector, to set up buckets
// and objects.
func rawStorage() gcstest.Storage { return gcstest.Storage{Endpoint: endpoint} }

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func createBucket(ctx context.Context, name string) error {
	return rawStorage().CreateBucket(ctx, name)
}

func removeBucket(ctx context.Context, name string) error {
	return rawStorage().RemoveBucket(ctx, name)
}

func testBucket(t *testing.T) string {
	t.Helper()
	requireServer(t)
	runBucket.once.Do(func() {
		name := randomName("mgw-test-")
		if runBucket.err = createBucket(context.Background(), name); runBucket.err == nil {
			runBucket.name = name
		}
	})
	if runBucket.err != nil {
		t.Fatalf("creating the test bucket: %v", runBucket.err)
	}
	return runBucket.name
}

func address(t *testing.T) connectors.Address {
	return connectors.Address{
		Name:     "gcs-test",
		Type:     "gcs",
		Endpoint: endpoint,
		Bucket:   testBucket(t),
		Prefix:   fmt.Sprintf("run-%04d/", prefixes.Add(1)),
		KeyJSON:  keyJSON,
		PageSize: 5,
	}
}

func open(t *testing.T, addr connectors.Address) *Bucket {
	t.Helper()
	b, err := New(t.Context(), addr)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b.(*Bucket)
}

// privateKey is the PEM body of the test key: the secret no error may hold.
func privateKey(t *testing.T) string {
	k, err := ParseKeyFile(keyJSON)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(k.PrivateKey, "\n")
	return lines[1]
}

func TestConformance(t *testing.T) {
	requireServer(t)
	with := func(change func(*connectors.Address)) func(t *testing.T) connectors.Bucket {
		return func(t *testing.T) connectors.Bucket {
			a := address(t)
			change(&a)
			return open(t, a)
		}
	}
	conformance.Run(t, conformance.Harness{
		New: with(func(*connectors.Address) {}),
		// A key deleted in the console: the token endpoint refuses it.
		BadKeyID: with(func(a *connectors.Address) {
			a.KeyJSON = tokens.NewKeyFile("mgw-test@mgw-test.iam.gserviceaccount.com", true)
		}),
		NoBucket:  with(func(a *connectors.Address) { a.Bucket = randomName("mgw-missing-") }),
		Secret:    privateKey(t),
		NoExpires: true, // not among GCS's fixed-key metadata
	})
}

func TestParseKeyFile(t *testing.T) {
	good := string(keyJSON)
	for _, c := range []struct {
		name, json string
	}{
		{"NotJSON", "type=service_account"},
		{"UserCredentials", strings.Replace(good, `"service_account"`, `"authorized_user"`, 1)},
		{"NoEmail", strings.Replace(good, `"client_email"`, `"x_email"`, 1)},
		{"NoKeyID", strings.Replace(good, `"private_key_id"`, `"x_key_id"`, 1)},
		{"NotPEM", strings.Replace(good, "-----BEGIN PRIVATE KEY-----", "", 1)},
		{"BadTokenURI", strings.Replace(good, tokens.TokenURL(), "ftp://x", 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKeyFile([]byte(c.json))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), privateKey(t)) {
				t.Error("the error holds the private key")
			}
		})
	}
	if _, err := ParseKeyFile(keyJSON); err != nil {
		t.Errorf("good key file: %v", err)
	}
}
