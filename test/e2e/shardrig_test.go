package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/test/testenv"
)

// versityData is where versitygw (test/servers/versitygw.sh, port 7070)
// keeps its buckets: one folder each, one file per object, written to a
// temporary file and linked into place, so a rewritten object is a new
// inode.
const versityData = "/tmp/mgw-s3/data"

// objFile is what the server's file of an object says of its last write.
type objFile struct {
	ino          uint64
	mtime, ctime int64
}

// serverFiles reads the files versitygw holds for the objects of bkt,
// the reports under mgw-reports/ left out.
func serverFiles(t *testing.T, bkt string) map[string]objFile {
	t.Helper()
	root := filepath.Join(versityData, bkt)
	if _, err := os.Stat(root); err != nil {
		testenv.Missing(t, "versitygw's data folder "+versityData+" (test/servers/versitygw.sh)", err)
	}
	files := map[string]objFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(p[len(root):])
		rel = strings.TrimPrefix(rel, "/")
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || rel == "mgw-reports") {
			return filepath.SkipDir // the server's own, and the reports
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		files[rel] = objFile{ino: st.Ino, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// wantNoRewrite fails for every object of before that after lost or
// holds from another write, and returns the keys after added.
func wantNoRewrite(t *testing.T, before, after map[string]objFile) []string {
	t.Helper()
	for k, b := range before {
		if a, ok := after[k]; !ok || a != b {
			t.Errorf("%s: written again at the server (before %+v, after %+v)", k, b, a)
		}
	}
	var added []string
	for k := range after {
		if _, ok := before[k]; !ok {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	return added
}

// owned returns the keys of files shard i of n owns, sorted.
func owned(files map[string][]byte, i, n int) []string {
	var keys []string
	for k := range files {
		if engine.ShardOf(k, n) == i {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// shardFiles is the source of the shard tests: small files in folders.
func shardFiles(n int) map[string][]byte {
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("d%d/sub%d/f%03d.dat", i%7, i%3, i)] = randomBytes(uint64(7000+i), 1+(i*7919)%3000)
	}
	return files
}

// shardJob is a job whose shard count is in the config: each process
// gives its index.
func shardJob(src, dst string, count int) job {
	j := newJob("fleet", src, dst)
	j.ReportPrefix = "mgw-reports/"
	j.Shard = &shardCfg{Count: count}
	return j
}

type shardCfg struct {
	Index *int `yaml:"index,omitempty"`
	Count int  `yaml:"count,omitempty"`
}

// proc is an mgw process started in the background.
type proc struct {
	c        *exec.Cmd
	out, err bytes.Buffer
	exited   chan struct{}
	res      result
}

func start(t *testing.T, c *exec.Cmd) *proc {
	t.Helper()
	p := &proc{c: c, exited: make(chan struct{})}
	c.Stdout, c.Stderr = &p.out, &p.err
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := c.Wait()
		p.res = result{stdout: p.out.String(), stderr: p.err.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			p.res.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.res.code = 128 + int(ws.Signal())
			}
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.c.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *proc) wait() result { <-p.exited; return p.res }

// shardCmd is `mgw run fleet` as shard i: through --shard i/n, or, as in
// a Kubernetes Indexed Job, through JOB_COMPLETION_INDEX with the count
// from the config.
func (s *setup) shardCmd(i, n int, byEnv bool) *exec.Cmd {
	if !byEnv {
		return s.cmd("--shard", fmt.Sprintf("%d/%d", i, n), "run", "fleet")
	}
	c := s.cmd("run", "fleet")
	c.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
	return c
}

// runShards runs shards 0..n-1 at once and wants each to exit with code.
func (s *setup) runShards(t *testing.T, n int, byEnv bool, code int) []result {
	t.Helper()
	var ps []*proc
	for i := range n {
		ps = append(ps, start(t, s.shardCmd(i, n, byEnv)))
	}
	var rs []result
	for i, p := range ps {
		r := p.wait()
		if r.code != code {
			t.Fatalf("shard %d: want exit %d, got %s", i, code, r)
		}
		rs = append(rs, r)
	}
	return rs
}

// fleetRow is one shard's row of the fleet report, or the total's.
type fleetRow struct {
	state        string
	done, copied int
	adopted      int
}

// fleetReport runs `mgw report --fleet fleet` and parses its rows, by
// shard index or "total": cells are two or more spaces apart.
func (s *setup) fleetReport(t *testing.T, code int) (map[string]fleetRow, string) {
	t.Helper()
	r := s.mgw(t, "report", "--fleet", "fleet")
	wantExit(t, r, code)
	rows := map[string]fleetRow{}
	num := func(c string) int { n, _ := strconv.Atoi(c); return n }
	cells := regexp.MustCompile(`\s{2,}`)
	for _, l := range lines(r.stdout) {
		c := cells.Split(strings.TrimSpace(l), -1)
		switch {
		case len(c) >= 9 && num(c[0]) >= 0 && c[0] != "SHARD" && c[0] != "total":
			// SHARD STATE UPDATED RUN DONE BYTES COPIED ADOPTED FAILED ...
			rows[c[0]] = fleetRow{state: c[1], done: num(c[4]), copied: num(c[6]), adopted: num(c[7])}
		case len(c) >= 5 && c[0] == "total":
			// total DONE BYTES COPIED ADOPTED FAILED
			rows["total"] = fleetRow{done: num(c[1]), copied: num(c[3]), adopted: num(c[4])}
		}
	}
	return rows, r.stdout
}

// wantS3Bucket checks the bucket holds every file, and nothing else
// outside the reports.
func wantS3Bucket(t *testing.T, cli *s3.Client, bkt string, files map[string][]byte) {
	t.Helper()
	wantS3Objects(t, cli, bkt, files)
	got := serverFiles(t, bkt)
	if len(got) != len(files) {
		t.Errorf("the bucket holds %d objects, want %d", len(got), len(files))
	}
}
