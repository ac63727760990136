package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"
)

// The RPC programs and procedures the server answers (RFC 1813): names
// for the counts.
var progs = map[uint32]struct {
	name  string
	procs []string
}{
	100003: {"NFS3", []string{"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
		"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK", "READDIR", "READDIRPLUS",
		"FSSTAT", "FSINFO", "PATHCONF", "COMMIT"}},
	100005: {"MOUNT3", []string{"NULL", "MNT", "DUMP", "UMNT", "UMNTALL", "EXPORT"}},
}

// counter counts the RPC calls the server receives, by program and
// procedure (-count): what a client's work costs the server. It reads
// the calls off the connections, so go-nfs needs no change.
type counter struct {
	mu    sync.Mutex
	calls map[string]int64
	conns int64
}

func (c *counter) add(prog, proc uint32) {
	name := fmt.Sprintf("%d.%d", prog, proc)
	if p, ok := progs[prog]; ok {
		name = fmt.Sprintf("%s.%d", p.name, proc)
		if int(proc) < len(p.procs) {
			name = p.name + "." + p.procs[proc]
		}
	}
	c.mu.Lock()
	c.calls[name]++
	c.mu.Unlock()
}

// dump appends the counts so far to file, one "pid name count" line
// each after a "pid time" line: a bounced server's counts come from
// several processes, and each one's last dump holds its totals.
func (c *counter) dump(file string) {
	c.mu.Lock()
	names := make([]string, 0, len(c.calls))
	for n := range c.calls {
		names = append(names, n)
	}
	sort.Strings(names)
	pid := os.Getpid()
	out := fmt.Sprintf("%d dump %s\n%d connections %d\n", pid, time.Now().UTC().Format(time.RFC3339Nano), pid, c.conns)
	for _, n := range names {
		out += fmt.Sprintf("%d %s %d\n", pid, n, c.calls[n])
	}
	c.mu.Unlock()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteString(out)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nfsd: counts:", err)
	}
}

// counting wraps l so that every call is counted; the counts go to file
// on SIGUSR1 and when SIGTERM or SIGINT ends the server.
func counting(l net.Listener, file string) net.Listener {
	c := &counter{calls: map[string]int64{}}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sig {
			c.dump(file)
			if s != syscall.SIGUSR1 {
				os.Exit(0)
			}
		}
	}()
	return countListener{l, c}
}

type countListener struct {
	net.Listener
	c *counter
}

func (l countListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.mu.Lock()
	l.c.conns++
	l.c.mu.Unlock()
	return &countConn{Conn: conn, c: l.c}, nil
}

// countConn finds the calls in what the client sends: records of
// fragments, each behind a 4-byte mark (RFC 5531 11), a record's first
// 24 bytes being xid, message type (0: call), RPC version, program,
// version and procedure.
type countConn struct {
	net.Conn
	c      *counter
	mark   [4]byte
	marked int    // bytes of mark read
	left   uint32 // bytes left in the fragment
	last   bool   // the fragment ends its record
	inRec  bool   // a record's first fragment was read
	head   [24]byte
	headed int // bytes of head read
}

func (cc *countConn) Read(b []byte) (int, error) {
	n, err := cc.Conn.Read(b)
	cc.scan(b[:n])
	return n, err
}

func (cc *countConn) scan(b []byte) {
	for len(b) > 0 {
		if cc.left == 0 {
			k := copy(cc.mark[cc.marked:], b)
			cc.marked += k
			b = b[k:]
			if cc.marked < 4 {
				return
			}
			cc.marked = 0
			m := binary.BigEndian.Uint32(cc.mark[:])
			cc.last, cc.left = m&(1<<31) != 0, m&^(1<<31)
			if !cc.inRec {
				cc.inRec, cc.headed = true, 0
			}
			if cc.left == 0 && cc.last {
				cc.inRec = false
			}
			continue
		}
		k := min(uint32(len(b)), cc.left)
		if cc.headed < len(cc.head) {
			cc.headed += copy(cc.head[cc.headed:], b[:k])
			if cc.headed == len(cc.head) && binary.BigEndian.Uint32(cc.head[4:]) == 0 {
				cc.c.add(binary.BigEndian.Uint32(cc.head[12:]), binary.BigEndian.Uint32(cc.head[20:]))
			}
		}
		cc.left -= k
		b = b[k:]
		if cc.left == 0 && cc.last {
			cc.inRec = false
		}
	}
}
