package main

import (
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// externalIP returns a non-loopback IPv4 address of this machine, or "".
func externalIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// readAll connects to addr, sends PING and returns what the server writes
// before closing the connection (or within two seconds).
func readAll(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte("PING\r\n"))
	b, _ := io.ReadAll(c)
	return string(b)
}

// TestProtectedMode connects to redis-server and redpebble through this
// machine's own non-loopback address: with protected-mode on and no password
// both refuse with the same text and close; with a password, or protected
// mode off, both serve.
func TestProtectedMode(t *testing.T) {
	requireBinary(t)
	ip := externalIP()
	if ip == "" {
		t.Skip("no non-loopback address on this machine")
	}
	ref := redistest.StartRedis(t, "bind 127.0.0.1 "+ip)
	bin := redistest.BuildRedpebble(t)
	sut := redistest.StartRedpebble(t, bin, t.TempDir(), "--bind", "127.0.0.1", ip)
	ext := func(s *redistest.Server) string { return net.JoinHostPort(ip, strconv.Itoa(s.Port)) }
	r, s := readAll(t, ext(ref)), readAll(t, ext(sut))
	if r != s || len(r) < 8 || r[:8] != "-DENIED " {
		t.Fatalf("protected mode:\n  redis-server: %q\n  under test:   %q", r, s)
	}
	// Loopback clients are served.
	if got := string(redistest.Dial(t, sut.Addr).Do("PING")); got != "+PONG\r\n" {
		t.Fatalf("loopback PING: %q", got)
	}
	// A password on the default user lifts protection.
	for _, srv := range []*redistest.Server{ref, sut} {
		redistest.Dial(t, srv.Addr).MustOK("CONFIG", "SET", "requirepass", "pw")
	}
	r, s = readAll(t, ext(ref)), readAll(t, ext(sut))
	if r != s || r != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("with a password:\n  redis-server: %q\n  under test:   %q", r, s)
	}
	for _, srv := range []*redistest.Server{ref, sut} {
		c := redistest.Dial(t, srv.Addr)
		c.MustOK("AUTH", "pw")
		c.MustOK("CONFIG", "SET", "requirepass", "")
		c.MustOK("CONFIG", "SET", "protected-mode", "no")
	}
	r, s = readAll(t, ext(ref)), readAll(t, ext(sut))
	if r != s || r != "+PONG\r\n" {
		t.Fatalf("protected-mode no:\n  redis-server: %q\n  under test:   %q", r, s)
	}
}
