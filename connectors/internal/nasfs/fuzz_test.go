package nasfs

import (
	"path"
	"strings"
	"testing"
)

// A key CheckKey accepts never leads out of the share's root, whatever
// the source named it: not through "..", an absolute path, or (on SMB,
// whose separator is the backslash) a backslash read as a separator.
func FuzzKeyStaysUnderRoot(f *testing.F) {
	for _, k := range []string{"a", "a/b", "../x", "/etc/passwd", "a/../../b", `..\..\x`, "a//b", "./a", "a\x00b", "é/ü"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		for _, forbid := range []string{"", `\`} {
			if CheckKey(key, forbid) != nil {
				continue
			}
			p := Join("root", key)
			if forbid != "" {
				p = strings.ReplaceAll(p, `\`, "/") // what an SMB server reads
			}
			if c := path.Clean(p); !strings.HasPrefix(c, "root/") {
				t.Fatalf("key %q (forbid %q) accepted, leads to %q", key, forbid, c)
			}
		}
	})
}
