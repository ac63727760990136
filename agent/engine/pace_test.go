package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
)

func TestFilter(t *testing.T) {
	after := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewSelector(&config.Settings{
		Include: []string{"**/*.jpg"}, Exclude: []string{"**/.snapshot/**"},
		MinSize: 10, MaxSize: 100, ModifiedAfter: after,
	})
	ok := connectors.Object{Key: "a/b/c.jpg", Size: 50, ModTime: after.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		edit func(o *connectors.Object)
		want bool
	}{
		{"match", func(*connectors.Object) {}, true},
		{"top level", func(o *connectors.Object) { o.Key = "c.jpg" }, true},
		{"not included", func(o *connectors.Object) { o.Key = "a/c.png" }, false},
		{"excluded", func(o *connectors.Object) { o.Key = "a/.snapshot/x/c.jpg" }, false},
		{"too small", func(o *connectors.Object) { o.Size = 9 }, false},
		{"too big", func(o *connectors.Object) { o.Size = 101 }, false},
		{"too old", func(o *connectors.Object) { o.ModTime = after.Add(-time.Second) }, false},
	} {
		o := ok
		tc.edit(&o)
		if reason, filtered := f.Skip(o); (reason == "") != tc.want || filtered == tc.want {
			t.Errorf("%s: skip %q, filtered %v", tc.name, reason, filtered)
		}
	}
}

// TestPacedSlowsOnResets: connection resets and timeouts slow the side
// down like throttling; an error about one file (not found) does not.
func TestPacedSlowsOnResets(t *testing.T) {
	r := &Runner{Progress: &Progress{}, limits: pace.NewLimiter(config.Limits{}, nil)}
	ctx := context.Background()
	_ = r.paced(ctx, connectors.Source, func() error { return connectors.NewError(connectors.KindNotFound, "get", "k", errors.New("404")) })
	if r.srcPace.Delay() != 0 {
		t.Fatalf("a missing key slowed the source down to %v", r.srcPace.Delay())
	}
	for _, k := range []connectors.Kind{connectors.KindTransient, connectors.KindTimeout} {
		r.srcPace = pace.Pacer{}
		_ = r.paced(ctx, connectors.Source, func() error { return connectors.NewError(k, "get", "k", errors.New("connection reset by peer")) })
		if r.srcPace.Delay() == 0 {
			t.Errorf("%v did not slow the source down", k)
		}
		if r.dstPace.Delay() != 0 {
			t.Errorf("%v on the source slowed the destination down", k)
		}
	}
}
