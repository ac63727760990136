package main

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
)

// counter counts what the job logged that the results should mention.
type counter struct {
	warns     atomic.Int64 // warnings and errors
	overflows atomic.Int64 // "watch queue overflowed": a full rescan followed
}

// countingHandler passes records on and counts them.
type countingHandler struct {
	slog.Handler
	c *counter
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.c.warns.Add(1)
	}
	if strings.Contains(r.Message, "overflow") {
		h.c.overflows.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithAttrs(as), c: h.c}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithGroup(name), c: h.c}
}
