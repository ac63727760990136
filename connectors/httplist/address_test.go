package httplist_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	base := t.TempDir()
	for _, tc := range []struct {
		name     string
		in       connectors.Address
		want     []connectors.Problem
		listFile string // after validation
	}{
		{"no list", connectors.Address{Type: "httplist"},
			[]connectors.Problem{{Code: codes.SourceAddrListFilePathInvalid, Field: "list_file", Detail: "required for type httplist"}}, ""},
		{"ftp list", connectors.Address{Type: "httplist", ListFile: "ftp://host/list"},
			[]connectors.Problem{{Code: codes.SourceAddrListFilePathInvalid, Field: "list_file", Detail: httplist.ValidLocation("ftp://host/list").Error()}}, "ftp://host/list"},
		{"bad format", connectors.Address{Type: "httplist", ListFile: "/l.tsv", ListFormat: "xml"},
			[]connectors.Problem{{Code: codes.BadParameters, Field: "list_format", Detail: `"xml" is not one of tsv, tsvhttpdata, manifest`}}, "/l.tsv"},
		{"relative list", connectors.Address{Type: "httplist", ListFile: "lists/urls.tsv"}, nil, filepath.Join(base, "lists", "urls.tsv")},
		{"list URL", connectors.Address{Type: "httplist", ListFile: "https://h/l.tsv", ListFormat: "tsv"}, nil, "https://h/l.tsv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if got := httplist.Backend.Validate(&a, base); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if a.ListFile != tc.listFile {
				t.Errorf("list_file %q, want %q", a.ListFile, tc.listFile)
			}
		})
	}
}

func TestCode(t *testing.T) {
	listErr := func(r httplist.Reason) error {
		return &connectors.Error{Kind: connectors.KindInvalidArgument, Err: &httplist.ListFileError{Reason: r, Line: 3}}
	}
	for _, tc := range []struct {
		side connectors.Side
		err  error
		want string
	}{
		{connectors.Source, listErr(httplist.BadFormat), codes.SourceAddrBadHttpListFormat},
		{connectors.Source, listErr(httplist.NotExist), codes.SourceAddrListFilePathNotExist},
		{connectors.Source, listErr(httplist.InvalidPath), codes.SourceAddrListFilePathInvalid},
		{connectors.Source, listErr(httplist.CannotConnect), codes.SourceAddrCannotConnectUrl},
		{connectors.Destination, listErr(httplist.BadFormat), codes.SourceAddrBadHttpListFormat},
		{connectors.Source, connectors.NewError(connectors.KindTimeout, "op", "", nil), ""}, // generic
	} {
		if got := httplist.Backend.Code(tc.side, connectors.Address{Type: "httplist"}, tc.err); got != tc.want {
			t.Errorf("%v %v: %q, want %q", tc.side, tc.err, got, tc.want)
		}
	}
	if !httplist.Backend.SourceOnly {
		t.Error("a list of URLs can be a destination")
	}
}
