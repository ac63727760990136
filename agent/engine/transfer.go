package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/agent/engine/meta"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// Sizes that shape a transfer. Files up to singlePutMax are read whole into
// memory and sent in one request with their MD5, so the server checks the
// bytes and a retry needs no second read; larger files go in parts.
const (
	singlePutMax    = 8 << 20
	defaultPartSize = 8 << 20
	// Files above heavyMin take one of the job's heavy slots (at most
	// maxHeavy) while they copy: small files are bound by round trips and
	// want many in flight, large ones by bytes in flight (partBudget for
	// the process, oldest file first).
	heavyMin = 1 << 20
	maxHeavy = 16
	// Files send their parts partedFiles at a time, so that no more
	// uploads stand open, waiting for part slots, than keep the link busy.
	// A file's turn ends when its parts are acknowledged: the server
	// assembles it (CompleteMultipartUpload writes the object again on
	// many servers, seconds for 512 MiB) while the next files' parts go.
	partedFiles = 2
)

// errChanged is the source changing under a copy ("check size failed").
func errChanged(key, what string) error {
	return onSide(connectors.Source, connectors.NewError(connectors.KindChanged, "read", key, errors.New(what)))
}

// transfer copies one file with retries, and records the outcome.
func (r *Runner) transfer(ctx context.Context, log *slog.Logger, t task) {
	o := t.o
	if r.settledAtDest(ctx, t) {
		return
	}
	retries := r.Job.Retries
	onceMore := false // a refused file was told access works elsewhere
	tried, copied := false, false
	defer func() {
		// A copy that ends without success leaves no temporary file
		// (temps.go); one interrupted leaves it to the next pass.
		if tried && !copied && ctx.Err() == nil {
			r.cleanTemps(ctx, log, o.Key)
		}
	}()
	for attempt := 1; ; attempt++ {
		resumed, werr := r.access.wait(ctx)
		if werr != nil {
			return
		}
		if tried {
			// What an earlier attempt left goes before the file is
			// written again.
			r.cleanTemps(ctx, log, o.Key)
		}
		// A copy the index cannot record would be sent again next run.
		err := r.Store.Space()
		if err == nil {
			tried = true
			err = r.copyHeavy(ctx, o)
		}
		if err == nil {
			copied = true
			r.deniedRun[connectors.Source].Store(0)
			r.deniedRun[connectors.Destination].Store(0)
			r.access.grant()
			r.Progress.FilesCopied.Add(1)
			return
		}
		if ctx.Err() != nil {
			return // interrupted: the file stays unrecorded and is planned again next run
		}
		side := sideOf(err)
		kind := connectors.KindOf(err)
		switch {
		case side == connectors.Source && kind == connectors.KindNotFound:
			r.vanished(ctx, o.Key)
			return
		case jobFatal(err), errors.Is(err, state.ErrDiskFull), connectors.KindOf(err) == connectors.KindNoSpace:
			if !r.blocked(side, err, resumed) {
				return
			}
			attempt-- // not this file's fault: it waits for the address to be fixed
			continue
		case kind == connectors.KindAccessDenied && r.denied(side, err, resumed):
			attempt-- // not this file's fault: it waits for access to return
			continue
		}
		var ve *verifyError
		// A refusal is tried again, twice: when a whole side refuses, the
		// copiers' attempts reach maxConsecutiveDenied and hold the job
		// before any file runs out of attempts; one private file fails soon.
		retryable := kind.Retryable() || kind == connectors.KindChanged || (kind == connectors.KindAccessDenied && attempt < 3) || errors.As(err, &ve)
		if kind == connectors.KindAccessDenied && (!retryable || attempt > retries) {
			switch v := r.access.verdict(ctx, r.alone); {
			case v == refusedAll, v == grantedElsewhere && !onceMore:
				onceMore = v == grantedElsewhere
				attempt = 0 // start over (once access returns, if held)
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		if !retryable || attempt > retries {
			code, message := FileCode(err, o.Key, r.srcFiles)
			log.Warn("file failed", "path", o.Key, "code", code, "attempts", attempt, "err", RootCause(err))
			r.recordFailure(o.Key, code, message, attempt)
			return
		}
		if kind == connectors.KindChanged {
			// A file still being written: re-read its identity, so the next
			// attempt copies what is there now.
			if cur, err := r.Src.Stat(ctx, o.Key); err == nil {
				o = cur
			}
		}
		log.Debug("retrying", "path", o.Key, "attempt", attempt, "err", RootCause(err))
		if pace.Sleep(ctx, pace.Backoff(r.Job.RetryBackoff, attempt)) != nil {
			return
		}
	}
}

// settledAtDest handles a file the destination already has (t.same): it
// reports true when the file needs no copy, recorded as unchanged or
// skipped. A read error here is met again, and handled, by the copy.
func (r *Runner) settledAtDest(ctx context.Context, t task) bool {
	if t.same == nil {
		return false
	}
	match, err := r.sameContent(ctx, t.o, *t.same)
	switch {
	case err == nil && match:
		if err := r.done(t.o, *t.same, ""); err == nil {
			r.unchanged(t.o)
			return true
		}
	case err == nil && t.otherwise != "":
		r.recordSkip(t.o.Key, t.otherwise)
		return true
	}
	return false
}

// paced runs one request against a side, slowing all workers down together
// when that side throttles.
func (r *Runner) paced(ctx context.Context, side connectors.Side, call func() error) error {
	p := &r.dstPace
	if side == connectors.Source {
		p = &r.srcPace
	}
	if err := p.Wait(ctx); err != nil {
		return err
	}
	if err := r.limits.WaitRequest(ctx); err != nil {
		return err
	}
	err := call()
	r.Progress.Requests[side].Add(1)
	if err != nil && !connectors.IsCanceled(err) {
		r.Progress.RequestErrors[side][connectors.KindOf(err)].Add(1)
	}
	var ce *connectors.Error
	switch {
	case err == nil:
		p.OK()
	case connectors.KindOf(err) == connectors.KindThrottled:
		r.Progress.Throttled.Add(1)
		var ra time.Duration
		if errors.As(err, &ce) {
			ra = ce.RetryAfter
		}
		p.Throttled(ra)
	case connectors.KindOf(err) == connectors.KindTransient, connectors.KindOf(err) == connectors.KindTimeout:
		// Resets, 5xx and timeouts under load: the server is struggling
		// even if it does not say "slow down". Ease off the same way.
		p.Throttled(0)
	}
	return onSide(side, err)
}

// copyHeavy copies once: on the server where the destination can
// (servercopy.go), else holding a heavy slot if the file is large.
func (r *Runner) copyHeavy(ctx context.Context, o connectors.Object) error {
	if r.serverCopy != nil {
		// No slot: the server moves the bytes, this host holds none.
		if err := r.copyServer(ctx, o); err != errHostCopy {
			return err
		}
	}
	partsSent := func() {}
	if o.Size > singlePutMax && r.Dst.Features().Multipart != nil {
		// Taken before a heavy slot: a file waiting here holds none.
		select {
		case r.parted <- struct{}{}:
			partsSent = sync.OnceFunc(func() { <-r.parted })
			defer partsSent()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if o.Size > heavyMin {
		select {
		case r.heavy <- struct{}{}:
			defer func() { <-r.heavy }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return r.copyOnce(ctx, o, partsSent)
}

// copyOnce copies o once; a multipart upload calls partsSent once every
// part is acknowledged, before the upload is completed.
func (r *Runner) copyOnce(ctx context.Context, o connectors.Object, partsSent func()) error {
	mp := r.Dst.Features().Multipart
	switch {
	case o.Size <= singlePutMax:
		return r.copySmall(ctx, o)
	case mp != nil:
		return r.copyMultipart(ctx, o, mp, partsSent)
	default:
		return r.copyStream(ctx, o)
	}
}

// copySmall reads the whole file into memory, then sends it in one request
// with its MD5, so the server checks the bytes and a retry re-sends them
// without reading the source again.
func (r *Runner) copySmall(ctx context.Context, o connectors.Object) error {
	buf := getBuf(int(o.Size))
	defer putBuf(buf)
	var (
		read    *connectors.Object // the object as the GET described it, when metadata is carried
		checked bool               // the open file said it did not change while read
	)
	err := r.paced(ctx, connectors.Source, func() error {
		rc, err := r.Src.Open(ctx, o.Key, 0, -1)
		if err != nil {
			return err
		}
		defer rc.Close()
		if or, ok := rc.(connectors.ObjectReader); ok && r.carriesMeta() {
			got := or.Object()
			read = &got
		}
		in := r.limits.Reader(ctx, rc)
		if sr, ok := rc.(connectors.StatReader); ok {
			// The open file tells whether it grew or changed while read:
			// one request on a share, where a probe for more bytes and
			// a restat by path cost three or more.
			checked = true
			if err := readFull(in, buf, o.Key); err != nil {
				return err
			}
			return statOpen(sr, o)
		}
		return readExactly(in, buf, o.Key)
	})
	if err != nil {
		return err
	}
	if read != nil && read.ETag != "" && o.ETag != "" && !sameVersion(*read, o) {
		// Rewritten since the listing, with the same size: try again with
		// the new version, so the index says what was copied.
		return errChanged(o.Key, "rewritten since it was listed")
	}
	// A file on a disk or a share can change while it is read: check it
	// did not. An object store's GET returns one version whole, so the
	// check would cost a request per object for nothing: if the object
	// changed since the listing, the copy holds the newer bytes and the
	// index the older identity, and the next pass copies it again.
	if !checked && !r.Src.Features().WholeReads {
		if err := r.restat(ctx, o); err != nil {
			return err
		}
	}
	sum := newSums(r.Dst.Features().CRC64)
	sum.Write(buf)
	md := sum.md5.Sum(nil)
	opts, note, err := r.putOptions(ctx, o, read)
	if err != nil {
		return err
	}
	opts.MD5 = md
	tl := r.newTempLog(o.Key)
	tl.set(&opts)
	var got connectors.Object
	err = r.paced(ctx, connectors.Destination, func() error {
		var err error
		got, err = r.Dst.Put(ctx, o.Key, bytes.NewReader(buf), o.Size, opts)
		return err
	})
	if err = tl.after(ctx, err); err != nil {
		return err
	}
	return r.verifiedDone(o, got, md, sum, note)
}

// verifiedDone checks the destination's acknowledgement got of o's copy
// against the MD5 sent (nil: none) and the CRC64 computed in sum, then
// records the copy and counts its bytes: a file one request carried
// whole ends here.
func (r *Runner) verifiedDone(o, got connectors.Object, md []byte, sum *sums, note string) error {
	crc, hasCRC := sum.crc64()
	if err := verify(got, o.Size, md, crc, hasCRC); err != nil {
		return err
	}
	if err := r.done(o, got, note); err != nil {
		return err
	}
	r.Progress.BytesCopied.Add(o.Size)
	return nil
}

// readFull fills buf from r: a file that shrank since the scan is a
// changed file, not a short copy.
func readFull(r io.Reader, buf []byte, key string) error {
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return errChanged(key, fmt.Sprintf("size %d at scan, %d read", len(buf), n))
	}
	if err != nil {
		return onSide(connectors.Source, connectors.NewError(connectors.Classify(err), "read", key, err))
	}
	return nil
}

// readExactly is readFull, then checks that r ends there: a file that
// grew since the scan is a changed file too.
func readExactly(r io.Reader, buf []byte, key string) error {
	if err := readFull(r, buf, key); err != nil {
		return err
	}
	var one [1]byte
	if k, _ := r.Read(one[:]); k > 0 {
		return errChanged(key, fmt.Sprintf("grew past its size %d at scan", len(buf)))
	}
	return nil
}

// statOpen asks the open file whether it is still what the scan saw.
func statOpen(sr connectors.StatReader, o connectors.Object) error {
	now, err := sr.Stat()
	if err != nil {
		return onSide(connectors.Source, err)
	}
	if !sameVersion(now, o) {
		return errChanged(o.Key, "changed while it was copied")
	}
	return nil
}

// unchangedAfter checks that the source file o, read whole through rc
// (still open), did not change while it was read: by asking rc where it
// can tell, which on a share costs one request and no second connection
// while rc holds one, else by a Stat of its path.
func (r *Runner) unchangedAfter(ctx context.Context, o connectors.Object, rc io.Reader) error {
	if sr, ok := rc.(connectors.StatReader); ok {
		return statOpen(sr, o)
	}
	return r.restat(ctx, o)
}

// restat compares the source file with what it was at the scan: a change
// while it was read means the copy may mix old and new bytes.
func (r *Runner) restat(ctx context.Context, o connectors.Object) error {
	var now connectors.Object
	err := r.paced(ctx, connectors.Source, func() error {
		var err error
		now, err = r.Src.Stat(ctx, o.Key)
		return err
	})
	if err != nil {
		return err
	}
	if !sameVersion(now, o) {
		return errChanged(o.Key, "changed while it was copied")
	}
	return nil
}

// sameVersion reports whether two looks at a source object saw the same
// content: by size and ETag where the source gives ETags (object stores:
// a listing and a HEAD may round Last-Modified differently), else by the
// file's identity (size, mtime, ctime, inode).
func sameVersion(a, b connectors.Object) bool {
	if a.ETag != "" && b.ETag != "" {
		return a.Size == b.Size && a.ETag == b.ETag
	}
	return identity(a).Same(identity(b))
}

// done records the verified copy. Only now is the file done. note says
// what the copy changed to fit the destination ("" = nothing).
func (r *Runner) done(o connectors.Object, got connectors.Object, note string) error {
	return r.record(o, got, note, false)
}

// record is done, saying whether the destination copied the file on the
// server (serverSide).
func (r *Runner) record(o connectors.Object, got connectors.Object, note string, serverSide bool) error {
	e := identity(o)
	e.DestETag, e.DestCRC64, e.CopiedAt, e.Note, e.ServerSide = got.ETag, got.CRC64, time.Now(), note, serverSide
	if err := r.Store.MarkDone(r.Job.Name, o.Key, e); err != nil {
		return err
	}
	if note != "" {
		r.log.Warn("copied with metadata changed to fit the destination", "path", o.Key, "note", note)
		r.Progress.note(o.Key, note)
	}
	return nil
}

// carriesMeta reports whether both sides keep headers and user metadata,
// so a copy carries them.
func (r *Runner) carriesMeta() bool {
	return r.Src.Features().Metadata && r.Dst.Features().Metadata
}

// putOptions returns what to store with o's copy: its mtime and, when both
// sides keep metadata, the headers and user metadata the rule in meta.go
// carries from read (what the source's GET described) or else from a
// Stat; note says what the rule changed.
func (r *Runner) putOptions(ctx context.Context, o connectors.Object, read *connectors.Object) (connectors.PutOptions, string, error) {
	opts := connectors.PutOptions{ModTime: o.ModTime}
	r.keepModes(ctx, o, &opts)
	if !r.carriesMeta() {
		return opts, "", nil
	}
	if read == nil {
		err := r.paced(ctx, connectors.Source, func() error {
			st, err := r.Src.Stat(ctx, o.Key)
			read = &st
			return err
		})
		if err != nil {
			return opts, "", err
		}
	}
	var note string
	opts.Headers, opts.Meta, note = meta.Carry(*read, r.Dst.Features().MaxMetaBytes)
	return opts, note, nil
}

// vanished ends the attempts at a file deleted from the source before it
// was copied. An upload begun for it is aborted, not left open at the
// destination. A record of an earlier copy is kept: the destination
// still holds that copy, and only the delete policy decides what becomes
// of it (in a continuous job, told of the file again); forgotten here, it
// would stay there for good, unknown to every later run.
func (r *Runner) vanished(ctx context.Context, key string) {
	if cp, ok, err := r.Store.Upload(r.Job.Name, key); err == nil && ok {
		if mp := r.Dst.Features().Multipart; mp != nil {
			r.abandon(ctx, key, cp.UploadID, mp)
		}
	}
	if err := r.Store.ForgetAttempts(r.Job.Name, key); err != nil {
		r.log.Error("cannot update the index", "path", key, "err", err)
	}
	if _, indexed, err := r.Store.File(r.Job.Name, key); err == nil && indexed && r.Continuous != nil {
		r.Continuous.Again(key)
		return
	}
	r.recordSkip(key, "deleted from the source before it was copied")
}
