package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/kardianos/service"
)

// serviceLogging sends the agent's logs, under a service manager without a
// journal (Windows), to a log file and to the system's log (the Event Log):
// every line to the file, info and above to the Event Log.
func serviceLogging(s service.Service, file, level string) (func(), error) {
	sl, err := s.Logger(nil)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	var l slog.Level
	if l.UnmarshalText([]byte(level)) != nil {
		l = slog.LevelInfo
	}
	slog.SetDefault(slog.New(newSystemLogHandler(f, sl, l)))
	return func() { f.Close() }, nil
}

// systemLogHandler writes each record as a text line to a file and to a
// service.Logger, at the matching severity.
type systemLogHandler struct {
	text slog.Handler
	buf  *lockedBuffer
	file io.Writer
	sys  service.Logger
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (lb *lockedBuffer) Write(p []byte) (int, error) { return lb.b.Write(p) }

func newSystemLogHandler(file io.Writer, sys service.Logger, level slog.Level) *systemLogHandler {
	buf := &lockedBuffer{}
	return &systemLogHandler{text: slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level}), buf: buf, file: file, sys: sys}
}

func (h *systemLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.text.Enabled(ctx, l)
}

func (h *systemLogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.buf.mu.Lock()
	defer h.buf.mu.Unlock()
	h.buf.b.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	line := h.buf.b.Bytes()
	_, err := h.file.Write(line)
	msg := string(bytes.TrimRight(line, "\n"))
	switch {
	case r.Level >= slog.LevelError:
		_ = h.sys.Error(msg)
	case r.Level >= slog.LevelWarn:
		_ = h.sys.Warning(msg)
	case r.Level >= slog.LevelInfo:
		_ = h.sys.Info(msg)
	}
	return err
}

func (h *systemLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.text = h.text.WithAttrs(as)
	return &c
}

func (h *systemLogHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.text = h.text.WithGroup(name)
	return &c
}
