// Package httplist is a read-only source of objects named by a list of
// URLs (http-list-formats.md): the hosted migration service's URL<TAB>name
// lines, Google's TsvHttpData-1.0, or a manifest.json naming CSV or CSV.gz
// files with Key and Url columns. The list is a local file or an http(s)
// URL.
//
// The list is read line by line each time it is needed and never held in
// memory: List streams it, and Stat and Open find a key's URL in a bounded
// cache of the entries listed last, else by reading the list again.
// Objects are fetched with net/http: HEAD for size, Last-Modified, ETag
// and the standard headers (Content-Type...), GET with Range for Open. Redirects are not followed. Put, Delete
// and multipart uploads fail with KindUnsupported.
//
// A problem of the list is a *ListFileError naming the file and line, with
// a Reason the agent maps to the catalogue's codes.
package httplist

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/transport"
)

// defaultTimeout bounds each wait for a server when the address sets none.
const defaultTimeout = time.Minute

// headWorkers is how many HEAD requests List keeps in flight.
const headWorkers = 16

// maxIdlePerHost is the idle connections kept for each server of a list.
const maxIdlePerHost = 64

type bucket struct {
	loc     location
	format  string
	client  *http.Client
	timeout time.Duration
	cache   *cache
}

var _ connectors.Bucket = (*bucket)(nil)

// New opens the list address addr (ListFile, ListFormat). It reads
// nothing: Check reads the list through and reports its first problem.
func New(addr connectors.Address) (connectors.Bucket, error) {
	loc, err := parseLocation(addr.ListFile)
	if err != nil {
		return nil, classified("new", err.(*ListFileError))
	}
	switch addr.ListFormat {
	case FormatAuto, FormatTSV, FormatTsvHttpData, FormatManifest:
	default:
		return nil, classified("new", &ListFileError{Reason: BadFormat, Msg: "unknown list format " + addr.ListFormat})
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	tr := transport.New(timeout, maxIdlePerHost)
	// The URLs are anyone's servers: none older than TLS 1.2.
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &bucket{loc: loc, format: addr.ListFormat, client: client, timeout: timeout, cache: newCache(1 << 16)}, nil
}

// Features: a web server's answers carry an object's standard headers,
// which Stat and Open report (Metadata); it has no user metadata.
func (b *bucket) Features() connectors.Features {
	return connectors.Features{WholeReads: true, Metadata: true}
}

func (b *bucket) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

func (b *bucket) Put(_ context.Context, key string, _ io.ReadSeeker, _ int64, _ connectors.PutOptions) (connectors.Object, error) {
	return connectors.Object{}, unsupported("put", key)
}

func (b *bucket) Delete(_ context.Context, key string) error { return unsupported("delete", key) }

// scan reads the list, classifying its problems.
func (b *bucket) scan(ctx context.Context, op string, fn func(Entry) error) error {
	err := scan(b.loc.opener(ctx, b.client), b.format, fn)
	var le *ListFileError
	if errors.As(err, &le) {
		return classified(op, le)
	}
	return err
}

// Check reads the whole list, so that a bad line is reported now with its
// number, then HEADs the first URL: a server that cannot be reached is
// reported with the line that names it.
func (b *bucket) Check(ctx context.Context) error {
	var first *Entry
	err := b.scan(ctx, "check", func(e Entry) error {
		if first == nil {
			first = &e
		}
		return nil
	})
	if err != nil || first == nil {
		return err
	}
	_, err = b.head(ctx, "check", *first)
	switch connectors.KindOf(err) {
	case connectors.KindBadEndpoint, connectors.KindTimeout:
		if !connectors.IsCanceled(err) {
			return classified("check", &ListFileError{Reason: CannotConnect, File: first.File, Line: first.Line,
				Msg: "cannot reach " + display(first.URL) + ": " + err.Error()})
		}
	}
	return nil // a missing object fails that file, not the address
}

// List streams the list and HEADs the entries under prefix, several at
// once. An entry whose HEAD fails is passed to onErr as a ListError whose
// Dir is its key (a file, not a folder), and List goes on; with onErr nil
// List returns the error.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	return b.list(ctx, "list", prefix, false, fn, onErr)
}

// ListDir lists the entries directly inside dir.
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return b.list(ctx, "listdir", dir, true, fn, nil)
}

func (b *bucket) list(ctx context.Context, op, prefix string, direct bool, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	entries := make(chan Entry, headWorkers)
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
	)
	for range headWorkers {
		wg.Go(func() {
			for e := range entries {
				if ctx.Err() != nil {
					continue
				}
				o, err := b.head(ctx, op, e)
				if err == nil {
					err = fn(o)
				} else if onErr != nil && !connectors.IsCanceled(err) {
					errMu.Lock()
					onErr(connectors.ListError{Dir: e.Key, Err: err})
					errMu.Unlock()
					err = nil
				}
				if err != nil {
					cancel(err)
				}
			}
		})
	}
	scanErr := b.scan(ctx, op, func(e Entry) error {
		if !hasPrefix(e.Key, prefix, direct) {
			return nil
		}
		b.cache.put(e)
		select {
		case entries <- e:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(entries)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
		return cause // fn's error, or the first HEAD that failed
	}
	return scanErr
}

// hasPrefix tells whether key is under prefix; with direct, only directly.
func hasPrefix(key, prefix string, direct bool) bool {
	if len(key) < len(prefix) || key[:len(prefix)] != prefix {
		return false
	}
	if direct {
		for i := len(prefix); i < len(key); i++ {
			if key[i] == '/' {
				return false
			}
		}
	}
	return true
}

// lookup finds key's entry: in the cache, else by reading the list.
func (b *bucket) lookup(ctx context.Context, op, key string) (Entry, error) {
	if e, ok := b.cache.get(key); ok {
		return e, nil
	}
	var found *Entry
	errFound := errors.New("found")
	err := b.scan(ctx, op, func(e Entry) error {
		if e.Key == key {
			found = &e
			return errFound
		}
		return nil
	})
	if found != nil {
		b.cache.put(*found)
		return *found, nil
	}
	if err != nil {
		return Entry{}, err
	}
	return Entry{}, &connectors.Error{Kind: connectors.KindNotFound, Op: op, Key: key, Err: errors.New("the list names no such object")}
}
