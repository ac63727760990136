package local

// This file tells, on Linux, whether inotify sees the changes under a
// folder: on a network or FUSE file system it sees only this host's own.

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/mgw-dev/mgw/connectors"
)

// Magic numbers of file systems whose changes inotify does not see when
// they are made by other hosts (statfs(2) f_type).
var unwatchableFS = map[int64]string{
	unix.NFS_SUPER_MAGIC:  "NFS",
	0xFF534D42:            "CIFS/SMB",
	0xFE534D42:            "SMB2",
	0x517B:                "SMB",
	unix.FUSE_SUPER_MAGIC: "FUSE",
	0x01021997:            "9p",
	0x6B414653:            "AFS",
	0x00C36400:            "CephFS",
	0x47504653:            "GPFS",
	0x0BD00BD0:            "Lustre",
}

// watchable returns nil if changes under dir can be watched with inotify,
// else an error wrapping connectors.ErrUnwatchable that says why.
func watchable(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return connectors.Unwatchable(fmt.Sprintf("cannot tell the file system: %v", err))
	}
	if name, ok := unwatchableFS[int64(st.Type)]; ok {
		return connectors.Unwatchable(name + " mount: changes made by other hosts are not reported")
	}
	return nil
}
