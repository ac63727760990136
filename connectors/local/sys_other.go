//go:build !linux && !darwin && !freebsd && !netbsd

package local

import (
	"io/fs"

	"github.com/mgw-dev/mgw/connectors"
)

// fillSys leaves Ctime and Inode zero: Windows has no change time in what
// Lstat returns, and its file IDs need a handle per file.
func fillSys(o *connectors.Object, fi fs.FileInfo) {}
