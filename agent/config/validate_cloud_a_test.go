package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

const cloudAConfig = `
addresses:
  - name: cos-src
    type: cos
    region: ap-guangzhou
    bucket: photos-1250000000
    prefix: 2024
    secret_id: AKIDexample
    secret_key: cos-secret
  - name: urls
    type: httplist
    list_file: lists/urls.tsv
  - name: up-src
    type: upyun
    service: photos
    operator: reader
    password: ${MGW_TEST_UPYUN_PW}
    prefix: /2024
    endpoint: telecom
  - name: dst
    type: local
    path: /srv/out
jobs:
  - name: from-cos
    source: cos-src
    destination: dst
`

func TestCloudAConfigGood(t *testing.T) {
	t.Setenv("MGW_TEST_UPYUN_PW", "upyun-pw")
	cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(cloudAConfig))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Resolved("cos-src")
	if c.AccessKeyID != "AKIDexample" || c.AccessKeySecret != "cos-secret" || c.Prefix != "2024/" || c.Bucket != "photos-1250000000" {
		t.Errorf("cos address %+v", c.Redacted())
	}
	if r := c.Redacted(); strings.Contains(fmt.Sprint(r), "cos-secret") {
		t.Errorf("Redacted shows the SecretKey: %+v", r)
	}
	u := cfg.Resolved("up-src")
	if u.Service != "photos" || u.Operator != "reader" || u.Password != "upyun-pw" || u.Prefix != "2024/" || u.Endpoint != "https://v1.api.upyun.com" {
		t.Errorf("upyun address %+v", u.Redacted())
	}
	if r := u.Redacted(); strings.Contains(fmt.Sprint(r), "upyun-pw") {
		t.Errorf("Redacted shows the password: %+v", r)
	}
	if got := cfg.Resolved("urls").ListFile; got != "/etc/mgw/lists/urls.tsv" {
		t.Errorf("list_file %q, want it relative to the config file", got)
	}
}

func TestCloudAConfigCodes(t *testing.T) {
	for _, c := range []struct {
		name, addr, code string
		line             int // within addr, 1 = its "- name" line
	}{
		{"no appid", "type: cos\n    region: ap-guangzhou\n    bucket: photos\n    secret_id: a\n    secret_key: b", codes.SourceAppIdInvalid, 4},
		{"bad bucket", "type: cos\n    region: ap-guangzhou\n    bucket: Photos-1250000000\n    secret_id: a\n    secret_key: b", codes.SourceAddrBucketInvalid, 4},
		{"bad region", "type: cos\n    region: guangzhou\n    bucket: p-1250000000\n    secret_id: a\n    secret_key: b", codes.SourceAddrRegionInvalid, 3},
		{"no secret id", "type: cos\n    region: ap-guangzhou\n    bucket: p-1250000000\n    secret_key: b", codes.SourceAddrSecretIdInvalid, 1},
		{"no secret key", "type: cos\n    region: ap-guangzhou\n    bucket: p-1250000000\n    secret_id: a", codes.SourceAddrSecretIdInvalid, 1},
		{"control char in prefix", "type: cos\n    region: ap-guangzhou\n    bucket: p-1250000000\n    secret_id: a\n    secret_key: b\n    prefix: \"a\\tb\"", codes.SourceFolderPathInvalid, 7},
		{"no list", "type: httplist", codes.SourceAddrListFilePathInvalid, 1},
		{"ftp list", "type: httplist\n    list_file: ftp://host/list", codes.SourceAddrListFilePathInvalid, 3},
		{"bad format", "type: httplist\n    list_file: l.tsv\n    list_format: xml", codes.BadParameters, 4},
		{"no operator", "type: upyun\n    service: s\n    password: p", codes.SourceAddrUserDoesNotExist, 1},
		{"no password", "type: upyun\n    service: s\n    operator: o", codes.SourceAddrPasswordInvalid, 1},
		{"no service", "type: upyun\n    operator: o\n    password: p", codes.SourceAddrServiceInvalid, 1},
		{"bad cdn", "type: upyun\n    service: s\n    operator: o\n    password: p\n    cdn: ftp://cdn", codes.SourceAddrCdnInvalid, 6},
		{"bad folder", "type: upyun\n    service: s\n    operator: o\n    password: p\n    prefix: a/../b", codes.SourceAddrPathInvalid, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := "addresses:\n  - name: src-a\n    " + c.addr + "\n"
			_, err := ParseConfig("/c.yaml", []byte(cfg))
			var ces ConfigErrors
			if !errors.As(err, &ces) || len(ces) != 1 {
				t.Fatalf("want one error, got %v", err)
			}
			if ces[0].Code != c.code || ces[0].Line != c.line+1 {
				t.Errorf("got %s at line %d, want %s at line %d: %v", ces[0].Code, ces[0].Line, c.code, c.line+1, ces[0])
			}
		})
	}
}

func TestSourceOnlyIsNoDestination(t *testing.T) {
	for _, addr := range []string{"type: httplist\n    list_file: /l.tsv", "type: upyun\n    service: s\n    operator: o\n    password: p"} {
		cfg := "addresses:\n  - name: only-src\n    " + addr + "\n  - name: src\n    type: local\n    path: /x\njobs:\n  - name: job\n    source: src\n    destination: only-src\n"
		_, err := ParseConfig("/c.yaml", []byte(cfg))
		var ces ConfigErrors
		line := strings.Count(cfg, "\n") // the last line
		if !errors.As(err, &ces) || ces[0].Code != codes.DestinationDataAddressInvalid || ces[0].Line != line {
			t.Errorf("%s: got %v, want DestinationDataAddressInvalid at line %d", addr, err, line)
		}
	}
}
