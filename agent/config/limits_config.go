package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/state/codes"
)

// Limits caps a job's speed as the hosted service's speed limits do: bytes
// per second read from the source and requests per second to both sides,
// for the whole job across its workers and parts, with a weekly schedule
// that overrides them hour by hour. Zero means no limit.
type Limits struct {
	MaxBandwidth ByteSize      `yaml:"max_bandwidth"` // bytes/s
	MaxQPS       float64       `yaml:"max_qps"`       // requests/s
	Schedule     []LimitWindow `yaml:"schedule"`      // the first window that holds the hour wins

	pos positions
}

// LimitWindow overrides the job's limits on some days and hours of the
// week, in the agent's local time. A field left out keeps the job's value;
// 0 lifts the limit in the window.
type LimitWindow struct {
	Days         string    `yaml:"days"`  // mon-fri, sat,sun, mon,wed-fri; empty: every day
	Hours        string    `yaml:"hours"` // 09-18 (from 09:00 to 18:00), 22-06 (overnight), 13; empty: all day
	MaxBandwidth *ByteSize `yaml:"max_bandwidth"`
	MaxQPS       *float64  `yaml:"max_qps"`

	days     [7]bool // by time.Weekday
	from, to int     // hours [from, to), to may be < from (overnight)
	pos      positions
}

// minBandwidth is the lowest limit accepted: below it a single request's
// headers and retries would dominate, and the limiter's burst (a tenth of a
// second) would be smaller than a network packet's worth of reads.
const minBandwidth = 64 << 10

func (l Limits) String() string {
	var parts []string
	if s := limitText(l.MaxBandwidth, l.MaxQPS); s != "" {
		parts = append(parts, s)
	}
	for _, w := range l.Schedule {
		bw, qps := l.MaxBandwidth, l.MaxQPS
		if w.MaxBandwidth != nil {
			bw = *w.MaxBandwidth
		}
		if w.MaxQPS != nil {
			qps = *w.MaxQPS
		}
		s := limitText(bw, qps)
		if s == "" {
			s = "no limit"
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", orAll(w.Days, "every day"), orAll(w.Hours, "all day"), s))
	}
	return strings.Join(parts, "; ")
}

func limitText(bw ByteSize, qps float64) string {
	var s []string
	if bw > 0 {
		s = append(s, "max_bandwidth "+humanize.IBytes(uint64(bw))+"/s")
	}
	if qps > 0 {
		s = append(s, "max_qps "+strconv.FormatFloat(qps, 'g', -1, 64))
	}
	return strings.Join(s, ", ")
}

func orAll(s, all string) string {
	if s == "" {
		return all
	}
	return s
}

// decodeLimits reads a job's limits: field by field, so an unknown field
// or a bad value is reported with its line like the rest of the config.
func (p *parser) decodeLimits(n *yaml.Node, path string, l *Limits) {
	l.pos = p.decode(n, l, path)
}

// decodeWindows reads the schedule's windows, each with its lines.
func (p *parser) decodeWindows(n *yaml.Node, path string, out *[]LimitWindow) {
	p.decodeList(n, path, func(item *yaml.Node, ipath string) {
		var w LimitWindow
		w.pos = p.decode(item, &w, ipath)
		*out = append(*out, w)
	})
}

var weekdays = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// validateLimits checks a job's limits and parses the schedule's days and
// hours.
func (p *parser) validateLimits(j *JobConfig) {
	l := &j.Limits
	pos := l.pos // the job's line when limits are not written (pos stays zero, so an unset Limits is zero)
	if pos.path == "" {
		pos.path = j.pos.path + ".limits"
		pos.line, _ = j.pos.at("limits")
	}
	checkBW := func(pos positions, v ByteSize) {
		if v != 0 && v < minBandwidth {
			line, field := pos.at("max_bandwidth")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("%s is below the minimum %s/s (0 for no limit)",
				humanize.IBytes(uint64(v)), humanize.IBytes(minBandwidth)))
		}
	}
	checkQPS := func(pos positions, v float64) {
		if v < 0 || v > 1e6 {
			line, field := pos.at("max_qps")
			p.fail(codes.BadParameters, line, field, "must be between 0 (no limit) and 1000000")
		}
	}
	checkBW(pos, l.MaxBandwidth)
	checkQPS(pos, l.MaxQPS)
	for i := range l.Schedule {
		w := &l.Schedule[i]
		if w.pos.path == "" {
			w.pos.path = fmt.Sprintf("%s.schedule[%d]", pos.path, i)
		}
		if w.MaxBandwidth != nil {
			checkBW(w.pos, *w.MaxBandwidth)
		}
		if w.MaxQPS != nil {
			checkQPS(w.pos, *w.MaxQPS)
		}
		if w.MaxBandwidth == nil && w.MaxQPS == nil {
			line, field := w.pos.at("max_bandwidth")
			p.fail(codes.BadParameters, line, field, "a schedule window needs max_bandwidth or max_qps")
		}
		if err := w.parseDays(); err != nil {
			line, field := w.pos.at("days")
			p.fail(codes.BadParameters, line, field, err.Error())
		}
		if err := w.parseHours(); err != nil {
			line, field := w.pos.at("hours")
			p.fail(codes.BadParameters, line, field, err.Error())
		}
	}
}

