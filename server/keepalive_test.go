package server

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/redpebble/redpebble/server/config"
)

// TestKeepAliveUnderTLS: tcp-keepalive (its period: Go turns keep-alive on
// by itself, every 15 s) reaches the TCP socket of a connection accepted by
// the TLS listener (guardListener sees *tls.Conn there and cannot set it),
// as it does for a plain one.
func TestKeepAliveUnderTLS(t *testing.T) {
	s := newTestServer(t) // tcp-keepalive defaults to 300
	for _, wrap := range []struct {
		name string
		ln   func(net.Listener) net.Listener
	}{
		{"plain", func(ln net.Listener) net.Listener { return guardListener{ln, s} }},
		{"tls", func(ln net.Listener) net.Listener {
			return s.tlsListener(ln)
		}},
	} {
		raw, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn, 1)
		// The server side's TCP socket, seen through the accept wrapper.
		var tcp *net.TCPConn
		spy := spyListener{Listener: raw, got: func(c net.Conn) { tcp, _ = c.(*net.TCPConn) }}
		ln := wrap.ln(spy)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				accepted <- c
			}
			close(accepted)
		}()
		cc, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := <-accepted
		if c == nil || tcp == nil {
			t.Fatalf("%s: nothing accepted", wrap.name)
		}
		if on, idle := keepAlive(t, tcp); !on || idle != 300 {
			t.Errorf("%s: accepted socket SO_KEEPALIVE %v TCP_KEEPIDLE %d, want on and 300 (tcp-keepalive)", wrap.name, on, idle)
		}
		c.Close()
		cc.Close()
		raw.Close()
	}
}

// spyListener reports each connection it accepts before handing it on.
type spyListener struct {
	net.Listener
	got func(net.Conn)
}

func (l spyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.got(c)
	}
	return c, err
}

func keepAlive(t *testing.T, c *net.TCPConn) (on bool, idle int) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var e1, e2 error
	if err := rc.Control(func(fd uintptr) {
		v, e1 = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		idle, e2 = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
	}); err != nil {
		t.Fatal(err)
	}
	if e1 != nil || e2 != nil {
		t.Fatal(e1, e2)
	}
	return v != 0, idle
}

// TestTLSReplicationBadCertRefusedAtStart: with tls-replication yes and no
// tls-port, certificate files that do not load refuse the start (Redis runs
// tlsConfigure at start-up whenever either is on).
func TestTLSReplicationBadCertRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load([]string{"--dir", dir, "--port", "0", "--tls-replication", "yes",
		"--tls-cert-file", bad, "--tls-key-file", bad, "--tls-ca-cert-file", bad})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Listen(); err == nil || !strings.Contains(err.Error(), "Failed to load certificate") {
		t.Fatalf("Listen = %v, want the certificate refused", err)
	}
}
