package state

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain/name.jpg":   "plain/name.jpg",
		"日本語/ü.txt":        "日本語/ü.txt",
		"tab\there":        `tab\there`,
		"new\nline":        `new\nline`,
		`back\slash`:       `back\\slash`,
		"bad\xffbyte":      `bad\xffbyte`,
		"bell\x07\x7f":     `bell\x07\x7f`,
		"cr\r":             `cr\r`,
		"half\xe6\x97utf8": `half\xe6\x97utf8`,
	} {
		got := Escape(in)
		if got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "\t\n\r") {
			t.Errorf("Escape(%q) still holds a separator", in)
		}
		back, err := Unescape(got)
		if err != nil || back != in {
			t.Errorf("Unescape(%q) = %q, %v; want %q", got, back, err, in)
		}
	}
}

func TestUnescapeRejects(t *testing.T) {
	for _, in := range []string{`x\`, `\q`, `\x4`, `\xzz`, `\x4z`} {
		if _, err := Unescape(in); err == nil {
			t.Errorf("Unescape(%q) succeeded", in)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a\tb", "\xff", `\\`, "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if strings.ContainsAny(e, "\t\n\r") {
			t.Fatalf("separator survived in %q", e)
		}
		back, err := Unescape(e)
		if err != nil || back != s {
			t.Fatalf("round trip %q -> %q -> %q, %v", s, e, back, err)
		}
	})
}
