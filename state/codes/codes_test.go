package codes

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// catalogueSHA256 pins catalogue.tsv to the hosted service's catalogue as
// last copied (../shared/reference/error-codes.tsv beside the repository),
// so that a hand edit fails here in any clone, while the test reads nothing
// outside the repository. Copying a newer reference changes it on purpose:
// then set it to the output of sha256sum state/codes/catalogue.tsv.
const catalogueSHA256 = "2ecc2b59e0761b5a077f61e682c9308e8cc6a88ad7fa191d268d49931ee9c7fb"

func TestCatalogueIsThePinnedCopy(t *testing.T) {
	if got := fmt.Sprintf("%x", sha256.Sum256([]byte(catalogueTSV))); got != catalogueSHA256 {
		t.Fatalf("catalogue.tsv has SHA-256 %s, pinned %s: it is the hosted service's catalogue copied verbatim, never edited; "+
			"after copying a newer reference, pin its digest in catalogueSHA256", got, catalogueSHA256)
	}
}

// TestCatalogueMatchesReference compares the embedded copy with a reference
// catalogue only when MGW_CODES_REFERENCE names one (for example
// MGW_CODES_REFERENCE=$PWD/../shared/reference/error-codes.tsv): whether the
// copy is stale is a question asked on purpose, since a test that read a
// file outside the repository by itself would pass or fail by what happens
// to sit beside the clone.
func TestCatalogueMatchesReference(t *testing.T) {
	ref := os.Getenv("MGW_CODES_REFERENCE")
	if ref == "" {
		return
	}
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(catalogueTSV), want) {
		t.Fatalf("catalogue.tsv differs from %s: copy it again (cp %s state/codes/catalogue.tsv) and pin its digest", ref, ref)
	}
}

// The catalogue is the hosted service's: it has no per-file codes (those
// are mgw's own, in mgw.tsv), and none of its codes is marked as mgw's.
func TestCatalogueScopes(t *testing.T) {
	for _, c := range All() {
		if !c.MGW && c.Scope == ScopeFile {
			t.Errorf("%s: a catalogue code with scope file", c.Name)
		}
	}
}

// Every catalogue row is present with its exact scope and message, and in
// catalogue order at the head of All. The rows are split here by hand,
// not by the package's parser, so a parser bug cannot hide itself.
func TestCatalogueRowsPresent(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(catalogueTSV, "\n"), "\n")[1:]
	if len(lines) < 100 {
		t.Fatalf("catalogue has %d rows, want about 100", len(lines))
	}
	cs := All()
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("catalogue row %d has %d fields", i+2, len(f))
		}
		c, ok := Lookup(f[0])
		switch {
		case !ok:
			t.Errorf("%s: missing", f[0])
			continue
		case c.Scope != f[1]:
			t.Errorf("%s: scope %q, want %q", f[0], c.Scope, f[1])
		case c.Message != f[2]:
			t.Errorf("%s: message %q, want %q", f[0], c.Message, f[2])
		case c.MGW:
			t.Errorf("%s: marked as mgw's own", f[0])
		}
		if cs[i].Name != f[0] {
			t.Errorf("All()[%d] = %s, want %s (catalogue order)", i, cs[i].Name, f[0])
		}
	}
	for _, c := range cs[len(lines):] {
		if !c.MGW {
			t.Errorf("%s: after the catalogue but not marked as mgw's own", c.Name)
		}
	}
}

func TestOwnCodes(t *testing.T) {
	want := map[string]struct{ scope, msg string }{
		SourceThrottled:       {ScopeFile, "downloader gets input stream failed"},
		DestThrottled:         {ScopeFile, ""},
		SourceFileChanged:     {ScopeFile, "check size failed"},
		TransferInterrupted:   {ScopeFile, "premature end of content-length delimited message body"},
		SourceAccessDenied:    {ScopeFile, "http status code 403"},
		DestAccessDenied:      {ScopeFile, "http status code 403"},
		SourceObjectArchived:  {ScopeFile, "The operation is not valid for the object's state"},
		UserMetaInvalid:       {ScopeFile, "check usermeta failed"},
		SourceFileUnreadable:  {ScopeFile, ""},
		DestObjectNameTooLong: {ScopeFile, ""},
		DestVerifyFailed:      {ScopeFile, ""},
		DestWriteFailed:       {ScopeFile, ""},
		SourceFileNotFound:    {ScopeFile, ""},
		ConfigFileInvalid:     {ScopeService, ""},
		AgentNotRunning:       {ScopeService, ""},
		SourceVanished:        {ScopeJob, ""},
		DeleteLimitExceeded:   {ScopeJob, ""},
		StateDiskFull:         {ScopeService, ""},
		StateDamaged:          {ScopeService, ""},
		StateInUse:            {ScopeService, ""},
		StateNotWritable:      {ScopeService, ""},
		DestDiskFull:          {ScopeJob, ""},
	}
	n := 0
	for _, c := range All() {
		if !c.MGW {
			continue
		}
		n++
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("%s: unexpected mgw code", c.Name)
			continue
		}
		if c.Scope != w.scope {
			t.Errorf("%s: scope %q, want %q", c.Name, c.Scope, w.scope)
		}
		if w.msg != "" && c.Message != w.msg {
			t.Errorf("%s: message %q, want %q", c.Name, c.Message, w.msg)
		}
	}
	if n != len(want) {
		t.Errorf("%d mgw codes, want %d", n, len(want))
	}
}

// sentenceEnd finds the end of a sentence: a full stop, question or
// exclamation mark followed by a space or the end of the text.
var sentenceEnd = regexp.MustCompile(`[.!?](\s|$)`)

