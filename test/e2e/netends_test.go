package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// The network fault tests put a toxiproxy proxy of their own between mgw
// and one of the test servers, break the traffic through it, and judge
// what each run left at the destination by reading it back from the
// server itself, never through the proxy or mgw.

// netServer is a test server a job reaches through a proxy.
type netServer struct {
	name  string
	parts bool // as a destination, takes large files in parts (else in one stream)
	// dest makes an empty destination on the server, src one holding
	// files.
	dest func(t *testing.T) *netEnd
	src  func(t *testing.T, files map[string][]byte) *netEnd
}

// netEnd is one end of a job: its address points at proxy, in front of
// the server.
type netEnd struct {
	addr  address
	proxy *testenv.Proxy
	// read reads what the end holds, from the server itself (its API, or
	// its folder on disk): key -> content.
	read func(t *testing.T) map[string][]byte
	// count is how many objects or files the end holds (from any
	// goroutine; 0 when it cannot tell).
	count func() int
	// staged is how many parts of key a destination has received for
	// uploads not yet completed, or for a share how many MiB of it are
	// written (from any goroutine; 0 when it cannot tell). For a
	// destination that takes files in parts, parts is how many parts the
	// object at key was assembled from and how many uploads are left
	// open.
	staged func(key string) int
	parts  func(t *testing.T, key string) (parts, open int)
	oss    *osstest.Server // the OSS test server, which counts what it was sent
}

var netServers = []netServer{
	{name: "s3", parts: true, dest: func(t *testing.T) *netEnd { return s3End(t, nil) }, src: s3End},
	{name: "azblob", parts: true, dest: func(t *testing.T) *netEnd { return azEnd(t, nil) }, src: azEnd},
	{name: "oss", parts: true, dest: func(t *testing.T) *netEnd { return ossEnd(t, nil) }, src: ossEnd},
	{name: "smb", dest: func(t *testing.T) *netEnd { return smbEnd(t, nil) }, src: smbEnd},
	{name: "nfs", dest: func(t *testing.T) *netEnd { return nfsEnd(t, nil) }, src: nfsEnd},
}

// s3End is a fresh versitygw bucket holding files.
func s3End(t *testing.T, files map[string][]byte) *netEnd {
	cli, bkt := newS3Bucket(t)
	for k, b := range files {
		if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bkt, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	p := testenv.NewProxy(t, s3Host)
	a := s3Addr("net-s3", bkt)
	a.Endpoint = "http://" + p.Addr
	parts := func(t *testing.T, key string) (int, int) {
		head, err := cli.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bkt, Key: &key})
		if err != nil {
			t.Fatalf("head %s: %v", key, err)
		}
		// A multipart upload's ETag ends in its part count.
		_, n, _ := strings.Cut(strings.Trim(aws.ToString(head.ETag), `"`), "-")
		parts, _ := strconv.Atoi(n)
		ups, err := cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bkt})
		if err != nil {
			t.Fatal(err)
		}
		return parts, len(ups.Uploads)
	}
	staged := func(key string) int {
		ctx := context.Background()
		ups, err := cli.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bkt, Prefix: &key})
		if err != nil || len(ups.Uploads) == 0 {
			return 0
		}
		ps, err := cli.ListParts(ctx, &s3.ListPartsInput{Bucket: &bkt, Key: &key, UploadId: ups.Uploads[0].UploadId})
		if err != nil {
			return 0
		}
		return len(ps.Parts)
	}
	count := func() int {
		out, err := cli.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bkt})
		if err != nil {
			return 0
		}
		return len(out.Contents)
	}
	return &netEnd{addr: a, proxy: p, parts: parts, staged: staged, count: count, read: func(t *testing.T) map[string][]byte {
		got := map[string][]byte{}
		pages := s3.NewListObjectsV2Paginator(cli, &s3.ListObjectsV2Input{Bucket: &bkt})
		for pages.HasMorePages() {
			page, err := pages.NextPage(t.Context())
			if err != nil {
				t.Fatalf("list %s: %v", bkt, err)
			}
			for _, o := range page.Contents {
				out, err := cli.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bkt, Key: o.Key})
				if err != nil {
					t.Fatalf("get %s: %v", *o.Key, err)
				}
				got[*o.Key] = readAll(t, out.Body)
			}
		}
		return got
	}}
}

