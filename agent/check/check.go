// Package check audits a job without trusting mgw's records: it lists the
// source and the destination afresh, expects at the destination every
// file a run copies (the engine's own selection and key rule), and
// compares each with what the destination holds, by the strongest
// checksum both sides tell without reading the destination's data, or
// with Options.Download by reading both. It never opens the state store.
//
// The destination is listed once, whole, and each of its objects compared
// with the source's file, which is looked up one folder listing at a time
// (the engine's folder index); then the source is walked for the files
// the destination lacks. Memory holds the folders being compared and 8
// bytes per destination key, never a listing.
package check

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/agent/engine/foldercache"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
)

// Category is what a check found about one path.
type Category uint8

const (
	Missing Category = iota // at the source, not at the destination
	Size                    // on both sides, with different sizes
	Content                 // on both sides, same size, different content
	Extra                   // at the destination only
	Skipped                 // at the source, never copied by the job (filters, symlinks, special files)
	Error                   // could not be compared: a read or a listing failed
	numCategories
)

var categoryNames = [numCategories]string{"missing", "size", "content", "extra", "skipped", "error"}

func (c Category) String() string { return categoryNames[c] }

// Categories lists every category, in the order summaries show them.
func Categories() []Category {
	return []Category{Missing, Size, Content, Extra, Skipped, Error}
}

// Method is how a file found the same on both sides was compared.
type Method uint8

const (
	ByETag      Method = iota // the two sides' ETags, equal and both MD5s or the same multipart ETag: nothing read
	ByMD5                     // the source read, its MD5 against the destination's MD5 ETag
	ByMultipart               // the source read in the parts of its upload, against the destination's multipart ETag
	ByCRC64                   // the source read, its CRC64-ECMA against the destination's (OSS)
	ByBytes                   // both sides read and hashed
	ByMtime                   // size and mtime (a disk or share destination, which keeps the source's mtime): nothing read
	BySize                    // size only: the destination tells no checksum mgw can recompute (Options.Download reads it)
	numMethods
)

var methodNames = [numMethods]string{"ETags equal", "MD5 read against ETag", "multipart ETag recomputed",
	"CRC64 read against the destination's", "both sides read", "size and mtime", "size only"}

func (m Method) String() string { return methodNames[m] }

// Finding is one path a check reports: a difference, a skipped file or
// an error.
type Finding struct {
	Category Category
	Key      string
	Detail   string
}

// Count is a number of files and their bytes.
type Count struct{ Files, Bytes int64 }

func (c *Count) add(size int64) { c.Files++; c.Bytes += size }

// Result counts what one check found.
type Result struct {
	Job              string
	SrcAddr, DstAddr connectors.Address
	Started, Ended   time.Time
	Download         bool

	Source Count                // files listed at the source
	Same   Count                // files the destination holds as the source does
	By     [numMethods]int64    // Same, by how each was compared
	Found  [numCategories]Count // everything else, by category
	Read   [2]int64             // bytes read from the source and from the destination

	// ExtraCounts: what only the destination holds is a difference (a
	// continuous job that mirrors deletes); with deletes: keep it is not.
	ExtraCounts bool
}

// Differences is the number of paths that make a check fail: missing,
// different, or not compared, and extra when the job mirrors deletes.
func (r *Result) Differences() int64 {
	n := r.Found[Missing].Files + r.Found[Size].Files + r.Found[Content].Files + r.Found[Error].Files
	if r.ExtraCounts {
		n += r.Found[Extra].Files
	}
	return n
}

// Options change how a check compares.
type Options struct {
	// Download reads both sides of every file and compares their bytes,
	// instead of the checksums the destination tells.
	Download bool
}

// checker is one check under way.
type checker struct {
	job   *config.Settings
	a     *engine.Addresses
	opt   Options
	sel   *engine.Selector
	src   *foldercache.Cache[connectors.Object]
	dstF  connectors.Features
	dstFS bool // the destination is a disk or a share: it keeps the source's mtime
	lim   *pace.Limiter
	keys  engine.KeySet // every key the destination listed
	read  [2]atomic.Int64

	mu       sync.Mutex // guards res, report and unlisted
	res      Result
	report   func(Finding)
	unlisted []string // destination folders that could not be listed: their files are not missing
}

