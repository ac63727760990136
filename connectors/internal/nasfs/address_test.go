package nasfs

import (
	"errors"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestRoot(t *testing.T) {
	for _, tc := range []struct {
		a    connectors.Address
		want string
	}{
		{connectors.Address{Type: "smb", Server: "NAS", Share: "projects", Path: "engineering/"}, "smb://nas/projects//engineering/"},
		{connectors.Address{Type: "smb", Server: "nas", Share: "projects"}, "smb://nas/projects//"},
		{connectors.Address{Type: "smb", Server: "nas", Share: "projects", Path: "/"}, "smb://nas/projects//"},
		{connectors.Address{Type: "nfs", Server: "nas:2049", Export: "/export/media/", Path: "/2024/./x"}, "nfs://nas:2049//export/media//2024/x/"},
	} {
		if got := Root(tc.a); got != tc.want {
			t.Errorf("Root(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
	// Roots that must not be prefixes of each other: another export that
	// starts like the folder of the first, another share, another server.
	for _, pair := range [][2]connectors.Address{
		{{Type: "nfs", Server: "s", Export: "/e", Path: "sub"}, {Type: "nfs", Server: "s", Export: "/e/sub"}},
		{{Type: "nfs", Server: "s", Export: "/e"}, {Type: "nfs", Server: "s", Export: "/e2"}},
		{{Type: "smb", Server: "s", Share: "one"}, {Type: "smb", Server: "s", Share: "one2"}},
		{{Type: "smb", Server: "s", Share: "one"}, {Type: "smb", Server: "s2", Share: "one"}},
		{{Type: "smb", Server: "s", Share: "x", Path: "a"}, {Type: "smb", Server: "s", Share: "x", Path: "ab"}},
	} {
		ra, rb := Root(pair[0]), Root(pair[1])
		if strings.HasPrefix(ra, rb) || strings.HasPrefix(rb, ra) {
			t.Errorf("%q and %q overlap", ra, rb)
		}
	}
}

func TestAddressCode(t *testing.T) {
	for _, tc := range []struct {
		side    connectors.Side
		kind    connectors.Kind
		connect bool
		want    string
	}{
		{connectors.Source, connectors.KindNotFound, false, codes.SourcePrefixIsNotDir},
		{connectors.Destination, connectors.KindNotDir, false, codes.DestPrefixIsNotDir},
		{connectors.Source, connectors.KindAccessDenied, false, codes.SourceReadDirFailed},
		{connectors.Source, connectors.KindAccessDenied, true, codes.SourceMountNasFailed}, // the login or the share refused
		{connectors.Destination, connectors.KindNotFound, true, codes.DestMountNasFailed},
		{connectors.Source, connectors.KindBadSecret, false, codes.SourceMountNasFailed},
		{connectors.Destination, connectors.KindNoSuchBucket, false, codes.DestMountNasFailed},
		{connectors.Source, connectors.KindBadEndpoint, false, codes.SourceMountNasFailed},
		{connectors.Source, connectors.KindUnsupported, true, codes.SourceAccessVersionInvalid},
		{connectors.Destination, connectors.KindUnsupported, false, codes.DestReadDirFailed},
		{connectors.Destination, connectors.KindUnknown, false, codes.DestReadDirFailed},
	} {
		err := connectors.NewError(tc.kind, "op", "", errors.New("server said no"))
		if got := AddressCode(tc.side, err, tc.connect); got != tc.want {
			t.Errorf("%v %v connect=%v: %s, want %s", tc.side, tc.kind, tc.connect, got, tc.want)
		}
	}
}
