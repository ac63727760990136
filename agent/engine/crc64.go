package engine

import "hash/crc64"

var crcTable = crc64.MakeTable(crc64.ECMA)

// crc64Combine returns the CRC64-ECMA of A followed by B from crcA, crcB
// and B's length, so parts hashed in parallel still give the whole
// object's CRC (the one OSS reports) without a second pass over the data.
// It is zlib's crc32_combine carried over to 64 bits: the CRC register is
// advanced over len2 zero bytes by squaring a GF(2) operator matrix.
func crc64Combine(crcA, crcB uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crcA
	}
	var even, odd [64]uint64
	// The operator for one zero bit: the reflected ECMA polynomial.
	odd[0] = 0xC96C5795D7870F42
	row := uint64(1)
	for n := 1; n < 64; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // one zero byte, then 4, 16... as len2 halves
		if len2&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(&odd, &even)
		if len2&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[64]uint64) {
	for n := range 64 {
		square[n] = gf2Times(mat, mat[n])
	}
}