// Run checks job between its opened addresses and calls report for each
// finding, from one goroutine at a time, as it is found (in no order). It
// returns a *engine.JobError, with the catalogue code, when a side cannot
// be listed at all; the context's error when interrupted.
func Run(ctx context.Context, job *config.Settings, a *engine.Addresses, opt Options, report func(Finding)) (*Result, error) {
	b, _ := all.Lookup(a.DstAddr.Type)
	c := &checker{job: job, a: a, opt: opt, sel: engine.NewSelector(job), src: engine.NewFolderIndex(a.Src),
		dstF: a.Dst.Features(), dstFS: b.FileSystem, lim: pace.NewLimiter(job.Limits, nil), report: report}
	c.res = Result{Job: job.Name, SrcAddr: a.SrcAddr, DstAddr: a.DstAddr, Started: time.Now(), Download: opt.Download,
		ExtraCounts: job.Mode == config.ModeContinuous && job.Deletes != config.DeletesKeep}

	// The destination's listing feeds the workers, which compare each
	// object with the source; once it has listed every key, the source's
	// walk finds the files it lacks, while the workers still compare.
	work := make(chan connectors.Object, job.Concurrency)
	var wg sync.WaitGroup
	for range job.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, readBuf)
			for d := range work {
				c.one(ctx, d, buf)
			}
		}()
	}
	own := c.ownPrefixes()
	err := a.Dst.List(ctx, "", func(d connectors.Object) error {
		c.keys.Add(d.Key)
		if hasAnyPrefix(d.Key, own) {
			return nil
		}
		select {
		case work <- d:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, func(le connectors.ListError) {
		c.mu.Lock()
		c.unlisted = append(c.unlisted, le.Dir)
		c.mu.Unlock()
		c.found(Error, le.Dir, 0, "destination: cannot list this folder: "+engine.RootCause(le.Err))
	})
	close(work)
	if err == nil {
		err = c.missing(ctx)
	} else if ctx.Err() == nil {
		err = &engine.JobError{Code: all.AddressCode(connectors.Destination, a.DstAddr, err), Err: err}
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	c.res.Ended = time.Now()
	c.res.Read = [2]int64{c.read[connectors.Source].Load(), c.read[connectors.Destination].Load()}
	return &c.res, err
}

// ownPrefixes are where the job keeps its own objects at the destination:
// the archive of deleted files and the reports. They are not extra.
func (c *checker) ownPrefixes() []string {
	var own []string
	if c.job.Deletes == config.DeletesArchive {
		own = append(own, c.job.ArchivePrefix)
	}
	if c.job.ReportPrefix != "" {
		own = append(own, c.job.ReportPrefix)
	}
	return own
}

// missing walks the whole source for what the job copies and the
// destination did not list, and for what the job skips.
func (c *checker) missing(ctx context.Context) error {
	c.mu.Lock()
	unlisted := c.unlisted
	c.mu.Unlock()
	err := c.a.Src.List(ctx, "", func(o connectors.Object) error {
		reason, _ := c.sel.Skip(o)
		c.mu.Lock()
		c.res.Source.add(o.Size)
		c.mu.Unlock()
		switch {
		case reason != "":
			c.found(Skipped, o.Key, o.Size, reason)
		case !c.keys.Has(o.Key) && !hasAnyPrefix(o.Key, unlisted):
			c.found(Missing, o.Key, o.Size, c.unstorable(o.Key))
		}
		return nil
	}, func(le connectors.ListError) {
		c.found(Error, le.Dir, 0, "source: cannot list this folder: "+engine.RootCause(le.Err))
	})
	if err != nil && ctx.Err() == nil {
		return &engine.JobError{Code: all.AddressCode(connectors.Source, c.a.SrcAddr, err), Err: err}
	}
	return nil
}

// readBuf is each worker's read buffer.
const readBuf = 128 << 10

// found counts a finding and reports it.
func (c *checker) found(cat Category, key string, size int64, detail string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Found[cat].add(size)
	c.report(Finding{Category: cat, Key: key, Detail: detail})
}

// same counts a file found the same on both sides.
func (c *checker) same(size int64, m Method) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Same.add(size)
	c.res.By[m]++
}

// hasAnyPrefix reports whether key is under one of prefixes (a folder
// that could not be listed may be "", the root: then it holds every key).
func hasAnyPrefix(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
