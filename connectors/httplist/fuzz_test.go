package httplist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// fuzzOpener serves data as the list and as any file a manifest names.
func fuzzOpener(list, data []byte) opener {
	return func(name string) (io.ReadCloser, error) {
		if name == "" {
			return io.NopCloser(bytes.NewReader(list)), nil
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
}

// checkScan runs the parser and checks what any input must give: entries
// with a relative key and an http(s) URL, line numbers that grow, or a
// ListFileError with a reason and a line inside the input.
func checkScan(t *testing.T, open opener, format string, lines int) {
	prev := 0
	err := scan(open, format, func(e Entry) error {
		if msg := checkKey(e.Key); msg != "" {
			t.Fatalf("entry with a bad key passed: %s", msg)
		}
		if e.URL == nil || (e.URL.Scheme != "http" && e.URL.Scheme != "https") || e.URL.Host == "" {
			t.Fatalf("entry with a bad URL passed: %v", e.URL)
		}
		if e.File == "" && (e.Line <= prev || e.Line > lines) {
			t.Fatalf("entry line %d after %d, input has %d lines", e.Line, prev, lines)
		}
		if e.File == "" {
			prev = e.Line
		}
		return nil
	})
	if err == nil {
		return
	}
	var le *ListFileError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a ListFileError", err)
	}
	if le.Reason < BadFormat || le.Reason > CannotConnect || le.Line < 0 {
		t.Fatalf("bad error %+v", le)
	}
	if le.File == "" && le.Line > lines {
		t.Fatalf("error at line %d of a %d-line input: %v", le.Line, lines, err)
	}
}

func FuzzScanList(f *testing.F) {
	f.Add([]byte("http://h/a\ta\nhttps://h/b%20c\tb c\n"))
	f.Add([]byte("http://h/a\ta\tb\n"))
	f.Add([]byte("TsvHttpData-1.0\nhttps://h/p/q\t12\tXrY7u+Ae7tCTyyK7j1rNww==\nhttp://h/x\n"))
	f.Add([]byte("\xef\xbb\xbfhttp://h/a\t../x\r\n\n"))
	f.Add([]byte(`{"fileFormat":"CSV","fileSchema":"Key, Url, Size","files":[{"key":"a.csv"}]}`))
	f.Fuzz(func(t *testing.T, list []byte) {
		lines := bytes.Count(list, []byte("\n")) + 1
		for _, format := range []string{FormatAuto, FormatTSV, FormatTsvHttpData} {
			checkScan(t, fuzzOpener(list, nil), format, lines)
		}
	})
}

func FuzzScanManifestCSV(f *testing.F) {
	f.Add([]byte("Key,Url,Size\na%2Fb,http%3A%2F%2Fh%2Fa,3\n\"q\"\"k\",https%3A%2F%2Fh%2Fq,\n"), true)
	f.Add([]byte("k,http%3A%2F%2Fh%2F%2E%2E,1\nbad\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, gz bool) {
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		m := []byte(`{"fileFormat":"CSV","fileSchema":"Key, Url, Size","files":[{"key":"a.csv.gz"},{"key":"b.csv"}]}`)
		checkScan(t, fuzzOpener(m, data), FormatManifest, strings.Count(string(m), "\n")+1)
	})
}
