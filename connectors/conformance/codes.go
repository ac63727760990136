package conformance

import (
	"errors"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// CodeCase is one kind of error met on one side of a job, and the code a
// backend's Code must give for it ("" leaves it to the generic mapping).
type CodeCase struct {
	Side connectors.Side
	Kind connectors.Kind
	Want string
}

// Codes checks a backend's catalogue codes: its Code on an error of each
// case's kind, met on address a.
func Codes(t *testing.T, b connectors.Backend, a connectors.Address, cases []CodeCase) {
	t.Helper()
	for _, tc := range cases {
		err := connectors.NewError(tc.Kind, "op", "", errors.New("server said no"))
		if got := b.Code(tc.Side, a, err); got != tc.Want {
			t.Errorf("%s %v %v: %q, want %q", b.Type, tc.Side, tc.Kind, got, tc.Want)
		}
	}
}
