package check

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
)

// Lists writes a check's findings into a folder as they come: one file
// per category (missing.txt, size.txt, content.txt, extra.txt,
// skipped.txt, error.txt, each possibly empty), lines as AppendLine
// makes them, and summary.txt at the end.
type Lists struct {
	dir   string
	files [numCategories]*os.File
	w     [numCategories]*bufio.Writer
	err   error
}

// CreateLists creates dir if needed and the empty lists in it,
// replacing those of an earlier check.
func CreateLists(dir string) (*Lists, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Lists{dir: dir}
	for _, c := range Categories() {
		f, err := os.Create(filepath.Join(dir, c.String()+".txt"))
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		l.files[c], l.w[c] = f, bufio.NewWriter(f)
	}
	return l, nil
}

// Add appends f's line to its category's list. The first error is kept
// for Close.
func (l *Lists) Add(f Finding, line []byte) {
	if _, err := l.w[f.Category].Write(line); err != nil && l.err == nil {
		l.err = err
	}
}

// Close ends the lists and writes summary.txt from res.
func (l *Lists) Close(res *Result) error {
	errs := []error{l.err}
	for _, w := range l.w {
		errs = append(errs, w.Flush())
	}
	errs = append(errs, l.closeFiles())
	if res != nil {
		f, err := os.Create(filepath.Join(l.dir, "summary.txt"))
		if err == nil {
			err = res.WriteSummary(f, "")
			errs = append(errs, f.Close())
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (l *Lists) closeFiles() error {
	var errs []error
	for _, f := range l.files {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}
