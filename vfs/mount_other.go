//go:build !linux

package vfs

// Mount is only implemented on Linux; elsewhere it returns ErrNoFUSE and
// the agent writes a status directory instead.
func Mount(dir string, src Source, lists Lists) (unmount func() error, err error) {
	return nil, ErrNoFUSE
}
