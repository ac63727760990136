// Package connectors defines the one interface every storage backend of mgw
// implements, and the error kinds backends classify their errors into.
//
// Application code (the agent) talks to a Bucket only. A backend lives in its
// own sub-package (local, s3, oss, ...) and is opened from an Address by
// package connectors/all, the only package that knows every backend.
//
// Keys are '/'-separated paths relative to the address root (its path or
// prefix): no leading slash, never "." or ".." segments. A key is a Go string
// holding the name's bytes; for the local backend it may hold bytes that are
// not UTF-8, and backends that cannot store such a key must refuse it with
// KindUnsupportedName.
package connectors

import (
	"context"
	"io"
	"io/fs"
	"strings"
	"time"
)

// MetaMtime is the user metadata key under which object stores keep the
// source file's mtime, written by FormatMtime: RFC 3339, UTC, nanoseconds.
const MetaMtime = "mtime"

// FormatMtime is the one form of an mtime in object metadata.
func FormatMtime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// UserMeta is the user metadata an object store keeps for a Put with
// opts: the caller's names in lower case, and the mtime (MetaMtime).
func (opts PutOptions) UserMeta() map[string]string {
	m := make(map[string]string, len(opts.Meta)+1)
	for k, v := range opts.Meta {
		m[strings.ToLower(k)] = v
	}
	if !opts.ModTime.IsZero() {
		m[MetaMtime] = FormatMtime(opts.ModTime)
	}
	return m
}

// ParseMtime reads what FormatMtime wrote.
func ParseMtime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// Type says what an object found by List is. Only regular files are copied.
type Type uint8

const (
	Regular Type = iota // a file or object with content
	Symlink             // a symbolic link; never followed by default
	Special             // device, socket, FIFO: never copied
)

// Object describes one file or object. Fields a backend cannot tell are zero.
type Object struct {
	Key     string
	Type    Type
	Size    int64
	ModTime time.Time // source: the file's mtime; object stores: Last-Modified

	// Local identity (zero elsewhere): a change of either with the same size
	// and mtime still means the file was rewritten.
	Ctime time.Time
	Inode uint64

	ETag     string // as the server sent it, without quotes
	CRC64    uint64 // CRC64-ECMA (OSS x-oss-hash-crc64ecma); valid if HasCRC64
	HasCRC64 bool
	// CRC32C is the object's CRC32C as an S3 server tells it (Stat, and
	// CompleteMultipart of an upload started by CreateMultipartCRC32C):
	// base64 of the 4 bytes, and for an object of parts the composite
	// "<base64 of the CRC32C of the parts' CRC32Cs>-N". Empty: not told.
	CRC32C       string
	StorageClass string // e.g. "Archive", "ColdArchive", "GLACIER"; empty = standard
	// Restored is true for an archived object that has a readable restored
	// copy now. Stat always tells; List tells where the listing says.
	Restored bool
	// Mode is the file's permission bits (fs.ModePerm at most), valid if
	// HasMode: only backends with Features.Modes tell them.
	Mode    fs.FileMode
	HasMode bool
	Meta    map[string]string // user metadata, lower-case keys, without the x-oss-meta-/x-amz-meta- prefix
	// Headers are the object's standard HTTP headers. Stat fills them on
	// backends with Features.Metadata; List leaves them empty (listings
	// do not carry them).
	Headers Headers
}

// Headers are the standard HTTP headers an object store keeps with an
// object and sends back with it. An empty field is not set.
type Headers struct {
	ContentType        string
	ContentEncoding    string
	CacheControl       string
	ContentDisposition string
	Expires            string // as the source sent it (RFC 1123 normally); passed on unparsed
}

// IsZero reports whether no header is set.
func (h Headers) IsZero() bool { return h == Headers{} }

// PutOptions are the optional settings of a Put or a multipart upload.
type PutOptions struct {
	ModTime time.Time         // the source mtime; stored as metadata "mtime" (object stores) or set on the file (local)
	Meta    map[string]string // extra user metadata
	Headers Headers           // standard headers to store with the object (backends with Features.Metadata)
	MD5     []byte            // if set, the content's MD5: backends that can send Content-MD5 must, so the server verifies

	// Permission bits, for backends with Features.Modes (local disks,
	// NFS exports).
	// With HasMode the file is written with Mode (permission bits only:
	// never setuid, setgid or sticky). FolderMode, if not nil, tells the
	// bits of the source's folder dir ("" the root, else a key ending in
	// "/") for each folder Put has to create; ok false: not known, and
	// the folder is made as if FolderMode were nil.
	Mode       fs.FileMode
	HasMode    bool
	FolderMode func(dir string) (mode fs.FileMode, ok bool)

	// Temps, if not nil, is told of each temporary file a backend with
	// Features.Temps writes beside the target, so the caller can record
	// its name and remove it should the process die before Put ends.
	Temps TempLog
}

