package state

import (
	"encoding"
	"encoding/json"
	"fmt"
	"time"
)

// Values are one version byte followed by JSON. JSON keeps the records
// readable with badger's own tools and easy to extend; the version byte
// lets a later layout be told apart without guessing.
const valueVersion byte = 1

// FileEntry is the identity of a source file as it was when mgw last copied
// it and the destination acknowledged and verified the copy. A file whose
// current identity equals its entry needs no copy.
type FileEntry struct {
	Size      int64     `json:"size"`
	ModTime   time.Time `json:"mtime"`
	Ctime     time.Time `json:"ctime,omitzero"` // local sources only
	Inode     uint64    `json:"ino,omitempty"`  // local sources only
	ETag      string    `json:"etag,omitempty"` // object-store sources: their ETag
	DestETag  string    `json:"dest_etag,omitempty"`
	DestCRC64 uint64    `json:"dest_crc64,omitempty"`
	CopiedAt  time.Time `json:"copied_at"`
	// Note says what the copy changed to fit the destination, with its
	// code ("UserMetaInvalid: encoded Content-Disposition"); "" = nothing.
	Note string `json:"note,omitempty"`
	// ServerSide: the destination copied the file from the source on the
	// server (a server-side copy); no byte passed through mgw's host.
	ServerSide bool `json:"server_side,omitempty"`
}

// Same reports whether two identities describe the same file content as far
// as metadata can tell: size and mtime, plus ctime and inode where the
// source gives them, so same-size rewrites and back-dated files are caught.
func (e FileEntry) Same(o FileEntry) bool {
	return e.Size == o.Size && e.ModTime.Equal(o.ModTime) && e.Ctime.Equal(o.Ctime) &&
		e.Inode == o.Inode && e.ETag == o.ETag
}

// Failure is a file that could not be copied in spite of retries.
type Failure struct {
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Attempts int       `json:"attempts"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Skip is a file deliberately not copied (overwrite policy, symlink, special
// file, vanished before copy): never a failure.
type Skip struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Upload is a multipart checkpoint. It is written after the upload is
// created and again after each acknowledged part, before more parts are
// sent, so a restart resumes it instead of starting over. Written
// without an UploadID before the upload is asked for, it is an intent:
// an upload of the key may have been started whose ID was never
// recorded, and the key's open uploads are aborted before it is dropped.
type Upload struct {
	UploadID string     `json:"upload_id"`      // "": an intent
	Asked    time.Time  `json:"asked,omitzero"` // when the upload was asked for
	Source   FileEntry  `json:"source"`         // identity of the file being uploaded
	PartSize int64      `json:"part_size"`
	Parts    []PartDone `json:"parts"`
	// CRC32C is true for an upload whose parts carry a CRC32C the server
	// verified instead of an MD5 (S3): PartDone.CRC32C is set, MD5 not.
	// Checkpoints of older versions lack it, and resume with MD5s.
	CRC32C bool `json:"crc32c,omitempty"`
}

// Temps are the names of the temporary files that writes of a path to a
// disk or share destination made beside it (".<name>.mgw-tmp-<hex>", one
// path segment each) and that may still be there. A name is recorded
// before its file is created and cleared once the file is renamed into
// place or removed, so a process killed while writing, or a connection
// lost for good, leaves no file the next run cannot name and remove.
type Temps struct {
	Names []string `json:"names"`
}

// PartDone is one acknowledged part with the checksums of what was sent.
type PartDone struct {
	Number int    `json:"n"`
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
	MD5    []byte `json:"md5"`
	CRC64  uint64 `json:"crc64"`
	CRC32C uint32 `json:"crc32c,omitempty"` // valid in an Upload with CRC32C
}

// Run is one pass of a job: its migration report.
type Run struct {
	Number   uint64    `json:"number"`
	Job      string    `json:"job"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	State    string    `json:"state"`           // running, completed, failed, interrupted
	Error    string    `json:"error,omitempty"` // why the run stopped early: CODE: message

	// The shard of the job this run was, when it is spread over agents.
	ShardIndex int `json:"shard_index,omitempty"`
	ShardCount int `json:"shard_count,omitempty"`

	FilesScanned      int64            `json:"files_scanned"`
	FilesCopied       int64            `json:"files_copied"`
	FilesUnchanged    int64            `json:"files_unchanged"`
	BytesUnchanged    int64            `json:"bytes_unchanged,omitempty"`
	FilesAdopted      int64            `json:"files_adopted,omitempty"`       // found at the destination, copied by another shard
	FilesServerCopied int64            `json:"files_server_copied,omitempty"` // of FilesCopied, copied by the destination from the source (server-side copy)
	BytesServerCopied int64            `json:"bytes_server_copied,omitempty"`
	BytesAdopted      int64            `json:"bytes_adopted,omitempty"`
	FilesOthers       int64            `json:"files_others,omitempty"` // listed, and other shards' to copy
	FilesFiltered     int64            `json:"files_filtered"`
	FilesSkipped      int64            `json:"files_skipped"`
	FilesFailed       int64            `json:"files_failed"`
	BytesScanned      int64            `json:"bytes_scanned"`
	BytesCopied       int64            `json:"bytes_copied"`
	Throttled         int64            `json:"throttled,omitempty"`    // throttling answers met (429, 503, SlowDown)
	MetaChanged       int64            `json:"meta_changed,omitempty"` // files whose metadata was changed to fit the destination
	Notes             []string         `json:"notes,omitempty"`        // the first of them: "path: note"
	SkippedBy         map[string]int64 `json:"skipped_by,omitempty"`   // reason -> files
	FailedBy          map[string]int64 `json:"failed_by,omitempty"`    // code -> files
}

// Job is the persistent record of a job.
type Job struct {
	LastRun uint64 `json:"last_run"`
	// Adopt is set by Rebuild: the index was lost, so the job's next full
	// pass adopts the objects at the destination that match the source,
	// whatever the overwrite policy, instead of copying them again.
	Adopt bool `json:"adopt,omitempty"`
	// Shard is the shard of the job this state holds ("2/4"; "" for the
	// whole job): its index holds the files of that shard only.
	Shard string `json:"shard,omitempty"`
}

// encode writes a record: binary where the type has a binary form (the
// hot file entries), else JSON.
func encode(v any) []byte {
	if m, ok := v.(encoding.BinaryMarshaler); ok {
		b, err := m.MarshalBinary()
		if err != nil {
			panic(err) // FileEntry's encoding cannot fail
		}
		return append([]byte{binaryVersion}, b...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the record types above always marshal
	}
	return append([]byte{valueVersion}, b...)
}

func decode(b []byte, v any) error {
	switch {
	case len(b) == 0:
	case b[0] == valueVersion:
		return json.Unmarshal(b[1:], v)
	case b[0] == binaryVersion:
		if u, ok := v.(encoding.BinaryUnmarshaler); ok {
			return u.UnmarshalBinary(b[1:])
		}
	}
	return fmt.Errorf("state: value of unknown version")
}