// azEnd is a fresh Azurite container holding files.
func azEnd(t *testing.T, files map[string][]byte) *netEnd {
	cli, container := newContainer(t, files)
	p := testenv.NewProxy(t, azHost)
	a := azAddr("net-azblob", container)
	a.ConnectionString = azConnStringAt(p.Addr, azKey)
	parts := func(t *testing.T, key string) (int, int) {
		bl, err := cli.ServiceClient().NewContainerClient(container).NewBlockBlobClient(key).GetBlockList(t.Context(), blockblob.BlockListTypeAll, nil)
		if err != nil {
			t.Fatalf("block list of %s: %v", key, err)
		}
		// Azure has no uploads: blocks staged and never committed are
		// what one leaves.
		return len(bl.CommittedBlocks), len(bl.UncommittedBlocks)
	}
	staged := func(key string) int {
		bl, err := cli.ServiceClient().NewContainerClient(container).NewBlockBlobClient(key).GetBlockList(context.Background(), blockblob.BlockListTypeUncommitted, nil)
		if err != nil {
			return 0
		}
		return len(bl.UncommittedBlocks)
	}
	count := func() int {
		page, err := cli.NewListBlobsFlatPager(container, nil).NextPage(context.Background())
		if err != nil {
			return 0
		}
		return len(page.Segment.BlobItems)
	}
	return &netEnd{addr: a, proxy: p, parts: parts, staged: staged, count: count, read: func(t *testing.T) map[string][]byte {
		got := map[string][]byte{}
		pages := cli.NewListBlobsFlatPager(container, nil)
		for pages.More() {
			page, err := pages.NextPage(t.Context())
			if err != nil {
				t.Fatalf("list %s: %v", container, err)
			}
			for _, b := range page.Segment.BlobItems {
				out, err := cli.DownloadStream(t.Context(), container, *b.Name, nil)
				if err != nil {
					t.Fatalf("download %s: %v", *b.Name, err)
				}
				got[*b.Name] = readAll(t, out.Body)
			}
		}
		return got
	}}
}

// ossEnd is a fresh OSS test server holding files.
func ossEnd(t *testing.T, files map[string][]byte) *netEnd {
	e := ossDirect(t)
	for k, b := range files {
		e.oss.Seed(bucket, k, b, osstest.SeedOptions{})
	}
	e.proxy = testenv.NewProxy(t, strings.TrimPrefix(e.oss.URL(), "http://"))
	e.addr.Name, e.addr.Endpoint = "net-oss", "http://"+e.proxy.Addr
	return e
}

// ossDirect is a fresh OSS test server reached without a proxy.
func ossDirect(t *testing.T) *netEnd {
	srv := newOSS(t)
	parts := func(_ *testing.T, key string) (int, int) {
		return len(srv.PartUploads(bucket, key)), len(srv.Uploads(bucket))
	}
	staged := func(key string) int { return len(srv.PartUploads(bucket, key)) }
	count := func() int { return len(srv.Keys(bucket)) }
	return &netEnd{addr: ossAddr("oss", srv), oss: srv, parts: parts, staged: staged, count: count, read: func(*testing.T) map[string][]byte {
		got := map[string][]byte{}
		for _, k := range srv.Keys(bucket) {
			got[k], _, _ = srv.Object(bucket, k)
		}
		return got
	}}
}

// smbEnd is a fresh folder of samba's share holding files.
func smbEnd(t *testing.T, files map[string][]byte) *netEnd {
	conformance.RequireServer(t, smbHost)
	folder, dir := shareFolder(t, server(t, "samba.sh", "", "", "status")["dir"], files)
	p := testenv.NewProxy(t, smbHost)
	return &netEnd{addr: smbAddr("net-smb", p.Addr, folder), proxy: p, read: folderReader(dir), count: folderCount(dir), staged: writing(dir)}
}

// nfsEnd is a fresh folder of the NFS server's export holding files.
func nfsEnd(t *testing.T, files map[string][]byte) *netEnd {
	conformance.RequireServer(t, nfsHost)
	folder, dir := shareFolder(t, server(t, "nfs.sh", "", "", "status")["dir"], files)
	p := testenv.NewProxy(t, nfsHost)
	return &netEnd{addr: nfsAddr("net-nfs", p.Addr, folder), proxy: p, read: folderReader(dir), count: folderCount(dir), staged: writing(dir)}
}

// shareFolder makes a fresh folder in a share's folder on disk, holding
// files, that the server's user (mgwtest, nobody) may write in.
func shareFolder(t *testing.T, shareDir string, files map[string][]byte) (name, dir string) {
	t.Helper()
	name, dir = freshFolder(t, shareDir)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	seed(t, dir, files)
	return name, dir
}

// folderReader reads a share's folder from the disk it is on.
func folderReader(dir string) func(t *testing.T) map[string][]byte {
	return func(t *testing.T) map[string][]byte { return sourceFiles(t, dir) }
}

