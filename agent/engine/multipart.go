package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// partBudget bounds the parts in flight of all multipart uploads of the
// process, so memory stays flat however many large files run at once: six
// 8 MiB parts in flight kept the server as busy as eight on the benchmark.
// A freed one goes to the oldest file waiting (partslots.go). A file
// takes partsPerFile at most, so the next file in line always has one
// and moves on: a file of hours holds none still for its whole transfer.
// A buffered part (a source other than a local file) holds its size in
// memory, so six parts are 48 MiB at the default part size; a part sent
// from a local file (sendAllAt) holds only a 256 KiB hashing buffer.
var partBudget = newPartSlots(partBudgetSize)

const (
	partBudgetSize = 6
	partsPerFile   = partBudgetSize - 1
)

// PartSize is the part size of a multipart upload of size bytes to a
// destination with features f: the job's part_size, else 8 MiB grown until
// the file fits the destination's part count, never under its minimum.
// `mgw check` recomputes multipart ETags with it.
func PartSize(j *config.Settings, size int64, f connectors.Features) int64 {
	ps := j.PartSize
	if ps == 0 {
		ps = defaultPartSize
		maxParts := int64(max(f.MaxParts, 1))
		for size/ps >= maxParts {
			ps *= 2
		}
	}
	return max(ps, f.MinPartSize)
}

// MultipartETag is the ETag S3 and OSS give an object completed from parts
// with these MD5s, in order: the MD5 of the parts' MD5s, "-", their count.
// (OSS writes it in upper case: compare with strings.EqualFold.)
func MultipartETag(partMD5s [][]byte) string {
	h := md5.New()
	for _, m := range partMD5s {
		h.Write(m)
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(partMD5s))
}

// partsETag is MultipartETag of the parts of an upload, sorted by number.
func partsETag(parts []state.PartDone) string {
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b state.PartDone) int { return a.Number - b.Number })
	md5s := make([][]byte, len(parts))
	for i, p := range parts {
		md5s[i] = p.MD5
	}
	return MultipartETag(md5s)
}

// copyMultipart sends a large file in parts, several at a time, resuming an
// upload an earlier (perhaps killed) run left. A local file is sent part by
// part straight from the file (sendAllAt); any other source is read once,
// in order, into part buffers (sendAll). Parts the server already
// acknowledged are read and compared, not sent again.
func (r *Runner) copyMultipart(ctx context.Context, o connectors.Object, mp connectors.MultipartUploader, partsSent func()) error {
	f := r.Dst.Features()
	ps := PartSize(r.Job, o.Size, f)
	opts, note, err := r.putOptions(ctx, o, nil)
	if err != nil {
		return err
	}
	up, acked, completed, err := r.resumeOrCreate(ctx, o, mp, ps, opts)
	if err != nil {
		return err
	}
	body, err := r.openListed(ctx, o)
	if err != nil {
		return err
	}
	defer body.Close()
	in := r.limits.Reader(ctx, body) // the job's bandwidth limit, across parts and files

	s := &partSender{r: r, o: o, mp: mp, up: &up, acked: acked, wantCRC: f.CRC64, file: nextFile()}
	// The file must end where the scan said it did.
	var one [1]byte
	if fr, ok := body.(connectors.FileReader); ok {
		if err := s.sendAllAt(ctx, fr, ps); err != nil {
			r.noCRC32CAfter(ctx, err, o.Key, up.UploadID, mp)
			return err
		}
		if k, _ := fr.ReadAt(one[:], o.Size); k > 0 {
			return errChanged(o.Key, "grew while it was copied")
		}
	} else {
		if err := s.sendAll(ctx, in, ps); err != nil {
			r.noCRC32CAfter(ctx, err, o.Key, up.UploadID, mp)
			return err
		}
		if k, _ := in.Read(one[:]); k > 0 {
			return errChanged(o.Key, "grew while it was copied")
		}
	}
	partsSent()
	// One GET of an object store reads one version whole (checked by
	// openListed); a file on a disk or share may have changed.
	if !r.Src.Features().WholeReads {
		if err := r.unchangedAfter(ctx, o, body); err != nil {
			r.abandon(ctx, o.Key, up.UploadID, mp)
			return err
		}
	}
	return r.completeMultipart(ctx, o, up, completed, f.CRC64, note, mp)
}

