package osstest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

type page struct {
	keys, prefixes []string
	truncated      bool
	keyCount       int
}

// listAll pages through a listing with the SDK and returns each page.
func listAll(t *testing.T, c *oss.Client, req oss.ListObjectsV2Request) []page {
	t.Helper()
	var pages []page
	for {
		res, err := c.ListObjectsV2(ctx, &req)
		if err != nil {
			t.Fatal(err)
		}
		var p page
		for _, o := range res.Contents {
			p.keys = append(p.keys, oss.ToString(o.Key))
		}
		for _, cp := range res.CommonPrefixes {
			p.prefixes = append(p.prefixes, oss.ToString(cp.Prefix))
		}
		p.truncated, p.keyCount = res.IsTruncated, res.KeyCount
		pages = append(pages, p)
		if !res.IsTruncated {
			return pages
		}
		if res.NextContinuationToken == nil || len(pages) > 100 {
			t.Fatal("truncated page without a usable token")
		}
		req.ContinuationToken = res.NextContinuationToken
		req.StartAfter = nil
	}
}

func TestListPaging(t *testing.T) {
	s := newTestServer(t)
	var want []string
	for i := 0; i < 2500; i++ {
		k := fmt.Sprintf("data/%04d", i)
		s.Seed(testBucket, k, []byte(k), SeedOptions{})
		want = append(want, k)
	}
	s.Seed(testBucket, "other", nil, SeedOptions{})
	c := newClient(s)

	pages := listAll(t, c, oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("data/"), MaxKeys: 1000})
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	var got []string
	for i, p := range pages {
		wantN := []int{1000, 1000, 500}[i]
		if len(p.keys) != wantN || p.keyCount != wantN || p.truncated != (i < 2) {
			t.Errorf("page %d: %d keys, KeyCount %d, truncated %v", i, len(p.keys), p.keyCount, p.truncated)
		}
		got = append(got, p.keys...)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Error("listing is not every key once, in order")
	}

	// Without max-keys a page holds 100 entries.
	res, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 100 || res.MaxKeys != 100 || !res.IsTruncated {
		t.Errorf("default page: %d keys, MaxKeys %d", len(res.Contents), res.MaxKeys)
	}
	o := res.Contents[0]
	if oss.ToString(o.Key) != "data/0000" || o.Size != 9 || oss.ToString(o.ETag) != md5ETag([]byte("data/0000")) ||
		oss.ToString(o.StorageClass) != "Standard" || o.LastModified == nil || o.LastModified.IsZero() {
		t.Errorf("entry: %+v", o)
	}

	// start-after starts strictly after the key.
	res, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), StartAfter: oss.Ptr("data/2497"), MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(res); strings.Join(keys, ",") != "data/2498,data/2499,other" || res.IsTruncated {
		t.Errorf("start-after: %q", keys)
	}

	_, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), MaxKeys: 1001})
	wantServiceError(t, err, 400, "InvalidArgument")
}

func keysOf(res *oss.ListObjectsV2Result) []string {
	var keys []string
	for _, o := range res.Contents {
		keys = append(keys, oss.ToString(o.Key))
	}
	return keys
}

func TestListDelimiter(t *testing.T) {
	s := newTestServer(t)
	// 25 folders of 100 files, and 5 files at the top.
	for d := 0; d < 25; d++ {
		for f := 0; f < 100; f++ {
			s.Seed(testBucket, fmt.Sprintf("d%02d/f%03d", d, f), nil, SeedOptions{})
		}
	}
	for f := 0; f < 5; f++ {
		s.Seed(testBucket, fmt.Sprintf("top%d", f), nil, SeedOptions{})
	}
	c := newClient(s)

	pages := listAll(t, c, oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/"), MaxKeys: 7})
	var keys, prefixes []string
	for _, p := range pages {
		if p.keyCount != len(p.keys)+len(p.prefixes) || p.keyCount > 7 {
			t.Errorf("KeyCount %d for %d keys + %d prefixes", p.keyCount, len(p.keys), len(p.prefixes))
		}
		keys = append(keys, p.keys...)
		prefixes = append(prefixes, p.prefixes...)
	}
	if len(pages) != 5 || len(prefixes) != 25 || strings.Join(keys, ",") != "top0,top1,top2,top3,top4" {
		t.Errorf("%d pages, %d prefixes, keys %q", len(pages), len(prefixes), keys)
	}
	if !sort.StringsAreSorted(prefixes) || prefixes[0] != "d00/" || prefixes[24] != "d24/" {
		t.Errorf("prefixes %q", prefixes)
	}

	// Inside one folder, with paging across 1000-entry pages.
	pages = listAll(t, c, oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("d03/"), Delimiter: oss.Ptr("/"), MaxKeys: 1000})
	if len(pages) != 1 || len(pages[0].keys) != 100 || len(pages[0].prefixes) != 0 {
		t.Errorf("folder: %+v", pages)
	}

	// All 2,505 keys without a delimiter, in 1000-key pages.
	pages = listAll(t, c, oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), MaxKeys: 1000})
	n := 0
	for _, p := range pages {
		n += len(p.keys)
	}
	if len(pages) != 3 || n != 2505 {
		t.Errorf("%d pages, %d keys", len(pages), n)
	}
}

// TestListEncoding lists keys XML cannot carry or that need escaping. The
// SDK always asks for encoding-type=url and decodes the answer.
func TestListEncoding(t *testing.T) {
	s := newTestServer(t)
	keys := []string{"a b/c", "a+b", "ctl\x01key", "x&y<z>", "ünï/cödé", "per%cent"}
	for _, k := range keys {
		s.Seed(testBucket, k, nil, SeedOptions{})
	}
	c := newClient(s)
	res, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), EncodingType: oss.Ptr("url")})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if got := keysOf(res); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("keys %q, want %q", got, want)
	}
	res, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/"), Prefix: oss.Ptr("a b")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 1 || oss.ToString(res.CommonPrefixes[0].Prefix) != "a b/" || oss.ToString(res.Prefix) != "a b" {
		t.Errorf("prefixes %+v, prefix %q", res.CommonPrefixes, oss.ToString(res.Prefix))
	}
}

func TestListEmptyAndOwner(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	res, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("none/")})
	if err != nil || len(res.Contents) != 0 || res.KeyCount != 0 || res.IsTruncated {
		t.Fatalf("empty listing: %v %+v", err, res)
	}
	s.Seed(testBucket, "o", nil, SeedOptions{})
	res, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), FetchOwner: true})
	if err != nil || len(res.Contents) != 1 || res.Contents[0].Owner == nil {
		t.Fatalf("fetch-owner: %v", err)
	}
	if n := s.Count("ListObjectsV2", ""); n != 2 {
		t.Errorf("Count = %d", n)
	}
}
