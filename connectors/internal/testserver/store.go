package testserver

import (
	"crypto/md5"
	"encoding/hex"
	"hash/crc64"
	"sort"
	"strings"
	"sync"
	"time"
)

// crcTable is CRC-64/ECMA-182, as OSS and COS compute their
// x-*-hash-crc64ecma headers; their SDKs check against Go's hash/crc64
// with the same table.
var crcTable = crc64.MakeTable(crc64.ECMA)

// StoreConfig sets up a Store.
type StoreConfig struct {
	Buckets []string
	// UpperHexETags writes ETags in upper-case hex, as OSS does (COS
	// writes lower case).
	UpperHexETags bool
	// FoldETags lets a completion list quote part ETags in either case.
	FoldETags bool
	// ModTimeResolution truncates modification times (COS keeps seconds).
	ModTimeResolution time.Duration
}

// Object is one object as stored. Values returned by the Store are
// snapshots: Data and the maps are never changed once stored.
type Object struct {
	Data         []byte
	ETag         string // hex, without quotes; "-N" after a multipart upload
	MD5          []byte // content MD5; nil after a multipart upload
	CRC64        uint64
	ModTime      time.Time
	Headers      map[string]string // Content-Type, Cache-Control...
	Meta         map[string]string // user metadata, names lower-cased
	StorageClass string
	Parts        int // 0 for a simple upload, else how many parts made it
	Restore      RestoreStatus
}

// Version is one state an object took under a key.
type Version struct {
	Size  int64
	CRC64 uint64
	Op    string // the operation that made it visible, e.g. "PutObject" or "Seed"
}

// Store holds buckets, objects and multipart uploads in memory, safe for
// concurrent use.
type Store struct {
	cfg StoreConfig

	mu        sync.Mutex
	buckets   map[string]*bucket
	uploads   map[string]*upload     // by upload ID
	partCount map[string]map[int]int // bucket/key -> part number -> times received
	history   map[string][]Version   // bucket/key -> versions
}

type bucket struct {
	created time.Time
	objects map[string]*Object
}

// NewStore makes a store holding cfg.Buckets, empty.
func NewStore(cfg StoreConfig) *Store {
	st := &Store{
		cfg:       cfg,
		buckets:   map[string]*bucket{},
		uploads:   map[string]*upload{},
		partCount: map[string]map[int]int{},
		history:   map[string][]Version{},
	}
	now := time.Now().UTC()
	for _, name := range cfg.Buckets {
		st.buckets[name] = &bucket{created: now, objects: map[string]*Object{}}
	}
	return st
}

// NewObject makes an object of data modified at mod, with its checksums
// and ETag, no attributes and an empty storage class.
func (st *Store) NewObject(data []byte, mod time.Time) *Object {
	sum := md5.Sum(data)
	if st.cfg.ModTimeResolution > 0 {
		mod = mod.Truncate(st.cfg.ModTimeResolution)
	}
	return &Object{
		Data:    data,
		MD5:     sum[:],
		ETag:    st.hex(sum[:]),
		CRC64:   crc64.Checksum(data, crcTable),
		ModTime: mod,
	}
}

// hex renders a digest as the service writes ETags.
func (st *Store) hex(sum []byte) string {
	if st.cfg.UpperHexETags {
		return strings.ToUpper(hex.EncodeToString(sum))
	}
	return hex.EncodeToString(sum)
}

// BucketCreated tells whether the bucket exists, and when it was made.
func (st *Store) BucketCreated(name string) (time.Time, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.buckets[name]
	if b == nil {
		return time.Time{}, false
	}
	return b.created, true
}

// Get returns a snapshot of the object, or ErrNoSuchBucket or
// ErrNoSuchKey.
func (st *Store) Get(bucketName, key string) (Object, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	obj, err := st.find(bucketName, key)
	if err != nil {
		return Object{}, err
	}
	return *obj, nil
}

// Put makes obj visible under key, recording op in its history. With
// noOverwrite an existing object stays and Put returns ErrExists.
func (st *Store) Put(bucketName, key string, obj *Object, op string, noOverwrite bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.put(bucketName, key, obj, op, noOverwrite)
}

// put is Put with st.mu held.
func (st *Store) put(bucketName, key string, obj *Object, op string, noOverwrite bool) error {
	b := st.buckets[bucketName]
	switch {
	case b == nil:
		return ErrNoSuchBucket
	case noOverwrite && b.objects[key] != nil:
		return ErrExists
	}
	b.objects[key] = obj
	id := bucketName + "/" + key
	st.history[id] = append(st.history[id], Version{Size: int64(len(obj.Data)), CRC64: obj.CRC64, Op: op})
	return nil
}

// Delete removes the object if it is there.
func (st *Store) Delete(bucketName, key string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b := st.buckets[bucketName]; b != nil {
		delete(b.objects, key)
	}
}

// Update runs fn on the stored object under the store's lock (fn must not
// call the Store), or returns ErrNoSuchBucket or ErrNoSuchKey.
func (st *Store) Update(bucketName, key string, fn func(*Object) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	obj, err := st.find(bucketName, key)
	if err != nil {
		return err
	}
	return fn(obj)
}

func (st *Store) find(bucketName, key string) (*Object, error) {
	b := st.buckets[bucketName]
	if b == nil {
		return nil, ErrNoSuchBucket
	}
	if obj := b.objects[key]; obj != nil {
		return obj, nil
	}
	return nil, ErrNoSuchKey
}

// Object returns a copy of the object's data and user metadata.
func (st *Store) Object(bucketName, key string) (data []byte, meta map[string]string, ok bool) {
	obj, err := st.Get(bucketName, key)
	if err != nil {
		return nil, nil, false
	}
	meta = map[string]string{}
	for k, v := range obj.Meta {
		meta[k] = v
	}
	return append([]byte(nil), obj.Data...), meta, true
}

// Keys returns the bucket's keys in order.
func (st *Store) Keys(bucketName string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b := st.buckets[bucketName]; b != nil {
		return b.sortedKeys()
	}
	return nil
}

// History returns every version made visible under key, oldest first.
func (st *Store) History(bucketName, key string) []Version {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]Version(nil), st.history[bucketName+"/"+key]...)
}

// FinishRestores ends every restore under way, as the service does once
// the object is thawed: the objects become readable. It returns how many.
func (st *Store) FinishRestores() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, b := range st.buckets {
		for _, obj := range b.objects {
			if obj.Restore.Finish(time.Now()) {
				n++
			}
		}
	}
	return n
}

func (b *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