// parseDays reads "mon-fri", "sat,sun", "fri-mon" (wrapping) or "" (every day).
// Parse reads the window's days and hours, as loading the config does.
func (w *LimitWindow) Parse() error {
	if err := w.parseDays(); err != nil {
		return err
	}
	return w.parseHours()
}

func (w *LimitWindow) parseDays() error {
	w.days = [7]bool{}
	s := strings.ToLower(strings.TrimSpace(w.Days))
	if s == "" || s == "*" || s == "daily" {
		w.days = [7]bool{true, true, true, true, true, true, true}
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, ok := weekdays[strings.TrimSpace(from)]
		b := a
		if ok && isRange {
			b, ok = weekdays[strings.TrimSpace(to)]
		}
		if !ok {
			return fmt.Errorf("%q is not a list of days or ranges (e.g. mon-fri, sat,sun)", w.Days)
		}
		for d := a; ; d = (d + 1) % 7 {
			w.days[d] = true
			if d == b {
				break
			}
		}
	}
	return nil
}

// parseHours reads "09-18" (from 09:00 up to 18:00), "22-06" (overnight:
// 22:00 to 06:00, each hour on the day it falls on), "13" (one hour) or ""
// (all day).
func (w *LimitWindow) parseHours() error {
	s := strings.TrimSpace(w.Hours)
	if s == "" {
		w.from, w.to = 0, 24
		return nil
	}
	bad := fmt.Errorf("%q is not an hour range from 00 to 24 (e.g. 09-18, 22-06)", w.Hours)
	from, to, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(strings.TrimSpace(from))
	if err != nil || a < 0 || a > 23 {
		return bad
	}
	b := a + 1
	if isRange {
		if b, err = strconv.Atoi(strings.TrimSpace(to)); err != nil || b < 0 || b > 24 || b == a {
			return bad
		}
	}
	w.from, w.to = a, b
	return nil
}

// holds reports whether the window covers the hour starting at weekday d,
// hour h.
func (w *LimitWindow) holds(d, h int) bool {
	if !w.days[d] {
		return false
	}
	if w.from < w.to {
		return h >= w.from && h < w.to
	}
	return h >= w.from || h < w.to
}

// At returns the limits in force at weekday d, hour h.
func (l *Limits) At(d, h int) (bw ByteSize, qps float64) {
	bw, qps = l.MaxBandwidth, l.MaxQPS
	for i := range l.Schedule {
		w := &l.Schedule[i]
		if !w.holds(d, h) {
			continue
		}
		if w.MaxBandwidth != nil {
			bw = *w.MaxBandwidth
		}
		if w.MaxQPS != nil {
			qps = *w.MaxQPS
		}
		break
	}
	return bw, qps
}

// any reports whether a bandwidth and a request limit may ever apply.
func (l *Limits) Any() (bw, qps bool) {
	bw, qps = l.MaxBandwidth > 0, l.MaxQPS > 0
	for _, w := range l.Schedule {
		bw = bw || (w.MaxBandwidth != nil && *w.MaxBandwidth > 0)
		qps = qps || (w.MaxQPS != nil && *w.MaxQPS > 0)
	}
	return bw, qps
}
