package local

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
)

// tempMark sits between the target's name and a random suffix in the
// name of a file being written: ".<name>.mgw-tmp-<16 hex digits>".
const (
	tempMark      = ".mgw-tmp-"
	tempRandBytes = 8
)

// copyBuf is the most bytes of a stream read at a time.
const copyBuf = 1 << 20

// tempName returns a fresh temporary name for a file named name. The name
// part is shortened, at a character boundary, so the result still fits in
// maxNameBytes.
func tempName(name string) string {
	var r [tempRandBytes]byte
	rand.Read(r[:])
	return tempStem(name) + tempMark + hex.EncodeToString(r[:])
}

// tempStem is what every temporary name of a file named name starts with:
// a dot and name, shortened to leave room for the mark and the suffix.
func tempStem(name string) string {
	if room := maxNameBytes - 1 - len(tempMark) - 2*tempRandBytes; len(name) > room {
		name = name[:room]
		for len(name) > 0 {
			if c, n := utf8.DecodeLastRuneInString(name); c != utf8.RuneError || n > 1 {
				break
			}
			name = name[:len(name)-1]
		}
	}
	return "." + name
}

// isTempOf reports whether tmp is a name tempName makes for a file named
// base: one segment (the stem holds no separator), never base itself.
func isTempOf(base, tmp string) bool {
	stem := tempStem(base)
	return tmp != base && len(tmp) == len(stem)+len(tempMark)+2*tempRandBytes &&
		strings.HasPrefix(tmp, stem+tempMark) && isTempName(tmp)
}

// isTempName reports whether name is one tempName makes.
func isTempName(name string) bool {
	i := strings.LastIndex(name, tempMark)
	if i < 1 || name[0] != '.' || len(name)-i-len(tempMark) != 2*tempRandBytes {
		return false
	}
	_, err := hex.DecodeString(name[i+len(tempMark):])
	return err == nil
}

// Put writes size bytes from r to a temporary file beside the target,
// syncs it, sets its mtime and renames it over the target, creating the
// folders above it as needed. With opts.MD5 set, content that does not
// match is refused with KindInvalidArgument. Fewer than size bytes in r is
// KindChanged: the source shrank while it was read.
func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	fail := func(kind connectors.Kind, err error) (connectors.Object, error) {
		return connectors.Object{}, newError(kind, "put", key, err)
	}
	if err := checkKey(key); err != nil {
		return fail(connectors.KindUnsupportedName, err)
	}
	if size < 0 {
		return fail(connectors.KindInvalidArgument, fmt.Errorf("negative size %d", size))
	}
	if err := ctx.Err(); err != nil {
		return fail(connectors.Classify(err), err)
	}
	root, err := b.openRoot()
	if errors.Is(err, fs.ErrNotExist) {
		// The first file makes the folder, as it makes the ones below.
		if err = b.mkdirRoot(opts); err == nil {
			root, err = b.openRoot()
		}
	}
	if err != nil {
		return fail(kindOf(err), err)
	}
	defer root.Close()
	p := name(key)
	dir := filepath.Dir(p)
	if err := mkdirs(root, key, opts); err != nil {
		if errors.Is(err, fs.ErrExist) { // a file where a folder is needed
			return fail(connectors.KindNotDir, err)
		}
		return fail(kindOf(err), err)
	}
	tmpName := tempName(filepath.Base(p))
	tmp := filepath.Join(dir, tmpName)
	gone := func() {
		if opts.Temps != nil {
			opts.Temps.Gone(tmpName)
		}
	}
	if opts.Temps != nil {
		// Told before the file exists: a process killed while writing
		// leaves a name its caller knows and can remove.
		if err := opts.Temps.Made(tmpName); err != nil {
			return fail(connectors.KindInvalidArgument, err)
		}
	}
	mode, exact := fileMode(opts)
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		gone() // not made (or, O_EXCL, not ours)
		return fail(kindOf(err), err)
	}
	var kind connectors.Kind
	if exact {
		// The umask took bits off; the source's are what was asked.
		// Set before a byte is written, so the file is never wider.
		err = f.Chmod(mode)
		kind = kindOf(err)
	}
	if err == nil {
		kind, err = write(ctx, f, r, size, opts)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		kind, err = kindOf(cerr), cerr
	}
	if err == nil && !opts.ModTime.IsZero() {
		if err = root.Chtimes(tmp, time.Time{}, opts.ModTime); err != nil {
			kind = kindOf(err)
		}
	}
	if err == nil {
		// Last chance to honour a cancellation: after the rename the
		// object is there.
		if err = ctx.Err(); err != nil {
			kind = connectors.Classify(err)
		}
	}
	if err == nil {
		if err = root.Rename(tmp, p); err != nil {
			kind = kindOf(err)
			if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) {
				kind, err = connectors.KindInvalidArgument, fmt.Errorf("%s is a folder", key)
			}
		}
	}
	if err != nil {
		if rerr := root.Remove(tmp); rerr == nil || errors.Is(rerr, fs.ErrNotExist) {
			gone()
		}
		return fail(kind, err)
	}
	gone()
	fi, err := root.Lstat(p)
	if err != nil {
		return fail(kindOf(err), err)
	}
	return object(key, fi), nil
}

