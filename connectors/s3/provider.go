package s3

import (
	"errors"
	"net/url"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// Preset is what an address's provider: value decides for an S3-compatible
// service: where its endpoint is for a region, how buckets are addressed,
// and which parts of the protocol it is known to take.
type Preset struct {
	Name string
	// endpoint is the https endpoint of a region: "{region}" is replaced.
	// Empty: the address must give its endpoint.
	endpoint      string
	DefaultRegion string
	// PathStyle: bucket in the path (https://host/bucket/key) rather than
	// in the host name (https://bucket.host/key). An address's path_style:
	// true forces path style whatever the preset says.
	PathStyle bool
	// ListURLEncoding: ask ListObjectsV2 for encoding-type=url, so keys
	// holding bytes XML cannot carry still list. Sent only where the
	// service is known to take it; the answer is decoded only if the
	// server says it encoded.
	ListURLEncoding bool
	// UnsignedPayloadTLS: over https, sign UNSIGNED-PAYLOAD instead of the
	// body's SHA-256, which saves reading each body twice. TLS protects the
	// body; only services documented to accept it get it.
	UnsignedPayloadTLS bool
	// ListRestoreStatus: ask listings for each object's RestoreStatus
	// (x-amz-optional-object-attributes), so an archived object whose
	// restored copy is readable is known without a HEAD. Only Amazon S3
	// documents it.
	ListRestoreStatus bool
}

// Presets are the provider: values. The endpoints follow each provider's
// published pattern for its S3-compatible API.
var Presets = map[string]Preset{
	// Amazon S3: s3.<region>.amazonaws.com (.com.cn in China), virtual-host
	// style (AWS is retiring path style), SigV4 with UNSIGNED-PAYLOAD over TLS.
	"aws": {Name: "aws", endpoint: "https://s3.{region}.amazonaws.com", DefaultRegion: "us-east-1",
		ListURLEncoding: true, UnsignedPayloadTLS: true, ListRestoreStatus: true},
	// Baidu BOS through its S3 API: s3.<region>.bcebos.com (bj, gz, su, bd,
	// fwh, hkg...), virtual-host style, SigV4 with a signed payload.
	"bos": {Name: "bos", endpoint: "https://s3.{region}.bcebos.com", DefaultRegion: "bj"},
	// Kingsoft KS3: ks3-<region>.ksyuncs.com (cn-beijing, cn-shanghai,
	// cn-guangzhou, cn-hongkong...), virtual-host style, SigV4 with a signed payload.
	"ks3": {Name: "ks3", endpoint: "https://ks3-{region}.ksyuncs.com", DefaultRegion: "cn-beijing"},
	// Qiniu Kodo through its S3 API: s3.<region>.qiniucs.com (cn-east-1,
	// cn-north-1, cn-south-1, us-north-1, ap-southeast-1...), virtual-host
	// style, SigV4 with a signed payload.
	"qiniu": {Name: "qiniu", endpoint: "https://s3.{region}.qiniucs.com", DefaultRegion: "cn-east-1"},
	// Anything else (MinIO, Ceph RGW, versitygw, other clouds' S3 APIs):
	// the endpoint must be given; path style, which every gateway takes.
	"other": {Name: "other", DefaultRegion: "us-east-1", PathStyle: true, ListURLEncoding: true},
}

// ProviderNames lists the presets, for messages.
const ProviderNames = "aws, bos, ks3, qiniu, other"

// noPreset is how an address without provider: has always behaved: its
// own endpoint and path_style, encoding-type=url in listings.
var noPreset = Preset{DefaultRegion: defaultRegion, ListURLEncoding: true}

// Resolve applies addr.Provider: it fills the endpoint from the region
// where the address gives none, the region from the preset's default,
// and path style from the preset unless the address forces it.
func Resolve(addr connectors.Address) (connectors.Address, Preset, error) {
	p := noPreset
	if addr.Provider != "" {
		var ok bool
		if p, ok = Presets[strings.ToLower(addr.Provider)]; !ok {
			return addr, p, connectors.NewError(connectors.KindInvalidArgument, "open", "",
				errors.New("provider must be one of "+ProviderNames))
		}
		addr.PathStyle = addr.PathStyle || p.PathStyle
	}
	if addr.Region == "" {
		addr.Region = p.DefaultRegion
	}
	if addr.Endpoint == "" && p.endpoint != "" {
		addr.Endpoint = p.EndpointFor(addr.Region)
	}
	if addr.Provider != "" && addr.Endpoint == "" {
		return addr, p, connectors.NewError(connectors.KindBadEndpoint, "open", "",
			errors.New("provider "+p.Name+" needs an endpoint"))
	}
	return addr, p, nil
}

// EndpointFor is the preset's endpoint for a region ("" if the preset has
// no pattern).
func (p Preset) EndpointFor(region string) string {
	if p.endpoint == "" {
		return ""
	}
	ep := strings.ReplaceAll(p.endpoint, "{region}", url.PathEscape(region))
	if p.Name == "aws" && strings.HasPrefix(region, "cn-") {
		ep += ".cn"
	}
	return ep
}
