package codes

import (
	_ "embed"
	"fmt"
	"strings"
)

// Code is one error code: what mgw records, shows and documents.
type Code struct {
	Name string // e.g. "InvalidJobName"
	// Scope is where the code arises: address, source-address,
	// destination-address, job, service or provider as in the catalogue, and
	// "file" for mgw's per-file codes.
	Scope   string
	Message string // the catalogue's exact message, or mgw's own in the same style
	Remedy  string // what an operator does about it, in 1 to 4 sentences
	MGW     bool   // true for codes mgw adds to the hosted service's catalogue
	// Use says whether mgw gives a catalogue code: UseProduced, with Test
	// naming the test that provokes it, or UseNotApplicable, with Reason
	// saying why and what mgw does instead. Empty for mgw's own codes,
	// which exist because mgw gives them.
	Use    string
	Test   string // "dir.TestName": the package directory and the test function
	Reason string
}

// Uses of a catalogue code.
const (
	UseProduced      = "produced"
	UseNotApplicable = "n/a"
)

// Scopes a code may have.
const (
	ScopeAddress     = "address"
	ScopeSource      = "source-address"
	ScopeDestination = "destination-address"
	ScopeJob         = "job"
	ScopeService     = "service"
	ScopeProvider    = "provider"
	ScopeFile        = "file"
)

// catalogueTSV is the hosted service's catalogue, copied verbatim
// (columns code, scope, message). Never edit it by hand: copy it again.
//
//go:embed catalogue.tsv
var catalogueTSV string

// mgwTSV holds a remedy for every code, and mgw's own codes (columns code,
// scope, message, remedy). Rows of catalogue codes leave scope and message
// empty, so the catalogue stays the one place those are spelt.
//
//go:embed mgw.tsv
var mgwTSV string

// useTSV classifies every catalogue code (columns code, use, test,
// reason): "produced" with the test that provokes it, or "n/a" with the
// reason and what mgw does instead.
//
//go:embed use.tsv
var useTSV string

var all, byName = mustLoad()

// Lookup returns the code with exactly this name.
func Lookup(name string) (Code, bool) {
	i, ok := byName[name]
	if !ok {
		return Code{}, false
	}
	return all[i], true
}

// All returns every code: the catalogue's in its order, then mgw's own.
// The slice is the caller's to keep or change.
func All() []Code {
	return append([]Code(nil), all...)
}

func mustLoad() ([]Code, map[string]int) {
	cs, err := parse(catalogueTSV, mgwTSV)
	if err == nil {
		err = classify(cs, useTSV)
	}
	if err != nil {
		// The files are embedded: a bad one is a build mistake the tests catch.
		panic("codes: " + err.Error())
	}
	idx := make(map[string]int, len(cs))
	for i, c := range cs {
		idx[c.Name] = i
	}
	return cs, idx
}

var scopes = map[string]bool{
	ScopeAddress: true, ScopeSource: true, ScopeDestination: true, ScopeJob: true,
	ScopeService: true, ScopeProvider: true, ScopeFile: true,
}

// parse builds the code list from the catalogue and mgw's table, and
// refuses anything that would leave a code without a remedy or spelt twice.
func parse(catalogue, own string) ([]Code, error) {
	crows, err := rows("catalogue.tsv", catalogue, []string{"code", "scope", "message"})
	if err != nil {
		return nil, err
	}
	mrows, err := rows("mgw.tsv", own, []string{"code", "scope", "message", "remedy"})
	if err != nil {
		return nil, err
	}

	var cs []Code
	seen := make(map[string]int) // name -> index in cs
	for _, r := range crows {
		c := Code{Name: r.f[0], Scope: r.f[1], Message: r.f[2]}
		if err := check(c, seen); err != nil {
			return nil, fmt.Errorf("catalogue.tsv:%d: %w", r.line, err)
		}
		seen[c.Name] = len(cs)
		cs = append(cs, c)
	}
	for _, r := range mrows {
		name, scope, msg, remedy := r.f[0], r.f[1], r.f[2], r.f[3]
		if remedy == "" {
			return nil, fmt.Errorf("mgw.tsv:%d: %s has no remedy", r.line, name)
		}
		if i, ok := seen[name]; ok {
			switch {
			case i >= len(crows):
				return nil, fmt.Errorf("mgw.tsv:%d: %s defined twice", r.line, name)
			case cs[i].Remedy != "":
				return nil, fmt.Errorf("mgw.tsv:%d: second remedy for %s", r.line, name)
			case scope != "" || msg != "":
				return nil, fmt.Errorf("mgw.tsv:%d: %s is a catalogue code: leave scope and message empty", r.line, name)
			}
			cs[i].Remedy = remedy
			continue
		}
		c := Code{Name: name, Scope: scope, Message: msg, Remedy: remedy, MGW: true}
		if err := check(c, seen); err != nil {
			return nil, fmt.Errorf("mgw.tsv:%d: %w", r.line, err)
		}
		seen[name] = len(cs)
		cs = append(cs, c)
	}
	for _, c := range cs {
		if c.Remedy == "" {
			return nil, fmt.Errorf("mgw.tsv: no remedy for %s", c.Name)
		}
	}
	return cs, nil
}

