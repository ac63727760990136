package testserver

import (
	"crypto/md5"
	"hash/crc64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number  int
	Data    []byte
	MD5     []byte
	ETag    string // hex MD5 as the service writes it, without quotes
	CRC64   uint64
	ModTime time.Time
}

type upload struct {
	id, bucket, key string
	proto           *Object // headers, metadata and class given at initiation
	parts           map[int]*Part
}

// NewPart makes part n of data, received now.
func (st *Store) NewPart(n int, data []byte) *Part {
	sum := md5.Sum(data)
	return &Part{
		Number: n, Data: data, MD5: sum[:], ETag: st.hex(sum[:]),
		CRC64: crc64.Checksum(data, crcTable), ModTime: time.Now(),
	}
}

// Initiate opens upload id for key, whose object will take proto's
// headers, metadata and storage class.
func (st *Store) Initiate(id, bucketName, key string, proto *Object) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.uploads[id] = &upload{id: id, bucket: bucketName, key: key, proto: proto, parts: map[int]*Part{}}
}

// findUpload returns upload id, which must belong to key. st.mu must be
// held.
func (st *Store) findUpload(id, bucketName, key string) (*upload, error) {
	u := st.uploads[id]
	if u == nil || u.bucket != bucketName || u.key != key {
		return nil, ErrNoSuchUpload
	}
	return u, nil
}

// CheckUpload returns ErrNoSuchUpload unless upload id is open for key.
func (st *Store) CheckUpload(id, bucketName, key string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, err := st.findUpload(id, bucketName, key)
	return err
}

// ReceivePart reads part n of upload id from r's body (ReadBody's checks
// apply) and stores it. The upload must be open before the body is read
// and still be once it is.
func (st *Store) ReceivePart(id, bucketName, key string, n int, r *http.Request) (*Part, error) {
	if err := st.CheckUpload(id, bucketName, key); err != nil {
		return nil, err
	}
	data, err := ReadBody(r)
	if err != nil {
		return nil, err
	}
	p := st.NewPart(n, data)
	if err := st.PutPart(id, bucketName, key, p); err != nil {
		return nil, err
	}
	return p, nil
}

// PutPart stores p in upload id, replacing any part of its number, and
// counts it for PartUploads. The upload is looked up again: it may have
// been completed or aborted while the part was received.
func (st *Store) PutPart(id, bucketName, key string, p *Part) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	u, err := st.findUpload(id, bucketName, key)
	if err != nil {
		return err
	}
	u.parts[p.Number] = p
	name := bucketName + "/" + key
	if st.partCount[name] == nil {
		st.partCount[name] = map[int]int{}
	}
	st.partCount[name][p.Number]++
	return nil
}

// Parts returns the upload's attributes and, in number order, up to max
// of its parts numbered above marker; truncated says whether more follow.
func (st *Store) Parts(id, bucketName, key string, marker, max int) (proto Object, parts []Part, truncated bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	u, err := st.findUpload(id, bucketName, key)
	if err != nil {
		return Object{}, nil, false, err
	}
	for n, p := range u.parts {
		if n > marker {
			parts = append(parts, *p)
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	if truncated = len(parts) > max; truncated {
		parts = parts[:max]
	}
	return *u.proto, parts, truncated, nil
}

// PartRef is one entry of a completion list. Its fields bear the names of
// the XML elements both services use, so it decodes as it is.
type PartRef struct {
	PartNumber int
	ETag       string
}

// Completion is what a complete request asks and what the service
// requires of it.
type Completion struct {
	Parts       []PartRef
	All         bool // complete with every part received (Parts empty)
	MinPartSize int  // the least size of every part but the last
	NoOverwrite bool // refuse with ErrExists if the key holds an object
}

// Complete checks c against upload id and, if it holds, makes the object
// visible and closes the upload. The list is checked as a whole first
// (its order is part of the request's validity), then each part, then the
// sizes. The ETag is the MD5 of the parts' MD5s, "-" and their count, as
// both services make it.
func (st *Store) Complete(id, bucketName, key string, c Completion) (Object, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	u, err := st.findUpload(id, bucketName, key)
	if err != nil {
		return Object{}, err
	}
	list := c.Parts
	if c.All {
		list = nil
		for n, p := range u.parts {
			list = append(list, PartRef{n, p.ETag})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].PartNumber < list[j].PartNumber })
	}
	if len(list) == 0 {
		return Object{}, ErrNoParts
	}
	parts, err := st.checkParts(u, list, c.MinPartSize)
	if err != nil {
		return Object{}, err
	}
	var data, sums []byte
	for _, p := range parts {
		data = append(data, p.Data...)
		sums = append(sums, p.MD5...)
	}
	etag := md5.Sum(sums)
	obj := st.NewObject(data, time.Now())
	obj.MD5 = nil // neither service knows the whole object's MD5 after a multipart upload
	obj.ETag = st.hex(etag[:]) + "-" + strconv.Itoa(len(parts))
	obj.Parts = len(parts)
	obj.Headers, obj.Meta, obj.StorageClass = u.proto.Headers, u.proto.Meta, u.proto.StorageClass
	if err := st.put(bucketName, key, obj, "CompleteMultipartUpload", c.NoOverwrite); err != nil {
		return Object{}, err
	}
	delete(st.uploads, u.id)
	return *obj, nil
}

