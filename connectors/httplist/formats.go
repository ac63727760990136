package httplist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// List formats (http-list-formats.md); "" tells them apart by the first
// line.
const (
	FormatAuto        = ""
	FormatTSV         = "tsv"         // URL<TAB>name, the hosted service's classic format
	FormatTsvHttpData = "tsvhttpdata" // TsvHttpData-1.0: URL[<TAB>length[<TAB>base64 MD5]]
	FormatManifest    = "manifest"    // manifest.json naming CSV or CSV.gz files with Key and Url columns
)

// Formats are the values of the list_format setting.
var Formats = []string{FormatTSV, FormatTsvHttpData, FormatManifest}

const tsvHttpDataHeader = "TsvHttpData-1.0"

// maxLine bounds a line, so that a file without newlines cannot fill the
// memory: no URL and name together come near it.
const maxLine = 64 << 10

// maxManifest bounds a manifest.json, which names files, not objects.
const maxManifest = 16 << 20

// Entry is one object a list names.
type Entry struct {
	URL  *url.URL
	Key  string
	Size int64  // the length the list gives, -1 if none
	MD5  []byte // the MD5 the list gives, nil if none
	File string // the file it was read from ("" for the list itself)
	Line int
}

// where names an entry's line in errors.
func (e Entry) where() string {
	f := e.File
	if f == "" {
		f = "list file"
	}
	return fmt.Sprintf("%s line %d", f, e.Line)
}

// opener opens the list ("") or a file a manifest names, relative to it.
type opener func(name string) (io.ReadCloser, error)

// scan reads the list opened by open in format and calls fn for each
// entry, in list order, holding one line at a time. A problem of the list
// is a *ListFileError naming the file and line.
func scan(open opener, format string, fn func(Entry) error) error {
	rc, err := open("")
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	if format == FormatAuto {
		format = detect(br)
	}
	switch format {
	case FormatTSV, FormatTsvHttpData:
		return scanLines(br, "", format, fn)
	case FormatManifest:
		return scanManifest(open, br, fn)
	}
	return &ListFileError{Reason: BadFormat, Msg: fmt.Sprintf("unknown list format %q", format)}
}

// detect tells the format by the first bytes: a JSON object is a
// manifest, the line TsvHttpData-1.0 is Google's format, anything else the
// two-column TSV.
func detect(br *bufio.Reader) string {
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	switch t := bytes.TrimLeft(head, " \t\r\n"); {
	case len(t) > 0 && t[0] == '{':
		return FormatManifest
	case bytes.HasPrefix(head, []byte(tsvHttpDataHeader)):
		return FormatTsvHttpData
	}
	return FormatTSV
}

// readLine returns the next line without its "\n" (or "\r\n"), and
// io.EOF after the last.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > maxLine {
			return nil, errLineTooLong
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			err = nil
		case err != nil:
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

var errLineTooLong = fmt.Errorf("the line is longer than %d bytes", maxLine)

