package nasfs

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "a/b c/d": true, "日本/語": true, ".hidden": true,
		"": false, "/a": false, "a//b": false, "a/": false, "./a": false, "a/../b": false,
		"nul\x00": false, "latin\xe9": false, strings.Repeat("x", 256): false, `back\slash`: false,
	} {
		if err := CheckKey(key, `\`); (err == nil) != ok {
			t.Errorf("CheckKey(%q) = %v, want ok=%v", key, err, ok)
		}
	}
}

func TestTempName(t *testing.T) {
	for _, name := range []string{"f", "with space.txt", strings.Repeat("é", 127)} {
		tmp := TempName(name)
		if !IsTempName(tmp) || len(tmp) > MaxNameBytes {
			t.Errorf("TempName(%q) = %q (%d bytes): not recognised or too long", name, tmp, len(tmp))
		}
		if TempName(name) == tmp {
			t.Errorf("TempName(%q) twice gave the same name", name)
		}
	}
	for _, name := range []string{"f", ".f.mgw-tmp-", ".f.mgw-tmp-0123456789abcdeg", "f.mgw-tmp-0123456789abcdef"} {
		if IsTempName(name) {
			t.Errorf("IsTempName(%q) is true", name)
		}
	}
}

func TestCleanRoot(t *testing.T) {
	for in, want := range map[string]string{"": "", "/": "", "engineering/": "engineering", "/a/b/": "a/b", `a\b`: "a/b"} {
		if got, err := CleanRoot(in); err != nil || got != want {
			t.Errorf("CleanRoot(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := CleanRoot("a/../b"); err == nil {
		t.Error("CleanRoot accepted a .. segment")
	}
}
