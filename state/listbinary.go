package state

import "encoding/binary"

// Failures and skips are read back by the million (failed.txt, the view,
// mgw failed), so they too are stored in binary form after binaryVersion;
// records written as JSON (valueVersion) by an earlier mgw still decode.
//
// Failure:  uvarint len, bytes Code; uvarint len, bytes Message;
//           varint Attempts; varint First, varint Last (Unix ns, as FileEntry)
// Skip:     uvarint len, bytes Reason; varint At
//
// Times, as in FileEntry, are Unix nanoseconds: years 1678 to 2262.

// MarshalBinary encodes f in the layout above (without the version byte).
func (f Failure) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 32+len(f.Code)+len(f.Message))
	b = appendStr(b, f.Code)
	b = appendStr(b, f.Message)
	b = binary.AppendVarint(b, int64(f.Attempts))
	b = binary.AppendVarint(b, nanos(f.First))
	b = binary.AppendVarint(b, nanos(f.Last))
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (f *Failure) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	f.Code = d.str()
	f.Message = d.str()
	f.Attempts = int(d.varint())
	f.First = fromNanos(d.varint())
	f.Last = fromNanos(d.varint())
	return d.err
}

// MarshalBinary encodes k in the layout above (without the version byte).
func (k Skip) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 16+len(k.Reason))
	b = appendStr(b, k.Reason)
	b = binary.AppendVarint(b, nanos(k.At))
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (k *Skip) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	k.Reason = d.str()
	k.At = fromNanos(d.varint())
	return d.err
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
