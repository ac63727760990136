package connectors

// This file holds the watch capability: a Bucket whose changes can be seen
// as they happen (a local folder, through fsnotify) implements Watcher, and
// the agent asks for it by type assertion instead of testing the address
// type. A watch only schedules: it names keys to examine, and the agent's
// listings stay the source of truth.

import (
	"errors"
	"log/slog"
)

// Watcher is implemented by a Bucket whose changes can be watched as they
// happen (local folders).
type Watcher interface {
	// Watch starts reporting changes under the bucket's root to to until
	// the Watch is closed. An error wrapping ErrUnwatchable means the root
	// cannot be watched at all (a network filesystem, say) and its message
	// says why, ready to show; any other error, that starting failed (the
	// root is missing, the kernel refused a watch) and that trying again
	// later may succeed. log receives what the watch has to tell an
	// operator (a kernel limit reached, events dropped); nil discards it.
	Watch(to Changes, log *slog.Logger) (Watch, error)
}

// Changes receives what a Watch sees. Calls may come from any goroutine,
// and must not wait for the goroutine that closes the Watch: Close waits
// for a call under way to return.
type Changes interface {
	// Changed says a file or folder changed, appeared or went away. key is
	// relative to the root, "/"-separated, named as List names it; never
	// "" (the root itself is not reported: its loss is a failure). A
	// folder that appears is reported once, after it is watched, so that
	// examining it finds the files written into it before.
	Changed(key string)
	// Closed says a writer closed the file key after writing it (Linux's
	// close-after-write): unless it is changed again, it is complete and
	// needs no settle time. A watch that cannot tell says Changed only.
	Closed(key string)
	// Lost says events were dropped (a queue overflow): which keys is
	// unknown, so everything must be rescanned.
	Lost()
}

// Watch is a running watch, as Watcher.Watch started it.
type Watch interface {
	// Failed receives once why the watch cannot be trusted any more (the
	// root was removed or replaced, the watch died); the caller then
	// closes it and polls. It never receives after Close.
	Failed() <-chan string
	// Unwatched returns the folders (keys, sorted) that could not be
	// watched, each standing for its whole tree: the caller polls them.
	// It changes as folders appear and go.
	Unwatched() []string
	// Close stops the watch. When it returns no call to Changes is under
	// way and none will be made. Closing twice is harmless.
	Close()
}

// ErrIsFolder is wrapped by the KindNotFound error of a Stat or Open of a
// folder's key on a backend with real folders (local, smb, nfs): a Watch
// reports folders as keys too, and this is how a caller tells them apart.
var ErrIsFolder = errors.New("is a folder, not a file")

// ErrUnwatchable is wrapped by the error of a Watch whose root cannot be
// watched at all.
var ErrUnwatchable = errors.New("cannot be watched")

// Unwatchable returns an error wrapping ErrUnwatchable whose message is
// why alone (say, "NFS mount: changes made by other hosts are not
// reported"), so a caller can show it as it is.
func Unwatchable(why string) error { return &unwatchableError{why} }

type unwatchableError struct{ why string }

func (e *unwatchableError) Error() string { return e.why }
func (e *unwatchableError) Unwrap() error { return ErrUnwatchable }
