package engine

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state/codes"
)

// sideError marks which end an error came from.
type sideError struct {
	side connectors.Side
	err  error
}

func (e *sideError) Error() string { return e.side.String() + ": " + e.err.Error() }
func (e *sideError) Unwrap() error { return e.err }

func onSide(side connectors.Side, err error) error {
	if err == nil {
		return nil
	}
	var se *sideError
	if errors.As(err, &se) {
		return err
	}
	return &sideError{side: side, err: err}
}

func sideOf(err error) connectors.Side {
	var se *sideError
	if errors.As(err, &se) {
		return se.side
	}
	return connectors.Destination
}

// verifyError is a copy whose destination disagrees with what was sent.
type verifyError struct{ what string }

func (e *verifyError) Error() string { return "verification failed: " + e.what }

// jobFatal reports whether an error means no file of the job can succeed
// (credentials refused, bucket gone): the run stops instead of failing
// every file one by one.
func jobFatal(err error) bool {
	switch connectors.KindOf(err) {
	case connectors.KindBadKeyID, connectors.KindBadSecret, connectors.KindNoSuchBucket:
		return true
	}
	return false
}

// FileCode maps a per-file error to the code and message recorded in the
// failed list. key is the file's path, used to tell an unstorable name;
// srcFiles tells a source of files on a disk or share, where a refusal is
// a permission on a file, from an object store, where it is a 403 from
// the provider.
func FileCode(err error, key string, srcFiles bool) (code, message string) {
	var ve *verifyError
	if errors.As(err, &ve) {
		return codes.DestVerifyFailed, codes.Message(codes.DestVerifyFailed) + " (" + ve.what + ")"
	}
	side := sideOf(err)
	k := connectors.KindOf(err)
	src := side == connectors.Source
	switch k {
	case connectors.KindChanged:
		return codes.SourceFileChanged, codes.Message(codes.SourceFileChanged)
	case connectors.KindThrottled:
		if src {
			return codes.SourceThrottled, codes.Message(codes.SourceThrottled)
		}
		return codes.DestThrottled, codes.Message(codes.DestThrottled)
	case connectors.KindAccessDenied:
		switch {
		case src && srcFiles:
			return codes.SourceFileUnreadable, codes.Message(codes.SourceFileUnreadable) + " (" + RootCause(err) + ")"
		case src:
			return codes.SourceAccessDenied, codes.Message(codes.SourceAccessDenied)
		}
		return codes.DestAccessDenied, codes.Message(codes.DestAccessDenied)
	case connectors.KindInvalidState:
		return codes.SourceObjectArchived, codes.Message(codes.SourceObjectArchived)
	case connectors.KindUnsupportedName:
		if !utf8.ValidString(key) {
			return codes.SourceAddrHasUnsupportedChar, codes.Message(codes.SourceAddrHasUnsupportedChar) + " (not valid UTF-8)"
		}
		if strings.ContainsRune(key, '\\') {
			return codes.SourceAddrHasUnsupportedChar, codes.Message(codes.SourceAddrHasUnsupportedChar) + " (a backslash, which SMB cannot carry in a name)"
		}
		return codes.DestObjectNameTooLong, codes.Message(codes.DestObjectNameTooLong)
	case connectors.KindTransient, connectors.KindTimeout, connectors.KindBadEndpoint:
		return codes.TransferInterrupted, codes.Message(codes.TransferInterrupted) + " (" + RootCause(err) + ")"
	case connectors.KindBadKeyID, connectors.KindBadSecret, connectors.KindNoSuchBucket:
		code := all.AddressCode(side, connectors.Address{}, err)
		return code, codes.Message(code)
	case connectors.KindUnknown:
		// Retried to the limit without ever telling what it is.
		return codes.RetryExceedMaxCount, codes.Message(codes.RetryExceedMaxCount) + " (last: " + RootCause(err) + ")"
	}
	if src {
		return codes.SourceFileUnreadable, codes.Message(codes.SourceFileUnreadable) + " (" + RootCause(err) + ")"
	}
	return codes.DestWriteFailed, codes.Message(codes.DestWriteFailed) + " (" + RootCause(err) + ")"
}

// RootCause is the innermost error's text: the part worth showing.
func RootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Err != nil && errors.Unwrap(ce.Err) == nil {
			return ce.Err.Error()
		}
		err = u
	}
}
