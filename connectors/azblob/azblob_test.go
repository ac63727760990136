package azblob

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
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

// The server test/servers/azurite.sh starts, with Azurite's well-known
// development account (public: it is printed in Azure's own docs).
// MGW_TEST_AZBLOB_ENDPOINT points the tests at another Azurite.
const (
	devAccount = "devstoreaccount1"
	devKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

var (
	endpoint = envOr("MGW_TEST_AZBLOB_ENDPOINT", "http://127.0.0.1:10000/"+devAccount)

	runContainer struct {
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
	code := m.Run()
	if runContainer.name != "" {
		if _, err := rawContainer(runContainer.name).Delete(context.Background(), nil); err != nil {
			fmt.Fprintf(os.Stderr, "removing test container %s: %v\n", runContainer.name, err)
		}
	}
	os.Exit(code)
}

func requireServer(t *testing.T) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("MGW_TEST_AZBLOB_ENDPOINT: %v", err)
	}
	conformance.RequireServer(t, u.Host)
}

func connString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + devAccount + ";AccountKey=" + devKey +
		";BlobEndpoint=" + endpoint + ";"
}

// rawContainer talks to Azurite without the connector.
func rawContainer(name string) *container.Client {
	c, err := container.NewClientFromConnectionString(connString(), name, nil)
	if err != nil {
		panic(err)
	}
	return c
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func testContainer(t *testing.T) string {
	t.Helper()
	requireServer(t)
	runContainer.once.Do(func() {
		name := randomName("mgw-test-")
		_, runContainer.err = rawContainer(name).Create(context.Background(), nil)
		if runContainer.err == nil {
			runContainer.name = name
		}
	})
	if runContainer.err != nil {
		t.Fatalf("creating the test container: %v", runContainer.err)
	}
	return runContainer.name
}

// address is the test container under a fresh prefix, authenticated by
// account and key, with a page size small enough that listings page.
func address(t *testing.T) connectors.Address {
	return connectors.Address{
		Name:       "az-test",
		Type:       "azblob",
		Endpoint:   endpoint,
		Account:    devAccount,
		AccountKey: devKey,
		Bucket:     testContainer(t),
		Prefix:     fmt.Sprintf("run-%04d/", prefixes.Add(1)),
		PageSize:   5,
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

// wrongKey is valid base64 of the right length, and not the key.
var wrongKey = strings.Replace(devKey, "Eby8", "AAAA", 1)

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
		New:       with(func(*connectors.Address) {}),
		BadSecret: with(func(a *connectors.Address) { a.AccountKey = wrongKey }),
		NoBucket:  with(func(a *connectors.Address) { a.Bucket = randomName("mgw-missing-") }),
		// A SAS that may only delete: listing, reading and writing are refused.
		Denied: with(func(a *connectors.Address) {
			a.AccountKey, a.SAS = "", sasFor(t, a.Bucket, sas.ContainerPermissions{Delete: true})
		}),
		// An account Azurite does not know.
		BadKeyID: with(func(a *connectors.Address) {
			a.Account = "nosuchaccount"
			a.Endpoint = strings.Replace(endpoint, devAccount, a.Account, 1)
		}),
		Secret:    devKey,
		NoExpires: true, // a blob has no Expires property
	})
}

// The same suite through a connection string, at the container's root.
func TestConformanceConnString(t *testing.T) {
	requireServer(t)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket {
			name := randomName("mgw-test-root-")
			if _, err := rawContainer(name).Create(t.Context(), nil); err != nil {
				t.Fatalf("create container: %v", err)
			}
			t.Cleanup(func() { rawContainer(name).Delete(context.Background(), nil) })
			return open(t, connectors.Address{Type: "azblob", ConnectionString: connString(), Bucket: name, PageSize: 7})
		},
		Secret:    devKey,
		NoExpires: true, // a blob has no Expires property
	})
}

// sasFor signs a container SAS with the given permissions.
func sasFor(t *testing.T, name string, perms sas.ContainerPermissions) string {
	t.Helper()
	cred, err := container.NewSharedKeyCredential(devAccount, devKey)
	if err != nil {
		t.Fatal(err)
	}
	q, err := sas.BlobSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		ExpiryTime:    time.Now().Add(time.Hour),
		Permissions:   perms.String(),
		ContainerName: name,
	}.SignWithSharedKey(cred)
	if err != nil {
		t.Fatal(err)
	}
	return q.Encode()
}

// Through a SAS that grants everything the connector needs.
func TestConformanceSAS(t *testing.T) {
	requireServer(t)
	all := sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, Delete: true, List: true}
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket {
			a := address(t)
			a.AccountKey, a.SAS = "", sasFor(t, a.Bucket, all)
			return open(t, a)
		},
		Secret:    devKey,
		NoExpires: true, // a blob has no Expires property
	})
}

// A SAS travels in the URL's query: an error met before any answer (here a
// closed port) quotes the URL, and must not quote the signature.
func TestSASNeverInErrors(t *testing.T) {
	requireServer(t)
	a := address(t)
	a.AccountKey, a.SAS = "", sasFor(t, a.Bucket, sas.ContainerPermissions{Read: true, List: true})
	sig := mustQuery(t, a.SAS).Get("sig")
	a.Endpoint = "http://127.0.0.1:1/" + devAccount
	b := open(t, a)
	err := b.Check(t.Context())
	if connectors.KindOf(err) != connectors.KindBadEndpoint {
		t.Errorf("check against a closed port: %v, want kind bad-endpoint", err)
	}
	_, serr := b.Stat(t.Context(), "k")
	for _, e := range []error{err, serr} {
		if e != nil && (strings.Contains(e.Error(), sig) || strings.Contains(e.Error(), url.QueryEscape(sig))) {
			masked := strings.ReplaceAll(strings.ReplaceAll(e.Error(), sig, "****"), url.QueryEscape(sig), "****")
			t.Errorf("error holds the SAS signature: %s", masked)
		}
	}
}

func mustQuery(t *testing.T, q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
