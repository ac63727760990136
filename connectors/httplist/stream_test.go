package httplist

import (
	"fmt"
	"io"
	"runtime"
	"testing"
)

// lineGen produces n list lines on the fly, holding none of them.
type lineGen struct {
	n, i int
	buf  []byte
}

func (g *lineGen) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i < g.n {
		g.buf = fmt.Appendf(g.buf, "https://cdn.example.com/data/%09d.bin\tdata/%09d.bin\n", g.i, g.i)
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// A 300,000-line list (21 MB) is read with memory that does not grow
// with it.
func TestScanStreamsLongLists(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const lines = 300_000
	open := func(string) (io.ReadCloser, error) { return io.NopCloser(&lineGen{n: lines}), nil }
	var ms runtime.MemStats
	var peak uint64
	count := 0
	err := scan(open, FormatAuto, func(e Entry) error {
		count++
		if count%50_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil || count != lines {
		t.Fatalf("scanned %d entries, %v; want %d", count, err, lines)
	}
	t.Logf("peak heap %d KiB", peak>>10)
	if peak > 8<<20 {
		t.Errorf("heap reached %d MiB while scanning a 21 MB list: the list is being held", peak>>20)
	}
}