func check(c Code, seen map[string]int) error {
	switch {
	case !validName(c.Name):
		return fmt.Errorf("bad code name %q", c.Name)
	case !scopes[c.Scope]:
		return fmt.Errorf("%s: unknown scope %q", c.Name, c.Scope)
	case c.Message == "":
		return fmt.Errorf("%s: empty message", c.Name)
	}
	if _, dup := seen[c.Name]; dup {
		return fmt.Errorf("%s defined twice", c.Name)
	}
	return nil
}

// validName accepts the catalogue's style: an upper-case ASCII letter, then
// ASCII letters and digits.
func validName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

type row struct {
	line int
	f    []string
}

// rows splits a tab-separated file with the given header into rows of
// exactly that many fields. Fields are kept byte for byte: no trimming, no
// quoting, so a message is what the file says.
func rows(file, text string, header []string) ([]row, error) {
	if strings.Contains(text, "\r") {
		return nil, fmt.Errorf("%s: carriage return found: line ends must be \\n", file)
	}
	text, ok := strings.CutSuffix(text, "\n")
	if !ok {
		return nil, fmt.Errorf("%s: missing final newline", file)
	}
	lines := strings.Split(text, "\n")
	if got := lines[0]; got != strings.Join(header, "\t") {
		return nil, fmt.Errorf("%s:1: header %q, want %q", file, got, strings.Join(header, "\t"))
	}
	var rs []row
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != len(header) {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d", file, i+2, len(f), len(header))
		}
		rs = append(rs, row{line: i + 2, f: f})
	}
	return rs, nil
}

// classify fills in Use, Test and Reason from use.tsv, and refuses a
// catalogue code without a row, a row for mgw's own code, or a row that
// does not say what it must.
func classify(cs []Code, use string) error {
	urows, err := rows("use.tsv", use, []string{"code", "use", "test", "reason"})
	if err != nil {
		return err
	}
	idx := make(map[string]int, len(cs))
	for i, c := range cs {
		idx[c.Name] = i
	}
	for _, r := range urows {
		name, u, test, reason := r.f[0], r.f[1], r.f[2], r.f[3]
		i, ok := idx[name]
		switch {
		case !ok:
			return fmt.Errorf("use.tsv:%d: unknown code %s", r.line, name)
		case cs[i].MGW:
			return fmt.Errorf("use.tsv:%d: %s is mgw's own code: it has no row", r.line, name)
		case cs[i].Use != "":
			return fmt.Errorf("use.tsv:%d: %s classified twice", r.line, name)
		case u == UseProduced && (test == "" || reason != ""):
			return fmt.Errorf("use.tsv:%d: %s is produced: name its test, give no reason", r.line, name)
		case u == UseNotApplicable && (test != "" || !strings.Contains(reason, "instead")):
			return fmt.Errorf("use.tsv:%d: %s is n/a: give the reason and what mgw does instead, no test", r.line, name)
		case u != UseProduced && u != UseNotApplicable:
			return fmt.Errorf("use.tsv:%d: %s: use %q, want produced or n/a", r.line, name, u)
		}
		cs[i].Use, cs[i].Test, cs[i].Reason = u, test, reason
	}
	for _, c := range cs {
		if !c.MGW && c.Use == "" {
			return fmt.Errorf("use.tsv: no row for %s", c.Name)
		}
	}
	return nil
}
