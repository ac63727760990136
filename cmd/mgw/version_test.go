package main

import (
	"runtime/debug"
	"testing"
)

func TestStampFrom(t *testing.T) {
	vcs := func(rev, when, modified string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/mgw-dev/mgw", Version: "(devel)"}}
		for _, s := range []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: when}, {Key: "vcs.modified", Value: modified}} {
			if s.Value != "" {
				bi.Settings = append(bi.Settings, s)
			}
		}
		return bi
	}
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/mgw-dev/mgw", Version: "v1.4.0"}}
	const rev = "459e1c4ab2cd3ef0123456789abcdef012345678"
	cases := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"make build: the ldflags win", "v1.4.0-3-g459e1c4", "459e1c4", "2026-11-27T10:00:00Z", vcs(rev, "2026-11-26T09:00:00Z", "true"),
			"mgw v1.4.0-3-g459e1c4 (commit 459e1c4, built 2026-11-27T10:00:00Z)"},
		{"go build in a clean checkout", "dev", "none", "unknown", vcs(rev, "2026-11-26T09:00:00Z", "false"),
			"mgw dev (commit 459e1c4ab2cd, committed 2026-11-26T09:00:00Z)"},
		{"go build with changes", "dev", "none", "unknown", vcs(rev, "2026-11-26T09:00:00Z", "true"),
			"mgw dev (commit 459e1c4ab2cd+dirty, committed 2026-11-26T09:00:00Z)"},
		{"go install @version: no VCS stamp", "dev", "none", "unknown", installed,
			"mgw v1.4.0 (commit none, built unknown)"},
		{"no build info", "dev", "none", "unknown", nil,
			"mgw dev (commit none, built unknown)"},
		{"ldflags set the version only", "v1.4.0", "none", "unknown", vcs(rev, "", ""),
			"mgw v1.4.0 (commit 459e1c4ab2cd, built unknown)"},
	}
	for _, c := range cases {
		if got := stampFrom(c.version, c.commit, c.date, c.bi).String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	// go build records a pseudo-version from the checkout since Go 1.24.
	bi := vcs(rev, "2026-11-26T09:00:00Z", "false")
	bi.Main.Version = "v0.0.0-20261126090000-459e1c4ab2cd"
	if got := stampFrom("dev", "none", "unknown", bi).Version; got != bi.Main.Version {
		t.Errorf("version %s, want the module's %s", got, bi.Main.Version)
	}
}
