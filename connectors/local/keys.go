package local

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
)

// maxNameBytes is the longest name of one path segment on the file systems
// in common use (ext4, XFS, NTFS in UTF-16 units, APFS).
const maxNameBytes = 255

// checkKey refuses what cannot be a relative file path under the root: an
// empty key or segment, "." and "..", a NUL byte, a segment longer than a
// file system stores, and what the OS forbids in names (checkName).
func checkKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if utf8Keys && !utf8.ValidString(key) {
		return errors.New("name is not valid UTF-8")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(seg); err != nil {
			return err
		}
	}
	return nil
}

func checkSegment(seg string) error {
	switch {
	case seg == "":
		return errors.New("empty path segment")
	case seg == "." || seg == "..":
		return fmt.Errorf("%q segment", seg)
	case len(seg) > maxNameBytes:
		return fmt.Errorf("name of %d bytes is longer than %d", len(seg), maxNameBytes)
	case strings.IndexByte(seg, 0) >= 0:
		return errors.New("NUL byte in name")
	}
	return checkName(seg)
}

// splitPrefix splits a List prefix into the folder to read ("" or ending
// in "/") and the start of the names to keep in it.
func splitPrefix(prefix string) (dir, name string, err error) {
	i := strings.LastIndexByte(prefix, '/')
	dir, name = prefix[:i+1], prefix[i+1:]
	if dir != "" {
		if err := checkKey(strings.TrimSuffix(dir, "/")); err != nil {
			return "", "", err
		}
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", "", errors.New("NUL byte in prefix")
	}
	return dir, name, nil
}

// kindOf classifies a file system error.
func kindOf(err error) connectors.Kind {
	switch {
	case err == nil:
		return connectors.KindUnknown
	case errors.Is(err, syscall.ENOTDIR), escapes(err):
		// A link out of the folder is, to a key, no folder at all.
		return connectors.KindNotDir
	case errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.EILSEQ):
		return connectors.KindUnsupportedName
	case errors.Is(err, syscall.EROFS):
		return connectors.KindAccessDenied
	}
	if k, ok := sysKind(err); ok {
		return k
	}
	return connectors.Classify(err)
}

// readKind classifies an error met looking up a key: a path through a
// file (ENOTDIR) means the key does not exist.
func readKind(err error) connectors.Kind {
	if k := kindOf(err); k != connectors.KindNotDir {
		return k
	}
	return connectors.KindNotFound
}
