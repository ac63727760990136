package testserver

import (
	"errors"
	"strconv"
)

// The errors the skeleton returns. Each service answers them with its own
// status, code and body; these only say which case it is.
var (
	ErrNoSuchBucket = errors.New("no such bucket")
	ErrNoSuchKey    = errors.New("no such key")
	ErrNoSuchUpload = errors.New("no such upload")
	ErrDenied       = errors.New("access denied by the test's deny list")
	ErrExists       = errors.New("object exists and overwriting is forbidden")
	ErrNoParts      = errors.New("no parts to complete the upload with")
	ErrPartOrder    = errors.New("parts not in ascending order")
	ErrInvalidPart  = errors.New("part missing or its ETag does not match")
	ErrTooSmall     = errors.New("part smaller than the minimum")

	// Body errors (ReadBody).
	ErrBadMD5      = errors.New("Content-MD5 is not the base64 of 16 bytes")
	ErrMD5Mismatch = errors.New("body does not match Content-MD5")
	ErrIncomplete  = errors.New("body shorter than Content-Length")
)

// Injected is a failure a test asked for with FailNext.
type Injected struct {
	Status int
	Code   string
}

func (e *Injected) Error() string { return strconv.Itoa(e.Status) + " " + e.Code + " (injected)" }

// PartError is ErrInvalidPart or ErrTooSmall about one part of a
// completion list, with what services quote back about it.
type PartError struct {
	Err        error
	PartNumber int
	ETag       string // as the client listed it
	Size, Min  int    // ErrTooSmall: the part's size and the least allowed
}

func (e *PartError) Error() string {
	return e.Err.Error() + ": part " + strconv.Itoa(e.PartNumber)
}

func (e *PartError) Unwrap() error { return e.Err }
