package e2e

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// killProxy stands between mgw and versitygw: it names each S3 request,
// counts the writes each key received in each run, and kills the mgw
// process at the request a trigger picks.
type killProxy struct {
	srv *httptest.Server
	rp  *httputil.ReverseProxy

	mu      sync.Mutex
	run     int                    // the run requests are counted in: 0 the killed one, 1 after
	starts  map[string]map[int]int // key -> run -> writes started (PutObject, InitiateMultipartUpload)
	touched map[string]bool        // keys that received any write in run 0, parts included
	seen    map[string]int         // op -> requests in the current run
	trigger func(op string, seen map[string]int) (fire, afterResponse bool)
	fired   string // the op at which the kill fired, "" before
	victim  *victim
}

func newKillProxy(t *testing.T, upstream string) *killProxy {
	t.Helper()
	u, err := url.Parse("http://" + upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// Requests cut by the kill are expected: not worth a line each.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p := &killProxy{rp: rp, starts: map[string]map[int]int{}, touched: map[string]bool{}, seen: map[string]int{}}
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	return p
}

// s3op names a path-style S3 request: its operation and object key.
func s3op(r *http.Request) (op, key string) {
	q := r.URL.Query()
	_, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPut && q.Has("partNumber"):
		return "part", key
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "copy", key
	case r.Method == http.MethodPut && key != "":
		return "put", key
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "initiate", key
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "complete", key
	case r.Method == http.MethodPost && q.Has("delete"):
		return "delete", key
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "abort", key
	case r.Method == http.MethodDelete:
		return "delete", key
	case key == "":
		return "list", key
	}
	return strings.ToLower(r.Method), key
}

func (p *killProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, key := s3op(r)
	p.mu.Lock()
	v := p.victim
	p.seen[op]++
	if op == "put" || op == "initiate" {
		if p.starts[key] == nil {
			p.starts[key] = map[int]int{}
		}
		p.starts[key][p.run]++
	}
	if p.run == 0 && (op == "put" || op == "initiate" || op == "part") {
		p.touched[key] = true
	}
	var fire, after bool
	if p.fired == "" && p.trigger != nil && v != nil {
		fire, after = p.trigger(op, p.seen)
		if fire {
			p.fired = op
			if after {
				p.fired += " (answered)"
			}
		}
	}
	hold := p.fired != "" && !after && v != nil
	p.mu.Unlock()
	switch {
	case fire && !after:
		v.kill()
		return
	case hold:
		// Nothing more reaches the server from a process being killed.
		<-v.dead
		return
	}
	p.rp.ServeHTTP(w, r)
	if fire {
		// The answer is on its way: the process dies while it records it.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		v.kill()
	}
}

// arm sets the trigger for the victim's run; restarted starts counting
// the run that follows a kill.
func (p *killProxy) arm(v *victim, trigger func(op string, seen map[string]int) (bool, bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.victim, p.trigger, p.fired = v, trigger, ""
	p.seen = map[string]int{}
}

func (p *killProxy) restarted() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run, p.victim, p.trigger = 1, nil, nil
}

// firedAt is the op the kill fired at, and the requests the killed run
// made by op.
func (p *killProxy) firedAt() (string, map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]int{}
	for k, v := range p.seen {
		seen[k] = v
	}
	return p.fired, seen
}

// resent is the keys the killed run had begun to write (a part, a put,
// an upload started) that a later run started to write again from the
// start.
func (p *killProxy) resent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keys []string
	for k, runs := range p.starts {
		if p.touched[k] && runs[1] > 0 {
			keys = append(keys, k)
		}
	}
	return keys
}

// victim is an mgw process the test kills with SIGKILL.
type victim struct {
	c    *exec.Cmd
	out  bytes.Buffer
	dead chan struct{}
	err  error
	once sync.Once
}

func (s *setup) startVictim(t *testing.T, args ...string) *victim {
	t.Helper()
	v := &victim{c: s.cmd(args...), dead: make(chan struct{})}
	v.c.Stdout, v.c.Stderr = &v.out, &v.out
	if err := v.c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { v.err = v.c.Wait(); close(v.dead) }()
	t.Cleanup(v.kill)
	return v
}

// kill sends SIGKILL once and waits for the process to be reaped.
func (v *victim) kill() {
	v.once.Do(func() { _ = v.c.Process.Kill() })
	<-v.dead
}
