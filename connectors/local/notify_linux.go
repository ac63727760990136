//go:build linux

package local

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inotifyMask is what each folder's watch asks for: fsnotify's default
// set, plus IN_CLOSE_WRITE, which says a writer is done with a file.
const inotifyMask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_MODIFY | unix.IN_ATTRIB |
	unix.IN_DELETE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_CLOSE_WRITE

// inotifier is inotify as a notifier. Its descriptor is non-blocking and
// read through the runtime's poller, so Close wakes the reader.
type inotifier struct {
	f      *os.File
	fd     int
	events chan event
	errors chan error
	stop   chan struct{} // closed by Close: the reader's sends give up
	done   chan struct{} // closed when the reader has returned

	mu    sync.Mutex
	paths map[int32]string // watch descriptor -> folder
	wds   map[string]int32 // folder -> watch descriptor
}

func newNotifier(buffer int) (notifier, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	n := &inotifier{f: os.NewFile(uintptr(fd), "inotify"), fd: fd,
		events: make(chan event, buffer), errors: make(chan error, 16),
		stop: make(chan struct{}), done: make(chan struct{}),
		paths: map[int32]string{}, wds: map[string]int32{}}
	go n.read()
	return n, nil
}

func (n *inotifier) Events() <-chan event { return n.events }
func (n *inotifier) Errors() <-chan error { return n.errors }

func (n *inotifier) Add(path string) error {
	wd, err := unix.InotifyAddWatch(n.fd, path, inotifyMask)
	if err != nil {
		return &os.PathError{Op: "inotify_add_watch", Path: path, Err: err}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.wds[path]; ok && old != int32(wd) {
		delete(n.paths, old)
	}
	n.paths[int32(wd)], n.wds[path] = path, int32(wd)
	return nil
}

func (n *inotifier) Remove(path string) error {
	n.mu.Lock()
	wd, ok := n.wds[path]
	if ok {
		delete(n.wds, path)
		delete(n.paths, wd)
	}
	n.mu.Unlock()
	if !ok {
		return nil
	}
	if _, err := unix.InotifyRmWatch(n.fd, uint32(wd)); err != nil && !errors.Is(err, unix.EINVAL) {
		return &os.PathError{Op: "inotify_rm_watch", Path: path, Err: err}
	}
	return nil
}

func (n *inotifier) WatchList() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := make([]string, 0, len(n.wds))
	for p := range n.wds {
		l = append(l, p)
	}
	return l
}

func (n *inotifier) Close() error {
	select {
	case <-n.stop:
		return nil
	default:
	}
	close(n.stop)
	err := n.f.Close() // wakes the reader
	<-n.done
	return err
}

func (n *inotifier) send(e event) bool {
	select {
	case n.events <- e:
		return true
	case <-n.stop:
		return false
	}
}

func (n *inotifier) fail(err error) bool {
	select {
	case n.errors <- err:
		return true
	case <-n.stop:
		return false
	}
}

// read turns the kernel's records into events until Close.
func (n *inotifier) read() {
	defer close(n.done)
	defer close(n.events)
	defer close(n.errors)
	var buf [64 << 10]byte // room for at least 256 records with names
	for {
		k, err := n.f.Read(buf[:])
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				n.fail(err)
			}
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= k; {
			rec := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(rec.Len)]
			off += unix.SizeofInotifyEvent + int(rec.Len)
			if !n.record(rec.Wd, rec.Mask, name) {
				return
			}
		}
	}
}

// record handles one kernel record; it returns false once Close began.
func (n *inotifier) record(wd int32, mask uint32, raw []byte) bool {
	if mask&unix.IN_Q_OVERFLOW != 0 {
		return n.fail(errOverflow)
	}
	n.mu.Lock()
	dir, ok := n.paths[wd]
	if ok && mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF) != 0 {
		// The kernel dropped the watch (the folder is gone): forget it.
		delete(n.paths, wd)
		if n.wds[dir] == wd {
			delete(n.wds, dir)
		}
	}
	_, parentWatched := n.wds[filepath.Dir(dir)]
	n.mu.Unlock()
	if !ok || mask&unix.IN_IGNORED != 0 {
		return true
	}
	for len(raw) > 0 && raw[len(raw)-1] == 0 {
		raw = raw[:len(raw)-1]
	}
	name := dir
	if len(raw) > 0 {
		name = filepath.Join(dir, string(raw))
	} else if mask&unix.IN_DELETE_SELF != 0 && parentWatched {
		return true // the parent's watch reports the removal
	}
	var o op
	for _, m := range []struct {
		bits uint32
		o    op
	}{{unix.IN_CREATE | unix.IN_MOVED_TO, opCreate}, {unix.IN_MODIFY, opWrite},
		{unix.IN_DELETE | unix.IN_DELETE_SELF, opRemove}, {unix.IN_MOVED_FROM | unix.IN_MOVE_SELF, opRename},
		{unix.IN_ATTRIB, opChmod}, {unix.IN_CLOSE_WRITE, opCloseWrite}} {
		if mask&m.bits != 0 {
			o |= m.o
		}
	}
	if o == 0 {
		return true
	}
	return n.send(event{Name: name, Op: o})
}
