package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func kindErr(k connectors.Kind) error {
	return connectors.NewError(k, "op", "key", errors.New("server said no"))
}

func TestFileCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		key  string
		want string
	}{
		{onSide(connectors.Source, kindErr(connectors.KindChanged)), "a", codes.SourceFileChanged},
		{onSide(connectors.Source, kindErr(connectors.KindThrottled)), "a", codes.SourceThrottled},
		{onSide(connectors.Destination, kindErr(connectors.KindThrottled)), "a", codes.DestThrottled},
		{onSide(connectors.Source, kindErr(connectors.KindAccessDenied)), "a", codes.SourceFileUnreadable},
		{onSide(connectors.Source, kindErr(connectors.KindUnknown)), "a", codes.RetryExceedMaxCount},
		{onSide(connectors.Destination, kindErr(connectors.KindAccessDenied)), "a", codes.DestAccessDenied},
		{onSide(connectors.Source, kindErr(connectors.KindInvalidState)), "a", codes.SourceObjectArchived},
		{onSide(connectors.Destination, kindErr(connectors.KindUnsupportedName)), "bad\xff", codes.SourceAddrHasUnsupportedChar},
		{onSide(connectors.Destination, kindErr(connectors.KindUnsupportedName)), "long", codes.DestObjectNameTooLong},
		{onSide(connectors.Destination, kindErr(connectors.KindTransient)), "a", codes.TransferInterrupted},
		{onSide(connectors.Destination, kindErr(connectors.KindInvalidArgument)), "a", codes.DestWriteFailed},
		{&verifyError{"size"}, "a", codes.DestVerifyFailed},
	} {
		code, message := FileCode(tc.err, tc.key, true)
		if code != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, code, tc.want)
		}
		c, _ := codes.Lookup(code)
		if message == "" || len(message) < len(c.Message) || message[:len(c.Message)] != c.Message {
			t.Errorf("%s: message %q does not start with the code's %q", code, message, c.Message)
		}
	}
}

func TestFileCodeObjectStoreSource(t *testing.T) {
	if code, _ := FileCode(onSide(connectors.Source, kindErr(connectors.KindAccessDenied)), "a", false); code != codes.SourceAccessDenied {
		t.Errorf("403 from an S3 source: %s", code)
	}
}

func TestJobFatal(t *testing.T) {
	for k, want := range map[connectors.Kind]bool{
		connectors.KindBadKeyID: true, connectors.KindBadSecret: true, connectors.KindNoSuchBucket: true,
		connectors.KindAccessDenied: false, connectors.KindTransient: false, connectors.KindNotFound: false,
	} {
		if got := jobFatal(onSide(connectors.Destination, kindErr(k))); got != want {
			t.Errorf("%v: %v", k, got)
		}
	}
}

// A name an SMB destination cannot store is the source's unsupported
// character, not a long name.
func TestNASFileCodeBackslash(t *testing.T) {
	err := onSide(connectors.Destination, kindErr(connectors.KindUnsupportedName))
	if code, _ := FileCode(err, `dir/a\b.txt`, true); code != codes.SourceAddrHasUnsupportedChar {
		t.Errorf("backslash name: %s, want %s", code, codes.SourceAddrHasUnsupportedChar)
	}
	if code, _ := FileCode(err, "dir/"+strings.Repeat("x", 300), true); code != codes.DestObjectNameTooLong {
		t.Errorf("long name: %s, want %s", code, codes.DestObjectNameTooLong)
	}
}
