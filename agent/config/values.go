package config

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"
)

// ByteSize is a size in bytes written as a number or with a unit (100MiB, 5GB).
type ByteSize int64

// UnmarshalYAML accepts 1048576, "1MiB" or "1 MB".
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := humanize.ParseBytes(n.Value)
	if err != nil || v > 1<<62 {
		return fmt.Errorf("%q is not a size (e.g. 1048576, 100MiB, 5GB)", n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// Duration is a time.Duration written as 2s, 1h30m.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration (e.g. 500ms, 2s, 1h)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MaxDelete caps the deletes one pass may apply: a count ("500") or a
// percentage of the files in the index ("10%").
type MaxDelete struct {
	Count   int64
	Percent float64 // used when Count is 0
	Set     bool
}

// UnmarshalYAML accepts 500 or "10%".
func (m *MaxDelete) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	var err error
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		_, err = fmt.Sscanf(pct, "%g", &m.Percent)
		if err == nil && (m.Percent < 0 || m.Percent > 100) {
			err = errors.New("out of range")
		}
	} else {
		_, err = fmt.Sscanf(v, "%d", &m.Count)
		if err == nil && m.Count < 0 {
			err = errors.New("negative")
		}
	}
	if err != nil {
		return fmt.Errorf("%q is not a count or a percentage (e.g. 500, 10%%)", n.Value)
	}
	m.Set = true
	return nil
}

func (m MaxDelete) String() string {
	if m.Count > 0 || (m.Set && m.Percent == 0) {
		return fmt.Sprint(m.Count)
	}
	if !m.Set {
		return fmt.Sprintf("%d%%", DefaultMaxDeletePct)
	}
	return fmt.Sprintf("%g%%", m.Percent)
}

// Limit is the number of deletes allowed when the index holds indexed files.
func (m MaxDelete) Limit(indexed int64) int64 {
	if m.Count > 0 || (m.Set && m.Percent == 0) {
		return m.Count
	}
	pct := m.Percent
	if !m.Set {
		pct = DefaultMaxDeletePct
	}
	if pct >= 100 {
		return math.MaxInt64 // "100%": no cap
	}
	return int64(float64(indexed) * pct / 100)
}

// Mode is how a job runs: once (the default) or continuous.
type Mode string

const (
	ModeOnce       Mode = "once"
	ModeContinuous Mode = "continuous"
)

// Overwrite is what a job does with a file the destination already has.
type Overwrite string

const (
	OverwriteAlways    Overwrite = "always"
	OverwriteNever     Overwrite = "never"
	OverwriteIfNewer   Overwrite = "if-newer" // the default: skip when the destination is newer
	OverwriteIfDiffers Overwrite = "if-different"
)

// Deletes is what a continuous job does at the destination with a file
// gone from the source.
type Deletes string

const (
	DeletesKeep    Deletes = "keep" // the default
	DeletesMirror  Deletes = "mirror"
	DeletesArchive Deletes = "archive"
)

// CheckEvery is how often the agent checks a continuous job (as `mgw
// check` does): weekly, daily, hourly or a duration; 0 never.
type CheckEvery time.Duration

var checkWords = map[string]time.Duration{"weekly": 7 * 24 * time.Hour, "daily": 24 * time.Hour, "hourly": time.Hour}

// UnmarshalYAML accepts weekly, daily, hourly or a Go duration (90m, 12h).
func (c *CheckEvery) UnmarshalYAML(n *yaml.Node) error {
	if d, ok := checkWords[n.Value]; ok {
		*c = CheckEvery(d)
		return nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not weekly, daily, hourly or a duration (e.g. 12h)", n.Value)
	}
	*c = CheckEvery(d)
	return nil
}

func (c CheckEvery) String() string {
	for w, d := range checkWords {
		if time.Duration(c) == d {
			return w
		}
	}
	return time.Duration(c).String()
}
