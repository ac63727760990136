package s3

import (
	"bytes"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

func TestResolveEndpoints(t *testing.T) {
	for _, c := range []struct {
		name                   string
		in                     connectors.Address
		endpoint, region       string
		pathStyle, urlEncoding bool
	}{
		{"AWSDefault", connectors.Address{Provider: "aws"}, "https://s3.us-east-1.amazonaws.com", "us-east-1", false, true},
		{"AWSRegion", connectors.Address{Provider: "aws", Region: "eu-west-3"}, "https://s3.eu-west-3.amazonaws.com", "eu-west-3", false, true},
		{"AWSChina", connectors.Address{Provider: "AWS", Region: "cn-north-1"}, "https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", false, true},
		{"BOS", connectors.Address{Provider: "bos", Region: "gz"}, "https://s3.gz.bcebos.com", "gz", false, false},
		{"BOSDefault", connectors.Address{Provider: "bos"}, "https://s3.bj.bcebos.com", "bj", false, false},
		{"KS3", connectors.Address{Provider: "ks3", Region: "cn-shanghai"}, "https://ks3-cn-shanghai.ksyuncs.com", "cn-shanghai", false, false},
		{"Qiniu", connectors.Address{Provider: "qiniu", Region: "cn-south-1"}, "https://s3.cn-south-1.qiniucs.com", "cn-south-1", false, false},
		{"QiniuDefault", connectors.Address{Provider: "qiniu"}, "https://s3.cn-east-1.qiniucs.com", "cn-east-1", false, false},
		{"Other", connectors.Address{Provider: "other", Endpoint: "http://minio:9000"}, "http://minio:9000", "us-east-1", true, true},
		{"ExplicitEndpointWins", connectors.Address{Provider: "aws", Region: "eu-west-1", Endpoint: "https://vpce-1.s3.eu-west-1.vpce.amazonaws.com"},
			"https://vpce-1.s3.eu-west-1.vpce.amazonaws.com", "eu-west-1", false, true},
		{"PathStyleForced", connectors.Address{Provider: "ks3", PathStyle: true}, "https://ks3-cn-beijing.ksyuncs.com", "cn-beijing", true, false},
		{"NoProvider", connectors.Address{Endpoint: "http://127.0.0.1:7070"}, "http://127.0.0.1:7070", "us-east-1", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, p, err := Resolve(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Endpoint != c.endpoint || got.Region != c.region || got.PathStyle != c.pathStyle || p.ListURLEncoding != c.urlEncoding {
				t.Errorf("got endpoint %q region %q path style %v url encoding %v, want %q %q %v %v",
					got.Endpoint, got.Region, got.PathStyle, p.ListURLEncoding, c.endpoint, c.region, c.pathStyle, c.urlEncoding)
			}
		})
	}
	if _, _, err := Resolve(connectors.Address{Provider: "wasabi"}); connectors.KindOf(err) != connectors.KindInvalidArgument {
		t.Errorf("unknown provider: %v, want an invalid-argument error", err)
	}
	if _, err := New(t.Context(), connectors.Address{Provider: "other", Bucket: "b"}); err == nil {
		t.Error("provider other without an endpoint: no error")
	}
}

// A preset that lists without encoding-type=url (BOS, KS3, Qiniu) passes
// the whole suite, weird names included, against versitygw.
func TestConformancePresetNoURLEncoding(t *testing.T) {
	requireServer(t)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket {
			a := address(t)
			a.Provider = "bos"
			b := open(t, a)
			if b.preset.ListURLEncoding {
				t.Fatal("bos preset asks for URL encoding")
			}
			return b
		},
		BadSecret: func(t *testing.T) connectors.Bucket {
			a := address(t)
			a.Provider, a.AccessKeySecret = "ks3", testSecret+"-wrong"
			return open(t, a)
		},
		Secret: testSecret,
	})
}

// UNSIGNED-PAYLOAD, as the aws preset signs every body over TLS, is
// accepted by the server for puts and parts (forced here over http, the
// only scheme the test server speaks).
func TestUnsignedPayload(t *testing.T) {
	requireServer(t)
	a := address(t)
	a.Provider = "aws"
	b := open(t, a)
	b.unsignedTLS = true
	ctx := t.Context()
	content := bytes.Repeat([]byte("unsigned "), 1000)
	if _, err := b.Put(ctx, "u/file", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{}); err != nil {
		t.Fatalf("put with UNSIGNED-PAYLOAD: %v", err)
	}
	o, err := b.Stat(ctx, "u/file")
	if err != nil || o.Size != int64(len(content)) {
		t.Fatalf("stat after put: %+v %v", o, err)
	}
	id, err := b.CreateMultipart(ctx, "u/multi", connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part, err := b.UploadPart(ctx, "u/multi", id, 1, bytes.NewReader(content), int64(len(content)), connectors.PartSums{})
	if err != nil {
		t.Fatalf("part with UNSIGNED-PAYLOAD: %v", err)
	}
	if _, err := b.CompleteMultipart(ctx, "u/multi", id, []connectors.Part{part}); err != nil {
		t.Fatalf("complete: %v", err)
	}
	// And a wrong secret is still refused: the headers stay signed.
	a.AccessKeySecret = testSecret + "-wrong"
	bad := open(t, a)
	bad.unsignedTLS = true
	_, err = bad.Put(ctx, "u/bad", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindBadSecret {
		t.Errorf("put with a wrong secret and UNSIGNED-PAYLOAD: %v, want kind bad-secret", err)
	}
}

// A region the bucket is not in is refused as a missing bucket, which the
// agent reports as a region/bucket mismatch.
func TestPresetWrongRegion(t *testing.T) {
	requireServer(t)
	a := address(t)
	a.Provider, a.Region = "aws", "eu-west-3"
	err := open(t, a).Check(t.Context())
	if connectors.KindOf(err) != connectors.KindNoSuchBucket {
		t.Errorf("check in the wrong region: %v (kind %v), want no-such-bucket", err, connectors.KindOf(err))
	}
}
