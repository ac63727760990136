// Command nasseed fills a job's index as if its first run had copied
// every file of its source, without copying anything:
//
//	nasseed -config C -job J
//
// It lists the job's source through mgw's own connector and records each
// file (its size, mtime, ctime and inode, as a run records them) as
// copied. test/bench/nasscale.sh uses it to time a no-change pass over a
// share of a million files, whose first copy over SMB would take an hour
// here. It prints the number of files recorded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
)

func main() {
	cfgPath := flag.String("config", "", "mgw config file")
	name := flag.String("job", "", "the job whose index to fill")
	flag.Parse()
	n, err := seed(*cfgPath, *name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nasseed:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

func seed(cfgPath, name string) (int64, error) {
	if cfgPath == "" || name == "" {
		return 0, errors.New("-config and -job are needed")
	}
	cfg, err := config.LoadConfig(cfgPath)
	if err != nil {
		return 0, err
	}
	job := cfg.Job(name)
	if job == nil {
		return 0, fmt.Errorf("no job %q in %s", name, cfgPath)
	}
	ctx := context.Background()
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return 0, err
	}
	st, err := state.Open(cfg.StateDir)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	src, err := all.Open(ctx, *cfg.Resolved(job.Source))
	if err != nil {
		return 0, err
	}
	defer src.Close()

	// The writes go to the store from several goroutines, which Badger
	// commits together.
	found := make(chan connectors.Object, 1024)
	var n atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	now := time.Now()
	for range 8 {
		wg.Go(func() {
			for o := range found {
				e := state.FileEntry{Size: o.Size, ModTime: o.ModTime, Ctime: o.Ctime, Inode: o.Inode, ETag: o.ETag, CopiedAt: now}
				if err := st.MarkDone(name, o.Key, e); err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				n.Add(1)
			}
		})
	}
	err = src.List(ctx, "", func(o connectors.Object) error {
		if o.Type == connectors.Regular {
			found <- o
		}
		return nil
	}, func(le connectors.ListError) {
		select {
		case errs <- fmt.Errorf("cannot read %s: %w", le.Dir, le.Err):
		default:
		}
	})
	close(found)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return n.Load(), err
}