// openListed opens the whole source object, refusing a version other
// than the listed one: parts sent before a restart were read from the
// listed version, and a newer one must not be mixed in.
func (r *Runner) openListed(ctx context.Context, o connectors.Object) (io.ReadCloser, error) {
	var body io.ReadCloser
	err := r.paced(ctx, connectors.Source, func() error {
		var err error
		body, err = r.Src.Open(ctx, o.Key, 0, -1)
		return err
	})
	if err != nil {
		return nil, err
	}
	if or, ok := body.(connectors.ObjectReader); ok {
		if read := or.Object(); read.ETag != "" && o.ETag != "" && !sameVersion(read, o) {
			body.Close()
			return nil, errChanged(o.Key, "rewritten since it was listed") // tried again with the new one
		}
	}
	return body, nil
}

// partSender reads a file's parts in order and sends them, several at a
// time; the first error stops it.
type partSender struct {
	r       *Runner
	o       connectors.Object
	mp      connectors.MultipartUploader
	acked   map[int]state.PartDone // parts sent before a restart
	wantCRC bool
	file    uint64 // its turn for part slots (nextFile)

	mu       sync.Mutex // guards up.Parts and firstErr
	up       *state.Upload
	firstErr error
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

// fail records the first error; no more parts are read after it.
func (s *partSender) fail(err error) {
	s.mu.Lock()
	if s.firstErr == nil {
		s.firstErr = err
	}
	s.mu.Unlock()
}

// abort is fail for a part that could not be sent or checkpointed: the
// parts in flight are cancelled too. (After a read error they go on, and
// their checkpoints spare the next run sending them again.)
func (s *partSender) abort(err error) {
	s.fail(err)
	s.cancel()
}

func (s *partSender) failed() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.firstErr != nil }

// sendAll reads every part from in and sends those not acknowledged
// before, and returns once all are answered.
func (s *partSender) sendAll(ctx context.Context, in io.Reader, ps int64) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cancel = cancel
	sem := make(chan struct{}, partsPerFile)
	n := int((s.o.Size + ps - 1) / ps)
	for num := 1; num <= n && !s.failed(); num++ {
		size := min(ps, s.o.Size-int64(num-1)*ps)
		free, err := s.take(pctx, sem)
		if err != nil {
			s.fail(err)
			continue
		}
		buf := getBuf(int(size))
		release := func() { putBuf(buf); free() }
		if k, err := io.ReadFull(in, buf); err != nil {
			release()
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				s.fail(errChanged(s.o.Key, fmt.Sprintf("shrank while it was copied: part %d ends after %d bytes", num, k)))
			} else {
				s.fail(onSide(connectors.Source, connectors.NewError(connectors.Classify(err), "read", s.o.Key, err)))
			}
			break
		}
		if p, ok := s.acked[num]; ok {
			s.recheck(p, bufData(buf, s.wantCRC, s.up.CRC32C))
			release()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer func() { release(); s.wg.Done() }()
			s.send(pctx, num, bufData(buf, s.wantCRC, s.up.CRC32C))
		}()
	}
	s.wg.Wait()
	return s.firstErr
}

// take waits for one of the file's turns (sem, partsPerFile of them),
// then for a slot of the process's budget, and returns what gives both
// back. In that order, a file at its limit waits holding no slot, so the
// slot it leaves is the next file's.
func (s *partSender) take(ctx context.Context, sem chan struct{}) (free func(), err error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := partBudget.acquire(ctx, s.file); err != nil {
		<-sem
		return nil, err
	}
	return func() { partBudget.release(); <-sem }, nil
}

