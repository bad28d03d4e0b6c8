package main

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultProxy is a loopback TCP proxy between a follower and its master
// that can delay, throttle, cut and black-hole the link.
type faultProxy struct {
	ln     net.Listener
	target string

	blackhole atomic.Bool  // drop every byte, keep the connections open
	delay     atomic.Int64 // nanoseconds before forwarding each chunk
	rate      atomic.Int64 // bytes per second per direction (0: unlimited)
	accepted  atomic.Int64
	cuts      atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  chan struct{}
}

func startProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Port is the proxy's listening port (what the follower dials).
func (p *faultProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		go p.handle(c)
	}
}

func (p *faultProxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

func (p *faultProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.track(c, true)
	p.track(up, true)
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			c.Close()
			up.Close()
			p.track(c, false)
			p.track(up, false)
		})
	}
	go func() { p.pipe(up, c); closeBoth() }()
	p.pipe(c, up)
	closeBoth()
}

func (p *faultProxy) pipe(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.blackhole.Load() {
			if d := p.delay.Load(); d > 0 {
				time.Sleep(time.Duration(d))
			}
			if r := p.rate.Load(); r > 0 {
				time.Sleep(time.Duration(int64(n) * int64(time.Second) / r))
			}
			if p.blackhole.Load() {
				continue
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut closes every proxied connection (both sides see a reset/EOF).
func (p *faultProxy) Cut() {
	p.cuts.Add(1)
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Close stops the proxy and cuts its connections.
func (p *faultProxy) Close() {
	p.ln.Close()
	p.Cut()
}
