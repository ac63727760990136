package local

import (
	"path/filepath"
	"strings"
	"testing"
)

// A key checkKey accepts is a path inside the root on this OS: never "..",
// never absolute, never a volume name, whatever the source named it.
func FuzzKeyStaysUnderRoot(f *testing.F) {
	for _, k := range []string{"a", "a/b", "../x", "/etc/passwd", "a/../../b", `..\..\x`, "C:/x", "a//b", "./a", "a\x00b"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if checkKey(key) != nil {
			return
		}
		p := filepath.FromSlash(key)
		if !filepath.IsLocal(p) {
			t.Fatalf("key %q accepted, is not a local path: %q", key, p)
		}
		if rel, err := filepath.Rel("root", filepath.Join("root", p)); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			t.Fatalf("key %q accepted, leads out of the root: %q", key, rel)
		}
	})
}
