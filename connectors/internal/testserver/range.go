package testserver

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrRange is a Range no byte of the object satisfies (416).
var ErrRange = errors.New("range not satisfiable")

// RangeRules are where services part ways on a Range header. Both take
// one range, ignore a malformed one (200, the whole object) and, when
// strict, cut an end past the object to its last byte and refuse a start
// past it.
type RangeRules struct {
	// Lenient ignores a range reaching past the object instead (OSS
	// without x-oss-range-behavior: standard).
	Lenient bool
	// OnlyOne ignores a header naming several ranges; otherwise the first
	// counts.
	OnlyOne bool
}

// ResolveRange returns the inclusive byte span of an object of size that
// header asks for and the status to answer it with, or ErrRange.
func ResolveRange(header string, size int64, rules RangeRules) (start, end int64, status int, err error) {
	whole := func() (int64, int64, int, error) { return 0, size - 1, http.StatusOK, nil }
	beyond := func() (int64, int64, int, error) {
		if rules.Lenient {
			return whole()
		}
		return 0, 0, 0, ErrRange
	}
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || rules.OnlyOne && strings.Contains(spec, ",") {
		return whole()
	}
	spec, _, _ = strings.Cut(spec, ",")
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		switch {
		case err != nil || n < 0:
			return whole()
		case n == 0 || size == 0:
			return beyond()
		case n > size && rules.Lenient:
			return whole()
		}
		return size - min(n, size), size - 1, http.StatusPartialContent, nil
	}
	start, err = strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return whole()
	}
	end = size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return whole()
		}
	}
	switch {
	case start >= size:
		return beyond()
	case end >= size && rules.Lenient:
		return whole()
	}
	return start, min(end, size-1), http.StatusPartialContent, nil
}
