package testserver

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func newTestStore(t *testing.T, keys ...string) *Store {
	t.Helper()
	st := NewStore(StoreConfig{Buckets: []string{"b"}})
	for _, k := range keys {
		if err := st.Put("b", k, st.NewObject([]byte(k), time.Now()), "Seed", false); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func pageKeys(t *testing.T, st *Store, o ListOptions) ([]string, bool) {
	t.Helper()
	page, truncated, err := st.List("b", o)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range page {
		keys = append(keys, e.Key)
	}
	return keys, truncated
}

// Common prefixes count toward a page, and the two marker kinds resume
// after a key (OSS start-after, COS marker) or after a rolled-up prefix.
func TestListPaging(t *testing.T) {
	st := newTestStore(t, "a/1", "a/2", "a/b", "b", "c/1")
	cases := []struct {
		name      string
		o         ListOptions
		want      []string
		truncated bool
	}{
		{"rollup", ListOptions{Delimiter: "/", Max: 2}, []string{"a/", "b"}, true},
		{"after prefix", ListOptions{Delimiter: "/", Marker: "a/", MarkerIsPrefix: true, Max: 10}, []string{"b", "c/"}, false},
		{"after key keeps its prefix", ListOptions{Delimiter: "/", Marker: "a/1", Max: 10}, []string{"a/", "b", "c/"}, false},
		{"cos marker hides listed prefixes", ListOptions{Delimiter: "/", Marker: "a/1", PrefixesAfterMarker: true, Max: 10}, []string{"b", "c/"}, false},
		{"prefix", ListOptions{Prefix: "a/", Max: 2}, []string{"a/1", "a/2"}, true},
	}
	for _, c := range cases {
		got, truncated := pageKeys(t, st, c.o)
		if !reflect.DeepEqual(got, c.want) || truncated != c.truncated {
			t.Errorf("%s: %v truncated=%v, want %v truncated=%v", c.name, got, truncated, c.want, c.truncated)
		}
	}
}

// Completion checks order first, then each part, then sizes.
func TestCompleteChecks(t *testing.T) {
	st := newTestStore(t)
	st.Initiate("u", "b", "k", &Object{StorageClass: "X"})
	p1, p2 := st.NewPart(1, []byte("one")), st.NewPart(2, []byte("two"))
	for _, p := range []*Part{p1, p2} {
		if err := st.PutPart("u", "b", "k", p); err != nil {
			t.Fatal(err)
		}
	}
	try := func(list []PartRef, min int) error {
		_, err := st.Complete("u", "b", "k", Completion{Parts: list, MinPartSize: min})
		return err
	}
	if err := try([]PartRef{{2, p2.ETag}, {1, "nope"}}, 0); err != ErrPartOrder {
		t.Errorf("order: %v", err)
	}
	var pe *PartError
	if err := try([]PartRef{{1, p1.ETag}, {2, "nope"}}, 10); !errors.As(err, &pe) || pe.Err != ErrInvalidPart || pe.PartNumber != 2 {
		t.Errorf("etag: %v", err)
	}
	if err := try([]PartRef{{1, p1.ETag}, {2, p2.ETag}}, 10); !errors.As(err, &pe) || pe.Err != ErrTooSmall || pe.PartNumber != 1 {
		t.Errorf("size: %v", err)
	}
	obj, err := st.Complete("u", "b", "k", Completion{All: true})
	if err != nil || string(obj.Data) != "onetwo" || obj.Parts != 2 || obj.MD5 != nil || obj.StorageClass != "X" {
		t.Fatalf("complete all: %+v %v", obj, err)
	}
	if err := st.CheckUpload("u", "b", "k"); err != ErrNoSuchUpload {
		t.Errorf("upload still open: %v", err)
	}
	if got := st.PartUploads("b", "k"); !reflect.DeepEqual(got, map[int]int{1: 1, 2: 1}) {
		t.Errorf("part uploads %v", got)
	}
}

func TestResolveRange(t *testing.T) {
	cases := []struct {
		header        string
		rules         RangeRules
		start, end    int64
		status        int
		unsatisfiable bool
	}{
		{"bytes=2-", RangeRules{}, 2, 9, 206, false},
		{"bytes=-3", RangeRules{}, 7, 9, 206, false},
		{"bytes=5-100", RangeRules{}, 5, 9, 206, false},
		{"bytes=5-100", RangeRules{Lenient: true}, 0, 9, 200, false},
		{"bytes=10-", RangeRules{}, 0, 0, 0, true},
		{"bytes=10-", RangeRules{Lenient: true}, 0, 9, 200, false},
		{"bytes=0-1,4-5", RangeRules{}, 0, 1, 206, false},
		{"bytes=0-1,4-5", RangeRules{OnlyOne: true}, 0, 9, 200, false},
		{"bytes=x-1", RangeRules{}, 0, 9, 200, false},
	}
	for _, c := range cases {
		start, end, status, err := ResolveRange(c.header, 10, c.rules)
		if c.unsatisfiable {
			if err != ErrRange {
				t.Errorf("%s %+v: %v, want ErrRange", c.header, c.rules, err)
			}
			continue
		}
		if err != nil || start != c.start || end != c.end || status != c.status {
			t.Errorf("%s %+v: %d-%d %d %v, want %d-%d %d", c.header, c.rules, start, end, status, err, c.start, c.end, c.status)
		}
	}
}

// A failure injected for any operation is taken by the next request.
func TestFailNextAny(t *testing.T) {
	s := &Server{failures: map[string]*failure{}, counts: map[string]map[string]int{}}
	s.FailNext("", 1, http.StatusServiceUnavailable, "SlowDown")
	var inj *Injected
	if err := s.enter("GetObject", "b", "k"); !errors.As(err, &inj) || inj.Code != "SlowDown" {
		t.Errorf("first: %v", err)
	}
	if err := s.enter("GetObject", "b", "k"); err != nil {
		t.Errorf("second: %v", err)
	}
}
