package httplist

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// location is where the list is: a local path or an http(s) URL.
type location struct {
	path string   // local file, or ""
	url  *url.URL // remote file, or nil
}

// parseLocation reads the list_file setting.
func parseLocation(s string) (location, error) {
	invalid := func(msg string) error { return &ListFileError{Reason: InvalidPath, Msg: msg} }
	switch {
	case strings.TrimSpace(s) == "":
		return location{}, invalid("no list file given")
	case strings.ContainsRune(s, 0):
		return location{}, invalid("the list file path holds a NUL byte")
	}
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], `/\`) {
		u, err := url.Parse(s)
		if err != nil {
			return location{}, invalid("the list file URL does not parse")
		}
		switch {
		case u.Scheme == "file" && u.Path != "":
			return location{path: u.Path}, nil
		case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
			return location{url: u}, nil
		}
		return location{}, invalid("the list file must be a local path or an http:// or https:// URL, not " + display(u))
	}
	return location{path: s}, nil
}

func (l location) String() string {
	if l.url != nil {
		return display(l.url)
	}
	return l.path
}

// opener returns how to open the list ("") and the files a manifest
// names, which are relative to the list's folder or URL.
func (l location) opener(ctx context.Context, client *http.Client) opener {
	return func(name string) (io.ReadCloser, error) {
		shown := name
		if l.url != nil {
			u := l.url
			if name != "" {
				ref, err := url.Parse(name)
				if err != nil {
					return nil, &ListFileError{Reason: InvalidPath, File: name, Msg: "the file name does not parse as a URL path"}
				}
				u = l.url.ResolveReference(ref)
			}
			return fetchList(ctx, client, u, shown)
		}
		p := l.path
		if name != "" {
			p = name
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(l.path), filepath.FromSlash(name))
			}
		}
		return openLocal(p, shown)
	}
}

func openLocal(p, shown string) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		var pe *fs.PathError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ListFileError{Reason: NotExist, File: shown, Msg: p + " does not exist"}
		}
		return nil, &ListFileError{Reason: InvalidPath, File: shown, Msg: "cannot open " + p + ": " + msg}
	}
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		f.Close()
		return nil, &ListFileError{Reason: InvalidPath, File: shown, Msg: p + " is not a regular file"}
	}
	return f, nil
}

// fetchList GETs a list file.
func fetchList(ctx context.Context, client *http.Client, u *url.URL, shown string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &ListFileError{Reason: InvalidPath, File: shown, Msg: "cannot make a request for " + display(u)}
	}
	resp, err := client.Do(req)
	if err != nil {
		if connectors.IsCanceled(err) {
			return nil, err
		}
		return nil, &ListFileError{Reason: CannotConnect, File: shown, Msg: "cannot fetch the list: " + transportError(u, err).Error()}
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		reason := InvalidPath
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			reason = NotExist
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			reason = CannotConnect
		}
		return nil, &ListFileError{Reason: reason, File: shown, Msg: (&statusError{method: "GET", url: display(u), status: resp.StatusCode}).Error()}
	}
	return resp.Body, nil
}

// ValidLocation checks the form of a list_file setting without opening
// it: a non-empty local path, or an http(s) or file URL.
func ValidLocation(s string) error {
	_, err := parseLocation(s)
	return err
}