// RemoveTemp removes the temporary file tmp that a Put of key made beside
// it; a name tempName could not have made for key is refused, so the
// target, or any file but a temporary one of key, is never removed. The
// root holds the removal inside the folder whatever the links below it.
func (b *bucket) RemoveTemp(ctx context.Context, key, tmp string) error {
	fail := func(kind connectors.Kind, err error) error { return newError(kind, "remove temporary file", key, err) }
	if err := checkKey(key); err != nil {
		return fail(connectors.KindUnsupportedName, err)
	}
	p := name(key)
	if !isTempOf(filepath.Base(p), tmp) {
		return fail(connectors.KindInvalidArgument, fmt.Errorf("%q is not a temporary name of the file", tmp))
	}
	if err := ctx.Err(); err != nil {
		return fail(connectors.Classify(err), err)
	}
	root, err := b.openRoot()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fail(kindOf(err), err)
	}
	defer root.Close()
	t := filepath.Join(filepath.Dir(p), tmp)
	fi, err := root.Lstat(t)
	if err == nil && fi.IsDir() {
		return fail(connectors.KindInvalidArgument, fmt.Errorf("%q is a folder", tmp))
	}
	if err == nil {
		err = root.Remove(t)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return fail(kindOf(err), err)
	}
	return nil
}

// write copies size bytes of r to f, checking the context between chunks
// and the MD5 at the end, then syncs f.
func write(ctx context.Context, f *os.File, r io.Reader, size int64, opts connectors.PutOptions) (connectors.Kind, error) {
	var h hash.Hash
	var w io.Writer = f
	if opts.MD5 != nil {
		h = md5.New()
		w = io.MultiWriter(f, h)
	}
	// Chunks of up to copyBuf, not io.Copy's 32 KiB: a stream from a
	// share or a bucket may make a request per Read, and across a link of
	// 200 ms 32 KiB at a time read 8 MiB in a minute. (The file's
	// ReadFrom would bring io.Copy's buffer: it is hidden.)
	buf := make([]byte, max(1, min(size, copyBuf)))
	n, err := io.CopyBuffer(struct{ io.Writer }{w}, io.LimitReader(connectors.ContextReader(ctx, r), size), buf)
	if err == nil && n < size {
		err = io.EOF
	}
	switch {
	case err == io.EOF:
		return connectors.KindChanged, fmt.Errorf("source ended after %d of %d bytes", n, size)
	case err != nil:
		if cerr := ctx.Err(); cerr != nil {
			return connectors.Classify(cerr), err
		}
		return kindOf(err), err
	}
	if h != nil {
		if sum := h.Sum(nil); !bytes.Equal(sum, opts.MD5) {
			return connectors.KindInvalidArgument, fmt.Errorf("content MD5 %x does not match the expected %x", sum, opts.MD5)
		}
	}
	if err := f.Sync(); err != nil {
		return kindOf(err), err
	}
	return 0, nil
}
