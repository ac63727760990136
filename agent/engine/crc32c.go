package engine

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/mgw-dev/mgw/state"
)

// castagnoli is the CRC32C table: hash/crc32 computes it with the CPU's
// CRC32 instruction (SSE4.2, ARMv8), many times faster than an MD5, which
// is why S3 parts are protected by it rather than by Content-MD5.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CompositeCRC32C is the checksum S3 gives an object completed from parts
// with these CRC32Cs, in order: base64 of the CRC32C of the parts' CRC32Cs
// (4 bytes each, big-endian), "-", their count.
func CompositeCRC32C(parts []uint32) string {
	raw := make([]byte, 0, 4*len(parts))
	for _, c := range parts {
		raw = binary.BigEndian.AppendUint32(raw, c)
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(raw, castagnoli))
	return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(sum[:]), len(parts))
}

// partsCRC32C is CompositeCRC32C of the parts of an upload, sorted by number.
func partsCRC32C(parts []state.PartDone) string {
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b state.PartDone) int { return a.Number - b.Number })
	crcs := make([]uint32, len(parts))
	for i, p := range parts {
		crcs[i] = p.CRC32C
	}
	return CompositeCRC32C(crcs)
}
