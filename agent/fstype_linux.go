package agent

import (
	"fmt"

	"golang.org/x/sys/unix"
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

// watchable reports whether changes under dir can be watched with
// inotify, and if not, why.
func watchable(dir string) (bool, string) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, fmt.Sprintf("cannot tell the file system: %v", err)
	}
	if name, ok := unwatchableFS[int64(st.Type)]; ok {
		return false, name + " mount: changes made by other hosts are not reported"
	}
	return true, ""
}
