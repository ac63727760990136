package upyuntest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// maxSkew is how far a request's Date may be from the server's clock:
// "REST API 签名有效时间为请求时间起的 30 分钟内".
const maxSkew = 30 * time.Minute

// authenticate checks a request's Date and signature as UPYUN's
// "签名认证" specifies:
//
//	Authorization: UPYUN <Operator>:<Signature>
//	Signature = Base64(HMAC-SHA1(MD5hex(Password), Method&URI&Date[&Content-MD5]))
//
// recomputed from the request as it arrived: its method, its path as
// sent (percent-encoded), its Date header and, when it has one, its
// Content-MD5 header. The realm may be written in any case ("UpYun" in
// UPYUN's older pages).
func (s *Server) authenticate(r *http.Request, now time.Time) *upError {
	date := r.Header.Get("Date")
	if date == "" {
		return errNeedDate
	}
	t, err := time.Parse(http.TimeFormat, date)
	if err != nil {
		return errBadDate
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return errDateOffset
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errNeedAuth
	}
	realm, cred, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(realm, "UPYUN") {
		return errRealm
	}
	operator, sig, ok := strings.Cut(cred, ":")
	if !ok {
		return errSignature
	}
	if operator != s.cfg.Operator {
		return errNoUser
	}
	uri, _, _ := strings.Cut(r.RequestURI, "?")
	if !hmac.Equal([]byte(sig), []byte(Signature(s.cfg.Password, r.Method, uri, date, r.Header.Get("Content-MD5")))) {
		return errSignature
	}
	return nil
}

// Signature is the signature UPYUN expects of a request: an empty
// Content-MD5 is left out with its "&".
func Signature(password, method, uri, date, contentMD5 string) string {
	sum := md5.Sum([]byte(password))
	msg := method + "&" + uri + "&" + date
	if contentMD5 != "" {
		msg += "&" + contentMD5
	}
	m := hmac.New(sha1.New, []byte(hex.EncodeToString(sum[:])))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
