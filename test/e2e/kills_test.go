package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The random kills: mgw killed with SIGKILL at a moment drawn from a
// seeded generator, against versitygw, one-shot and continuous. After each
// kill mgw is started again and must finish the job with every object
// right (read back from versitygw, not through mgw), none lost, no
// multipart upload left open, and at most `concurrency` files sent again
// from their start.
//
// MGW_KILLS is the kills per mode (default 3; test/bench/kills.sh runs
// 20), MGW_KILL_SEED replays a run, MGW_KILLS_TABLE, if set, is a file
// each kill appends a line of figures to, and MGW_KILL_MOMENT, if set,
// draws only that moment (for the modes that have it).

// killConcurrency is the jobs' concurrency: the bound on files sent again.
const killConcurrency = 4

// killMoments are what a kill can land in. The first group is drawn for
// both modes, the second for continuous jobs only.
var (
	oneShotMoments    = []string{"scan", "put", "part", "complete", "index"}
	continuousMoments = []string{"delete", "archive", "reload"}
)

func killCount() int {
	if n, err := strconv.Atoi(os.Getenv("MGW_KILLS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func killSeed(t *testing.T) uint64 {
	if v := os.Getenv("MGW_KILL_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("MGW_KILL_SEED=%q: %v", v, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// killFiles is the tree of one kill: small files in folders and two files
// of three S3 parts each.
func killFiles(seed uint64) map[string][]byte {
	files := map[string][]byte{}
	for i := range 150 {
		files[fmt.Sprintf("small/%02d/f%03d.dat", i%8, i)] = randomBytes(seed+uint64(i), 1+(i*7919)%(32<<10))
	}
	files["big-1.bin"] = randomBytes(seed+1000, 11<<20+17)
	files["deep/big-2.bin"] = randomBytes(seed+1001, 10<<20+3)
	return files
}

func TestKillsRandom(t *testing.T) {
	seed := killSeed(t)
	t.Logf("seed %d (MGW_KILL_SEED=%d replays this run)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	n := killCount()
	type plan struct {
		mode, moment string
		nth          int
		delay        time.Duration
		seed         uint64
	}
	var plans []plan
	for _, mode := range []string{"one-shot", "continuous"} {
		moments := oneShotMoments
		if mode == "continuous" {
			moments = append(append([]string{}, oneShotMoments...), continuousMoments...)
		}
		if m := os.Getenv("MGW_KILL_MOMENT"); m != "" {
			if !slices.Contains(moments, m) {
				continue
			}
			moments = []string{m}
		}
		for range n {
			p := plan{mode: mode, moment: moments[rng.IntN(len(moments))], seed: rng.Uint64() >> 8}
			switch p.moment {
			case "put", "index":
				p.nth = 1 + rng.IntN(120)
			case "part":
				p.nth = 1 + rng.IntN(5)
			case "complete":
				p.nth = 1 + rng.IntN(2)
			case "delete", "archive":
				p.nth = 1 + rng.IntN(10)
			case "scan":
				p.delay = time.Duration(rng.IntN(300)) * time.Millisecond
			}
			plans = append(plans, p)
		}
	}
	for i, p := range plans {
		name := fmt.Sprintf("%02d-%s-%s", i+1, p.mode, p.moment)
		t.Run(name, func(t *testing.T) {
			k := &killCase{mode: p.mode, moment: p.moment, nth: p.nth, delay: p.delay, files: killFiles(p.seed)}
			k.do(t)
			line := fmt.Sprintf("kill %d/%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d", i+1, len(plans), p.mode, p.moment, k.landed, len(k.want), k.wrong, k.lost, k.open, len(k.resent))
			t.Logf("%s (re-sent: %v; recovered in %v)", line, k.resent, k.recover.Round(time.Millisecond))
			if f := os.Getenv("MGW_KILLS_TABLE"); f != "" {
				appendLine(t, f, fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d", p.mode, p.moment, k.landed, len(k.want), k.wrong, k.lost, k.open, len(k.resent), k.recover.Milliseconds()))
			}
		})
	}
}

// killCase is one kill and the restart that follows.
type killCase struct {
	mode, moment string
	nth          int
	delay        time.Duration
	files        map[string][]byte

	// What it found.
	landed            string            // where the kill landed: the request in flight, or before any
	want              map[string][]byte // the destination's expected final state
	wrong, lost, open int
	resent            []string
	recover           time.Duration // from the restart to the job complete
	cli               *s3.Client
	bkt               string
	prefixArchive     string
	deleted           map[string][]byte
	s                 *setup
	proxy             *killProxy
}

func (k *killCase) trigger() func(op string, seen map[string]int) (bool, bool) {
	switch k.moment {
	case "put":
		return func(op string, seen map[string]int) (bool, bool) { return op == "put" && seen["put"] >= k.nth, false }
	case "index":
		return func(op string, seen map[string]int) (bool, bool) {
			return op == "put" && seen["put"] >= k.nth, true
		}
	case "part":
		return func(op string, seen map[string]int) (bool, bool) { return op == "part" && seen["part"] >= k.nth, false }
	case "complete":
		return func(op string, seen map[string]int) (bool, bool) {
			return op == "complete" && seen["complete"] >= k.nth, false
		}
	case "delete", "archive":
		return func(op string, seen map[string]int) (bool, bool) {
			return (op == "delete" || op == "copy") && seen["delete"]+seen["copy"] >= k.nth, false
		}
	case "reload":
		// The first request of any kind after the reload: the job
		// restarted and is scanning, or sending what was written with it.
		return func(string, map[string]int) (bool, bool) { return true, false }
	}
	return nil // scan: a timer
}

func (k *killCase) do(t *testing.T) {
	k.cli, k.bkt = newS3Bucket(t)
	k.proxy = newKillProxy(t, s3Host)
	k.s = newSetup(t)
	seed(t, k.s.src, k.files)
	a := s3Addr("dst", k.bkt)
	a.Endpoint = k.proxy.srv.URL
	j := newJob("kills", "src", "dst")
	j.Concurrency, j.PartSize = killConcurrency, "5MiB"
	k.prefixArchive = ".mgw-deleted/"
	if k.mode == "continuous" {
		j.Mode, j.Settle, j.MaxDelete, j.Deletes = "continuous", "100ms", "100%", "mirror"
		if k.moment == "archive" {
			j.Deletes = "archive"
		}
	}
	empty := ""
	cfg := config{Mount: &empty, StatusDir: filepath.Join(k.s.dir, "status"), Addresses: []address{localAddr("src", k.s.src), a}, Jobs: []job{j}}
	k.s.writeConfig(t, cfg)
	k.deleted = map[string][]byte{}

	if k.mode == "one-shot" {
		v := k.s.startVictim(t, "run", "kills")
		k.armAndWait(t, v)
		k.proxy.restarted()
		start := time.Now()
		r := k.s.mgw(t, "run", "kills")
		k.recover = time.Since(start)
		wantExit(t, r, 0)
		wantNoSecret(t, "the killed run\n"+v.out.String(), s3Secret)
		wantNoSecret(t, "the run after the kill\n"+r.String(), s3Secret)
		k.judge(t)
		return
	}

	v := k.s.startVictim(t, "agent")
	switch k.moment {
	case "delete", "archive", "reload":
		// These moments come after the first pass.
		k.waitBucket(t, k.files)
		if k.moment == "reload" {
			eventually(t, "the control socket", func() bool {
				_, err := os.Stat(filepath.Join(k.s.state, "mgw.sock"))
				return err == nil
			})
			k.proxy.arm(v, k.trigger())
			j.Concurrency = killConcurrency - 1 // a change that restarts the job
			cfg.Jobs = []job{j}
			k.s.writeConfig(t, cfg)
			_ = k.s.mgw(t, "reload") // races with the kill
			// A restarted job that asks the destination nothing is
			// killed at the first copy of a change.
			k.change(t)
			k.wait(t, v)
		} else {
			k.proxy.arm(v, k.trigger())
			k.change(t)
			k.wait(t, v)
		}
	default:
		k.armAndWait(t, v)
	}
	k.proxy.restarted()
	start := time.Now()
	run := k.s.startVictim(t, "agent")
	k.waitBucket(t, k.expected(t))
	k.recover = time.Since(start)
	_ = run.c.Process.Signal(syscall.SIGTERM)
	<-run.dead
	wantNoSecret(t, "the killed agent\n"+v.out.String(), s3Secret)
	wantNoSecret(t, "the agent after the kill\n"+run.out.String(), s3Secret)
	k.judge(t)
}

// change deletes ten source files and writes five new ones while the
// continuous job runs.
func (k *killCase) change(t *testing.T) {
	keys := make([]string, 0, len(k.files))
	for key := range k.files {
		if strings.HasPrefix(key, "small/") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys[:10] {
		k.deleted[key] = k.files[key]
		if err := os.Remove(filepath.Join(k.s.src, filepath.FromSlash(key))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		writeFile(t, filepath.Join(k.s.src, "new", fmt.Sprintf("n%d.dat", i)), randomBytes(uint64(9000+i), 100+i))
	}
}

// armAndWait arms the kill for v's first pass and waits for it.
func (k *killCase) armAndWait(t *testing.T, v *victim) {
	if k.moment == "scan" {
		k.proxy.arm(v, nil)
		timer := time.AfterFunc(k.delay, v.kill)
		defer timer.Stop()
	} else {
		k.proxy.arm(v, k.trigger())
	}
	k.wait(t, v)
}

// wait waits for v to die; a run that ends by itself, or a kill that never
// comes, fails the test.
func (k *killCase) wait(t *testing.T, v *victim) {
	t.Helper()
	select {
	case <-v.dead:
	case <-time.After(3 * time.Minute):
		v.kill()
		t.Fatalf("the kill point was not reached in 3 minutes:\n%s", v.out.String())
	}
	op, seen := k.proxy.firedAt()
	switch {
	case op != "":
		k.landed = op
	case v.err != nil && strings.Contains(v.err.Error(), "killed"):
		k.landed = "before any write"
		if seen["put"]+seen["part"] > 0 {
			k.landed = fmt.Sprintf("during writes (put %d, part %d)", seen["put"], seen["part"])
		}
	default:
		t.Fatalf("the run ended before the kill (%v):\n%s", v.err, v.out.String())
	}
}

// expected is the destination's final state: the source now, and for
// deletes: archive, each deleted file under the archive prefix.
func (k *killCase) expected(t *testing.T) map[string][]byte {
	want := sourceFiles(t, k.s.src)
	if k.moment == "archive" {
		for key, b := range k.deleted {
			want[k.prefixArchive+key] = b
		}
	}
	return want
}

// objects lists the bucket straight from versitygw: key -> size.
func (k *killCase) objects(t *testing.T) map[string]int64 {
	got := map[string]int64{}
	pages := s3.NewListObjectsV2Paginator(k.cli, &s3.ListObjectsV2Input{Bucket: &k.bkt})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", k.bkt, err)
		}
		for _, o := range page.Contents {
			got[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return got
}

// waitBucket polls versitygw until its listing matches want by key and
// size; the deadline bounds a failure only.
func (k *killCase) waitBucket(t *testing.T, want map[string][]byte) {
	t.Helper()
	eventually(t, "the bucket to match the source", func() bool {
		got := k.objects(t)
		if len(got) != len(want) {
			return false
		}
		for key, b := range want {
			if size, ok := got[key]; !ok || size != int64(len(b)) {
				return false
			}
		}
		return true
	})
}

// judge reads every object back from versitygw and counts the wrong, the
// lost and the extra ones, the multipart uploads left open and the files
// sent again from their start.
func (k *killCase) judge(t *testing.T) {
	t.Helper()
	k.want = k.expected(t)
	got := k.objects(t)
	for key, b := range k.want {
		if _, ok := got[key]; !ok {
			k.lost++
			t.Errorf("%s: lost (not at the destination)", key)
			continue
		}
		out, err := k.cli.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &k.bkt, Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		if data := readAll(t, out.Body); !bytes.Equal(data, b) {
			k.wrong++
			t.Errorf("%s: %d bytes at the destination, not the source's %d", key, len(data), len(b))
		}
	}
	for key := range got {
		if _, ok := k.want[key]; !ok {
			k.wrong++
			t.Errorf("%s: at the destination, not in the source", key)
		}
	}
	ups, err := k.cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &k.bkt})
	if err != nil {
		t.Fatal(err)
	}
	k.open = len(ups.Uploads)
	if k.open > 0 {
		for _, u := range ups.Uploads {
			t.Errorf("multipart upload of %s left open", aws.ToString(u.Key))
		}
	}
	k.resent = k.proxy.resent()
	sort.Strings(k.resent)
	if len(k.resent) > killConcurrency {
		t.Errorf("%d files sent again from their start after the kill, more than the concurrency %d: %v", len(k.resent), killConcurrency, k.resent)
	}
	// The index holds every file: a later run sends nothing.
	if k.mode == "one-shot" {
		r := k.s.mgw(t, "run", "kills")
		wantExit(t, r, 0)
		wantCopied(t, r, 0)
	}
}

// appendLine appends a line to file f.
func appendLine(t *testing.T, f, line string) {
	t.Helper()
	h, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := fmt.Fprintln(h, line); err != nil {
		t.Fatal(err)
	}
}
