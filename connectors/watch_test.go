package connectors

import (
	"errors"
	"fmt"
	"testing"
)

// The agent shows an unwatchable root's reason as it is: the message is
// the reason alone, and the error still wraps ErrUnwatchable when wrapped.
func TestUnwatchable(t *testing.T) {
	why := "NFS mount: changes made by other hosts are not reported"
	err := Unwatchable(why)
	if err.Error() != why {
		t.Errorf("Error() = %q, want %q", err.Error(), why)
	}
	if !errors.Is(fmt.Errorf("watch: %w", err), ErrUnwatchable) {
		t.Error("does not wrap ErrUnwatchable")
	}
	if errors.Is(NewError(KindNotFound, "watch", "", errors.New("gone")), ErrUnwatchable) {
		t.Error("another error wraps ErrUnwatchable")
	}
}
