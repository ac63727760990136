package prefixwalk

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// hostile keys: empty segments, a leading slash, names that are also
// prefixes of others, a key that sorts between a folder's entries.
var hostile = []string{
	"a", "a/b", "a/b/c", "a/b/c/d.txt", "a//x", "a///y", "/lead", "//", "b/", "b/0", "b/é/ü",
	"c/d/e/f/g/h", "c/d!", "c/d/", "c/d/e", "sp ace/ x ", "x%2Fy/z", "zz",
}

// level lists keys as an object store does: with delimited, the keys
// directly under prefix and one common prefix per folder (a folder marker
// such as "b/" is listed as an object, as S3 does).
func level(keys []string, emit func(string)) Level {
	return func(_ context.Context, prefix string, delimited bool, sub func(string) error) error {
		seen := map[string]bool{}
		for _, k := range keys {
			rest, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			if i := strings.IndexByte(rest, '/'); delimited && i >= 0 {
				cp := prefix + rest[:i+1]
				if !seen[cp] {
					seen[cp] = true
					if err := sub(cp); err != nil {
						return err
					}
				}
				continue
			}
			emit(k)
		}
		return nil
	}
}

func TestWalkListsEveryKeyOnce(t *testing.T) {
	keys := slices.Clone(hostile)
	for i := range 300 { // more folders than a small queue holds
		keys = append(keys, "many/"+strings.Repeat("f", i%7)+string(rune('a'+i%26))+"/"+strings.Repeat("k", i))
	}
	sort.Strings(keys)
	for _, tc := range []struct {
		name              string
		workers, queueMax int
		root              string
	}{{"one worker", 1, 10, ""}, {"parallel", 8, 256, ""}, {"queue overflows", 4, 1, ""}, {"under a prefix", 8, 256, "a"}, {"under a folder", 3, 2, "a/"}} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			got := map[string]int{}
			err := Walk(t.Context(), tc.root, tc.workers, tc.queueMax, level(keys, func(k string) {
				mu.Lock()
				got[k]++
				mu.Unlock()
			}))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				want := 0
				if strings.HasPrefix(k, tc.root) {
					want = 1
				}
				if got[k] != want {
					t.Errorf("%q listed %d times, want %d", k, got[k], want)
				}
			}
			if len(got) > len(keys) {
				t.Errorf("listed %d keys, the store holds %d", len(got), len(keys))
			}
		})
	}
}

func TestWalkStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	err := Walk(t.Context(), "", 4, 8, func(_ context.Context, prefix string, _ bool, sub func(string) error) error {
		if prefix == "" {
			for _, p := range []string{"a/", "b/", "c/"} {
				if err := sub(p); err != nil {
					return err
				}
			}
			return nil
		}
		if prefix == "b/" {
			return boom
		}
		return sub(prefix + "x/") // an endless tree, cut short by the error
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
}
