package vfs

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state"
)

// TestMain doubles as the child process of TestMountCleansStaleMount:
// with VFS_HELPER_MOUNT set it mounts the view there (state in
// VFS_HELPER_STATE), says "ready" and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("VFS_HELPER_MOUNT"); dir != "" {
		st, err := state.Open(os.Getenv("VFS_HELPER_STATE"))
		if err == nil {
			_, err = Mount(dir, newFakeSource(), st)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		select {} // until killed
	}
	os.Exit(m.Run())
}

// secret is held by the fake's configuration. The fake's address config
// shows it unredacted, as a buggy agent would: the view must scrub it.
const secret = "Sup3rSecretKey-0123456789"

// fakeSource is the agent's side of the view, in memory.
type fakeSource struct {
	mu      sync.Mutex
	jobs    []string
	addrs   []string
	text    map[string]string
	pending map[string][]string
	checks  map[string]string // job -> its check.txt on disk
	mtime   time.Time
}

func newFakeSource() *fakeSource {
	return &fakeSource{
		jobs:  []string{"job-a", "job-b"},
		addrs: []string{"dst", "src"},
		text: map[string]string{
			"agent/status":           "version dev\nuptime 1m\n",
			"agent/metrics":          "# TYPE mgw_files_copied_total counter\nmgw_files_copied_total{job=\"job-a\"} 3\n",
			"addresses/src/config":   "name: src\ntype: local\npath: /data\n",
			"addresses/dst/config":   "name: dst\ntype: oss\naccess_key_id: LTAIexample\naccess_key_secret: " + secret + "\n",
			"addresses/src/check":    "2026-11-26T08:00:00Z OK\n",
			"jobs/job-a/status":      "state migrating\n",
			"jobs/job-a/status.json": `{"state":"migrating"}` + "\n",
			"jobs/job-a/report.txt":  "Migration report\n",
			"jobs/job-a/config":      "name: job-a\n",
			"jobs/job-b/status":      "state synced\n",
			"jobs/job-b/status.json": `{"state":"synced"}` + "\n",
			"jobs/job-b/report.txt":  "Migration report\n",
			"jobs/job-b/config":      "name: job-b\n",
		},
		pending: map[string][]string{"job-a": {"queued/one", "queued/tab\there"}},
		mtime:   time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
	}
}

func (s *fakeSource) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.jobs...)
}

func (s *fakeSource) Addresses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.addrs...)
}

func (s *fakeSource) Text(p string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.text[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return []byte(t), nil
}

func (s *fakeSource) WritePending(job string, w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pending[job] {
		if _, err := io.WriteString(w, state.Escape(p)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeSource) OpenCheck(job string) (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.checks[job]
	if !ok {
		return nil, fmt.Errorf("%s: %w", job, fs.ErrNotExist)
	}
	return os.Open(p)
}

func (s *fakeSource) ModTime(string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mtime
}

func (s *fakeSource) Secrets() []string { return []string{secret, "abc"} }

func (s *fakeSource) set(f func(s *fakeSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func openStore(t testing.TB) *state.Store {
	t.Helper()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// weirdPaths need escaping: tab, newline, CR, backslash, control byte,
// bytes that are not UTF-8; and valid UTF-8 that must not be.
var weirdPaths = map[string]string{
	"dir/tab\there.txt":   `dir/tab\there.txt`,
	"dir/new\nline.txt":   `dir/new\nline.txt`,
	"dir/cr\rreturn.txt":  `dir/cr\rreturn.txt`,
	`dir/back\slash.txt`:  `dir/back\\slash.txt`,
	"dir/bell\x07.txt":    `dir/bell\x07.txt`,
	"dir/latin1-caf\xe9":  `dir/latin1-caf\xe9`,
	"dir/日本語 ok.txt":      "dir/日本語 ok.txt",
	"dir/trailing-space ": "dir/trailing-space ",
}

var when = time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)

// addFailures records n failures under prefix with codes in turn from cs,
// and returns nothing: the expected text is rendered from the store.
func addFailures(t testing.TB, st *state.Store, job, prefix string, n int, cs ...string) {
	t.Helper()
	for i := 0; i < n; i++ {
		f := state.Failure{Code: cs[i%len(cs)], Message: "The object is archived", Attempts: 3, First: when, Last: when}
		if err := st.Fail(job, fmt.Sprintf("%s/%07d.dat", prefix, i), f); err != nil {
			t.Fatal(err)
		}
	}
}

// expectFailed renders failed.txt (only code's lines if code is set) the
// straightforward way, from the store's own listing.
func expectFailed(t testing.TB, st *state.Store, job, code string) string {
	t.Helper()
	var b strings.Builder
	err := st.Failures(job, func(p string, f state.Failure) error {
		if code == "" || f.Code == code {
			b.WriteString(state.FailedLine(p, f))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(b.String(), secret, "****")
}

func sortedCopy(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}