// checkParts finds the listed parts of u, in the order Complete describes.
func (st *Store) checkParts(u *upload, list []PartRef, minSize int) ([]*Part, error) {
	for i := 1; i < len(list); i++ {
		if list[i].PartNumber <= list[i-1].PartNumber {
			return nil, ErrPartOrder
		}
	}
	parts := make([]*Part, len(list))
	for i, lp := range list {
		p := u.parts[lp.PartNumber]
		given := strings.Trim(strings.TrimSpace(lp.ETag), `"`)
		if p == nil || given != p.ETag && !(st.cfg.FoldETags && strings.EqualFold(given, p.ETag)) {
			return nil, &PartError{Err: ErrInvalidPart, PartNumber: lp.PartNumber, ETag: lp.ETag}
		}
		parts[i] = p
	}
	for _, p := range parts[:len(parts)-1] {
		if len(p.Data) < minSize {
			return nil, &PartError{Err: ErrTooSmall, PartNumber: p.Number, Size: len(p.Data), Min: minSize}
		}
	}
	return parts, nil
}

// Abort closes upload id without an object.
func (st *Store) Abort(id, bucketName, key string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.findUpload(id, bucketName, key); err != nil {
		return err
	}
	delete(st.uploads, id)
	return nil
}

// Uploads returns the key of every multipart upload still open in bucket
// (neither completed nor aborted), sorted; a key appears once per upload.
func (st *Store) Uploads(bucketName string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var keys []string
	for _, u := range st.uploads {
		if u.bucket == bucketName {
			keys = append(keys, u.key)
		}
	}
	sort.Strings(keys)
	return keys
}

// PartUploads reports, for key, how many times a part of each number was
// received and stored, over all its uploads.
func (st *Store) PartUploads(bucketName, key string) map[int]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[int]int{}
	for n, c := range st.partCount[bucketName+"/"+key] {
		out[n] = c
	}
	return out
}

// UploadRef names one open multipart upload.
type UploadRef struct{ Key, ID string }

// OpenUploads returns the open uploads of bucket whose keys start with
// prefix, by key then ID.
func (st *Store) OpenUploads(bucketName, prefix string) []UploadRef {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []UploadRef
	for _, u := range st.uploads {
		if u.bucket == bucketName && strings.HasPrefix(u.key, prefix) {
			out = append(out, UploadRef{Key: u.key, ID: u.id})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// UploadsPage is one page of ListMultipartUploads as S3, OSS and COS
// answer it: the open uploads under prefix, by key then ID, after
// keyMarker (and, on that key, after idMarker when one is given), max at
// most; truncated when more follow.
func (st *Store) UploadsPage(bucketName, prefix, keyMarker, idMarker string, max int) (page []UploadRef, truncated bool) {
	for _, u := range st.OpenUploads(bucketName, prefix) {
		if keyMarker != "" && (u.Key < keyMarker || u.Key == keyMarker && (idMarker == "" || u.ID <= idMarker)) {
			continue
		}
		if len(page) == max {
			return page, true
		}
		page = append(page, u)
	}
	return page, false
}
