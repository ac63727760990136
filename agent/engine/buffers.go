package engine

import (
	"math/bits"
	"sync"
)

// Buffers for whole small files and for parts come from pools by power-of-
// two size class: allocated at their final size once and reused, rather
// than grown by doubling and left to the collector, which is what kept
// memory high when large files went through.
var bufClasses sync.Map // class size -> *sync.Pool

const minBufClass = 4 << 10

func bufClass(n int) int {
	if n <= minBufClass {
		return minBufClass
	}
	return 1 << bits.Len(uint(n-1))
}

// getBuf returns a slice of length n.
func getBuf(n int) []byte {
	c := bufClass(n)
	p, _ := bufClasses.LoadOrStore(c, &sync.Pool{})
	if b, ok := p.(*sync.Pool).Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, c)
}

// putBuf returns a slice from getBuf; b must not be used afterwards.
func putBuf(b []byte) {
	if p, ok := bufClasses.Load(cap(b)); ok {
		b = b[:0]
		p.(*sync.Pool).Put(&b)
	}
}
