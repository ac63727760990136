package codes

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository's root, seen from this package's directory.
const root = "../.."

// goSources reads every Go file of the repository, split into program
// code (outside this package, which only defines the names) and tests.
func goSources(t *testing.T) (prog, tests map[string]string) {
	t.Helper()
	prog, tests = map[string]string{}, map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case strings.HasSuffix(p, "_test.go"):
			tests[rel] = string(b)
		case filepath.Dir(rel) != "state/codes":
			prog[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return prog, tests
}

// A catalogue code mgw claims to give is given by program code (through
// its constant), and the test use.tsv names exists in its package, in a
// file that mentions the code; so a claim cannot outlive the code.
func TestProducedCodesAreProducedAndTested(t *testing.T) {
	prog, tests := goSources(t)
	n := 0
	for _, c := range All() {
		if c.Use != UseProduced {
			continue
		}
		n++
		use := regexp.MustCompile(`\bcodes\.` + c.Name + `\b`)
		found := false
		for _, src := range prog {
			if use.MatchString(src) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s is classified produced, but no program code uses codes.%s: produce it or mark it n/a", c.Name, c.Name)
		}
		i := strings.LastIndex(c.Test, ".")
		if i < 0 {
			t.Errorf("%s: test %q is not dir.TestName", c.Name, c.Test)
			continue
		}
		dir, fn := c.Test[:i], c.Test[i+1:]
		def := regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(fn) + `\(t \*testing\.T\)`)
		mention := regexp.MustCompile(`\b` + c.Name + `\b`)
		ok := false
		for p, src := range tests {
			if filepath.Dir(p) == dir && def.MatchString(src) && mention.MatchString(src) {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("%s: no %s in a test file of %s that mentions %s", c.Name, fn, dir, c.Name)
		}
	}
	if n == 0 {
		t.Fatal("no code is classified produced")
	}
}

// An n/a code says why, and what mgw does instead; and no program code
// gives it after all.
func TestNotApplicableCodes(t *testing.T) {
	prog, _ := goSources(t)
	for _, c := range All() {
		if c.MGW {
			if c.Use != "" {
				t.Errorf("%s: mgw's own code is classified %q", c.Name, c.Use)
			}
			continue
		}
		if c.Use != UseNotApplicable {
			continue
		}
		if !strings.Contains(c.Reason, "instead") || len(c.Reason) < 40 {
			t.Errorf("%s: n/a without a reason and what mgw does instead: %q", c.Name, c.Reason)
		}
		use := regexp.MustCompile(`\bcodes\.` + c.Name + `\b`)
		for p, src := range prog {
			if use.MatchString(src) {
				t.Errorf("%s is classified n/a, but %s uses it", c.Name, p)
			}
		}
	}
}

func TestClassifyRejects(t *testing.T) {
	const cat = "code\tscope\tmessage\nFoo\tjob\tA foo.\nBar\tjob\tA bar.\n"
	const own = "code\tscope\tmessage\tremedy\nFoo\t\t\tDo it.\nBar\t\t\tDo it.\nOwn\tfile\tO.\tR.\n"
	const hdr = "code\tuse\ttest\treason\n"
	cases := map[string]string{
		"missing row":         hdr + "Foo\tproduced\tx.TestFoo\t\n",
		"unknown code":        hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tproduced\tx.TestBar\t\nBaz\tproduced\tx.T\t\n",
		"own code":            hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tproduced\tx.TestBar\t\nOwn\tproduced\tx.T\t\n",
		"produced no test":    hdr + "Foo\tproduced\t\t\nBar\tproduced\tx.TestBar\t\n",
		"n/a without instead": hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tn/a\t\tNot here.\n",
		"n/a with a test":     hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tn/a\tx.T\tDone instead.\n",
		"other use":           hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tmaybe\t\t\n",
		"twice":               hdr + "Foo\tproduced\tx.TestFoo\t\nBar\tproduced\tx.TestBar\t\nFoo\tproduced\tx.TestFoo\t\n",
	}
	for name, use := range cases {
		cs, err := parse(cat, own)
		if err != nil {
			t.Fatal(err)
		}
		if err := classify(cs, use); err == nil {
			t.Errorf("%s: classify accepted it", name)
		}
	}
	cs, _ := parse(cat, own)
	if err := classify(cs, hdr+"Foo\tproduced\tx.TestFoo\t\nBar\tn/a\t\tDone elsewhere instead.\n"); err != nil {
		t.Fatal(err)
	}
	if cs[0].Use != UseProduced || cs[0].Test != "x.TestFoo" || cs[1].Reason != "Done elsewhere instead." || cs[2].Use != "" {
		t.Errorf("classify = %+v", cs)
	}
}

// docs/codes.md is what the generator writes, and names every code.
func TestPageIsGenerated(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, PagePath))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if page != Page() {
		t.Errorf("%s is not the generated page: run go generate ./state/codes", PagePath)
	}
	for _, c := range All() {
		if !strings.Contains(page, "\n### "+c.Name+"\n") {
			t.Errorf("%s: not in %s", c.Name, PagePath)
		}
	}
}
