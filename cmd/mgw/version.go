package main

import (
	"fmt"
	"runtime/debug"
)

// Stamped at build time by the Makefile (-ldflags -X). A binary built
// otherwise (go build, go install …@version) keeps these defaults, and
// the version command falls back to what the Go toolchain recorded.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// buildStamp is what `mgw version` prints and the agent reports.
type buildStamp struct {
	Version string
	Commit  string
	// When is the build time from the Makefile, or else the commit's time
	// from the toolchain's VCS stamp; Committed tells which, so the line
	// never calls a commit time a build time.
	When      string
	Committed bool
}

func (b buildStamp) String() string {
	when := "built " + b.When
	if b.Committed {
		when = "committed " + b.When
	}
	return fmt.Sprintf("mgw %s (commit %s, %s)", b.Version, b.Commit, when)
}

// stamp is this binary's build stamp.
func stamp() buildStamp {
	bi, _ := debug.ReadBuildInfo()
	return stampFrom(version, commit, date, bi)
}

// stampFrom keeps what the ldflags set and fills the rest from bi (nil
// when the binary has no build info): the module version, unless the
// toolchain only knew it as "(devel)", and the vcs.revision, vcs.time and
// vcs.modified settings that go build records in a checkout.
func stampFrom(version, commit, date string, bi *debug.BuildInfo) buildStamp {
	b := buildStamp{Version: version, Commit: commit, When: date}
	if bi == nil {
		return b
	}
	if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if commit == "none" && rev != "" {
		// As short as the Makefile's git rev-parse --short, give or take:
		// 12 digits, as in Go's pseudo-versions.
		b.Commit = rev[:min(len(rev), 12)]
		if modified {
			// The working tree had changes: the commit is not the whole source.
			b.Commit += "+dirty"
		}
	}
	if date == "unknown" && when != "" {
		b.When, b.Committed = when, true
	}
	return b
}