// scanLines reads the two line formats.
func scanLines(br *bufio.Reader, file, format string, fn func(Entry) error) error {
	bad := func(line int, format string, args ...any) error {
		return &ListFileError{Reason: BadFormat, File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for n := 1; ; n++ {
		line, err := readLine(br)
		switch {
		case err == io.EOF:
			return nil
		case err == errLineTooLong:
			return bad(n, "%v", err)
		case err != nil:
			return &ListFileError{Reason: CannotConnect, File: file, Line: n, Msg: "reading the list: " + err.Error()}
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			if format == FormatTsvHttpData {
				if string(line) != tsvHttpDataHeader {
					return bad(1, "the first line must be %s", tsvHttpDataHeader)
				}
				continue
			}
		}
		if len(line) == 0 {
			continue // blank lines name nothing
		}
		e := Entry{Size: -1, File: file, Line: n}
		cols := strings.Split(string(line), "\t")
		if format == FormatTSV {
			if len(cols) != 2 {
				return bad(n, "want 2 columns separated by one tab (URL, name), found %d", len(cols))
			}
			if e.URL, err = parseURL(cols[0]); err != nil {
				return &ListFileError{Reason: CannotConnect, File: file, Line: n, Msg: err.Error()}
			}
			e.Key = cols[1]
		} else {
			if len(cols) > 3 {
				return bad(n, "want at most 3 columns separated by tabs (URL, length, MD5), found %d", len(cols))
			}
			if e.URL, err = parseURL(cols[0]); err != nil {
				return &ListFileError{Reason: CannotConnect, File: file, Line: n, Msg: err.Error()}
			}
			e.Key = e.URL.Host + e.URL.Path
			if len(cols) > 1 && cols[1] != "" {
				if e.Size, err = strconv.ParseInt(cols[1], 10, 64); err != nil || e.Size < 0 {
					return bad(n, "the length %q is not a number of bytes", cols[1])
				}
			}
			if len(cols) > 2 && cols[2] != "" {
				if e.MD5, err = base64.StdEncoding.DecodeString(cols[2]); err != nil || len(e.MD5) != 16 {
					return bad(n, "the MD5 %q is not the base64 of 16 bytes", cols[2])
				}
			}
		}
		if msg := checkKey(e.Key); msg != "" {
			return bad(n, "%s", msg)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// parseURL accepts an absolute http or https URL with a host.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("the URL does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", display(u))
	}
	return u, nil
}

// checkKey says why a name cannot be an object key: keys are relative
// '/'-separated paths naming files.
func checkKey(k string) string {
	switch {
	case k == "":
		return "the object name is empty"
	case strings.HasPrefix(k, "/"):
		return fmt.Sprintf("the object name %q starts with /", k)
	case strings.HasSuffix(k, "/"):
		return fmt.Sprintf("the object name %q names a folder, not a file", k)
	case strings.IndexByte(k, 0) >= 0:
		return "the object name holds a NUL byte"
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Sprintf("the object name %q has an empty, . or .. segment", k)
		}
	}
	return ""
}

// manifest is the hosted service's manifest.json.
type manifest struct {
	FileFormat string `json:"fileFormat"`
	FileSchema string `json:"fileSchema"`
	Files      []struct {
		Key string `json:"key"`
	} `json:"files"`
}

func scanManifest(open opener, br *bufio.Reader, fn func(Entry) error) error {
	data, err := io.ReadAll(io.LimitReader(br, maxManifest+1))
	bad := func(line int, format string, args ...any) error {
		return &ListFileError{Reason: BadFormat, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case err != nil:
		return &ListFileError{Reason: CannotConnect, Msg: "reading the manifest: " + err.Error()}
	case len(data) > maxManifest:
		return bad(0, "the manifest is larger than %d bytes", maxManifest)
	}
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		line := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		case errors.As(err, &te):
			line = 1 + bytes.Count(data[:min(int(te.Offset), len(data))], []byte("\n"))
		}
		return bad(line, "the manifest is not valid JSON: %v", err)
	}
	if !strings.EqualFold(m.FileFormat, "CSV") {
		return bad(0, "fileFormat is %q; only CSV is supported", m.FileFormat)
	}
	schema := strings.Split(m.FileSchema, ",")
	keyCol, urlCol, sizeCol := -1, -1, -1
	for i, c := range schema {
		schema[i] = strings.TrimSpace(c)
		switch strings.ToLower(schema[i]) {
		case "key":
			keyCol = i
		case "url":
			urlCol = i
		case "size":
			sizeCol = i
		}
	}
	if keyCol < 0 || urlCol < 0 {
		return bad(0, "fileSchema %q lacks the Key or Url column", m.FileSchema)
	}
	if len(m.Files) == 0 {
		return bad(0, "the manifest names no files")
	}
	for i, f := range m.Files {
		if f.Key == "" {
			return bad(0, "files[%d] has no key", i)
		}
		if err := scanCSVFile(open, f.Key, schema, keyCol, urlCol, sizeCol, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanCSVFile(open opener, name string, schema []string, keyCol, urlCol, sizeCol int, fn func(Entry) error) error {
	rc, err := open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return scanCSV(rc, name, schema, keyCol, urlCol, sizeCol, fn)
}

// scanCSV reads one data file of a manifest, plain or gzip-compressed
// (told by its first bytes). Key and Url are URL-encoded.
func scanCSV(r io.Reader, name string, schema []string, keyCol, urlCol, sizeCol int, fn func(Entry) error) error {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &ListFileError{Reason: BadFormat, File: name, Msg: "not a valid gzip file: " + err.Error()}
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(schema)
	cr.ReuseRecord = true
	bad := func(line int, format string, args ...any) error {
		return &ListFileError{Reason: BadFormat, File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return bad(pe.Line, "%v", pe.Err)
			}
			if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
				return bad(0, "the gzip data is damaged: %v", err)
			}
			return &ListFileError{Reason: CannotConnect, File: name, Msg: "reading: " + err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if first && isHeader(rec, schema) {
			continue
		}
		e := Entry{Size: -1, File: name, Line: line}
		rawURL, err1 := url.QueryUnescape(rec[urlCol])
		key, err2 := url.QueryUnescape(rec[keyCol])
		if err1 != nil || err2 != nil {
			return bad(line, "the Key or Url column is not URL-encoded")
		}
		if e.URL, err = parseURL(rawURL); err != nil {
			return &ListFileError{Reason: CannotConnect, File: name, Line: line, Msg: err.Error()}
		}
		e.Key = key
		if msg := checkKey(key); msg != "" {
			return bad(line, "%s", msg)
		}
		if sizeCol >= 0 && rec[sizeCol] != "" {
			if e.Size, err = strconv.ParseInt(rec[sizeCol], 10, 64); err != nil || e.Size < 0 {
				return bad(line, "the Size %q is not a number of bytes", rec[sizeCol])
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// isHeader reports whether a first record repeats the column names.
func isHeader(rec, schema []string) bool {
	for i := range rec {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), schema[i]) {
			return false
		}
	}
	return true
}
