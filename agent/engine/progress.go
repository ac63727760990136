package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// Progress counts a run as it goes. Workers add to it; the terminal line,
// the log line and the report read it. Every field is atomic, so reading
// never stops the copy.
type Progress struct {
	Started time.Time

	FilesScanned   atomic.Int64
	BytesScanned   atomic.Int64
	FilesCopied    atomic.Int64
	BytesCopied    atomic.Int64 // bytes acknowledged by the destination, counted per file or part
	FilesUnchanged atomic.Int64
	BytesUnchanged atomic.Int64
	FilesAdopted   atomic.Int64 // found at the destination, copied by another shard (shard.go)
	BytesAdopted   atomic.Int64
	FilesOthers    atomic.Int64 // listed, and other shards' to copy
	// Of the files copied, those the destination copied from the source
	// on the server (servercopy.go): their bytes never reached this host.
	FilesServerCopied atomic.Int64
	BytesServerCopied atomic.Int64
	FilesFiltered     atomic.Int64
	FilesSkipped      atomic.Int64
	FilesFailed       atomic.Int64
	BytesToCopy       atomic.Int64 // bytes of the files planned for copying
	FilesToCopy       atomic.Int64
	InFlight          atomic.Int64
	Throttled         atomic.Int64
	ScanDone          atomic.Bool

	FilesQueued atomic.Int64 // planned and not yet done (queued or in flight)
	BytesQueued atomic.Int64
	Scans       atomic.Int64 // full passes started
	Deleted     atomic.Int64 // destination objects deleted or archived (continuous jobs)

	ListsChanged atomic.Int64 // unix nanoseconds of the last change to the failed or skipped list
	ScanNanos    atomic.Int64 // how long the last full listing of the source took

	// Requests to each side, and the errors among them by kind.
	Requests      [2]atomic.Int64
	RequestErrors [2][connectors.Kinds]atomic.Int64

	// Files copied with their metadata changed to fit the destination,
	// and the first notes saying how, for the run's report.
	MetaChanged atomic.Int64
	notesMu     sync.Mutex
	notes       []string
}

// maxReportNotes is how many notes a report lists; the index keeps all.
const maxReportNotes = 100

// note counts a file whose copy changed to fit the destination.
func (p *Progress) note(path, note string) {
	p.MetaChanged.Add(1)
	p.notesMu.Lock()
	if len(p.notes) < maxReportNotes {
		p.notes = append(p.notes, path+": "+note)
	}
	p.notesMu.Unlock()
}

// takeNotes returns the notes kept since the last call.
func (p *Progress) takeNotes() []string {
	p.notesMu.Lock()
	defer p.notesMu.Unlock()
	n := p.notes
	p.notes = nil
	return n
}

// Snapshot is a consistent-enough copy of the counters for display.
type Snapshot struct {
	Elapsed                                         time.Duration
	FilesScanned, FilesCopied, FilesUnchanged       int64
	FilesFiltered, FilesSkipped, FilesFailed        int64
	FilesToCopy, BytesToCopy, BytesCopied, InFlight int64
	BytesScanned, Throttled, MetaChanged            int64
	BytesUnchanged, FilesAdopted, BytesAdopted      int64
	FilesOthers                                     int64
	FilesServerCopied, BytesServerCopied            int64
	FilesQueued, BytesQueued, Scans, Deleted        int64
	LastScan                                        time.Duration // of the last full listing
	Requests                                        [2]int64
	RequestErrors                                   [2][connectors.Kinds]int64
	ScanDone                                        bool
	Rate                                            float64 // bytes/s since the start
	FileRate                                        float64 // files/s since the start
}

// Snapshot reads the counters.
func (p *Progress) Snapshot() Snapshot {
	s := Snapshot{
		Elapsed:           time.Since(p.Started),
		FilesScanned:      p.FilesScanned.Load(),
		FilesCopied:       p.FilesCopied.Load(),
		FilesUnchanged:    p.FilesUnchanged.Load(),
		BytesUnchanged:    p.BytesUnchanged.Load(),
		FilesAdopted:      p.FilesAdopted.Load(),
		BytesAdopted:      p.BytesAdopted.Load(),
		FilesOthers:       p.FilesOthers.Load(),
		FilesServerCopied: p.FilesServerCopied.Load(),
		BytesServerCopied: p.BytesServerCopied.Load(),
		FilesFiltered:     p.FilesFiltered.Load(),
		FilesSkipped:      p.FilesSkipped.Load(),
		FilesFailed:       p.FilesFailed.Load(),
		FilesToCopy:       p.FilesToCopy.Load(),
		BytesToCopy:       p.BytesToCopy.Load(),
		BytesCopied:       p.BytesCopied.Load(),
		InFlight:          p.InFlight.Load(),
		ScanDone:          p.ScanDone.Load(),
		BytesScanned:      p.BytesScanned.Load(),
		Throttled:         p.Throttled.Load(),
		MetaChanged:       p.MetaChanged.Load(),
		FilesQueued:       p.FilesQueued.Load(),
		BytesQueued:       p.BytesQueued.Load(),
		Scans:             p.Scans.Load(),
		Deleted:           p.Deleted.Load(),
		LastScan:          time.Duration(p.ScanNanos.Load()),
	}
	for side := range p.Requests {
		s.Requests[side] = p.Requests[side].Load()
		for k := range p.RequestErrors[side] {
			s.RequestErrors[side][k] = p.RequestErrors[side][k].Load()
		}
	}
	if secs := s.Elapsed.Seconds(); secs > 0 {
		s.Rate = float64(s.BytesCopied) / secs
		s.FileRate = float64(s.FilesCopied) / secs
	}
	return s
}

// ETA is the time left at the current rate, known only once the scan has
// finished (before that the total is still growing); ok is false otherwise.
func (s Snapshot) ETA() (time.Duration, bool) {
	if !s.ScanDone || s.Rate <= 0 {
		return 0, false
	}
	left := s.BytesToCopy - s.BytesCopied
	if left < 0 {
		left = 0
	}
	return time.Duration(float64(left) / s.Rate * float64(time.Second)), true
}
