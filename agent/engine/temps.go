package engine

import (
	"context"
	"log/slog"
	"slices"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// A disk or share destination writes each file to a hidden temporary
// name beside it and renames it into place. A process killed while
// writing, or a connection lost for good, would leave that file there
// for ever: nothing else knows its random name. So, as a multipart upload
// ID is checkpointed before parts are sent, each name is recorded in the
// index (state.Temps) before the file is created; recording the file done
// clears it in the same write; and the temporary files still recorded
// are removed before a file is written again and at the start of each
// pass. The cost is one small index entry per file in flight.

// tempLog is the connectors.TempLog of one Put of a file.
type tempLog struct {
	r    *Runner
	key  string
	err  error    // the index refused a record: the copy ends with it
	live []string // made and not gone: a write cut with its connection
}

// newTempLog returns the log of a Put of key, or nil where the
// destination writes no temporary file.
func (r *Runner) newTempLog(key string) *tempLog {
	if r.Dst.Features().Temps == nil {
		return nil
	}
	return &tempLog{r: r, key: key}
}

// set hands the log to a Put (a nil log leaves opts as they are).
func (t *tempLog) set(opts *connectors.PutOptions) {
	if t != nil {
		opts.Temps = t
	}
}

func (t *tempLog) Made(name string) error {
	if err := t.r.Store.AddTemp(t.r.Job.Name, t.key, name); err != nil {
		t.err = err
		return err
	}
	t.live = append(t.live, name)
	return nil
}

func (t *tempLog) Gone(name string) {
	t.live = slices.DeleteFunc(t.live, func(n string) bool { return n == name })
}

// after is the error a copy ends with once its Put returned err: the
// index's own if it refused a record (the Put then wrote nothing). After
// a Put that succeeded, a temporary file its destination could not
// remove (a write cut with its connection) is removed now, so that
// recording the file done may clear the record.
func (t *tempLog) after(ctx context.Context, err error) error {
	if t == nil {
		return err
	}
	if t.err != nil {
		return t.err
	}
	if err == nil && len(t.live) > 0 {
		return t.r.removeTemps(ctx, t.key, t.live)
	}
	return err
}

// removeTemps removes the temporary files names of key at the
// destination and clears those removed from the index. A name the
// destination refuses as no temporary file of key (a damaged record)
// is cleared without removing anything.
func (r *Runner) removeTemps(ctx context.Context, key string, names []string) error {
	tr := r.Dst.Features().Temps
	var gone []string
	var first error
	for _, n := range names {
		err := r.paced(ctx, connectors.Destination, func() error { return tr.RemoveTemp(ctx, key, n) })
		switch {
		case err == nil:
		case connectors.KindOf(err) == connectors.KindInvalidArgument:
			r.log.Warn("not a temporary file name: its record is dropped", "path", key, "name", n)
		default:
			if first == nil {
				first = err
			}
			continue
		}
		gone = append(gone, n)
	}
	if len(gone) > 0 {
		if err := r.Store.DropTemps(r.Job.Name, key, gone); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// cleanTemps removes the temporary files recorded for key, before the
// file is written again or when its copy ends without success. One index
// read when there are none. What cannot be removed now stays recorded
// for the next pass.
func (r *Runner) cleanTemps(ctx context.Context, log *slog.Logger, key string) {
	if r.Dst.Features().Temps == nil {
		return
	}
	names, err := r.Store.TempsOf(r.Job.Name, key)
	if err == nil && len(names) > 0 {
		err = r.removeTemps(ctx, key, names)
	}
	if err != nil {
		log.Warn("cannot remove a temporary file left at the destination: the next pass tries again", "path", key, "err", RootCause(err))
	}
}

// sweepTemps removes the temporary files recorded for the job at the
// destination: those of writes that a killed process or a connection
// lost for good cut. A file being copied now (a continuous job's) is
// left to its copy, which removes or renames its own.
func (r *Runner) sweepTemps(ctx context.Context, log *slog.Logger) {
	if r.Dst.Features().Temps == nil {
		return
	}
	type left struct {
		path  string
		names []string
	}
	var list []left // as many as files were in flight when the process died
	if err := r.Store.Temps(r.Job.Name, func(path string, t state.Temps) error {
		list = append(list, left{path, t.Names})
		return nil
	}); err != nil {
		log.Error("cannot read the temporary files left at the destination: they are kept for the next pass", "err", err)
		return
	}
	for _, l := range list {
		if r.isBusy(l.path) {
			continue
		}
		if err := r.removeTemps(ctx, l.path, l.names); err != nil {
			log.Warn("cannot remove a temporary file left at the destination: the next pass tries again", "path", l.path, "err", RootCause(err))
			continue
		}
		log.Info("removed temporary files an earlier write left at the destination", "path", l.path, "files", len(l.names))
	}
}
