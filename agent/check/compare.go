package check

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
)

// one compares one listed destination object with the source's file.
func (c *checker) one(ctx context.Context, d connectors.Object, buf []byte) {
	o, ok, err := c.lookup(ctx, d.Key)
	if ctx.Err() != nil {
		return
	}
	if ok {
		if reason, _ := c.sel.Skip(o); reason != "" {
			return // the source's walk reports it as skipped
		}
	}
	switch {
	case err != nil:
		c.found(Error, d.Key, d.Size, "source: "+engine.RootCause(err))
	case !ok:
		c.found(Extra, d.Key, d.Size, sizeText(d.Size))
	case d.Size != o.Size:
		c.found(Size, o.Key, o.Size, fmt.Sprintf("%d bytes at the source, %d at the destination", o.Size, d.Size))
	default:
		m, diff, err := c.compare(ctx, o, d, buf)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			c.found(Error, o.Key, o.Size, err.Error())
		case diff != "":
			c.found(Content, o.Key, o.Size, diff)
		default:
			c.same(o.Size, m)
		}
	}
}

// lookup finds key at the source: in its folder's listing, or by itself
// when the folder is too large to hold.
func (c *checker) lookup(ctx context.Context, key string) (connectors.Object, bool, error) {
	if o, found, cached := c.src.Lookup(ctx, key); cached {
		return o, found, nil
	}
	o, err := c.a.Src.Stat(ctx, key)
	if connectors.KindOf(err) == connectors.KindNotFound {
		return o, false, nil
	}
	return o, err == nil, err
}

// unstorable says why the destination cannot hold key, if it cannot: the
// run lists such a file as failed, the check as missing.
func (c *checker) unstorable(key string) string {
	switch {
	case c.dstF.UTF8Keys && !utf8.ValidString(key):
		return "the destination cannot hold a name that is not UTF-8"
	case c.dstF.MaxKeyBytes > 0 && len(key) > c.dstF.MaxKeyBytes:
		return fmt.Sprintf("the name is longer than the %d bytes the destination allows", c.dstF.MaxKeyBytes)
	}
	return ""
}

// compare tells whether the destination object d holds the source
// object o's bytes (sizes are equal), and how it knows: the strongest
// checksum the destination tells (an MD5 ETag, a multipart ETag, OSS's
// CRC64) against the source's ETag or one read of the source, or both
// sides read. diff says what differs ("" = nothing).
func (c *checker) compare(ctx context.Context, o, d connectors.Object, buf []byte) (m Method, diff string, err error) {
	// A disk or share keeps the source's mtime: another means the file
	// was written since mgw copied it, and only its bytes can tell.
	if c.opt.Download || (c.dstFS && !sameMtime(o.ModTime, d.ModTime)) {
		return c.bothRead(ctx, o, buf)
	}
	if engine.IsMD5(d.ETag) {
		if engine.IsMD5(o.ETag) {
			return ByETag, differ(o.ETag, d.ETag, "source ETag %s, destination ETag %s"), nil
		}
		s, err := c.sum(ctx, connectors.Source, o, want{md5: true}, buf)
		return ByMD5, differ(hex.EncodeToString(s.md5), d.ETag, "source MD5 %s, destination ETag %s"), err
	}
	if n, ok := partCount(d.ETag); ok {
		if strings.EqualFold(o.ETag, d.ETag) {
			return ByETag, "", nil
		}
		// The parts are cut as the engine cuts them; a job whose part
		// size changed since the upload falls through to the CRC64.
		if ps := engine.PartSize(c.job, o.Size, c.dstF); (o.Size+ps-1)/ps == n {
			s, err := c.sum(ctx, connectors.Source, o, want{partSize: ps}, buf)
			format := "source in parts of " + humanize.IBytes(uint64(ps)) + " makes ETag %s, destination ETag %s"
			return ByMultipart, differ(engine.MultipartETag(s.parts), d.ETag, format), err
		}
	}
	if c.dstF.CRC64 {
		if !d.HasCRC64 { // listings do not carry it: ask the object
			if d, err = c.a.Dst.Stat(ctx, o.Key); err != nil {
				return 0, "", fmt.Errorf("destination: %s", engine.RootCause(err))
			}
		}
		if d.HasCRC64 {
			s, err := c.sum(ctx, connectors.Source, o, want{crc: true}, buf)
			return ByCRC64, differ(strconv.FormatUint(s.crc, 10), strconv.FormatUint(d.CRC64, 10), "source CRC64 %s, destination CRC64 %s"), err
		}
	}
	if c.dstFS {
		return ByMtime, "", nil
	}
	return BySize, "", nil
}

