package conformance

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// tree is the small nested layout the listing tests use.
var tree = []string{"a/b/c", "a/b/d", "a/e", "f"}

func (s *suite) testList(t *testing.T) {
	b := s.seeded(t, objects(tree...))
	// A folder marker, as consoles and other tools create them. Backends
	// that cannot store one (file systems) may refuse it; List must never
	// pass one on. (A read-only backend has nothing to write it with.)
	if !s.h.ReadOnly {
		if _, err := b.Put(t.Context(), "a/marker/", bytes.NewReader(nil), 0, connectors.PutOptions{}); err != nil {
			s.noSecret(t, err)
			t.Logf("put of folder marker a/marker/ refused: %s", s.text(err))
		}
	}

	got := s.list(t, b, "")
	sameKeys(t, "list of the root", got, tree...)
	for k, o := range got {
		if o.Type != connectors.Regular || o.Size != int64(len(k)) {
			t.Errorf("list: %s has type %v size %d, want Regular %d", k, o.Type, o.Size, len(k))
		}
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/b/c", "a/b/d", "a/e"}},
		{"a", []string{"a/b/c", "a/b/d", "a/e"}},
		{"a/b/", []string{"a/b/c", "a/b/d"}},
		{"a/b", []string{"a/b/c", "a/b/d"}},
		{"a/e", []string{"a/e"}},
		{"f", []string{"f"}},
		{"nope/", nil},
		{"a/nope/", nil},
		{"a/b/c/", nil}, // a file, not a folder
		{"zz", nil},
	} {
		sameKeys(t, "list "+quote(c.prefix), s.list(t, b, c.prefix), c.want...)
	}
}

func (s *suite) testListPaging(t *testing.T) {
	var keys []string
	for i := range 25 {
		keys = append(keys, fmt.Sprintf("page/%02d", i))
	}
	b := s.seeded(t, objects(append(keys, "pagezz")...))
	sameKeys(t, "list of page/", s.list(t, b, "page/"), keys...)
	sameKeys(t, "list of the root", s.list(t, b, ""), append(keys, "pagezz")...)
	sameKeys(t, "listdir of page/", s.listDir(t, b, "page/"), keys...)
}

func (s *suite) testListDir(t *testing.T) {
	b := s.seeded(t, objects(tree...))
	sameKeys(t, "listdir of the root", s.listDir(t, b, ""), "f")
	sameKeys(t, "listdir of a/", s.listDir(t, b, "a/"), "a/e")
	got := s.listDir(t, b, "a/b/")
	sameKeys(t, "listdir of a/b/", got, "a/b/c", "a/b/d")
	for k, o := range got {
		if o.Size != int64(len(k)) {
			t.Errorf("listdir: %s has size %d, want %d", k, o.Size, len(k))
		}
	}
	sameKeys(t, "listdir of a missing folder", s.listDir(t, b, "nope/"))
}

// longKey returns a key of exactly n bytes made of segments no longer than
// 200 bytes, so that file systems with a 255-byte name limit can hold it.
func longKey(n int) string {
	var sb strings.Builder
	for sb.Len() < n {
		rest := n - sb.Len()
		if rest <= 200 {
			sb.WriteString(strings.Repeat("L", rest))
			break
		}
		seg := min(200, rest-2) // leave room for "/" and a non-empty last segment
		sb.WriteString(strings.Repeat("L", seg))
		sb.WriteByte('/')
	}
	return sb.String()
}

// maxKey is the length of the longest key the suite stores: 1023 bytes, as
// OSS and S3 allow, or less where the backend says so.
func maxKey(f connectors.Features) int {
	if f.MaxKeyBytes > 0 && f.MaxKeyBytes < 1023 {
		return f.MaxKeyBytes
	}
	return 1023
}

func (s *suite) testWeirdNames(t *testing.T) {
	keys := []string{
		"with space",
		"dir with space/file with space",
		"日本語/ファイル.txt",
		"emoji 😀/🎉",
		"percent %41 %2F %",
		"plus+sign",
		"hash#tag",
		"question?mark",
		"amp&ersand",
		"equals=sign",
		"mix ?#&=+%;,:@!$'()[]~",
		" leading/ both /trailing ",
		"a/ b/c ",
	}
	keys = append(keys, longKey(maxKey(s.bucket(t).Features())))
	content := map[string][]byte{}
	for _, k := range keys {
		content[k] = []byte("content of " + k)
	}
	b := s.seeded(t, content)
	sameKeys(t, "list of weird names", s.list(t, b, ""), keys...)
	for _, k := range keys {
		s.stat(t, b, k, int64(len("content of "+k)))
		s.checkContent(t, b, k, []byte("content of "+k))
	}
	// Listing by a prefix that itself holds weird characters.
	sameKeys(t, "list of 日本語/", s.list(t, b, "日本語/"), "日本語/ファイル.txt")
	sameKeys(t, "list of \"mix ?#&\"", s.list(t, b, "mix ?#&"), "mix ?#&=+%;,:@!$'()[]~")
}

func (s *suite) testUnsupportedNames(t *testing.T) {
	b := s.bucket(t)
	f := b.Features()
	var bad []string
	if f.MaxKeyBytes > 0 {
		bad = append(bad, longKey(f.MaxKeyBytes+1))
	}
	if f.UTF8Keys {
		bad = append(bad, "latin1-\xe9t\xe9", "dir\xff/file")
	}
	if len(bad) == 0 {
		t.Skip("backend has no key length limit and takes any bytes")
	}
	for _, k := range bad {
		_, err := b.Put(t.Context(), k, mustNotRead{t}, 10, connectors.PutOptions{})
		s.wantKind(t, err, connectors.KindUnsupportedName, "put "+quote(k))
		_, err = b.Stat(t.Context(), k)
		s.wantKind(t, err, connectors.KindUnsupportedName, "stat "+quote(k))
		rc, err := b.Open(t.Context(), k, 0, -1)
		if err == nil {
			rc.Close()
		}
		s.wantKind(t, err, connectors.KindUnsupportedName, "open "+quote(k))
	}
	sameKeys(t, "list after refused names", s.list(t, b, ""))
}
