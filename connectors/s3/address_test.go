package s3_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/s3"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	keys := func(a connectors.Address) connectors.Address {
		a.Type, a.AccessKeyID, a.AccessKeySecret = "s3", "k", "s"
		return a
	}
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
		// what validation fills in, when want is nil
		endpoint, region, provider string
	}{
		{"empty", connectors.Address{Type: "s3"}, []connectors.Problem{
			{Code: codes.BadParameters, Field: "endpoint", Detail: "required for type s3"},
			{Code: codes.BadParameters, Field: "bucket", Detail: "required for type s3"},
			{Code: codes.BadParameters, Field: "access_key_id", Detail: "required for type s3"},
			{Code: codes.BadParameters, Field: "access_key_secret", Detail: "access_key_secret or access_key_secret_file is required for type s3"},
		}, "", "", ""},
		{"no preset", keys(connectors.Address{Endpoint: "127.0.0.1:7070", Bucket: "b"}), nil, "https://127.0.0.1:7070", "us-east-1", ""},
		{"bos", keys(connectors.Address{Provider: "bos", Region: "gz", Bucket: "b-1"}), nil, "https://s3.gz.bcebos.com", "gz", "bos"},
		{"aws, any case", keys(connectors.Address{Provider: "AWS", Bucket: "b-2"}), nil, "https://s3.us-east-1.amazonaws.com", "us-east-1", "aws"},
		{"aws china", keys(connectors.Address{Provider: "aws", Region: "cn-north-1", Bucket: "b-2"}), nil, "https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws"},
		{"bad provider", keys(connectors.Address{Provider: "wasabi", Endpoint: "e", Bucket: "b-1"}), []connectors.Problem{
			{Code: codes.BadParameters, Field: "provider", Detail: `"wasabi" is not one of aws, bos, ks3, qiniu, other`},
		}, "", "", ""},
		{"other needs an endpoint", keys(connectors.Address{Provider: "other", Bucket: "b-1"}), []connectors.Problem{
			{Code: codes.BadParameters, Field: "endpoint", Detail: "required for type s3"},
		}, "", "", ""},
		{"preset bucket rule", keys(connectors.Address{Provider: "ks3", Bucket: "My_Bucket"}), []connectors.Problem{
			{Code: codes.SourceAddrBucketInvalid, Field: "bucket", Detail: `"My_Bucket": 3-63 lower-case letters, digits, dots and hyphens`},
		}, "", "", ""},
		{"other takes any bucket", keys(connectors.Address{Provider: "other", Endpoint: "http://gw", Bucket: "My_Bucket"}), nil, "http://gw", "us-east-1", "other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			got := s3.Backend.Validate(&a, "/etc/mgw")
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.want == nil && (a.Endpoint != tc.endpoint || a.Region != tc.region || a.Provider != tc.provider) {
				t.Errorf("endpoint %q region %q provider %q, want %q %q %q", a.Endpoint, a.Region, a.Provider, tc.endpoint, tc.region, tc.provider)
			}
		})
	}
}

// The bos and ks3 presets have source codes of their own; the rest, and
// destinations, get the generic ones ("").
func TestCode(t *testing.T) {
	for _, tc := range []struct {
		side     connectors.Side
		provider string
		kind     connectors.Kind
		want     string
	}{
		{connectors.Source, "bos", connectors.KindNoSuchBucket, codes.SourceAddrEndpointBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "bos", connectors.KindBadSecret, ""},
		{connectors.Source, "ks3", connectors.KindBadSecret, codes.SourceAddrEndpointOrSkInvalid},
		{connectors.Source, "KS3", connectors.KindBadEndpoint, codes.SourceAddrEndpointOrSkInvalid},
		{connectors.Source, "ks3", connectors.KindBadKeyID, codes.SourceAddrAccessKeyOrPermissionInvalid},
		{connectors.Source, "ks3", connectors.KindAccessDenied, codes.SourceAddrAccessKeyOrPermissionInvalid},
		{connectors.Source, "aws", connectors.KindNoSuchBucket, ""},
		{connectors.Source, "qiniu", connectors.KindBadKeyID, ""},
		{connectors.Source, "", connectors.KindNoSuchBucket, ""},
		{connectors.Destination, "ks3", connectors.KindBadSecret, ""},
	} {
		err := connectors.NewError(tc.kind, "op", "", errors.New("server said no"))
		if got := s3.Backend.Code(tc.side, connectors.Address{Type: "s3", Provider: tc.provider}, err); got != tc.want {
			t.Errorf("%v %q %v: %q, want %q", tc.side, tc.provider, tc.kind, got, tc.want)
		}
	}
}
