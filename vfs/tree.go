package vfs

import (
	"bytes"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// kind is what a file of the tree holds and how it is served.
type kind int

const (
	kindReadme  kind = iota // the static README
	kindText                // Source.Text(path), small, snapshot at open
	kindPending             // Source.WritePending, snapshot at open
	kindFailed              // streamed from a state snapshot
	kindSkipped             // streamed from a state snapshot
	kindErrors              // header, then the failures with one code, streamed
	kindCheck               // Source.OpenCheck's file, served as it is
)

// streamed kinds can be far larger than memory should hold: they are
// rendered as they are read, and their size is not known before.
func (k kind) streamed() bool {
	return k == kindFailed || k == kindSkipped || k == kindErrors || k == kindCheck
}

// entry is one name in a directory of the tree.
type entry struct {
	name string
	dir  bool
}

// file says what one file of the tree is.
type file struct {
	path string // slash-separated, relative to the root: "jobs/a/failed.txt"
	kind kind
	job  string // for job files
	code string // for errors/<CODE>
}

// jobFiles are the files of every job directory, besides errors/.
var jobFiles = []struct {
	name string
	kind kind
}{
	{"status", kindText}, {"status.json", kindText}, {"config", kindText},
	{"report.txt", kindText}, {"pending.txt", kindPending},
	{"failed.txt", kindFailed}, {"skipped.txt", kindSkipped}, {"check.txt", kindCheck},
}

// view renders the tree from a Source and Lists. It is shared by the FUSE
// mount and the status directory, so both show the same bytes.
type view struct {
	src     Source
	lists   Lists
	started time.Time // shown as the mtime of what Source gives none for
	spools  *spools   // nil: lists are always rendered

	openMu sync.Mutex
	open   map[*listReader]struct{} // list readers not yet closed
}

func newView(src Source, lists Lists) *view {
	return &view{src: src, lists: lists, started: time.Now()}
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// validName keeps names that cannot be one path component out of the tree.
func validName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, "/\x00")
}

