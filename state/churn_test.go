package state

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkChurnDiskSize is a continuous job's index under churn, hours of
// it in seconds: b.N changes to 20,000 files, each a copy recorded
// (MarkDone) or, one in ten, a file gone (Forget). It reports the largest
// size of the index's tables on disk, per file, in each half of the run
// (sampled every 100,000 changes): compaction makes it a sawtooth, whose
// peaks must settle, not grow with the number of changes.
//
//	go test -run X -bench ChurnDiskSize -benchtime 2000000x ./state
func BenchmarkChurnDiskSize(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const files = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	e := FileEntry{Size: 4096, ModTime: time.Now(), ETag: "0123456789abcdef0123456789abcdef", CopiedAt: time.Now()}
	var peak [2]float64
	for i := range b.N {
		f := rng.IntN(files)
		path := fmt.Sprintf("dir%03d/file-%05d.bin", f%200, f)
		if rng.IntN(10) == 0 {
			err = s.Forget("soak", path)
		} else {
			e.Size = int64(i)
			err = s.MarkDone("soak", path, e)
		}
		if err != nil {
			b.Fatal(err)
		}
		if i%100000 == 0 {
			half := min(1, 2*i/b.N)
			peak[half] = max(peak[half], tablesSize(dir))
		}
	}
	b.ReportMetric(peak[0]/files, "peak-bytes/file-1st-half")
	b.ReportMetric(peak[1]/files, "peak-bytes/file-2nd-half")
}

// tablesSize is the size of the index's tables (.sst) in dir.
func tablesSize(dir string) float64 {
	var size int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".sst" {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return float64(size)
}
