package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

// explain runs `mgw explain CODE` and returns its remedy, unwrapped.
func explain(t *testing.T, code string) string {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"explain", code})
	if err := root.Execute(); err != nil {
		t.Fatalf("explain %s: %v", code, err)
	}
	_, remedy, ok := strings.Cut(out.String(), "\nWhat to do:\n")
	if !ok {
		t.Fatalf("explain %s: no remedy in %q", code, out.String())
	}
	return strings.Join(strings.Fields(remedy), " ")
}

// mgwCommand finds the commands a remedy names: `mgw` and its words up to
// the first argument in capitals, a flag or the end of the quote.
var mgwCommand = regexp.MustCompile("`mgw((?: [a-z][a-z-]*)+)")

// Every remedy mgw explain prints is true to the catalogue's word: "never"
// only for a code mgw does not give (which then says what it does
// instead), and every mgw command it names exists.
func TestExplainedRemediesAreTrue(t *testing.T) {
	for _, c := range codes.All() {
		r := explain(t, c.Name)
		never := regexp.MustCompile(`\bnever\b`).MatchString(r)
		switch c.Use {
		case codes.UseProduced:
			if never {
				t.Errorf("%s: mgw gives it, but its remedy says never: %q", c.Name, r)
			}
		case codes.UseNotApplicable:
			if !never || !strings.Contains(r, "instead") {
				t.Errorf("%s: mgw never gives it, and its remedy must say so and what mgw does instead: %q", c.Name, r)
			}
		}
		for _, m := range mgwCommand.FindAllStringSubmatch(r, -1) {
			if !isCommand(strings.Fields(m[1])) {
				t.Errorf("%s: remedy names `mgw%s`, which is no mgw command", c.Name, m[1])
			}
		}
	}
}

// isCommand says whether words, read from the root, name a command that
// runs: the words after the deepest command found are its arguments,
// which a group of subcommands does not take.
func isCommand(words []string) bool {
	cmd, rest, err := newRoot().Find(words)
	if err != nil || cmd.Parent() == nil || !cmd.Runnable() {
		return false
	}
	return len(rest) == 0 || !cmd.HasSubCommands()
}

func TestIsCommand(t *testing.T) {
	for words, want := range map[string]bool{
		"address verify": true, "job retry": true, "report": true,
		"service status": true, "nosuch": false, "address nosuch": false, "job": false,
	} {
		if got := isCommand(strings.Fields(words)); got != want {
			t.Errorf("isCommand(%q) = %v, want %v", words, got, want)
		}
	}
}

// `mgw explain` prints the remedy docs/codes.md gives for each code.
func TestExplainMatchesPage(t *testing.T) {
	b, err := os.ReadFile("../../" + codes.PagePath)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, c := range codes.All() {
		_, sec, ok := strings.Cut(page, "\n### "+c.Name+"\n")
		if !ok {
			t.Errorf("%s: not in %s", c.Name, codes.PagePath)
			continue
		}
		sec, _, _ = strings.Cut(sec, "\n#")
		paras := strings.Split(strings.TrimSpace(sec), "\n\n")
		onPage := strings.Join(strings.Fields(paras[len(paras)-1]), " ")
		if got := explain(t, c.Name); got != onPage {
			t.Errorf("%s: mgw explain prints %q, the page says %q", c.Name, got, onPage)
		}
	}
}
