package upyun

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
)

// The worked example of UPYUN's "签名认证" page, and the escaping of its
// SDKs: only RFC 3986's unreserved characters and "/" stay as they are.
func TestSign(t *testing.T) {
	sum := md5.Sum([]byte("password123"))
	got := sign([]byte(hex.EncodeToString(sum[:])), "PUT", "/upyun-temp/demo.jpg", "Wed, 09 Nov 2016 14:26:58 GMT", "7ac66c0f148de9519b8bd264312c4d64")
	if want := "YUaAZX+WNAcJdNGHS5SBlITME5A="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	if got, want := escape("/s/a b/100%+?#&=~._-/日"), "/s/a%20b/100%25%2B%3F%23%26%3D~._-/%E6%97%A5"; got != want {
		t.Errorf("escape: %s, want %s", got, want)
	}
}
