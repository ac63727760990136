package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state/codes"
)

const limitsConfig = `
state_dir: state
addresses:
  - {name: src, type: local, path: src}
  - {name: dst, type: local, path: dst}
jobs:
  - name: follow
    source: src
    destination: dst
    mode: continuous
    concurrency: %d
    limits:
      max_bandwidth: %s
      max_qps: 500
      schedule:
        - days: mon-fri
          hours: 09-18
          max_bandwidth: 20MiB
`

func TestLimitsConfigErrors(t *testing.T) {
	cfg := `addresses:
  - {name: src, type: local, path: /a}
  - {name: dst, type: local, path: /b}
jobs:
  - name: job
    source: src
    destination: dst
    limits:
      max_bandwidth: 1KiB
      max_qps: -1
      burst: 3
      schedule:
        - days: mon-fry
          hours: 09-25
          max_bandwidth: 1MiB
        - days: sat
`
	_, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(cfg))
	if err == nil {
		t.Fatal("accepted")
	}
	got := err.Error()
	t.Log(got)
	for _, want := range []string{
		"/etc/mgw/mgw.yaml:11 jobs[0].limits.burst: unknown field",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q", want)
		}
	}
	// Unknown fields stop parsing before validation: the rest in a second go.
	cfg = strings.Replace(cfg, "      burst: 3\n", "", 1)
	_, err = ParseConfig("/etc/mgw/mgw.yaml", []byte(cfg))
	if err == nil {
		t.Fatal("accepted")
	}
	got = err.Error()
	t.Log(got)
	for _, want := range []string{
		"/etc/mgw/mgw.yaml:9 jobs[0].limits.max_bandwidth: 1.0 KiB is below the minimum",
		"/etc/mgw/mgw.yaml:10 jobs[0].limits.max_qps: must be between",
		"/etc/mgw/mgw.yaml:12 jobs[0].limits.schedule[0].days: \"mon-fry\"",
		"/etc/mgw/mgw.yaml:13 jobs[0].limits.schedule[0].hours: \"09-25\"",
		"/etc/mgw/mgw.yaml:15 jobs[0].limits.schedule[1].max_bandwidth: a schedule window needs",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q", want)
		}
	}
	if !strings.Contains(got, codes.BadParameters) {
		t.Errorf("no catalogue code in %q", got)
	}
}

func TestLimitsConfigGood(t *testing.T) {
	dir := t.TempDir()
	cfg, err := ParseConfig(filepath.Join(dir, "mgw.yaml"), fmt.Appendf(nil, limitsConfig, 4, "200MiB"))
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Job("follow").Limits
	if l.MaxBandwidth != 200<<20 || l.MaxQPS != 500 || len(l.Schedule) != 1 {
		t.Fatalf("limits %+v", l)
	}
	if bw, _ := l.At(int(time.Wednesday), 12); bw != 20<<20 {
		t.Errorf("Wednesday noon: %d", bw)
	}
	if bw, _ := l.At(int(time.Sunday), 12); bw != 200<<20 {
		t.Errorf("Sunday noon: %d", bw)
	}
	text := cfg.Job("follow").Text()
	if want := "limits: max_bandwidth 200 MiB/s, max_qps 500; mon-fri 09-18: max_bandwidth 20 MiB/s, max_qps 500\n"; !strings.Contains(text, want) {
		t.Errorf("job config text:\n%s\nwant a line %q", text, want)
	}
}

func TestNoLimitsNoLine(t *testing.T) {
	cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte("addresses:\n  - {name: src, type: local, path: /a}\n  - {name: dst, type: local, path: /b}\njobs:\n  - {name: job, source: src, destination: dst}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if text := cfg.Job("job").Text(); strings.Contains(text, "limits") {
		t.Errorf("a job without limits shows them:\n%s", text)
	}
}

func TestLimitsAtSchedule(t *testing.T) {
	bw1, bw2 := ByteSize(1<<20), ByteSize(0)
	qps := 5.0
	l := Limits{MaxBandwidth: 100 << 20, MaxQPS: 50, Schedule: []LimitWindow{
		{Days: "mon-fri", Hours: "09-18", MaxBandwidth: &bw1},
		{Days: "fri-sun", Hours: "22-06", MaxBandwidth: &bw2, MaxQPS: &qps},
	}}
	for i := range l.Schedule {
		if err := l.Schedule[i].parseDays(); err != nil {
			t.Fatal(err)
		}
		if err := l.Schedule[i].parseHours(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		day, hour int
		bw        ByteSize
		qps       float64
	}{
		{1, 8, 100 << 20, 50}, {1, 9, 1 << 20, 50}, {5, 17, 1 << 20, 50}, {5, 18, 100 << 20, 50},
		{5, 23, 0, 5}, {6, 3, 0, 5}, {0, 5, 0, 5}, {0, 6, 100 << 20, 50}, {1, 2, 100 << 20, 50},
	} {
		bw, q := l.At(tc.day, tc.hour)
		if bw != tc.bw || q != tc.qps {
			t.Errorf("day %d hour %d: %d, %g; want %d, %g", tc.day, tc.hour, bw, q, tc.bw, tc.qps)
		}
	}
}