// recheck compares a part sent before a restart with what the source
// holds now: it is read again only to prove the source still holds what
// was sent (by its CRC32C in an upload of CRC32C parts, else its MD5).
func (s *partSender) recheck(p state.PartDone, d partData) {
	same := bytes.Equal(p.MD5, d.md5)
	if s.up.CRC32C {
		same = p.CRC32C == d.crc32c
	}
	if p.Size != d.size || !same {
		s.fail(errChanged(s.o.Key, fmt.Sprintf("part %d differs from the part sent before", p.Number)))
		return
	}
	if s.wantCRC {
		p.CRC64 = d.crc
		s.mu.Lock()
		s.up.Parts = replacePart(s.up.Parts, p)
		s.mu.Unlock()
	}
}

// send sends one part and checkpoints it.
func (s *partSender) send(ctx context.Context, num int, d partData) {
	p, err := s.r.sendPart(ctx, s.o.Key, s.up.UploadID, num, d, s.wantCRC, s.up.CRC32C, s.mp)
	if err != nil {
		s.abort(err)
		return
	}
	// The checkpoint is written as soon as the part is acknowledged: a
	// kill from here on never sends it again. It is written under the
	// lock, so a slower save of an older list never overwrites a newer one.
	s.mu.Lock()
	s.up.Parts = append(s.up.Parts, p)
	err = s.r.Store.SaveUpload(s.r.Job.Name, s.o.Key, *s.up)
	s.mu.Unlock()
	if err != nil {
		s.abort(err)
		return
	}
	s.r.Progress.BytesCopied.Add(p.Size)
}

// completeMultipart completes the upload (unless an earlier run did) and
// verifies what the destination holds against the parts sent.
func (r *Runner) completeMultipart(ctx context.Context, o connectors.Object, up state.Upload, completed, wantCRC bool, note string, mp connectors.MultipartUploader) error {
	slices.SortFunc(up.Parts, func(a, b state.PartDone) int { return a.Number - b.Number })
	parts := make([]connectors.Part, len(up.Parts))
	for i, p := range up.Parts {
		parts[i] = connectors.Part{Number: p.Number, Size: p.Size, ETag: p.ETag, CRC32C: p.CRC32C, HasCRC32C: up.CRC32C}
	}
	var got connectors.Object
	if !completed {
		err := r.paced(ctx, connectors.Destination, func() error {
			var err error
			got, err = mp.CompleteMultipart(ctx, o.Key, up.UploadID, parts)
			return err
		})
		if err != nil {
			return err
		}
	}
	// Complete answers no size: ask, and compare what the server tells
	// (its CRC64 on OSS, the multipart ETag on S3) with what was sent.
	var st connectors.Object
	if err := r.paced(ctx, connectors.Destination, func() error {
		var err error
		st, err = r.Dst.Stat(ctx, o.Key)
		return err
	}); err != nil {
		return err
	}
	if !st.HasCRC64 && got.HasCRC64 {
		st.CRC64, st.HasCRC64 = got.CRC64, true
	}
	if up.CRC32C {
		// Each part's CRC32C was checked by the server; the composite
		// proves the object was assembled from those parts, in order.
		// The ETag (the server's MD5 of its parts' MD5s) is recorded as
		// told: mgw computed no MD5 to compare it with.
		told := got.CRC32C
		if told == "" {
			told = st.CRC32C // completed by an earlier run, or told only by HEAD
		}
		if want := partsCRC32C(up.Parts); told != want {
			return &verifyError{fmt.Sprintf("destination CRC32C %q, parts sent make %q", told, want)}
		}
	} else if want := partsETag(up.Parts); strings.Contains(st.ETag, "-") && !strings.EqualFold(st.ETag, want) {
		return &verifyError{"destination ETag " + st.ETag + ", parts sent make " + want}
	}
	var whole uint64
	for _, p := range up.Parts {
		whole = crc64Combine(whole, p.CRC64, p.Size)
	}
	if err := verify(st, o.Size, nil, whole, wantCRC); err != nil {
		return err
	}
	return r.done(o, st, note) // bytes were counted part by part
}

// partData is one part as hashed: its size, its MD5 or (in an upload of
// CRC32C parts) its CRC32C, its CRC64 (when wanted) and how to read its
// bytes, a new reader for every attempt.
type partData struct {
	size   int64
	md5    []byte
	crc32c uint32
	crc    uint64
	open   func() io.ReadSeeker
}

