package vfs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// fsType is the file system type the mount shows in /proc/mounts
// ("fuse." + Name), by which a mount left by an earlier agent is told from
// anyone else's.
const fsType = "fuse.mgw"

// Mount serves the view at dir until the returned unmount is called.
//
// dir is created if missing. A mount of mgw's left at dir by a killed agent
// ("transport endpoint is not connected") is detached first; a live one
// (another agent running), a dir that is not a directory or a directory
// that is not empty is refused with an error saying so. Where FUSE cannot
// work (no /dev/fuse, not permitted) the error wraps ErrNoFUSE: fall back
// to a status directory.
//
// unmount detaches the mount even while a reader holds a file open (the
// kernel finishes the detach when the last one closes), so an agent that
// stops never leaves a stale mount point behind.
func Mount(dir string, src Source, lists Lists) (unmount func() error, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := prepareMountPoint(dir); err != nil {
		return nil, err
	}
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFUSE, err)
	} else {
		f.Close()
	}
	sd, err := spoolDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mount the view at %s: %w", dir, err)
	}
	v := newView(src, lists)
	v.spools = newSpools(sd)
	sec := time.Second
	root := newRoot(v)
	srv, err := fs.Mount(dir, root, &fs.Options{
		EntryTimeout: &sec,
		AttrTimeout:  &sec,
		MountOptions: fuse.MountOptions{
			FsName:      "mgw",
			Name:        "mgw",
			DirectMount: true, // mount(2) as root; fusermount3 otherwise
			// Read-only for the kernel too: it refuses every change with
			// EROFS before the request reaches us.
			DirectMountFlags: syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC,
			Options:          []string{"ro"},
			DisableXAttrs:    true,
			MaxReadAhead:     128 << 10,
			// Reads of up to 512 KiB (cat uses st_blksize, set to match):
			// 4 times fewer round trips than the default. (1 MiB would not
			// fit a pipe with its header, and go-fuse could not splice.)
			MaxWrite: readSize,
		},
	})
	if err != nil {
		v.spools.removeAll()
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) || errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%w: mount %s: %v", ErrNoFUSE, dir, err)
		}
		return nil, fmt.Errorf("mount the view at %s: %w", dir, err)
	}
	done := false
	return func() error {
		if done {
			return nil
		}
		done = true
		defer v.spools.removeAll()
		// Snapshots must not outlive the state the caller closes next.
		defer v.closeAll()
		if err := srv.Unmount(); err == nil {
			return nil
		} else {
			slog.Warn("vfs: unmount failed, detaching the mount lazily", "dir", dir, "err", err)
		}
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
		return nil
	}, nil
}

// prepareMountPoint makes dir fit to mount on, or says why it is not.
func prepareMountPoint(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, syscall.ENOTCONN) {
		// The FUSE server of this mount died without unmounting it.
		slog.Warn("vfs: cleaning a stale mount left by a stopped agent", "dir", dir)
		if err := detach(dir); err != nil {
			return fmt.Errorf("mount point %s: a stale mount (transport endpoint is not connected) could not be removed: %w; run umount -l %s", dir, err, dir)
		}
		st, err = os.Stat(dir)
	}
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("mount point %s: %w", dir, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("mount point %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("mount point %s is not a directory: set mount: to an empty directory", dir)
	}
	if mounted(dir) {
		return fmt.Errorf("mount point %s already holds a live mgw view: is another mgw agent running?", dir)
	}
	names, err := readNames(dir, 3)
	if err != nil {
		return fmt.Errorf("mount point %s: %w", dir, err)
	}
	if len(names) > 0 {
		return fmt.Errorf("mount point %s is not empty (it holds %s): mgw mounts its view only on an empty directory, so that nothing is hidden under it", dir, strings.Join(names, ", "))
	}
	return nil
}

func readNames(dir string, n int) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(n)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return names, err
}

// detach lazily unmounts dir, by umount2(MNT_DETACH) or, without the
// privilege for it, by fusermount3 -uz.
func detach(dir string) error {
	err := unix.Unmount(dir, unix.MNT_DETACH)
	if err == nil {
		return nil
	}
	for _, tool := range []string{"fusermount3", "fusermount"} {
		if out, err2 := exec.Command(tool, "-uz", dir).CombinedOutput(); err2 == nil {
			return nil
		} else if !errors.Is(err2, exec.ErrNotFound) {
			err = fmt.Errorf("%v; %s: %s", err, tool, strings.TrimSpace(string(out)))
		}
	}
	return err
}

// mounted reports whether an mgw view is mounted at dir (from
// /proc/self/mountinfo).
func mounted(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source super
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || unescapeMountinfo(fields[4]) != dir {
			continue
		}
		for i, x := range fields {
			if x == "-" && i+1 < len(fields) && fields[i+1] == fsType {
				return true
			}
		}
	}
	return false
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) the kernel
// writes in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			ok := true
			for _, d := range s[i+1 : i+4] {
				if d < '0' || d > '7' {
					ok = false
				}
				c = c*8 + byte(d-'0')
			}
			if ok {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
