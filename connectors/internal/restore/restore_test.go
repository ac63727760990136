package restore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func TestParse(t *testing.T) {
	for v, want := range map[string]State{
		"":                       Frozen,
		`ongoing-request="true"`: Restoring,
		`ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`: Restored,
		`ongoing-request = "FALSE"`:                   Restored,
		`ongoing-request=true`:                        Restoring,
		`expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`: Frozen,
		`ongoing-request="maybe"`:                     Frozen,
	} {
		if got := Parse(v); got != want {
			t.Errorf("Parse(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestNeeded(t *testing.T) {
	for _, c := range []struct {
		class string
		s     State
		want  bool
	}{
		{"GLACIER", Frozen, true},
		{"ColdArchive", Frozen, true},
		{"ColdArchive", Restoring, false},
		{"ARCHIVE", Restored, false},
		{"", Frozen, false},
		{"IA", Frozen, false},
	} {
		if got := Needed(c.class, c.s); got != c.want {
			t.Errorf("Needed(%q, %v) = %v, want %v", c.class, c.s, got, c.want)
		}
	}
}

func TestDays(t *testing.T) {
	for _, c := range [][3]int{{0, 7, 1}, {-3, 7, 1}, {5, 7, 5}, {30, 7, 7}, {30, 365, 30}} {
		if got := Days(c[0], c[1]); got != c[2] {
			t.Errorf("Days(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

func TestAlreadyAsked(t *testing.T) {
	busy := &connectors.Error{Kind: connectors.KindUnknown, Status: 409, Code: "RestoreAlreadyInProgress"}
	if !AlreadyAsked(fmt.Errorf("wrapped: %w", busy)) {
		t.Error("RestoreAlreadyInProgress not recognised")
	}
	for _, err := range []error{nil, errors.New("RestoreAlreadyInProgress"),
		&connectors.Error{Status: 409, Code: "Conflict"}} {
		if AlreadyAsked(err) {
			t.Errorf("AlreadyAsked(%v) = true", err)
		}
	}
}