// folderCount counts the files in a share's folder on disk, but for
// hidden ones (where a file is written before it is renamed into place).
func folderCount(dir string) func() int {
	return func() int {
		n := 0
		_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				n++
			}
			return nil
		})
		return n
	}
}

// writing tells, for a share, how many MiB of key are written so far:
// a file goes to a temporary name beside it (.NAME.mgw-tmp-RANDOM), then
// is renamed into place.
func writing(dir string) func(key string) int {
	return func(key string) int {
		tmps, _ := filepath.Glob(filepath.Join(dir, filepath.Dir(key), "."+filepath.Base(key)+".mgw-tmp-*"))
		for _, tmp := range tmps {
			if fi, err := os.Stat(tmp); err == nil {
				return int(fi.Size() >> 20)
			}
		}
		return 0
	}
}

// localEnd is a local folder, for the other end of a job whose faults
// are on its source.
func localEnd(t *testing.T) *netEnd {
	dir := t.TempDir()
	return &netEnd{addr: localAddr("local", dir), read: folderReader(dir)}
}

func readAll(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verdict is what the runs of a job left, judged against the source.
type verdict struct {
	// wrong: recorded as done, yet missing or different at the
	// destination. lost: neither at the destination byte for byte and
	// recorded, nor in the failed list with a catalogue code. failed: in
	// the failed list with a code.
	wrong, lost, failed []string
	// extra: at the destination, not in the source (a temporary file
	// left behind).
	extra []string
}

// judge reads the destination and the job's index and failed list after
// a run.
func judge(t *testing.T, s *setup, jobName string, files map[string][]byte, dst *netEnd) verdict {
	t.Helper()
	got := dst.read(t)
	done, _ := index(t, s, jobName)
	failed := s.failed(t, jobName)
	var v verdict
	for key, want := range files {
		b, there := got[key]
		exact := there && bytes.Equal(b, want)
		f, isFailed := failed[key]
		switch {
		case done[key] && !exact:
			v.wrong = append(v.wrong, key)
		case done[key]:
		case isFailed:
			if _, ok := codes.Lookup(f.code); !ok {
				t.Errorf("%s failed with %q, not a catalogue code: %s", key, f.code, f.message)
			}
			v.failed = append(v.failed, key)
		default:
			v.lost = append(v.lost, key)
		}
	}
	for key := range got {
		if _, ok := files[key]; !ok {
			v.extra = append(v.extra, key)
		}
	}
	return v
}

// wantSound fails the test if a run left a wrong object or lost a file,
// and, when complete, unless every file is done.
func (v verdict) wantSound(t *testing.T, complete bool) {
	t.Helper()
	if len(v.wrong) > 0 {
		t.Errorf("recorded as done, yet wrong or missing at the destination: %v", v.wrong)
	}
	if len(v.lost) > 0 {
		t.Errorf("neither done nor failed with a code: %v", v.lost)
	}
	if complete && len(v.failed) > 0 {
		t.Errorf("failed, where all should be done: %v", v.failed)
	}
	if complete && len(v.extra) > 0 {
		t.Errorf("at the destination, not in the source: %v", v.extra)
	}
}

// watched runs an mgw command on s's config at the debug log level and
// calls onLine, if not nil, with each line of its log as it comes. A
// command still running after limit is killed and fails the test: it
// hung.
func (s *setup) watched(t *testing.T, limit time.Duration, onLine func(string), args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := exec.CommandContext(ctx, mgwBin, append([]string{"--config", s.config, "--log-level", "debug"}, args...)...)
	var out bytes.Buffer
	c.Stdout = &out
	pr, pw := io.Pipe()
	c.Stderr = pw
	var (
		errb bytes.Buffer
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			errb.WriteString(sc.Text() + "\n")
			if onLine != nil {
				onLine(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	})
	err := c.Run()
	pw.Close()
	wg.Wait()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("mgw %v still running after %v: killed\n%s", args, limit, r)
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("cannot run mgw %v: %v", args, err)
	}
	return r
}

// netFiles is a job's tree for the network tests: small files in a few
// folders and n files just over the single-request limit (8 MiB), so
// they go in parts.
func netFiles(seedBase uint64, small, big int) map[string][]byte {
	files := map[string][]byte{}
	for i := range small {
		files[fmt.Sprintf("small/%c/f%03d.dat", 'a'+i%3, i)] = randomBytes(seedBase+uint64(i), 1+(i*7919)%(64<<10))
	}
	for i := range big {
		files[fmt.Sprintf("big-%d.bin", i)] = randomBytes(seedBase+1000+uint64(i), 8<<20+1+i*4099)
	}
	return files
}
