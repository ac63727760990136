package s3

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
)

// CreateMultipartCRC32C starts an upload whose parts carry a CRC32C the
// server verifies (x-amz-checksum-algorithm: CRC32C, composite). A server
// that takes part checksums echoes the algorithm; one that does not
// either ignores the header (no echo: the upload it started is a plain
// one, used as such) or refuses it with an error that names the checksum
// (a plain upload is started instead). Either way the bucket remembers,
// and its later uploads send Content-MD5 without asking again; so do
// those after a part or a completion answered without the checksum
// (UploadPart, CompleteMultipart).
func (b *Bucket) CreateMultipartCRC32C(ctx context.Context, key string, opts connectors.PutOptions) (string, bool, error) {
	if b.noCRC32C.Load() {
		id, err := b.CreateMultipart(ctx, key, opts)
		return id, false, err
	}
	in, err := b.createInput(key, opts)
	if err != nil {
		return "", false, err
	}
	in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
	out, err := b.cli.CreateMultipartUpload(ctx, in, withExpires(opts.Headers.Expires))
	if err != nil {
		err = classify("create-multipart", key, err)
		if !refusesChecksum(err) {
			return "", false, err
		}
		b.noCRC32C.Store(true)
		id, err := b.CreateMultipart(ctx, key, opts)
		return id, false, err
	}
	if out.ChecksumAlgorithm != types.ChecksumAlgorithmCrc32c {
		b.noCRC32C.Store(true)
		return aws.ToString(out.UploadId), false, nil
	}
	return aws.ToString(out.UploadId), true, nil
}

// refusesChecksum reports whether a create was refused for its checksum
// header: a 4xx/501 whose message names it. Other errors (the server is
// down, access denied) say nothing about checksums.
func refusesChecksum(err error) bool {
	switch connectors.KindOf(err) {
	case connectors.KindInvalidArgument, connectors.KindUnsupported:
		return strings.Contains(strings.ToLower(err.Error()), "checksum")
	}
	return false
}

// encodeCRC32C is a CRC32C as S3 headers carry it: base64 of its 4 bytes,
// big-endian.
func encodeCRC32C(c uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], c)
	return base64.StdEncoding.EncodeToString(b[:])
}

// decodeCRC32C reads what encodeCRC32C wrote; ok false for anything else
// (empty: the server told none).
func decodeCRC32C(s string) (c uint32, ok bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(b), true
}