// bothRead reads both sides and compares their MD5s.
func (c *checker) bothRead(ctx context.Context, o connectors.Object, buf []byte) (Method, string, error) {
	s, err := c.sum(ctx, connectors.Source, o, want{md5: true}, buf)
	if err != nil {
		return ByBytes, "", err
	}
	d, err := c.sum(ctx, connectors.Destination, o, want{md5: true}, buf)
	return ByBytes, differ(hex.EncodeToString(s.md5), hex.EncodeToString(d.md5), "source MD5 %s, destination MD5 %s (both read)"), err
}

// differ is "" when the two checksums are equal, else format filled with
// both.
func differ(src, dst, format string) string {
	if strings.EqualFold(src, dst) {
		return ""
	}
	return fmt.Sprintf(format, src, dst)
}

// partCount is the number of parts a multipart ETag ("<hex>-N") says.
func partCount(etag string) (int64, bool) {
	sum, n, ok := strings.Cut(etag, "-")
	if !ok || len(sum) != 32 {
		return 0, false
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return 0, false
	}
	parts, err := strconv.ParseInt(n, 10, 64)
	return parts, err == nil && parts > 0
}

// sameMtime compares mtimes to the microsecond: a share may keep them
// to 100 ns only.
func sameMtime(a, b time.Time) bool {
	return a.Sub(b).Abs() < time.Microsecond
}

// want is what one read of an object computes.
type want struct {
	md5      bool
	crc      bool
	partSize int64 // > 0: the MD5 of each part of this size
}

type sums struct {
	md5   []byte
	crc   uint64
	parts [][]byte
}

// sum reads o whole from one side, once, and computes what w asks for,
// within the job's speed limits.
func (c *checker) sum(ctx context.Context, side connectors.Side, o connectors.Object, w want, buf []byte) (sums, error) {
	b := c.a.Src
	if side == connectors.Destination {
		b = c.a.Dst
	}
	rc, err := b.Open(ctx, o.Key, 0, -1)
	if err != nil {
		return sums{}, fmt.Errorf("%s: %s", side, engine.RootCause(err))
	}
	defer rc.Close()
	h := newHasher(w)
	n, err := io.CopyBuffer(h, c.lim.Reader(ctx, io.LimitReader(rc, o.Size+1)), buf)
	c.read[side].Add(n)
	switch {
	case err != nil:
		return sums{}, fmt.Errorf("%s: %s", side, engine.RootCause(err))
	case n != o.Size:
		return sums{}, fmt.Errorf("%s: changed while it was checked (%d bytes listed, %d read)", side, o.Size, n)
	}
	return h.sums(), nil
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// hasher computes, in one pass, the checksums a want asks for.
type hasher struct {
	w     want
	md5   hash.Hash
	crc   hash.Hash64
	part  hash.Hash
	left  int64 // bytes of the current part still to come
	parts [][]byte
}

func newHasher(w want) *hasher {
	h := &hasher{w: w, left: w.partSize}
	if w.md5 {
		h.md5 = md5.New()
	}
	if w.crc {
		h.crc = crc64.New(crcTable)
	}
	if w.partSize > 0 {
		h.part = md5.New()
	}
	return h
}

func (h *hasher) Write(p []byte) (int, error) {
	if h.md5 != nil {
		h.md5.Write(p)
	}
	if h.crc != nil {
		h.crc.Write(p)
	}
	for q := p; h.part != nil && len(q) > 0; {
		k := min(int64(len(q)), h.left)
		h.part.Write(q[:k])
		q, h.left = q[k:], h.left-k
		if h.left == 0 {
			h.parts = append(h.parts, h.part.Sum(nil))
			h.part.Reset()
			h.left = h.w.partSize
		}
	}
	return len(p), nil
}

func (h *hasher) sums() sums {
	var s sums
	if h.md5 != nil {
		s.md5 = h.md5.Sum(nil)
	}
	if h.crc != nil {
		s.crc = h.crc.Sum64()
	}
	if h.part != nil {
		s.parts = h.parts
		if h.left != h.w.partSize || len(s.parts) == 0 { // the last, shorter part
			s.parts = append(s.parts, h.part.Sum(nil))
		}
	}
	return s
}

// sizeText is a size as the details show it.
func sizeText(n int64) string {
	return fmt.Sprintf("%d bytes", n)
}
