// Command soakchurn is the writer of test/bench/soak.sh: it fills a folder
// with files, then creates, edits, renames and deletes them at a steady
// rate until its time is up, and exits.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	dir := flag.String("dir", "", "the folder to churn")
	files := flag.Int("files", 20000, "files to start from")
	rate := flag.Int("rate", 300, "changes per second")
	dur := flag.Duration("for", 30*time.Minute, "how long to churn")
	seedOnly := flag.Bool("seed", false, "only write the starting files")
	flag.Parse()
	if *dir == "" {
		log.Fatal("soakchurn: -dir is required")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	name := func(i int) string {
		return filepath.Join(*dir, fmt.Sprintf("d%03d", i%200), fmt.Sprintf("f%06d.dat", i))
	}
	write := func(p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		b := make([]byte, 1+rng.IntN(16<<10))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *seedOnly {
		for i := range *files {
			write(name(i))
		}
		return
	}
	next := *files
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	end := time.Now().Add(*dur)
	changes := 0
	for now := range tick.C {
		if now.After(end) {
			break
		}
		changes++
		p := name(rng.IntN(next))
		switch rng.IntN(4) {
		case 0: // create
			write(name(next))
			next++
		case 1: // edit: a missing file is created
			write(p)
		case 2: // rename within the tree
			if err := os.Rename(p, name(next)); err == nil {
				next++
			}
		case 3: // delete
			_ = os.Remove(p)
		}
	}
	fmt.Printf("soakchurn: %d changes\n", changes)
}
