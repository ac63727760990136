package local

import (
	"io/fs"
	"syscall"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

func fillSys(o *connectors.Object, fi fs.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		o.Ctime = time.Unix(st.Ctim.Unix())
		o.Inode = uint64(st.Ino)
	}
}
