package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
)

// ToxiproxyAPI is where test/servers/toxiproxy.sh serves toxiproxy's API.
const ToxiproxyAPI = "127.0.0.1:8474"

// Proxy is a toxiproxy proxy of one test's own in front of a test server:
// connect to Addr instead of the server, and add toxics to break the
// traffic on the way.
type Proxy struct {
	t testing.TB
	p *toxiproxy.Proxy
	// Addr is the proxy's host:port, a free port on 127.0.0.1.
	Addr string
}

// NewProxy makes a proxy in front of upstream (host:port), with a name
// and a port of its own, and deletes it when the test ends (which closes
// the connections through it). A toxiproxy server that does not answer
// ends the test through Missing.
func NewProxy(t testing.TB, upstream string) *Proxy {
	t.Helper()
	c := toxiproxy.NewClient(ToxiproxyAPI)
	if _, err := c.Version(); err != nil {
		Missing(t, "toxiproxy (test/servers/toxiproxy.sh)", err)
		return nil
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + "-" + hex.EncodeToString(b)
	p, err := c.CreateProxy(name, "127.0.0.1:0", upstream)
	if err != nil {
		t.Fatalf("toxiproxy: create a proxy to %s: %v", upstream, err)
	}
	t.Cleanup(func() {
		if err := p.Delete(); err != nil {
			t.Errorf("toxiproxy: delete proxy %s: %v", name, err)
		}
	})
	// A reset_peer toxic that never acts (toxicity 0) makes toxiproxy set
	// SO_LINGER 0 on both sockets of every connection it carries, so
	// closing one sends a reset (RST), as the toxic itself would: see Cut.
	if _, err := p.AddToxic("rst", "reset_peer", "upstream", 0, toxiproxy.Attributes{}); err != nil {
		t.Fatalf("toxiproxy: add toxic rst to %s: %v", name, err)
	}
	return &Proxy{t: t, p: p, Addr: p.Listen}
}

// Cut resets (RST) every connection through the proxy at once, each way,
// whatever it is doing: the proxy stops, which closes them, and starts
// again at once on the same port. New connections are refused meanwhile.
// It may be called from any goroutine.
func (p *Proxy) Cut() {
	if err := p.p.Disable(); err != nil {
		p.t.Errorf("toxiproxy: disable %s: %v", p.p.Name, err)
	}
	if err := p.p.Enable(); err != nil {
		p.t.Errorf("toxiproxy: enable %s: %v", p.p.Name, err)
	}
}

// Toxic is one toxic to add: Name must be unique on the proxy, Stream is
// "upstream" (to the server) or "downstream" (to the client), Toxicity
// the share of connections it applies to (0 counts as 1, as in
// toxiproxy), Attributes those of its Type (see toxiproxy's README).
type Toxic struct {
	Name, Type, Stream string
	Toxicity           float32
	Attributes         map[string]any
}

// Add adds toxics to the proxy. They act on the connections open now
// as well as on new ones.
func (p *Proxy) Add(toxics ...Toxic) {
	p.t.Helper()
	for _, tx := range toxics {
		tox := tx.Toxicity
		if tox == 0 {
			tox = 1
		}
		if _, err := p.p.AddToxic(tx.Name, tx.Type, tx.Stream, tox, tx.Attributes); err != nil {
			p.t.Fatalf("toxiproxy: add toxic %s (%s) to %s: %v", tx.Name, tx.Type, p.p.Name, err)
		}
	}
}

// Remove removes the named toxics. A toxic that holds a connection (a
// timeout's black hole) closes it as it goes.
func (p *Proxy) Remove(names ...string) {
	p.t.Helper()
	for _, name := range names {
		if err := p.p.RemoveToxic(name); err != nil {
			p.t.Errorf("toxiproxy: remove toxic %s from %s: %v", name, p.p.Name, err)
		}
	}
}

// SetToxicity changes the share of connections the named toxic applies
// to: every connection, open or new, draws again whether it does.
func (p *Proxy) SetToxicity(name string, toxicity float32) {
	p.t.Helper()
	if _, err := p.p.UpdateToxic(name, toxicity, toxiproxy.Attributes{}); err != nil {
		p.t.Errorf("toxiproxy: set toxicity of %s on %s: %v", name, p.p.Name, err)
	}
}
