package continuous

import (
	"testing"
	"time"
)

func TestChangeQueueSettles(t *testing.T) {
	q := newChangeQueue()
	t0 := time.Unix(1000, 0)
	q.add("a", t0)
	q.add("b", t0)
	q.add("a", t0.Add(time.Second)) // still being written
	keys, full := q.ready(t0.Add(2*time.Second), 2*time.Second)
	if len(keys) != 1 || keys[0] != "b" || full {
		t.Fatalf("ready = %v %v, want [b] false", keys, full)
	}
	if o := q.oldest(); !o.Equal(t0) {
		t.Errorf("oldest = %v, want the first sight of a", o)
	}
	keys, _ = q.ready(t0.Add(3*time.Second), 2*time.Second)
	if len(keys) != 1 || keys[0] != "a" {
		t.Fatalf("ready = %v, want [a]", keys)
	}
	if q.len() != 0 || !q.oldest().IsZero() {
		t.Errorf("queue not empty after all settled")
	}
}

func TestChangeQueueCollapsesToFullPass(t *testing.T) {
	q := newChangeQueue()
	q.max = 3
	t0 := time.Unix(1000, 0)
	for i, k := range []string{"a", "b", "c", "d"} {
		q.add(k, t0.Add(time.Duration(i)*time.Second))
	}
	if q.len() != 0 {
		t.Fatalf("%d keys tracked past the limit", q.len())
	}
	if o := q.oldest(); !o.Equal(t0) {
		t.Errorf("oldest = %v, want %v: lag must still count the first change", o, t0)
	}
	keys, full := q.ready(t0.Add(time.Hour), time.Second)
	if len(keys) != 0 || !full {
		t.Fatalf("ready = %v %v, want a full pass", keys, full)
	}
	if _, full := q.ready(t0.Add(time.Hour), time.Second); full {
		t.Error("full pass asked for twice")
	}
}
