package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// dirName is the name of the i-th folder gen makes; the storm writes into
// the same folders.
func dirName(i int) string { return fmt.Sprintf("d%05d", i) }

// genCmd writes the source tree: files f0000... in folders d00000...,
// several folders at a time, each file with its own random content.
func genCmd(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "folder to fill (created)")
	files := fs.Int("files", 0, "files in all")
	dirs := fs.Int("dirs", 1, "folders to spread them over")
	size := fs.Int("size", 4096, "bytes per file")
	parse(fs, args)
	if *dir == "" || *files <= 0 || *dirs <= 0 || *files%*dirs != 0 {
		return errors.New("gen: -dir, and -files a multiple of -dirs, are needed")
	}
	per := *files / *dirs
	next := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.NewChaCha8([32]byte{byte(w)})
			buf := make([]byte, *size)
			for d := range next {
				p := filepath.Join(*dir, dirName(d))
				if err := os.MkdirAll(p, 0o755); err != nil {
					errs <- err
					return
				}
				for f := range per {
					_, _ = rng.Read(buf)
					if err := os.WriteFile(filepath.Join(p, fmt.Sprintf("f%04d", f)), buf, 0o644); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	var err error
feed:
	for d := range *dirs {
		select {
		case next <- d:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
	default:
	}
	return err
}
