package local

// This file holds what the watch needs of the operating system's change
// notification: watch a folder, stop watching it, and a stream of events
// and errors. On Linux it is inotify itself (notify_linux.go), for the one
// event fsnotify keeps unexported, close-after-write; elsewhere fsnotify
// (notify_other.go).

import "errors"

// notifier watches folders one at a time.
type notifier interface {
	Add(path string) error
	Remove(path string) error
	// WatchList returns the folders watched now.
	WatchList() []string
	// Events and Errors are closed by Close.
	Events() <-chan event
	Errors() <-chan error
	Close() error
}

// event is one change under a watched folder, or of the folder itself.
type event struct {
	Name string // OS path
	Op   op
}

type op uint32

const (
	opCreate     op = 1 << iota // created, or moved in
	opWrite                     // written
	opRemove                    // removed
	opRename                    // moved away
	opChmod                     // attributes changed
	opCloseWrite                // a writer closed it after opening it for writing
)

func (e event) Has(o op) bool { return e.Op&o != 0 }

// errOverflow is the notifier's error when the kernel dropped events.
var errOverflow = errors.New("the kernel's event queue overflowed")
