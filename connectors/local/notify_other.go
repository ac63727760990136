//go:build !linux

package local

import (
	"errors"

	"github.com/fsnotify/fsnotify"
)

// fsnotifier is fsnotify as a notifier: it cannot tell a close after
// writing, so every file settles.
type fsnotifier struct {
	fw     *fsnotify.Watcher
	events chan event
	errors chan error
	stop   chan struct{} // closed by Close: the sends below give up
	done   chan struct{}
}

func newNotifier(buffer int) (notifier, error) {
	fw, err := fsnotify.NewBufferedWatcher(uint(buffer))
	if err != nil {
		return nil, err
	}
	n := &fsnotifier{fw: fw, events: make(chan event, buffer), errors: make(chan error, 16),
		stop: make(chan struct{}), done: make(chan struct{})}
	go n.forward()
	return n, nil
}

func (n *fsnotifier) Add(path string) error    { return n.fw.Add(path) }
func (n *fsnotifier) Remove(path string) error { return n.fw.Remove(path) }
func (n *fsnotifier) WatchList() []string      { return n.fw.WatchList() }
func (n *fsnotifier) Events() <-chan event     { return n.events }
func (n *fsnotifier) Errors() <-chan error     { return n.errors }

func (n *fsnotifier) Close() error {
	close(n.stop)
	err := n.fw.Close()
	<-n.done
	return err
}

func (n *fsnotifier) forward() {
	defer close(n.done)
	defer close(n.events)
	defer close(n.errors)
	for {
		select {
		case ev, ok := <-n.fw.Events:
			if !ok {
				return
			}
			var o op
			for _, m := range []struct {
				f fsnotify.Op
				o op
			}{{fsnotify.Create, opCreate}, {fsnotify.Write, opWrite}, {fsnotify.Remove, opRemove},
				{fsnotify.Rename, opRename}, {fsnotify.Chmod, opChmod}} {
				if ev.Has(m.f) {
					o |= m.o
				}
			}
			select {
			case n.events <- event{Name: ev.Name, Op: o}:
			case <-n.stop:
				return
			}
		case err, ok := <-n.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				err = errOverflow
			}
			select {
			case n.errors <- err:
			case <-n.stop:
				return
			}
		}
	}
}
