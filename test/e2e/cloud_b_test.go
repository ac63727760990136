package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
)

// The Azure and GCS test servers started by test/servers/azurite.sh and
// test/servers/fakegcs.sh. Azurite's development account is public.
const (
	azHost      = "127.0.0.1:10000"
	azAccount   = "devstoreaccount1"
	azKey       = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	gcsHost     = "127.0.0.1:4443"
	gcsEndpoint = "http://" + gcsHost + "/storage/v1/"
)

func azConnString(key string) string { return azConnStringAt(azHost, key) }

// azConnStringAt is the connection string of Azurite's account at host
// (a proxy in front of it).
func azConnStringAt(host, key string) string {
	return "DefaultEndpointsProtocol=http;AccountName=" + azAccount + ";AccountKey=" + key +
		";BlobEndpoint=http://" + host + "/" + azAccount + ";"
}

func uniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newContainer makes an Azurite container holding files, removed at the end.
func newContainer(t *testing.T, files map[string][]byte) (*azblob.Client, string) {
	t.Helper()
	conformance.RequireServer(t, azHost)
	cli, err := azblob.NewClientFromConnectionString(azConnString(azKey), nil)
	if err != nil {
		t.Fatal(err)
	}
	name := uniqueName("mgw-e2e-")
	if _, err := cli.CreateContainer(t.Context(), name, nil); err != nil {
		t.Fatalf("create container: %v", err)
	}
	t.Cleanup(func() { _, _ = cli.DeleteContainer(context.Background(), name, nil) })
	for k, b := range files {
		if _, err := cli.UploadBuffer(t.Context(), name, k, b, &azblob.UploadBufferOptions{BlockSize: 4 << 20}); err != nil {
			t.Fatalf("upload %s: %v", k, err)
		}
	}
	return cli, name
}

func newS3Bucket(t *testing.T) (*s3.Client, string) {
	t.Helper()
	conformance.RequireServer(t, s3Host)
	cli := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + s3Host),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3KeyID, s3Secret, ""),
	})
	name := uniqueName("mgw-e2e-")
	if _, err := cli.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return cli, name
}

func azAddr(name, container string) address {
	return address{Name: name, Type: "azblob", Container: container, ConnectionString: azConnString(azKey)}
}

