package upyuntest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// LastIter is the x-list-iter UPYUN gives with the last page of a folder.
const LastIter = "g2gCZAAEbmV4dGQAA2VvZg"

// The page sizes of "获取目录文件列表": x-list-limit defaults to 100 and
// may be at most 10,000.
const (
	defaultLimit = 100
	maxLimit     = 10000
)

// entry is one line of a listing.
type entry struct {
	Type         string `json:"type"` // "folder", else the file's MIME type
	Length       int64  `json:"length"`
	Name         string `json:"name"`
	LastModified int64  `json:"last_modified"`
}

// listFolder answers a GET of a folder: at most x-list-limit entries from
// where x-list-iter says, files and folders in name order, with the
// iterator of the next page in x-upyun-list-iter (and "iter" in JSON),
// LastIter after the last. The iterator is opaque to clients; here it is
// the base64 of the last entry's key, marked as a file's or a folder's.
func (s *Server) listFolder(rq *testserver.Request) {
	limit := defaultLimit
	if v := rq.R.Header.Get("X-List-Limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeError(rq, errIter)
			return
		}
		limit = n
	}
	if !s.isFolder(rq.Bucket, rq.Key) {
		writeError(rq, errNotFound)
		return
	}
	prefix := ""
	if rq.Key != "" {
		prefix = rq.Key + "/"
	}
	o := testserver.ListOptions{Prefix: prefix, Delimiter: "/", Max: limit}
	var page []testserver.Entry
	truncated := false
	if it := rq.R.Header.Get("X-List-Iter"); it != LastIter {
		if it != "" {
			b, err := base64.RawURLEncoding.DecodeString(it)
			if err != nil || len(b) < 2 || (b[0] != 'k' && b[0] != 'p') || !strings.HasPrefix(string(b[1:]), prefix) {
				writeError(rq, errIter)
				return
			}
			o.Marker, o.MarkerIsPrefix = string(b[1:]), b[0] == 'p'
		}
		var err error
		if page, truncated, err = s.List(rq.Bucket, o); err != nil {
			writeError(rq, upErr(err))
			return
		}
	}
	iter := LastIter
	if truncated {
		last := page[len(page)-1]
		mark := "k"
		if last.Prefix {
			mark = "p"
		}
		iter = base64.RawURLEncoding.EncodeToString([]byte(mark + last.Key))
	}
	var files []entry
	for _, e := range page {
		name := strings.TrimSuffix(e.Key[len(prefix):], "/")
		switch {
		case name == "":
			continue // the folder's own marker
		case e.Prefix:
			files = append(files, entry{Type: "folder", Name: name})
		default:
			files = append(files, entry{Type: e.Object.Headers["Content-Type"], Length: int64(len(e.Object.Data)),
				Name: name, LastModified: e.Object.ModTime.Unix()})
		}
	}
	h := rq.W.Header()
	h.Set("x-upyun-list-iter", iter)
	var body []byte
	if rq.R.Header.Get("Accept") == "application/json" {
		if files == nil {
			files = []entry{}
		}
		body, _ = json.Marshal(map[string]any{"files": files, "iter": iter})
		h.Set("Content-Type", "application/json")
	} else {
		// "文件\t类型\t大小\t最后修改时间", N for a file, F for a folder.
		var lines []string
		for _, f := range files {
			kind := "N"
			if f.Type == "folder" {
				kind = "F"
			}
			lines = append(lines, f.Name+"\t"+kind+"\t"+strconv.FormatInt(f.Length, 10)+"\t"+strconv.FormatInt(f.LastModified, 10))
		}
		body = []byte(strings.Join(lines, "\n"))
		h.Set("Content-Type", "text/plain")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.W.WriteHeader(http.StatusOK)
	_, _ = rq.W.Write(body)
}