// TempLog is told of the temporary files a Put writes beside its target
// (disks and shares write one and rename it into place). Calls for one
// Put never overlap.
type TempLog interface {
	// Made is told the name of a temporary file (one path segment, in
	// the target's folder) before Put creates it. An error stops the Put,
	// which returns it wrapped, and creates nothing.
	Made(name string) error
	// Gone is told that name was renamed into place or removed.
	Gone(name string)
}

// TempRemover removes a temporary file a Put left (Features.Temps).
type TempRemover interface {
	// RemoveTemp removes name from the folder of key, where name is one
	// that a Put of key told TempLog.Made. Any other name, such as the
	// target's own or a path, is refused with KindInvalidArgument, so
	// nothing but a temporary file of key can be removed. A missing file
	// is not an error.
	RemoveTemp(ctx context.Context, key, name string) error
}

// Bucket is what every backend implements. All methods must be safe for
// concurrent use. Errors must be classifiable with KindOf: a backend wraps
// every error it returns with NewError (or returns one that already is).
type Bucket interface {
	// List calls fn once for each object whose key starts with prefix, in
	// any order, recursing into sub-folders; fn may be called from several
	// goroutines at once, calls to onErr never overlap. It must stream:
	// never hold the whole listing in memory (object stores page through
	// it; the local backend walks directories). Folder markers (keys ending
	// in "/") are not objects and must not be passed to fn. If fn returns an
	// error, List stops and returns it. A prefix that does not exist lists
	// nothing and is not an error, but a missing root (an unmounted share)
	// is KindNotFound, so it never looks like a source whose files were all
	// deleted. A folder that cannot be read is passed to onErr (if not nil)
	// as a ListError whose Dir is "" for the root or a key ending in "/" and
	// whose Err is classified, and List goes on with the rest; with onErr
	// nil it returns the error. (A source that probes each entry, such as
	// a list of URLs, passes an entry it could not probe with Dir = its key.)
	List(ctx context.Context, prefix string, fn func(Object) error, onErr func(ListError)) error

	// ListDir calls fn for the objects directly inside dir ("" is the root,
	// else a key ending in "/"), with their full keys, without recursing. It
	// is how the agent asks a destination which of a folder's files it
	// already holds: one call a folder instead of one Stat a file. Order is
	// unspecified; a dir that does not exist lists nothing.
	ListDir(ctx context.Context, dir string, fn func(Object) error) error

	// Stat returns the object's attributes. A missing key must give an error
	// of KindNotFound; so must a folder's key (a folder is not an object),
	// and on backends with real folders (disks, shares) that error wraps
	// ErrIsFolder, so a caller told of a changed key can tell a folder to
	// scan from a file gone.
	Stat(ctx context.Context, key string) (Object, error)

	// Open returns a reader of length bytes starting at offset; length < 0
	// reads to the end. A missing key must give KindNotFound.
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)

	// Put stores size bytes read from r under key, replacing any object
	// there. r is an io.ReadSeeker so a backend may rewind it to retry. The
	// object must never be visible under key with partial or wrong content:
	// object stores get this from the service; the local backend writes a
	// temporary name beside the target and renames it into place. It returns
	// the stored object as the server acknowledged it (Size, ETag, CRC64 if
	// known). Put may leave nothing or a complete object when it fails; with
	// the caller's context cancelled it returns an error for which
	// IsCanceled is true and leaves no new object.
	Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts PutOptions) (Object, error)

	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// Check verifies the address once: credentials, bucket, endpoint, and
	// that the root prefix, if any, is not a file. Classified errors tell
	// what is wrong.
	Check(ctx context.Context) error

	// Features tells what optional capabilities the backend has.
	Features() Features

	Close() error
}

