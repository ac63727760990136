// Package meta holds the metadata rule: what of an object's standard
// headers and user metadata one object store carries to another, made to
// fit what the destination accepts. It knows objects and headers only,
// nothing of jobs, the index or any one backend.
package meta

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// The metadata rule. Object stores send headers and user metadata as HTTP
// headers, so what one provider stored another may refuse ("check usermeta
// failed" in the hosted service). mgw carries Content-Type,
// Content-Encoding, Cache-Control, Content-Disposition, Expires and user
// metadata from an object-store source to an object-store destination, and
// makes each fit first:
//
//  1. A value (header or user metadata) with bytes outside printable ASCII
//     (space to '~', and tab) has those bytes percent-encoded, %XX of each
//     UTF-8 byte: `attachment; filename="报告.pdf"` becomes
//     `attachment; filename="%E6%8A%A5%E5%91%8A.pdf"`.
//  2. A user metadata name is lower-cased; a name with characters other
//     than a-z, 0-9 and '-' is dropped (OSS takes no other, and a name is
//     part of a header name everywhere). The name "mtime" is mgw's own and
//     is not carried.
//  3. When names and values together exceed the destination's limit
//     (Features.MaxMetaBytes), the largest entries are dropped until the
//     rest fit.
//
// The file is copied either way; its record in the index carries a note
// (UserMetaInvalid: what was encoded or dropped), the run's report counts
// such files and lists the first ones, and the log says it once per file.

// Carry returns what of src's headers and user metadata the
// destination gets, and the note saying what the rule changed ("" when
// nothing did).
func Carry(src connectors.Object, maxBytes int) (connectors.Headers, map[string]string, string) {
	var changed []string
	h := src.Headers
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"Content-Type", &h.ContentType},
		{"Content-Encoding", &h.ContentEncoding},
		{"Cache-Control", &h.CacheControl},
		{"Content-Disposition", &h.ContentDisposition},
		{"Expires", &h.Expires},
	} {
		if enc, ok := headerSafe(*f.v); !ok {
			*f.v = enc
			changed = append(changed, "encoded "+f.name)
		}
	}
	var meta map[string]string
	if len(src.Meta) > 0 {
		meta = make(map[string]string, len(src.Meta))
	}
	for k, v := range src.Meta {
		name := strings.ToLower(k)
		switch {
		case name == connectors.MetaMtime:
			continue
		case !metaName(name):
			changed = append(changed, fmt.Sprintf("dropped meta %q (name)", k))
			continue
		}
		if enc, ok := headerSafe(v); !ok {
			v = enc
			changed = append(changed, "encoded meta "+name)
		}
		meta[name] = v
	}
	if maxBytes > 0 {
		// mgw's own mtime entry takes its share of the limit.
		budget := maxBytes - len(connectors.MetaMtime) - len("2006-01-02T15:04:05.999999999Z")
		size := 0
		names := make([]string, 0, len(meta))
		for k, v := range meta {
			size += len(k) + len(v)
			names = append(names, k)
		}
		sort.Slice(names, func(i, j int) bool {
			a, b := len(names[i])+len(meta[names[i]]), len(names[j])+len(meta[names[j]])
			return a > b || a == b && names[i] < names[j]
		})
		for _, k := range names {
			if size <= budget {
				break
			}
			size -= len(k) + len(meta[k])
			delete(meta, k)
			changed = append(changed, fmt.Sprintf("dropped meta %s (over the destination's %d bytes)", k, maxBytes))
		}
	}
	if len(changed) == 0 {
		return h, meta, ""
	}
	sort.Strings(changed)
	return h, meta, codes.UserMetaInvalid + ": " + strings.Join(changed, ", ")
}

// headerSafe returns v with every byte outside printable ASCII and tab
// percent-encoded, and whether v was fine as it was.
func headerSafe(v string) (string, bool) {
	ok := true
	for i := 0; i < len(v); i++ {
		if !printable(v[i]) {
			ok = false
			break
		}
	}
	if ok {
		return v, true
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; printable(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String(), false
}

func printable(c byte) bool { return c == '\t' || c >= ' ' && c <= '~' }

// metaName reports whether a lower-case user metadata name is one every
// provider takes as part of a header name.
func metaName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
