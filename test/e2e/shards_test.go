package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// Four shards as four processes, from a local tree and from a bucket:
// run one after another, each writes exactly the objects of its own files
// and rewrites none (the server's files say so, not mgw); then all four
// at once write nothing at all; the fleet report, read from the
// destination only, adds up to the whole source.
func TestShardsFourProcesses(t *testing.T) {
	files := shardFiles(240)
	for _, from := range []string{"local", "bucket"} {
		t.Run(from, func(t *testing.T) {
			cli, dst := newS3Bucket(t)
			s := newSetup(t)
			src := localAddr("src", s.src)
			if from == "bucket" {
				_, srcBkt := newS3Bucket(t)
				for k, b := range files {
					if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &srcBkt, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
						t.Fatal(err)
					}
				}
				src = s3Addr("src", srcBkt)
			} else {
				for k, b := range files {
					writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
				}
			}
			s.write(t, []address{src, s3Addr("dst", dst)}, shardJob("src", "dst", 4))
			byEnv := from == "local"

			for i := range 4 {
				before := serverFiles(t, dst)
				r := runCmd(t, s.shardCmd(i, 4, byEnv))
				wantExit(t, r, 0)
				wantCount(t, r, "copied and verified", len(owned(files, i, 4)))
				if !strings.Contains(r.stdout, fmt.Sprintf("%d/4 (index/count", i)) {
					t.Errorf("shard %d's report does not say which shard it is:\n%s", i, r.stdout)
				}
				added := wantNoRewrite(t, before, serverFiles(t, dst))
				if want := owned(files, i, 4); !slices.Equal(added, want) {
					t.Errorf("shard %d wrote %d objects %v, want its own %d", i, len(added), added, len(want))
				}
				if i == 0 {
					// Three shards have not reported yet: the fleet report says so.
					rows, out := s.fleetReport(t, 3)
					if _, ok := rows["1"]; ok || rows["0"].done != len(added) || !strings.Contains(out, "Not reported: shards [1 2 3]") {
						t.Errorf("fleet report with one shard done:\n%s", out)
					}
				}
			}
			wantS3Bucket(t, cli, dst, files)

			rows, out := s.fleetReport(t, 0)
			for i := range 4 {
				if row := rows[strconv.Itoa(i)]; row.state != "completed" || row.done != len(owned(files, i, 4)) {
					t.Errorf("shard %d in the fleet report: %+v, want completed with %d done\n%s", i, row, len(owned(files, i, 4)), out)
				}
			}
			if tot := rows["total"]; tot.done != len(files) || tot.copied != len(files) {
				t.Errorf("fleet total %+v, want %d done and copied\n%s", tot, len(files), out)
			}

			before := serverFiles(t, dst)
			s.runShards(t, 4, byEnv, 0)
			if added := wantNoRewrite(t, before, serverFiles(t, dst)); len(added) > 0 {
				t.Errorf("a second run wrote %v", added)
			}
			rows, out = s.fleetReport(t, 0)
			if tot := rows["total"]; tot.done != len(files) || tot.copied != 0 {
				t.Errorf("fleet total after a second run %+v, want %d done, none copied\n%s", tot, len(files), out)
			}
		})
	}
}

// waitOwned waits until the bucket holds at least n objects of keys.
func waitOwned(t *testing.T, bkt string, keys []string, n int, p *proc) {
	t.Helper()
	testenv.WaitUntil(t, fmt.Sprintf("%d objects at the destination", n), func() bool {
		select {
		case <-p.exited:
			t.Fatalf("the shard ended before it could be stopped: %s", p.res)
		default:
		}
		got := serverFiles(t, bkt)
		have := 0
		for _, k := range keys {
			if _, ok := got[k]; ok {
				have++
			}
		}
		return have >= n
	})
}

// slowShards makes each shard's run last: a request rate limit, so a kill
// finds it half-way.
func slowShards(j job) job {
	j.Limits = &limitsCfg{MaxQPS: 40}
	return j
}

type limitsCfg struct {
	MaxQPS float64 `yaml:"max_qps,omitempty"`
}

// slowFleet is a source folder of 400 files and a fresh bucket, and a
// config whose job fleet copies one to the other over count shards,
// slowly (slowShards).
func slowFleet(t *testing.T, count int) (s *setup, files map[string][]byte, cli *s3.Client, dst string) {
	t.Helper()
	files = shardFiles(400)
	cli, dst = newS3Bucket(t)
	s = newSetup(t)
	for k, b := range files {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", dst)}, slowShards(shardJob("src", "dst", count)))
	return s, files, cli, dst
}

// One of four shards killed with SIGKILL mid-run and started again with
// the same index resumes from its own state: no object it wrote before
// the kill is written again; the other three run to the end undisturbed,
// and the restart touches none of their objects.
func TestShardKilledResumes(t *testing.T) {
	s, files, cli, dst := slowFleet(t, 4)

	var ps []*proc
	for i := range 4 {
		ps = append(ps, start(t, s.shardCmd(i, 4, false)))
	}
	mine := owned(files, 1, 4)
	waitOwned(t, dst, mine, len(mine)/4, ps[1])
	if err := ps[1].c.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if r := ps[1].wait(); r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("the killed shard: %s", r)
	}
	for _, i := range []int{0, 2, 3} {
		if r := ps[i].wait(); r.code != 0 {
			t.Fatalf("shard %d, beside the killed one: %s", i, r)
		}
	}
	before := serverFiles(t, dst)
	doneBefore := 0
	for _, k := range mine {
		if _, ok := before[k]; ok {
			doneBefore++
		}
	}
	if doneBefore == len(mine) {
		t.Fatal("the shard had copied everything before the kill: nothing to resume")
	}

	r := runCmd(t, s.shardCmd(1, 4, false))
	wantExit(t, r, 0)
	wantCount(t, r, "copied and verified", len(mine)-doneBefore)
	added := wantNoRewrite(t, before, serverFiles(t, dst))
	for _, k := range added {
		if engine.ShardOf(k, 4) != 1 {
			t.Errorf("the restarted shard wrote %s, shard %d's", k, engine.ShardOf(k, 4))
		}
	}
	wantS3Bucket(t, cli, dst, files)
	rows, out := s.fleetReport(t, 0)
	if tot := rows["total"]; tot.done != len(files) {
		t.Errorf("fleet total %+v, want %d done\n%s", tot, len(files), out)
	}
}

