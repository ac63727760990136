package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// stormPhase writes n new files (name-00000...) at once, one into each
// of the source's folders in turn, into the synced job, and reports when
// the destination had acknowledged them all.
func (b *bench) stormPhase(n, dirs int, name, profile string) error {
	if err := b.idle(); err != nil {
		return err
	}
	scans := b.j.Status().Progress.Scans
	b.dst.follow(func(k string) bool { return strings.Contains(k, "/"+name+"-") })

	stop, err := cpuProfile(profile)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := writeNew(b.root, n, dirs, name); err != nil {
		return err
	}
	written := time.Now()

	err = b.until(func() bool { k, _, _ := b.dst.counts(); return k == n }, "not every new file arrived")
	stop()
	keys, puts, last := b.dst.counts()
	out("storm_files", n)
	out("storm_arrived", keys)
	out("storm_uploads", puts)
	out("storm_write_s", secs(written.Sub(t0)))
	if err != nil {
		return err
	}
	out("storm_s", secs(last.Sub(t0)))
	out("storm_after_write_s", secs(last.Sub(written)))
	out("storm_timeline", fmt.Sprintf("%q", b.dst.timeline(t0, 250*time.Millisecond)))
	if err := b.idle(); err != nil {
		return err
	}
	out("storm_synced_s", secs(time.Since(t0)))
	out("storm_full_passes", b.j.Status().Progress.Scans-scans)
	return nil
}

// writeNew writes n new files of random content at once, NAME-00000... one
// into each of the folders gen made in turn, 8 at a time.
func writeNew(root string, n, dirs int, name string) error {
	next := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.NewChaCha8([32]byte{byte(w), name[0]})
			buf := make([]byte, fileSize)
			for i := range next {
				_, _ = rng.Read(buf)
				p := filepath.Join(root, dirName(i%dirs), fmt.Sprintf("%s-%05d", name, i))
				if err := os.WriteFile(p, buf, 0o644); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// addCmd writes new files as the storm does, for a tool other than mgw to
// copy.
func addCmd(args []string) error {
	fs := flag.NewFlagSet("add", flag.ExitOnError)
	dir := fs.String("dir", "", "the folder gen filled")
	files := fs.Int("files", 0, "new files")
	dirs := fs.Int("dirs", 0, "the folders gen made")
	name := fs.String("name", "new", "the files' name, before -NNNNN")
	parse(fs, args)
	if *dir == "" || *files <= 0 || *dirs <= 0 || *name == "" {
		return errors.New("add: -dir, -files, -dirs and -name are needed")
	}
	return writeNew(*dir, *files, *dirs, *name)
}
