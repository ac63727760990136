package upyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/walk"
)

// lastIter is the x-list-iter UPYUN gives with the last page of a folder.
const lastIter = "g2gCZAAEbmV4dGQAA2VvZg"

// maxPageBytes bounds the answer of one listing page: 10,000 entries of
// long names are a few MiB; anything longer is not a listing.
const maxPageBytes = 64 << 20

// pager reads one folder of the service a page at a time.
type pager struct {
	b     *bucket
	op    string
	dir   string // key, "" or ending in "/"
	limit int
	iter  string // where the next page starts; "" before the first
	first []walk.Entry
	done  bool
}

// openDir opens the folder dir for walk.Tree: it reads the first page, so
// that a folder that is missing (KindNotFound) or a file (KindNotDir) is
// known at once.
func (b *bucket) openDir(ctx context.Context, dir string) (walk.Pages, error) {
	return b.openPage(ctx, "list", dir, b.pageSize)
}

func (b *bucket) openPage(ctx context.Context, op, dir string, limit int) (*pager, error) {
	p := &pager{b: b, op: op, dir: dir, limit: limit}
	page, err := p.read(ctx)
	if err != nil {
		return nil, err
	}
	p.first = page
	return p, nil
}

func (p *pager) Next(ctx context.Context) ([]walk.Entry, error) {
	if p.first != nil {
		page := p.first
		p.first = nil
		return page, nil
	}
	for !p.done {
		page, err := p.read(ctx)
		if err != nil || len(page) > 0 {
			return page, err
		}
	}
	return nil, io.EOF
}

func (p *pager) Close() {}

// listing is the JSON answer to a listing ("获取目录文件列表"): the
// entries of a page, and where the next one starts.
type listing struct {
	Files *[]struct {
		Name         string `json:"name"`
		Type         string `json:"type"` // "folder", else the file's MIME type
		Length       int64  `json:"length"`
		LastModified int64  `json:"last_modified"` // Unix seconds
	} `json:"files"`
	Iter string `json:"iter"`
}

// read asks for the next page of the folder.
func (p *pager) read(ctx context.Context) ([]walk.Entry, error) {
	cctx, cancel := context.WithTimeout(ctx, p.b.timeout)
	defer cancel()
	req, err := p.b.apiRequest(cctx, http.MethodGet, p.dir)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-UpYun-Folder", "true")
	req.Header.Set("X-List-Limit", strconv.Itoa(p.limit))
	if p.iter != "" {
		req.Header.Set("X-List-Iter", p.iter)
	}
	resp, err := p.b.client.Do(req)
	if err != nil {
		return nil, transport(ctx, p.op, p.dir, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(p.op, p.dir, resp)
	}
	defer resp.Body.Close()
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		// The path names a file, whose content came instead.
		return nil, connectors.NewError(connectors.KindNotDir, p.op, p.dir, errors.New("a file, not a folder"))
	}
	var l listing
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxPageBytes)).Decode(&l); err != nil || l.Files == nil {
		if err != nil && err != io.EOF && !isSyntax(err) {
			return nil, transport(ctx, p.op, p.dir, err)
		}
		return nil, connectors.NewError(connectors.KindNotDir, p.op, p.dir, errors.New("the answer is not a folder's listing"))
	}
	if l.Iter == "" {
		l.Iter = resp.Header.Get("X-Upyun-List-Iter")
	}
	switch {
	case l.Iter == "" || l.Iter == lastIter:
		p.done = true
	case l.Iter == p.iter:
		return nil, connectors.NewError(connectors.KindTransient, p.op, p.dir, fmt.Errorf("UPYUN gave the same x-list-iter %q again", l.Iter))
	}
	p.iter = l.Iter
	page := make([]walk.Entry, 0, len(*l.Files))
	for _, f := range *l.Files {
		if f.Name == "" || strings.Contains(f.Name, "/") {
			continue // no name UPYUN stores; a key made of it would be wrong
		}
		e := walk.Entry{Name: f.Name, Dir: f.Type == "folder"}
		if !e.Dir {
			e.Obj = connectors.Object{Size: f.Length, ModTime: time.Unix(f.LastModified, 0).UTC()}
		}
		page = append(page, e)
	}
	return page, nil
}

// isSyntax tells a body that is not a listing from one cut short.
func isSyntax(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}
