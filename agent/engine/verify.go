package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// sums computes, in one pass, the checksums a destination can check: MD5
// always (sent as Content-MD5), CRC64-ECMA only where the destination
// reports one, since each costs CPU the server on the same host could use.
type sums struct {
	md5 hash.Hash
	crc hash.Hash64 // nil when not wanted
	n   int64
}

func newSums(crc bool) *sums {
	s := &sums{md5: md5.New()}
	if crc {
		s.crc = crc64.New(crcTable)
	}
	return s
}

func (s *sums) Write(p []byte) (int, error) {
	s.md5.Write(p)
	if s.crc != nil {
		s.crc.Write(p)
	}
	s.n += int64(len(p))
	return len(p), nil
}

// crc64 is the CRC computed, or 0 when none was wanted (verify then
// ignores the destination's, which it only compares when it computed one).
func (s *sums) crc64() (uint64, bool) {
	if s.crc == nil {
		return 0, false
	}
	return s.crc.Sum64(), true
}

// verify checks the destination's acknowledgement against what was sent:
// size always, then every checksum the destination told.
func verify(got connectors.Object, size int64, md []byte, crc uint64, hasCRC bool) error {
	if got.Size != size {
		return &verifyError{fmt.Sprintf("destination size %d, sent %d", got.Size, size)}
	}
	if hasCRC && got.HasCRC64 && got.CRC64 != crc {
		return &verifyError{fmt.Sprintf("destination CRC64 %d, sent %d", got.CRC64, crc)}
	}
	if md != nil && IsMD5(got.ETag) && !strings.EqualFold(got.ETag, hex.EncodeToString(md)) {
		return &verifyError{"destination ETag " + got.ETag + ", sent MD5 " + hex.EncodeToString(md)}
	}
	return nil
}

// IsMD5 tells an ETag that is the content's MD5 (single-request uploads on
// S3 and OSS without server-side encryption by KMS) from an opaque one.
func IsMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

// sameContent reports whether the destination object d holds the source
// file's bytes: the checksums the destination tells (CRC64, an MD5 ETag),
// or else a read of the object, against one read of the source.
func (r *Runner) sameContent(ctx context.Context, o, d connectors.Object) (bool, error) {
	if r.serverCopy != nil && o.ETag != "" && o.Size == d.Size && strings.EqualFold(o.ETag, d.ETag) {
		// One service computed both ETags from the bytes, in the same
		// layout where parts are concerned: equal ETags are equal content.
		return true, nil
	}
	hash := func(b connectors.Bucket, side connectors.Side, key string, crc bool) (*sums, error) {
		s := newSums(crc)
		err := r.paced(ctx, side, func() error {
			rc, err := b.Open(ctx, key, 0, -1)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(s, io.LimitReader(rc, o.Size+1))
			return connectors.NewError(connectors.Classify(err), "read", key, err)
		})
		return s, err
	}
	src, err := hash(r.Src, connectors.Source, o.Key, d.HasCRC64)
	if err != nil || src.n != o.Size {
		return false, err
	}
	if err := r.restat(ctx, o); err != nil {
		return false, err
	}
	if d.HasCRC64 || IsMD5(d.ETag) {
		crc, hasCRC := src.crc64()
		return verify(d, o.Size, src.md5.Sum(nil), crc, hasCRC) == nil, nil
	}
	dst, err := hash(r.Dst, connectors.Destination, o.Key, false)
	if err != nil {
		return false, err
	}
	return dst.n == src.n && bytes.Equal(dst.md5.Sum(nil), src.md5.Sum(nil)), nil
}
