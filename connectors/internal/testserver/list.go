package testserver

import "strings"

// ListOptions select a page of a listing.
type ListOptions struct {
	Prefix, Delimiter string
	// Marker is where the previous page stopped: keys up to it are not
	// listed again.
	Marker string
	// MarkerIsPrefix says Marker is a common prefix the previous page
	// rolled up: no key under it is listed again.
	MarkerIsPrefix bool
	// PrefixesAfterMarker leaves out a common prefix sorting at or before
	// Marker: it was listed before (COS's marker paging).
	PrefixesAfterMarker bool
	Max                 int // entries a page, objects and common prefixes together
}

// Entry is one line of a listing: an object or, with Prefix set, a common
// prefix (in Key) rolling up the keys under it.
type Entry struct {
	Key    string
	Prefix bool
	Object Object
}

// List returns a page of the bucket's keys in lexicographic order, keys
// holding the delimiter after the prefix rolled up into common prefixes,
// and whether more follow; or ErrNoSuchBucket.
func (st *Store) List(bucketName string, o ListOptions) (page []Entry, truncated bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.buckets[bucketName]
	if b == nil {
		return nil, false, ErrNoSuchBucket
	}
	lastPrefix := ""
	for _, k := range b.sortedKeys() {
		if !strings.HasPrefix(k, o.Prefix) || st.before(k, o) {
			continue
		}
		e := Entry{Key: k}
		if i := strings.Index(k[len(o.Prefix):], o.Delimiter); o.Delimiter != "" && i >= 0 {
			e = Entry{Key: k[:len(o.Prefix)+i+len(o.Delimiter)], Prefix: true}
			if e.Key == lastPrefix || o.PrefixesAfterMarker && e.Key <= o.Marker {
				continue
			}
		}
		if len(page) == o.Max {
			return page, true, nil
		}
		if e.Prefix {
			lastPrefix = e.Key
		} else {
			e.Object = *b.objects[k]
		}
		page = append(page, e)
	}
	return page, false, nil
}

// before tells whether key k was listed on an earlier page.
func (st *Store) before(k string, o ListOptions) bool {
	return k <= o.Marker || o.MarkerIsPrefix && strings.HasPrefix(k, o.Marker)
}