// Features are the optional capabilities of a Bucket, found by type
// assertion once and kept here so callers test a field, not an interface.
type Features struct {
	Multipart MultipartUploader // nil: large files go through Put
	// MaxKeyBytes is the longest key a caller may pass (OSS, S3: 1023 less
	// the address's prefix); 0 = no limit.
	MaxKeyBytes int
	// UTF8Keys is true when keys must be valid UTF-8 (every object store).
	UTF8Keys bool
	// MinPartSize is the smallest part but the last (OSS 100 KiB, S3 5 MiB).
	MinPartSize int64
	// MaxParts is the most parts one upload may have (10,000 for OSS and S3).
	MaxParts int
	// CRC64 is true when the backend reports the CRC64-ECMA of every object
	// and part it stores (OSS): the only case where computing one pays.
	CRC64 bool
	// CRC32C starts multipart uploads whose parts are protected by a
	// CRC32C instead of an MD5 (S3): nil, the backend has none, or its
	// server has shown it does not verify them (the backend remembers:
	// callers ask Features again rather than keep the answer).
	CRC32C CRC32CUploader
	// Copier copies objects inside the bucket on the server; nil: callers
	// read and write the bytes themselves.
	Copier Copier
	// ServerCopier copies objects from another bucket of the same service
	// into this one on the server; nil: it cannot.
	ServerCopier ServerCopier
	// WholeReads is true when one Open of a whole object reads a single
	// version of it (object stores): the bytes cannot tear while read, so
	// a caller need not check the object again afterwards. Files on disks
	// and shares can change under a reader.
	WholeReads bool
	// Metadata is true when Stat tells an object's Headers and Meta and
	// Open returns an ObjectReader, and, on a backend that writes, Put
	// and multipart uploads store PutOptions.Headers and Meta (object
	// stores; a list of URLs reports the headers its servers send, and
	// has no Meta). A service without a place for Expires (Azure, GCS)
	// drops it. Disks and shares keep neither.
	Metadata bool
	// MaxMetaBytes is the most bytes of user metadata (names and values,
	// without the header prefix, the "mtime" entry included) one object
	// may carry: S3 and COS 2 KiB, OSS, Azure and GCS 8 KiB; 0 = no limit
	// known.
	MaxMetaBytes int
	// Restorer requests restores of archived objects; nil: the backend
	// cannot, and archived objects stay unreadable.
	Restorer Restorer
	// Modes is set on backends with Unix permission bits (local disks,
	// NFS exports; not SMB, which carries none without POSIX extensions):
	// their objects tell Mode, Modes tells a folder's, and Put honours
	// PutOptions.Mode and FolderMode. A copy keeps permission bits only
	// where both sides have Modes. nil: the backend has no bits to tell
	// or keep.
	Modes Modes
	// Temps is set on backends that write a temporary file beside the
	// target and rename it (disks, shares): they tell PutOptions.Temps of
	// it and remove one a killed process left. nil: nothing to remove.
	Temps TempRemover
	// Uploads names the open multipart uploads of a key (S3, OSS, COS), so an
	// upload whose ID a killed process never recorded can be found and
	// aborted. nil: the backend has none to name (Azure makes its upload
	// IDs itself and sends nothing before the first part; its uncommitted
	// blocks expire by themselves after a week).
	Uploads UploadLister
}

// Modes tells the permission bits of a folder of a backend with Features.Modes.
type Modes interface {
	// FolderMode returns the permission bits of the folder dir ("" the
	// root, else a key ending in "/"). A missing folder is KindNotFound.
	FolderMode(ctx context.Context, dir string) (fs.FileMode, error)
}

// ObjectReader is what Open returns on backends with Features.Metadata:
// the reader also tells the object as the read's response described it
// (Size of the whole object, ETag, ModTime, Meta, Headers), so a copy of
// a small object needs no Stat besides its GET.
type ObjectReader interface {
	io.ReadCloser
	Object() Object
}

// StatReader is what Open returns on backends of files on a server (SMB,
// NFS): having read a file whole, the engine asks the open file what it
// is now, one request where a Stat of its path costs several, to learn
// whether it changed while it was read. The Object has the identity a
// listing gives (Size, ModTime, Ctime, Inode).
type StatReader interface {
	io.ReadCloser
	Stat() (Object, error)
}

// FileReader is what Open returns on a backend of local files: the reader
// also reads at any offset of the whole file (whatever range was opened),
// so the parts of a multipart upload are sent straight from the file, a
// part re-read on a retry, with no part held in memory.
type FileReader interface {
	io.ReadCloser
	io.ReaderAt
}

// Restorer asks an object store to make an archived object readable.
type Restorer interface {
	// Restore requests a readable copy of key kept for days days. A
	// restore already under way or done is not an error; an object that
	// is not archived is not an error either.
	Restore(ctx context.Context, key string, days int) error
}

// Copier copies an object to another key of the same bucket without
// moving its bytes through the caller, keeping its metadata. A missing
// source gives KindNotFound.
type Copier interface {
	Copy(ctx context.Context, srcKey, dstKey string) error
}

// Service is what two buckets of one backend must share for one to read
// the other on the server: one endpoint (as written, lower case, without a
// trailing slash), URL style, region and credentials.
type Service struct {
	Endpoint, Region string
	PathStyle        bool
	KeyID, Secret    string
}