// From 2 shards to 4 after half the files: both shards of 2 are stopped
// half-way, then four shards run (0 and 1 on the state dirs they had).
// No object written before is written again; what moved to shards 2 and
// 3 is adopted from the listing; the fleet report of the 4 adds up.
func TestReshardTwoToFour(t *testing.T) {
	s, files, cli, dst := slowFleet(t, 2)
	ps := []*proc{start(t, s.shardCmd(0, 2, false)), start(t, s.shardCmd(1, 2, false))}
	all := slices.Sorted(maps.Keys(files))
	waitOwned(t, dst, all, len(all)/2, ps[0])
	for i, p := range ps {
		p.c.Process.Signal(syscall.SIGTERM)
		if r := p.wait(); r.code != 130 {
			t.Fatalf("shard %d of 2 after SIGTERM: %s", i, r)
		}
	}
	before := serverFiles(t, dst)
	if len(before) == len(files) {
		t.Fatal("the shards of 2 copied everything: nothing left for 4")
	}

	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", dst)}, shardJob("src", "dst", 4))
	s.runShards(t, 4, true, 0)
	added := wantNoRewrite(t, before, serverFiles(t, dst))
	if len(added) != len(files)-len(before) {
		t.Errorf("4 shards wrote %d objects, want the %d missing", len(added), len(files)-len(before))
	}
	wantS3Bucket(t, cli, dst, files)
	rows, out := s.fleetReport(t, 0)
	if tot := rows["total"]; tot.done != len(files) || tot.copied != len(added) || tot.adopted == 0 {
		t.Errorf("fleet total %+v, want %d done, %d copied, some adopted\n%s", tot, len(files), len(added), out)
	}
}

// An agent that is one shard says so: in mgw status (found with the same
// --shard), in the job's status in the view, and on every metric. Its
// state, socket and view are below shard-1, so the commands without the
// shard find no agent; --alive tells a live agent from a dead one.
func TestShardAgentSaysWhichShard(t *testing.T) {
	s := newSetup(t)
	for k, b := range shardFiles(20) {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	dst := filepath.Join(s.dir, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	none, status := "", filepath.Join(s.dir, "status")
	s.writeConfig(t, config{Mount: &none, StatusDir: status,
		Addresses: []address{localAddr("src", s.src), localAddr("dst", dst)}, Jobs: []job{newJob("fleet", "src", "dst")}})
	a := start(t, s.cmd("--shard", "1/2", "agent"))
	testenv.WaitUntil(t, "shard 1's control socket", func() bool {
		_, err := os.Stat(filepath.Join(s.state, "shard-1", "mgw.sock"))
		return err == nil
	})
	testenv.WaitUntil(t, "the job to complete", func() bool {
		r := s.mgw(t, "--shard", "1/2", "job", "list")
		if strings.Contains(r.stdout, "failed") {
			t.Fatalf("the job failed:\n%s", r.stdout)
		}
		return strings.Contains(r.stdout, "completed")
	})

	r := s.mgw(t, "--shard", "1/2", "status", "--alive")
	wantExit(t, r, 0)
	if !regexp.MustCompile(`(?m)^shard\s+1/2 \(index/count\)`).MatchString(r.stdout) {
		t.Errorf("mgw status does not say which shard:\n%s", r.stdout)
	}
	wantExit(t, s.mgw(t, "--shard", "1/2", "status", "--check"), 0)
	wantExit(t, s.mgw(t, "status", "--alive"), 1) // shard-less: another state dir, no agent

	view := filepath.Join(status, "shard-1")
	testenv.WaitUntil(t, "the job's status in the view", func() bool {
		b, err := os.ReadFile(filepath.Join(view, "jobs", "fleet", "status"))
		return err == nil && regexp.MustCompile(`(?m)^shard\s+1/2 \(index/count\)`).Match(b) && strings.Contains(string(b), "completed")
	})
	metrics := string(readFile(t, filepath.Join(view, "agent", "metrics")))
	for _, want := range []string{`mgw_job_shards{job="fleet",shard="1"} 2`, `go_goroutines{shard="1"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	wantFolderHolds(t, dst, func() map[string][]byte {
		m := map[string][]byte{}
		for k, b := range shardFiles(20) {
			if engine.ShardOf(k, 2) == 1 {
				m[k] = b
			}
		}
		return m
	}())

	a.c.Process.Signal(syscall.SIGTERM)
	if r := a.wait(); r.code != 0 {
		t.Fatalf("agent after SIGTERM: %s", r)
	}
	wantExit(t, s.mgw(t, "--shard", "1/2", "status", "--alive"), 1)
}
