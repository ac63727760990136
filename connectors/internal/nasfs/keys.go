package nasfs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameBytes is the longest name of one path segment servers take
// (255 on ext4, XFS, NTFS in UTF-16 units).
const MaxNameBytes = 255

// CheckKey refuses what cannot be a relative path under the root: an
// empty key or segment, "." and "..", a NUL byte, a name that is not
// UTF-8 (SMB names are UTF-16; NFS servers' exports are mostly UTF-8 and
// the agent's destinations need it) and the bytes in forbid.
func CheckKey(key, forbid string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if !utf8.ValidString(key) {
		return errors.New("name is not valid UTF-8")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(seg, forbid); err != nil {
			return err
		}
	}
	return nil
}

func checkSegment(seg, forbid string) error {
	switch {
	case seg == "":
		return errors.New("empty path segment")
	case seg == "." || seg == "..":
		return fmt.Errorf("%q segment", seg)
	case len(seg) > MaxNameBytes:
		return fmt.Errorf("name of %d bytes is longer than %d", len(seg), MaxNameBytes)
	case strings.IndexByte(seg, 0) >= 0:
		return errors.New("NUL byte in name")
	case forbid != "" && strings.ContainsAny(seg, forbid):
		return fmt.Errorf("name holds one of %q", forbid)
	}
	return nil
}

// SplitPrefix splits a List prefix into the folder to read ("" or ending
// in "/") and the start of the names to keep in it.
func SplitPrefix(prefix, forbid string) (dir, name string, err error) {
	i := strings.LastIndexByte(prefix, '/')
	dir, name = prefix[:i+1], prefix[i+1:]
	if dir != "" {
		if err := CheckKey(strings.TrimSuffix(dir, "/"), forbid); err != nil {
			return "", "", err
		}
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", "", errors.New("NUL byte in prefix")
	}
	return dir, name, nil
}

// CleanRoot turns an address's path ("engineering/", "/a/b") into the
// folder's '/'-separated form without leading or trailing slashes.
func CleanRoot(p string) (string, error) {
	p = strings.Trim(strings.ReplaceAll(p, "\\", "/"), "/")
	if p == "" {
		return "", nil
	}
	if err := CheckKey(p, ""); err != nil {
		return "", fmt.Errorf("path %q: %w", p, err)
	}
	return p, nil
}

// Join is the '/'-separated path of key under root.
func Join(root, key string) string {
	switch {
	case root == "":
		return key
	case key == "":
		return root
	}
	return root + "/" + key
}

// tempMark sits between the target's name and a random suffix in the name
// of a file being written: ".<name>.mgw-tmp-<16 hex digits>", as the local
// connector does, so a crashed Put leaves a recognisable name that List
// never shows.
const (
	tempMark      = ".mgw-tmp-"
	tempRandBytes = 8
)

// TempName returns a fresh temporary name for a file named name, short
// enough to stay within MaxNameBytes.
func TempName(name string) string {
	var r [tempRandBytes]byte
	rand.Read(r[:])
	return tempStem(name) + tempMark + hex.EncodeToString(r[:])
}

// tempStem is what every temporary name of a file named name starts with.
func tempStem(name string) string {
	if room := MaxNameBytes - 1 - len(tempMark) - 2*tempRandBytes; len(name) > room {
		name = name[:room]
		for len(name) > 0 {
			if c, n := utf8.DecodeLastRuneInString(name); c != utf8.RuneError || n > 1 {
				break
			}
			name = name[:len(name)-1]
		}
	}
	return "." + name
}

// IsTempOf reports whether tmp is a name TempName makes for a file named
// base: one segment (the stem holds no '/'), never base itself.
func IsTempOf(base, tmp string) bool {
	stem := tempStem(base)
	return tmp != base && len(tmp) == len(stem)+len(tempMark)+2*tempRandBytes &&
		strings.HasPrefix(tmp, stem+tempMark) && IsTempName(tmp)
}

// IsTempName reports whether name is one TempName makes.
func IsTempName(name string) bool {
	i := strings.LastIndex(name, tempMark)
	if i < 1 || name[0] != '.' || len(name)-i-len(tempMark) != 2*tempRandBytes {
		return false
	}
	_, err := hex.DecodeString(name[i+len(tempMark):])
	return err == nil
}
