package engine

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/mgw-dev/mgw/connectors"
)

// hashChunk is how much of a part is read at a time to hash it: small
// enough to stay in the CPU's cache between the MD5 (or CRC32C) and the
// CRC64.
const hashChunk = 256 << 10

// sendAllAt sends the parts of a local file straight from the file: each
// part is read once to hash it (the CRC32C the server verifies in an
// upload of CRC32C parts, else the MD5 for Content-MD5 and the ETag;
// CRC64 where the destination has it, in the same pass), then sent from a
// section of the file, which a retry reads again. No part is held in
// memory, so a part in flight costs a hashing chunk and the connection's
// buffers, not the part size: the process's parts in flight (partBudget)
// stay bounded as for buffered parts. The file is read twice, the second
// time from the page cache; the server checks the second read against
// the first one's CRC32C or MD5, so bytes changed between the two are
// refused.
func (s *partSender) sendAllAt(ctx context.Context, f io.ReaderAt, ps int64) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cancel = cancel
	sem := make(chan struct{}, partsPerFile)
	n := int((s.o.Size + ps - 1) / ps)
	for num := 1; num <= n && !s.failed(); num++ {
		off := int64(num-1) * ps
		size := min(ps, s.o.Size-off)
		// A part sent before a restart is read again to recheck it,
		// bounded the same way.
		free, err := s.take(pctx, sem)
		if err != nil {
			s.fail(err)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer func() { free(); s.wg.Done() }()
			d, err := s.hashAt(pctx, f, num, off, size)
			if err != nil {
				s.fail(err)
				return
			}
			if p, ok := s.acked[num]; ok {
				s.recheck(p, d)
				return
			}
			s.send(pctx, num, d)
		}()
	}
	s.wg.Wait()
	return s.firstErr
}

// hashAt reads part num (size bytes at off) once and returns its hashes,
// and a body that reads it from the file again, paced by the job's
// bandwidth limit, for each attempt to send it.
func (s *partSender) hashAt(ctx context.Context, f io.ReaderAt, num int, off, size int64) (partData, error) {
	buf := getBuf(hashChunk)
	defer putBuf(buf)
	var m hash.Hash // the part's MD5, or CRC32C: never both
	if s.up.CRC32C {
		m = crc32.New(castagnoli)
	} else {
		m = md5.New()
	}
	var c hash.Hash64
	if s.wantCRC {
		c = crc64.New(crcTable)
	}
	sec := io.NewSectionReader(f, off, size)
	var read int64
	for read < size {
		k, err := io.ReadFull(sec, buf[:min(int64(len(buf)), size-read)])
		m.Write(buf[:k])
		if c != nil {
			c.Write(buf[:k])
		}
		read += int64(k)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return partData{}, errChanged(s.o.Key, fmt.Sprintf("shrank while it was copied: part %d ends after %d bytes", num, read))
		}
		if err != nil {
			return partData{}, onSide(connectors.Source, connectors.NewError(connectors.Classify(err), "read", s.o.Key, err))
		}
	}
	d := partData{size: size, open: func() io.ReadSeeker {
		sec := io.NewSectionReader(f, off, size)
		return struct {
			io.Reader
			io.Seeker
		}{s.r.limits.Reader(ctx, sec), sec}
	}}
	if s.up.CRC32C {
		d.crc32c = m.(hash.Hash32).Sum32()
	} else {
		d.md5 = m.Sum(nil)
	}
	if c != nil {
		d.crc = c.Sum64()
	}
	return d, nil
}
