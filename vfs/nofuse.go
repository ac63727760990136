package vfs

import "errors"

// ErrNoFUSE means the view cannot be mounted here (Windows, macOS, a
// container without /dev/fuse, no permission): write a status directory
// instead (StatusDir).
var ErrNoFUSE = errors.New("FUSE is not available here")