// bufData hashes a part held in memory. It is called in the part's own
// goroutine, so the next part is read meanwhile.
func bufData(b []byte, wantCRC, withCRC32C bool) partData {
	d := partData{size: int64(len(b)), open: func() io.ReadSeeker { return bytes.NewReader(b) }}
	if withCRC32C {
		d.crc32c = crc32.Checksum(b, castagnoli)
	} else {
		d.md5 = md5sum(b)
	}
	if wantCRC {
		d.crc = crc64.Checksum(b, crcTable)
	}
	return d
}

// sendPart uploads one part, retrying the part (never the whole file) on
// errors that may pass, and checks the server's acknowledgement: in an
// upload of CRC32C parts (withCRC32C) the server verified the CRC32C sent
// and echoes it; else the ETag of a part is its MD5.
func (r *Runner) sendPart(ctx context.Context, key, id string, num int, d partData, wantCRC, withCRC32C bool, mp connectors.MultipartUploader) (state.PartDone, error) {
	sum, crc := d.md5, d.crc
	sums := connectors.PartSums{MD5: sum}
	if withCRC32C {
		sums = connectors.PartSums{CRC32C: d.crc32c, HasCRC32C: true}
	}
	for attempt := 1; ; attempt++ {
		var p connectors.Part
		err := r.paced(ctx, connectors.Destination, func() error {
			var err error
			p, err = mp.UploadPart(ctx, key, id, num, d.open(), d.size, sums)
			return err
		})
		if err == nil {
			switch {
			case wantCRC && p.HasCRC64 && p.CRC64 != crc:
				err = &verifyError{fmt.Sprintf("part %d CRC64 %d, sent %d", num, p.CRC64, crc)}
			case withCRC32C && !p.HasCRC32C:
				return state.PartDone{}, fmt.Errorf("part %d: %w", num, errNoCRC32C)
			case withCRC32C && p.CRC32C != d.crc32c:
				err = &verifyError{fmt.Sprintf("part %d CRC32C %08x, sent %08x", num, p.CRC32C, d.crc32c)}
			case !withCRC32C && IsMD5(p.ETag) && !strings.EqualFold(p.ETag, hex.EncodeToString(sum)):
				err = &verifyError{fmt.Sprintf("part %d ETag %s, sent MD5 %x", num, p.ETag, sum)}
			default:
				return state.PartDone{Number: num, Size: d.size, ETag: p.ETag, MD5: sum, CRC64: crc, CRC32C: d.crc32c}, nil
			}
		}
		if ctx.Err() != nil || !connectors.KindOf(err).Retryable() || attempt > r.Job.Retries {
			return state.PartDone{}, err
		}
		r.log.Debug("retrying part", "path", key, "part", num, "attempt", attempt, "err", RootCause(err))
		if pace.Sleep(ctx, pace.Backoff(r.Job.RetryBackoff, attempt)) != nil {
			return state.PartDone{}, ctx.Err()
		}
	}
}

// noCRC32CAfter: after a part answered without its CRC32C (errNoCRC32C),
// the upload is abandoned. The backend, told by that answer, offers no
// CRC32C uploads any more (Features.CRC32C is nil): no upload asks for
// CRC32C parts again, and one already checkpointed is not resumed (its
// abort may have failed, leaving the checkpoint), but started over with
// MD5s.
func (r *Runner) noCRC32CAfter(ctx context.Context, err error, key, id string, mp connectors.MultipartUploader) {
	if errors.Is(err, errNoCRC32C) {
		r.abandon(ctx, key, id, mp)
	}
}

// errNoCRC32C is a part of CRC32C parts answered without its checksum: the
// server may not have checked it. The upload is abandoned, and the file
// tried again: the backend, told so by the answer, starts it with MD5s.
var errNoCRC32C = &verifyError{"the server echoed no CRC32C: it may not check them"}

func md5sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// replacePart puts p in place of the part with its number.
func replacePart(parts []state.PartDone, p state.PartDone) []state.PartDone {
	for i := range parts {
		if parts[i].Number == p.Number {
			parts[i] = p
		}
	}
	return parts
}