// ServerCopier is a destination that can copy an object from a source
// bucket of the same service on the server, so no byte of it passes
// through the caller (CopyObject, UploadPartCopy). The caller verifies
// the ETag returned against the source's listed one, or the CRC64
// returned against the source's, as for any copy.
type ServerCopier interface {
	// CopiesFrom reports whether CopyFrom can read src on the server: src
	// is a bucket of the same backend and Service.
	CopiesFrom(src Bucket) bool
	// CopyFrom copies o (as src listed it: Key, Size, ETag) to key, only
	// while src still holds o's ETag (a changed source is KindChanged), and
	// in a way whose ETag is comparable with o's: an ETag of a single
	// upload by one CopyObject, an ETag of parts by copying the same part
	// layout; or, on a backend with Features.CRC64 that cannot learn the
	// source's part layout (OSS), returning the copy's CRC64 for the
	// caller to compare with the source's. Where it cannot promise either
	// it copies nothing and returns KindUnsupported, and the caller copies
	// through itself. It returns the stored object as the server
	// acknowledged it (Size, ETag, CRC64 where told).
	CopyFrom(ctx context.Context, src Bucket, o Object, key string, opts PutOptions) (Object, error)
}

// Part is one acknowledged part of a multipart upload.
type Part struct {
	Number   int // 1-based
	Size     int64
	ETag     string // without quotes
	CRC64    uint64 // OSS only (x-oss-hash-crc64ecma of the part); valid if HasCRC64
	HasCRC64 bool
	// CRC32C is the part's CRC32C as the server echoed it (uploads started
	// by CreateMultipartCRC32C); valid if HasCRC32C. CompleteMultipart
	// sends it back for each part.
	CRC32C    uint32
	HasCRC32C bool
}

// PartSums are the checksums of a part as its sender computed them, for
// the server to verify the bytes it receives: a part it finds different
// is refused (S3 BadDigest), never stored.
type PartSums struct {
	MD5 []byte // if set, sent as Content-MD5
	// CRC32C (Castagnoli), if HasCRC32C, is sent as x-amz-checksum-crc32c:
	// only in uploads started by CreateMultipartCRC32C, where it replaces
	// the MD5.
	CRC32C    uint32
	HasCRC32C bool
}

// MultipartUploader uploads one object in parts that can be sent in
// parallel, in any order, and resumed after a restart from the upload ID.
type MultipartUploader interface {
	// CreateMultipart starts an upload and returns its ID.
	CreateMultipart(ctx context.Context, key string, opts PutOptions) (uploadID string, err error)
	// UploadPart sends one part with the checksums in sums the backend
	// can send (a zero PartSums sends none).
	UploadPart(ctx context.Context, key, uploadID string, number int, r io.ReadSeeker, size int64, sums PartSums) (Part, error)
	// ListParts returns the parts the server holds for the upload, in order.
	// An upload that no longer exists gives KindNotFound.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)
	// CompleteMultipart assembles the parts (in Number order) into the object.
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (Object, error)
	// AbortMultipart discards the upload and its parts; an unknown or
	// already aborted upload is not an error.
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// UploadLister names the open multipart uploads of one key.
type UploadLister interface {
	// UploadsOf returns the IDs of the uploads open for exactly key: not
	// those of the keys key is a prefix of.
	UploadsOf(ctx context.Context, key string) ([]string, error)
}

// CRC32CUploader starts multipart uploads whose parts carry a CRC32C the
// server verifies (S3's x-amz-checksum-crc32c), so the sender need not
// compute an MD5 of every byte: a CRC32C costs a fraction of it.
type CRC32CUploader interface {
	// CreateMultipartCRC32C starts an upload like CreateMultipart. With
	// crc32c true its parts must be sent with PartSums.CRC32C, UploadPart
	// and ListParts tell each part's CRC32C as the server echoed it, and
	// CompleteMultipart tells the object's composite CRC32C. With crc32c
	// false the server does not take part checksums (it said so, or did
	// not echo the algorithm): the upload, if uploadID is not empty, is a
	// plain one whose parts carry Content-MD5, and the backend answers
	// false at once for the rest of its life.
	CreateMultipartCRC32C(ctx context.Context, key string, opts PutOptions) (uploadID string, crc32c bool, err error)
}

// ListError is a folder that could not be listed during List.
type ListError struct {
	Dir string
	Err error
}

// Archived reports whether a storage class keeps objects cold: they cannot
// be read before a restore (S3 GLACIER and DEEP_ARCHIVE; OSS Archive,
// ColdArchive, DeepColdArchive; COS ARCHIVE and DEEP_ARCHIVE).
// Instant-retrieval classes are readable.
func Archived(storageClass string) bool {
	switch storageClass {
	case "GLACIER", "DEEP_ARCHIVE", "Archive", "ColdArchive", "DeepColdArchive", "ARCHIVE":
		return true
	}
	return false
}