// A job from Azure Blob (Azurite) to S3 (versitygw), small files and one
// uploaded in blocks, then a second run that finds nothing to copy.
func TestAzuriteToS3(t *testing.T) {
	files := map[string][]byte{"photo 1.jpg": randomBytes(1, 1000), "dir/sub/ü.txt": randomBytes(2, 77), "big.bin": randomBytes(3, 9<<20+5)}
	for i := range 10 {
		files[fmt.Sprintf("many/%02d", i)] = randomBytes(uint64(10+i), 100*i)
	}
	_, container := newContainer(t, files)
	cli, bkt := newS3Bucket(t)

	s := newSetup(t)
	dst := address{Name: "dst", Type: "s3", Provider: "other", Endpoint: "http://" + s3Host, Bucket: bkt,
		AccessKeyID: s3KeyID, AccessKeySecret: s3Secret}
	s.write(t, []address{azAddr("src", container), dst}, newJob("az-to-s3", "src", "dst"))
	r := s.mgw(t, "run", "az-to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantS3Objects(t, cli, bkt, files)
	if strings.Contains(r.stdout+r.stderr, azKey) {
		t.Error("the run's output holds the account key")
	}
	r = s.mgw(t, "run", "az-to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
}

// gcsKeyFile writes a key file the token server knows (or not).
func gcsKeyFile(t *testing.T, tokens *gcstest.TokenServer, dir string, unknown bool) string {
	t.Helper()
	p := filepath.Join(dir, uniqueName("key-")+".json")
	writeFile(t, p, tokens.NewKeyFile("mgw-e2e@mgw-test.iam.gserviceaccount.com", unknown))
	return p
}

// newGCSBucket makes a fake-gcs-server bucket holding files.
func newGCSBucket(t *testing.T, files map[string][]byte) string {
	t.Helper()
	conformance.RequireServer(t, gcsHost)
	gcs := gcstest.Storage{Endpoint: gcsEndpoint}
	name := uniqueName("mgw-e2e-")
	if err := gcs.CreateBucket(t.Context(), name); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	for k, b := range files {
		if err := gcs.Put(t.Context(), name, k, b, ""); err != nil {
			t.Fatalf("upload %s: %v", k, err)
		}
	}
	return name
}

// A job from Google Cloud Storage (fake-gcs-server, key checked by the
// test's token endpoint) to a local folder, then a run with nothing new.
func TestFakeGCSToLocal(t *testing.T) {
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	files := map[string][]byte{"a.txt": randomBytes(1, 10), "photos/2024/b.jpg": randomBytes(2, 300000), "photos/c d.png": randomBytes(3, 0)}
	bkt := newGCSBucket(t, files)

	s := newSetup(t)
	out := filepath.Join(s.dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	src := address{Name: "src", Type: "gcs", Endpoint: gcsEndpoint, Bucket: bkt, KeyFile: gcsKeyFile(t, tokens, s.dir, false)}
	s.write(t, []address{src, localAddr("dst", out)}, newJob("gcs-to-local", "src", "dst"))
	r := s.mgw(t, "run", "gcs-to-local")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	for key, want := range files {
		if got := readFile(t, filepath.Join(out, filepath.FromSlash(key))); !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, want %d bytes of the source", key, len(got), len(want))
		}
	}
	r = s.mgw(t, "run", "gcs-to-local")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
}

// mgw address verify reports each way an azblob, gcs or s3 preset source
// can be wrong with its catalogue code, and never prints a secret.
func TestCloudSourceVerifyCodes(t *testing.T) {
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	_, container := newContainer(t, nil)
	gcsBkt := newGCSBucket(t, nil)
	conformance.RequireServer(t, s3Host)
	_, s3Bkt := newS3Bucket(t)

	s := newSetup(t)
	badKeyFile := filepath.Join(s.dir, "broken.json")
	writeFile(t, badKeyFile, []byte(`{"type":"service_account","client_email":"x@y","private_key_id":"k","private_key":"not a key"}`))
	wrongAzKey := strings.Replace(azKey, "Eby8", "AAAA", 1)
	vgw := func(name, provider, bucket, secret string) address {
		// versitygw's region: the presets' default regions are refused there.
		return address{Name: name, Type: "s3", Provider: provider, Endpoint: "http://" + s3Host, Region: "us-east-1", PathStyle: true,
			Bucket: bucket, AccessKeyID: s3KeyID, AccessKeySecret: secret}
	}
	for _, tc := range []struct {
		addr address
		exit int
		code string
	}{
		{azAddr("az-ok", container), 0, ""},
		{address{Name: "az-wrong-key", Type: "azblob", Container: container, ConnectionString: azConnString(wrongAzKey)}, 1, "AzureSourceConnStrAccountInvalid"},
		{azAddr("az-no-container", "no-such-container"), 1, "AzureSourceAddrContainerInvalid"},
		{address{Name: "az-bad-string", Type: "azblob", Container: container, ConnectionString: "AccountName=" + azAccount + ";" + azKey}, 2, "AzureSourceConnStrAccountInvalid"},
		{address{Name: "gcs-ok", Type: "gcs", Endpoint: gcsEndpoint, Bucket: gcsBkt, KeyFile: gcsKeyFile(t, tokens, s.dir, false)}, 0, ""},
		{address{Name: "gcs-deleted-key", Type: "gcs", Endpoint: gcsEndpoint, Bucket: gcsBkt, KeyFile: gcsKeyFile(t, tokens, s.dir, true)}, 1, "SourcePrivateKeyIDInvalid"},
		{address{Name: "gcs-no-bucket", Type: "gcs", Endpoint: gcsEndpoint, Bucket: "mgw-no-such-bucket", KeyFile: gcsKeyFile(t, tokens, s.dir, false)}, 1, "SourceKeyFileBucketNotMatchedOrPermission"},
		{address{Name: "gcs-broken-key", Type: "gcs", Endpoint: gcsEndpoint, Bucket: gcsBkt, KeyFile: badKeyFile}, 2, "SourceBadPrivateKeyFileFormat"},
		{vgw("bos-ok", "bos", s3Bkt, s3Secret), 0, ""},
		{vgw("bos-no-bucket", "bos", "mgw-no-such-bucket", s3Secret), 1, "SourceAddrEndpointBucketNotMatchOrNoSuchBucket"},
		{func() address { a := vgw("aws-wrong-region", "aws", s3Bkt, s3Secret); a.Region = "eu-west-3"; return a }(), 1, "SourceAddrRegionBucketNotMatchOrNoSuchBucket"},
		{vgw("ks3-wrong-secret", "ks3", s3Bkt, "wrong-"+s3Secret), 1, "SourceAddrEndpointOrSkInvalid"},
		{vgw("qiniu-wrong-secret", "qiniu", s3Bkt, "wrong-"+s3Secret), 1, "SourceAddrSecretKeyInvalid"},
	} {
		t.Run(tc.addr.Name, func(t *testing.T) {
			// One address a config: a bad one must not stop the others loading.
			s.write(t, []address{tc.addr})
			r := s.mgw(t, "address", "verify", "--as", "source", tc.addr.Name)
			wantExit(t, r, tc.exit)
			if tc.code == "" {
				if !strings.Contains(r.stdout, "OK") {
					t.Errorf("want OK:\n%s", r)
				}
			} else {
				wantStderr(t, r, tc.code)
			}
			for _, secret := range []string{azKey, wrongAzKey, s3Secret} {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("the output holds a secret (%d bytes)", len(secret))
				}
			}
		})
	}
}