func has(names []string, n string) bool {
	if !validName(n) {
		return false
	}
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// list returns the entries of the directory dir ("" is the root), and false
// when dir is not a directory of the tree.
func (v *view) list(dir string) ([]entry, bool) {
	parts := strings.Split(dir, "/")
	switch {
	case dir == "":
		return []entry{{"README", false}, {"addresses", true}, {"agent", true}, {"jobs", true}}, true
	case dir == "agent":
		return []entry{{"metrics", false}, {"status", false}}, true
	case dir == "addresses":
		return dirs(v.src.Addresses()), true
	case dir == "jobs":
		return dirs(v.src.Jobs()), true
	case len(parts) == 2 && parts[0] == "addresses" && has(v.src.Addresses(), parts[1]):
		es := []entry{{"config", false}}
		if _, err := v.src.Text(dir + "/check"); err == nil {
			es = append(es, entry{"check", false})
		}
		return es, true
	case len(parts) == 2 && parts[0] == "jobs" && has(v.src.Jobs(), parts[1]):
		es := []entry{{"errors", true}}
		for _, f := range jobFiles {
			es = append(es, entry{f.name, false})
		}
		sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
		return es, true
	case len(parts) == 3 && parts[0] == "jobs" && parts[2] == "errors" && has(v.src.Jobs(), parts[1]):
		cs, err := v.failedCodes(parts[1])
		if err != nil {
			return nil, true
		}
		es := make([]entry, len(cs))
		for i, c := range cs {
			es[i] = entry{c, false}
		}
		return es, true
	}
	return nil, false
}

func dirs(names []string) []entry {
	var es []entry
	for _, n := range names {
		if validName(n) {
			es = append(es, entry{n, true})
		}
	}
	return es
}

// lookup resolves the file at p, or says it is a directory (isDir) or
// absent (ok false).
func (v *view) lookup(p string) (f file, isDir, ok bool) {
	if v.isDir(p) {
		return file{}, true, true
	}
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	parts := strings.Split(dir, "/")
	switch {
	case p == "README":
		return file{path: p, kind: kindReadme}, false, true
	case dir == "agent" && (name == "status" || name == "metrics"):
		return file{path: p, kind: kindText}, false, true
	case len(parts) == 2 && parts[0] == "addresses" && has(v.src.Addresses(), parts[1]):
		if name == "config" {
			return file{path: p, kind: kindText}, false, true
		}
		if name == "check" {
			if _, err := v.src.Text(p); err == nil {
				return file{path: p, kind: kindText}, false, true
			}
		}
	case len(parts) == 2 && parts[0] == "jobs" && has(v.src.Jobs(), parts[1]):
		for _, jf := range jobFiles {
			if jf.name == name {
				return file{path: p, kind: jf.kind, job: parts[1]}, false, true
			}
		}
	case len(parts) == 3 && parts[0] == "jobs" && parts[2] == "errors" && has(v.src.Jobs(), parts[1]):
		// Any code of the catalogue can be read, failing files or not:
		// cat errors/<CODE> explains the code. Others only while failing.
		if _, known := codes.Lookup(name); known {
			return file{path: p, kind: kindErrors, job: parts[1], code: name}, false, true
		}
		if cs, err := v.failedCodes(parts[1]); err == nil && has(cs, name) {
			return file{path: p, kind: kindErrors, job: parts[1], code: name}, false, true
		}
	}
	return file{}, false, false
}

// isDir reports whether p is a directory of the tree, without listing it
// (listing errors/ reads every failure).
func (v *view) isDir(p string) bool {
	parts := strings.Split(p, "/")
	switch {
	case p == "" || p == "agent" || p == "addresses" || p == "jobs":
		return true
	case len(parts) == 2 && parts[0] == "addresses":
		return has(v.src.Addresses(), parts[1])
	case len(parts) == 2 && parts[0] == "jobs", len(parts) == 3 && parts[0] == "jobs" && parts[2] == "errors":
		return has(v.src.Jobs(), parts[1])
	}
	return false
}

// failedCodes lists the codes the failures of job have now, sorted. It
// reads every failure: listing errors/ costs one pass over failed.txt.
func (v *view) failedCodes(job string) ([]string, error) {
	snap := v.lists.Snapshot()
	defer snap.Close()
	seen := map[string]bool{}
	err := snap.Failures(job, "", func(_ string, f state.Failure) error {
		seen[f.Code] = true
		return nil
	})
	cs := make([]string, 0, len(seen))
	for c := range seen {
		if validName(c) {
			cs = append(cs, c)
		}
	}
	sort.Strings(cs)
	return cs, err
}

// modTime is the mtime shown for p.
func (v *view) modTime(p string) time.Time {
	if p == "README" {
		return v.started
	}
	if t := v.src.ModTime(p); !t.IsZero() {
		return t
	}
	return v.started
}

// small renders a file that is not streamed, whole, scrubbed of secrets.
// A missing file gives an error wrapping fs.ErrNotExist.
func (v *view) small(f file) ([]byte, error) {
	var b []byte
	var err error
	switch f.kind {
	case kindReadme:
		return []byte(readme), nil
	case kindText:
		b, err = v.src.Text(f.path)
	case kindPending:
		var buf bytes.Buffer
		err = v.src.WritePending(f.job, &buf)
		b = buf.Bytes()
	default:
		return nil, errors.New("vfs: " + f.path + " is streamed")
	}
	if err != nil {
		return nil, err
	}
	return newScrubber(v.src.Secrets()).scrub(b), nil
}

// scrubber replaces secrets by ****.
type scrubber struct {
	secrets [][]byte
	newline bool // a secret holds a newline: scrub lines one by one
}

var stars = []byte("****")

func newScrubber(secrets []string) *scrubber {
	s := &scrubber{}
	for _, x := range secrets {
		if len(x) >= MinSecretLen {
			s.secrets = append(s.secrets, []byte(x))
			s.newline = s.newline || strings.Contains(x, "\n")
		}
	}
	return s
}

// scrubLines scrubs whole lines at once, with the bytes scrub gives each
// line: a secret without a newline cannot match across a line's end, so
// scrubbing the batch gives the same bytes; one with a newline could,
// and then each line is scrubbed on its own. It returns b itself when no
// secret is found.
func (s *scrubber) scrubLines(b []byte) []byte {
	if !s.newline {
		return s.scrub(b)
	}
	var out []byte
	for rest := b; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n') + 1
		if i == 0 {
			i = len(rest)
		}
		out = append(out, s.scrub(rest[:i])...)
		rest = rest[i:]
	}
	if bytes.Equal(out, b) {
		return b
	}
	return out
}

func (s *scrubber) scrub(b []byte) []byte {
	for _, x := range s.secrets {
		if bytes.Contains(b, x) {
			b = bytes.ReplaceAll(b, x, stars)
		}
	}
	return b
}

// smallCache keeps the last rendering of small files for a second, so the
// size stat reports and the bytes the following open serves agree, and a
// burst of stats (ls -l) does not render each file many times.
type smallCache struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	b  []byte
	at time.Time
}

const smallCacheTTL = time.Second

// get returns the cached rendering of f if it is fresh, else renders it;
// fresh true always renders (an open takes its own snapshot).
func (c *smallCache) get(v *view, f file, fresh bool) ([]byte, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[f.path]; ok && !fresh && now.Sub(e.at) < smallCacheTTL {
		c.mu.Unlock()
		return e.b, nil
	}
	c.mu.Unlock()
	b, err := v.small(f)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cached{}
	}
	for k, e := range c.m { // keep the map to what was read lately
		if now.Sub(e.at) >= smallCacheTTL {
			delete(c.m, k)
		}
	}
	c.m[f.path] = cached{b, now}
	c.mu.Unlock()
	return b, nil
}

// notExist reports whether err means the file is not there.
func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
