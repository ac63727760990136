package all

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/state/codes"
)

func kindErr(k connectors.Kind) error {
	return connectors.NewError(k, "op", "key", errors.New("server said no"))
}

func TestTypes(t *testing.T) {
	want := []string{"local", "s3", "oss", "cos", "httplist", "upyun", "azblob", "smb", "nfs", "gcs"}
	if got := Types(); !slices.Equal(got, want) {
		t.Errorf("Types() = %v, want %v", got, want)
	}
}

// Every backend is complete, and the flags the agent reads instead of
// type names say what its type lists said.
func TestBackends(t *testing.T) {
	flags := map[string]string{
		"local": "FileSystem", "s3": "Restore", "oss": "Restore", "cos": "Restore", "httplist": "SourceOnly",
		"upyun": "SourceOnly", "azblob": "Restore", "gcs": "", "smb": "FileSystem Shared", "nfs": "FileSystem Shared",
	}
	for _, typ := range Types() {
		b, ok := Lookup(typ)
		if !ok || b.Type != typ || b.Open == nil || b.Validate == nil || b.Root == nil {
			t.Errorf("%s: incomplete backend %+v", typ, b)
			continue
		}
		var got []string
		for name, set := range map[string]bool{"SourceOnly": b.SourceOnly, "Restore": b.Restore, "FileSystem": b.FileSystem, "Shared": b.Shared} {
			if set {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		if want, ok := flags[typ]; !ok || strings.Join(got, " ") != want {
			t.Errorf("%s: flags %v, want %q", typ, got, want)
		}
	}
	if _, ok := Lookup("ftp"); ok {
		t.Error("Lookup finds ftp")
	}
}

func TestValidateType(t *testing.T) {
	types := strings.Join(Types(), ", ")
	for _, tc := range []struct {
		typ  string
		want connectors.Problem
	}{
		{"", connectors.Problem{Code: codes.BadParameters, Field: "type", Detail: "required: one of " + types}},
		{"ftp", connectors.Problem{Code: codes.BadParameters, Field: "type", Detail: `"ftp" is not one of ` + types}},
		{"Local", connectors.Problem{Code: codes.BadParameters, Field: "type", Detail: `"Local" is not one of ` + types}},
		{"cifs", connectors.Problem{Code: codes.SourceAccessMethodInvalid, Field: "type", Detail: `"cifs" is not one of ` + types}},
		{"NAS", connectors.Problem{Code: codes.SourceAccessMethodInvalid, Field: "type", Detail: `"NAS" is not one of ` + types}},
		{"nfs4", connectors.Problem{Code: codes.SourceAccessMethodInvalid, Field: "type", Detail: `"nfs4" is not one of ` + types}},
		{"smb1", connectors.Problem{Code: codes.SourceAccessMethodInvalid, Field: "type", Detail: `"smb1" is not one of ` + types}},
	} {
		a := connectors.Address{Name: "a", Type: tc.typ}
		if got := Validate(&a, "/etc/mgw"); !slices.Equal(got, []connectors.Problem{tc.want}) {
			t.Errorf("type %q: %v, want %v", tc.typ, got, tc.want)
		}
	}
	// A known type is its backend's to check.
	a := connectors.Address{Type: "local"}
	if got := Validate(&a, "/etc/mgw"); len(got) != 1 || got[0].Field != "path" {
		t.Errorf("local without a path: %v", got)
	}
}

func TestOpen(t *testing.T) {
	if _, err := Open(t.Context(), connectors.Address{Name: "x", Type: "ftp"}); err == nil || err.Error() != `address x: unknown type "ftp"` {
		t.Errorf("unknown type: %v", err)
	}
	b, err := Open(t.Context(), connectors.Address{Name: "l", Type: "local", Path: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

// The generic mapping, where no backend has a code of its own (ported
// from the agent's TestAddressCode).
func TestAddressCodeGeneric(t *testing.T) {
	for _, tc := range []struct {
		side connectors.Side
		typ  string
		kind connectors.Kind
		want string
	}{
		{connectors.Source, "oss", connectors.KindBadKeyID, codes.OssAccessKeyInvalid},
		{connectors.Source, "s3", connectors.KindBadKeyID, codes.SourceAddrAccessKeyInvalid},
		{connectors.Destination, "oss", connectors.KindBadKeyID, codes.DestAddrAccessKeyInvalid},
		{connectors.Source, "oss", connectors.KindBadSecret, codes.OssSecretKeyInvalid},
		{connectors.Destination, "s3", connectors.KindBadSecret, codes.DestAddrSecretKeyInvalid},
		{connectors.Source, "s3", connectors.KindNoSuchBucket, codes.SourceAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Destination, "oss", connectors.KindNoSuchBucket, codes.DestAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "oss", connectors.KindBadEndpoint, codes.OssEndpointInvalid},
		{connectors.Destination, "s3", connectors.KindBadEndpoint, codes.DestAddrEndpointInvalid},
		{connectors.Destination, "s3", connectors.KindTimeout, codes.CheckAddressTimeOut},
		{connectors.Source, "local", connectors.KindNotFound, codes.SourcePrefixIsNotDir},
		{connectors.Source, "local", connectors.KindNotDir, codes.SourcePrefixIsNotDir},
		{connectors.Destination, "oss", connectors.KindNotDir, codes.DestPrefixIsNotDir},
		{connectors.Source, "local", connectors.KindAccessDenied, codes.SourceReadDirFailed},
		{connectors.Destination, "local", connectors.KindAccessDenied, codes.DestReadDirFailed},
		{connectors.Source, "oss", connectors.KindAccessDenied, codes.OssAccessDenied},
		{connectors.Destination, "s3", connectors.KindAccessDenied, codes.DestAddrEndpointBucketPermissionInvalid},
		{connectors.Destination, "s3", connectors.KindUnknown, codes.DestinationDataAddressInvalid},
		{connectors.Source, "s3", connectors.KindInvalidArgument, codes.SourceDataAddressInvalid},
		// No type (what a per-file error of bad credentials asks): generic.
		{connectors.Source, "", connectors.KindBadKeyID, codes.SourceAddrAccessKeyInvalid},
		{connectors.Destination, "", connectors.KindNoSuchBucket, codes.DestAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "ftp", connectors.KindAccessDenied, codes.SourceAddrEndpointBucketPermissionInvalid},
	} {
		a := connectors.Address{Type: tc.typ}
		if got := AddressCode(tc.side, a, kindErr(tc.kind)); got != tc.want {
			t.Errorf("%v %q %v: %s, want %s", tc.side, tc.typ, tc.kind, got, tc.want)
		}
	}
}

// A backend's own code comes first, and its "" falls back to the generic
// one (ported from the agent's cloud A, cloud B and NAS tables).
func TestAddressCodeBackends(t *testing.T) {
	listErr := &connectors.Error{Kind: connectors.KindInvalidArgument, Err: &httplist.ListFileError{Reason: httplist.BadFormat, Line: 3}}
	for _, tc := range []struct {
		side     connectors.Side
		typ      string
		provider string
		err      error
		want     string
	}{
		{connectors.Source, "cos", "", kindErr(connectors.KindBadSecret), codes.SourceAddrSecretIdInvalid},
		{connectors.Source, "cos", "", kindErr(connectors.KindNoSuchBucket), codes.SourceAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "cos", "", kindErr(connectors.KindAccessDenied), codes.SourceAddrEndpointBucketPermissionInvalid},
		{connectors.Destination, "cos", "", kindErr(connectors.KindBadKeyID), codes.DestAddrAccessKeyInvalid},
		{connectors.Source, "httplist", "", listErr, codes.SourceAddrBadHttpListFormat},
		{connectors.Source, "httplist", "", kindErr(connectors.KindTimeout), codes.CheckAddressTimeOut},
		{connectors.Source, "upyun", "", kindErr(connectors.KindBadSecret), codes.SourceAddrPasswordInvalid},
		{connectors.Source, "upyun", "", kindErr(connectors.KindTimeout), codes.CheckAddressTimeOut},
		{connectors.Source, "azblob", "", kindErr(connectors.KindNoSuchBucket), codes.AzureSourceAddrContainerInvalid},
		{connectors.Source, "azblob", "", kindErr(connectors.KindAccessDenied), codes.SourceAddrEndpointBucketPermissionInvalid},
		{connectors.Destination, "azblob", "", kindErr(connectors.KindNoSuchBucket), codes.DestAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "s3", "bos", kindErr(connectors.KindNoSuchBucket), codes.SourceAddrEndpointBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "s3", "bos", kindErr(connectors.KindBadSecret), codes.SourceAddrSecretKeyInvalid},
		{connectors.Source, "s3", "ks3", kindErr(connectors.KindAccessDenied), codes.SourceAddrAccessKeyOrPermissionInvalid},
		{connectors.Source, "s3", "aws", kindErr(connectors.KindNoSuchBucket), codes.SourceAddrRegionBucketNotMatchOrNoSuchBucket},
		{connectors.Source, "s3", "qiniu", kindErr(connectors.KindBadKeyID), codes.SourceAddrAccessKeyInvalid},
		{connectors.Destination, "s3", "ks3", kindErr(connectors.KindBadSecret), codes.DestAddrSecretKeyInvalid},
		{connectors.Source, "smb", "", kindErr(connectors.KindAccessDenied), codes.SourceReadDirFailed},
		{connectors.Source, "nfs", "", kindErr(connectors.KindUnsupported), codes.SourceAccessVersionInvalid},
		{connectors.Destination, "smb", "", kindErr(connectors.KindTimeout), codes.DestReadDirFailed},
		{connectors.Destination, "nfs", "", kindErr(connectors.KindBadSecret), codes.DestMountNasFailed},
	} {
		a := connectors.Address{Type: tc.typ, Provider: tc.provider}
		if got := AddressCode(tc.side, a, tc.err); got != tc.want {
			t.Errorf("%v %s %q %v: %s, want %s", tc.side, tc.typ, tc.provider, tc.err, got, tc.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	local := func(name, path string) connectors.Address {
		return connectors.Address{Name: name, Type: "local", Path: path}
	}
	nfs := func(name, export, path string) connectors.Address {
		return connectors.Address{Name: name, Type: "nfs", Server: "nas", Export: export, Path: path}
	}
	smb := func(name, server, share, path string) connectors.Address {
		return connectors.Address{Name: name, Type: "smb", Server: server, Share: share, Path: path}
	}
	s3 := func(name, endpoint, bucket, prefix string) connectors.Address {
		return connectors.Address{Name: name, Type: "s3", Endpoint: endpoint, Bucket: bucket, Prefix: prefix}
	}
	for _, tc := range []struct {
		a, b connectors.Address
		want bool
	}{
		{local("a", "/srv/x"), local("a", "/elsewhere"), true}, // one address
		{local("a", "/srv/x"), local("b", "/srv/x/"), true},
		{local("a", "/srv/x"), local("b", "/srv/x/sub"), true},
		{local("a", "/srv/x/sub/.."), local("b", "/srv/x"), true},
		{local("a", "/srv/x"), local("b", "/srv/xy"), false},
		{local("a", "/srv/x"), local("b", "/srv/y"), false},
		{nfs("a", "/e", ""), nfs("b", "/e", "sub"), true},
		{nfs("a", "/e/", "sub/"), nfs("b", "/e", "/sub/deeper"), true},
		{nfs("a", "/e", "sub"), nfs("b", "/e/sub", ""), false}, // another export
		{nfs("a", "/e", "a"), nfs("b", "/e", "ab"), false},
		{smb("a", "NAS", "one", ""), smb("b", "nas", "one", "x"), true},
		{smb("a", "nas", "one", ""), smb("b", "nas", "two", ""), false},
		{smb("a", "nas", "one", ""), smb("b", "nas2", "one", ""), false},
		{s3("a", "https://h", "b", ""), s3("b", "https://h/", "b", "p/"), true},
		{s3("a", "https://h", "b", "p/"), s3("b", "https://h", "b", "p/q/"), true},
		{s3("a", "https://h", "b", "p/"), s3("b", "https://h", "b", "q/"), false},
		{s3("a", "https://h", "b", ""), s3("b", "https://h", "c", ""), false},
		{s3("a", "https://h", "b", ""), s3("b", "https://g", "b", ""), false},
		{s3("a", "https://h/b", "x", ""), s3("b", "https://h", "b", "x/"), false},
		{local("a", "/srv/x"), s3("b", "", "", ""), false}, // different types
		{connectors.Address{Name: "a", Type: "oss", Endpoint: "https://h", Bucket: "b"}, s3("b", "https://h", "b", ""), false},
		// Two lists of URLs are taken to overlap, as the agent has always judged them.
		{connectors.Address{Name: "a", Type: "httplist", ListFile: "/a"}, connectors.Address{Name: "b", Type: "httplist", ListFile: "/b"}, true},
	} {
		if got, rev := Overlap(tc.a, tc.b), Overlap(tc.b, tc.a); got != tc.want || rev != got {
			t.Errorf("Overlap(%s, %s) = %v (reversed %v), want %v", desc(tc.a), desc(tc.b), got, rev, tc.want)
		}
	}
}

func desc(a connectors.Address) string {
	return fmt.Sprintf("%s %s %s%s%s%s%s", a.Name, a.Type, a.Path, a.Server, a.Share, a.Export, a.Endpoint+"/"+a.Bucket+"/"+a.Prefix)
}
