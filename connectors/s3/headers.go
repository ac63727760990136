package s3

import (
	"net/http"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

// maxMetaBytes is S3's limit on user metadata: "Within the PUT request
// header, the user-defined metadata is limited to 2 KB in size", counted
// as the UTF-8 bytes of each key and value (Amazon S3 User Guide, "Working
// with object metadata"); more is refused with 400 MetadataTooLarge.
const maxMetaBytes = 2 << 10

// object reads what the answer to a HEAD or a GET says of the object: the
// one mapping of S3's headers to an Object, for Stat and Open alike. The
// SDK's typed outputs differ between the two calls, the headers do not.
func object(key string, h http.Header) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Type:         connectors.Regular,
		Size:         connectors.ObjectSize(h),
		ETag:         strings.Trim(h.Get("ETag"), `"`),
		StorageClass: storageClass(h.Get("x-amz-storage-class")),
		Restored:     restore.Parse(h.Get("x-amz-restore")) == restore.Restored,
		Meta:         connectors.MetaOf(h, "x-amz-meta-"),
		Headers:      connectors.HeadersOf(h),
		CRC32C:       h.Get("x-amz-checksum-crc32c"),
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.ModTime = t
	}
	return o
}

// responseHeader is the HTTP header of the answer an output came from.
func responseHeader(md middleware.Metadata) http.Header {
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && r.Response != nil {
		return r.Header
	}
	return http.Header{}
}

// standardHeaders are the standard headers to store, as the SDK's inputs
// take them: nil where not set.
func standardHeaders(h connectors.Headers) (contentType, encoding, cacheControl, disposition *string) {
	ptr := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return ptr(h.ContentType), ptr(h.ContentEncoding), ptr(h.CacheControl), ptr(h.ContentDisposition)
}

// withExpires sends Expires as the source gave it: the SDK's input takes
// a time and would rewrite (or be unable to carry) the original text.
func withExpires(expires string) func(*s3.Options) {
	return func(o *s3.Options) {
		if expires != "" {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("Expires", expires))
		}
	}
}