func TestRemedies(t *testing.T) {
	for _, c := range All() {
		r := c.Remedy
		if strings.TrimSpace(r) == "" {
			t.Errorf("%s: no remedy", c.Name)
			continue
		}
		if n := len(sentenceEnd.FindAllStringIndex(r, -1)); n < 1 || n > 4 {
			t.Errorf("%s: remedy has %d sentences, want 1 to 4: %q", c.Name, n, r)
		}
		if !strings.HasSuffix(r, ".") {
			t.Errorf("%s: remedy does not end with a full stop: %q", c.Name, r)
		}
		if strings.Count(r, "`")%2 != 0 {
			t.Errorf("%s: unbalanced backquotes in remedy: %q", c.Name, r)
		}
	}
}

func TestCifsPasswordRemedy(t *testing.T) {
	c, ok := Lookup(CifsPasswordNotSupported)
	if !ok {
		t.Fatal("CifsPasswordNotSupported missing")
	}
	for _, s := range []string{"own client", "no mount command line", "any character", "commas and quotes", "does not apply"} {
		if !strings.Contains(c.Remedy, s) {
			t.Errorf("remedy lacks %q: %q", s, c.Remedy)
		}
	}
}

// Remedies that name another code must name one that exists.
func TestRemedyReferences(t *testing.T) {
	word := regexp.MustCompile(`\b[A-Z][a-z]+(?:[A-Z][A-Za-z0-9]*)+\b`)
	for _, c := range All() {
		for _, w := range word.FindAllString(c.Remedy, -1) {
			if _, ok := Lookup(w); !ok && looksLikeCode(w) {
				t.Errorf("%s: remedy names unknown code %s", c.Name, w)
			}
		}
	}
}

// looksLikeCode tells a code name from the other CamelCase words remedies
// use: providers' own error and field names.
func looksLikeCode(w string) bool {
	switch w {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "SlowDown", "ColdArchive",
		"AccessKey", "SecretId", "SecretKey", "ListObjects", "GetObject":
		return false
	}
	return true
}

func TestNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if seen[c.Name] {
			t.Errorf("%s appears twice", c.Name)
		}
		seen[c.Name] = true
	}
}

// Every constant in names.go resolves, is spelt as its value, and every
// code has a constant.
func TestConstants(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "names.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: not a string literal", id.Name)
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				if v != id.Name {
					t.Errorf("constant %s = %q: name and value differ", id.Name, v)
				}
				if _, ok := Lookup(v); !ok {
					t.Errorf("constant %s does not resolve with Lookup", id.Name)
				}
				consts[v] = true
			}
		}
	}
	for _, c := range All() {
		if !consts[c.Name] {
			t.Errorf("%s has no constant in names.go", c.Name)
		}
	}
}

func TestLookup(t *testing.T) {
	c, ok := Lookup(InvalidJobName)
	if !ok || c.Scope != ScopeJob || c.MGW || !strings.HasPrefix(c.Message, "The name of a migration job") {
		t.Errorf("Lookup(InvalidJobName) = %+v, %v", c, ok)
	}
	for _, s := range []string{"", "invalidjobname", "InvalidJobName ", "Nope"} {
		if _, ok := Lookup(s); ok {
			t.Errorf("Lookup(%q) found a code", s)
		}
	}
	a := All()
	a[0].Message = "changed"
	if All()[0].Message == "changed" {
		t.Error("All returns the package's own slice")
	}
}

func TestParseRejects(t *testing.T) {
	const cat = "code\tscope\tmessage\nFoo\tjob\tA foo.\n"
	const hdr = "code\tscope\tmessage\tremedy\n"
	cases := map[string]struct{ cat, own string }{
		"no remedy for catalogue code": {cat, hdr},
		"empty remedy":                 {cat, hdr + "Foo\t\t\t\n"},
		"catalogue code redefined":     {cat, hdr + "Foo\tjob\tOther.\tDo it.\n"},
		"second remedy":                {cat, hdr + "Foo\t\t\tDo it.\nFoo\t\t\tAgain.\n"},
		"own code twice":               {cat, hdr + "Foo\t\t\tDo it.\nBar\tfile\tB.\tR.\nBar\tfile\tB.\tR.\n"},
		"own code without message":     {cat, hdr + "Foo\t\t\tDo it.\nBar\tfile\t\tR.\n"},
		"unknown scope":                {cat, hdr + "Foo\t\t\tDo it.\nBar\tdisk\tB.\tR.\n"},
		"bad name":                     {cat, hdr + "Foo\t\t\tDo it.\nbar baz\tfile\tB.\tR.\n"},
		"wrong field count":            {cat, hdr + "Foo\t\tDo it.\n"},
		"wrong header":                 {cat, "code\tremedy\nFoo\tDo it.\n"},
		"crlf":                         {strings.ReplaceAll(cat, "\n", "\r\n"), hdr + "Foo\t\t\tDo it.\n"},
		"no final newline":             {cat, hdr + "Foo\t\t\tDo it."},
		"duplicate in catalogue":       {cat + "Foo\tjob\tA foo.\n", hdr + "Foo\t\t\tDo it.\n"},
	}
	for name, tc := range cases {
		if _, err := parse(tc.cat, tc.own); err == nil {
			t.Errorf("%s: parse accepted it", name)
		}
	}
	cs, err := parse(cat, hdr+"Foo\t\t\tDo it.\nBar\tfile\tB  keeps  spaces .\tR.\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Code{
		{Name: "Foo", Scope: "job", Message: "A foo.", Remedy: "Do it."},
		{Name: "Bar", Scope: "file", Message: "B  keeps  spaces .", Remedy: "R.", MGW: true},
	}
	if len(cs) != len(want) || cs[0] != want[0] || cs[1] != want[1] {
		t.Errorf("parse = %+v, want %+v", cs, want)
	}
}
