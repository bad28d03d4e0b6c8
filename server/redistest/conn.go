package redistest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"
)

// DefaultTimeout bounds every read and write on a Conn unless Conn.Timeout
// is changed.
const DefaultTimeout = 10 * time.Second

// Conn is a minimal RESP client connection bound to a test. Its methods fail
// the test on I/O or protocol errors (the Try variants return them instead),
// so they must be called from the test's goroutine.
type Conn struct {
	// Timeout is the deadline applied to each read and each flush.
	Timeout time.Duration

	t       testing.TB
	addr    string
	nc      net.Conn
	br      *bufio.Reader
	pending []byte // commands sent but not yet flushed
}

// Dial connects to addr and closes the connection in t.Cleanup.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	if err != nil {
		t.Fatalf("redistest: dial %s: %v", addr, err)
	}
	c := &Conn{Timeout: DefaultTimeout, t: t, addr: addr, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
	t.Cleanup(func() { nc.Close() })
	return c
}

// DialTLS connects to addr over TLS with tc and closes the connection in
// t.Cleanup.
func DialTLS(t testing.TB, addr string, tc *tls.Config) *Conn {
	t.Helper()
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: DefaultTimeout}, "tcp", addr, tc)
	if err != nil {
		t.Fatalf("redistest: TLS dial %s: %v", addr, err)
	}
	c := &Conn{Timeout: DefaultTimeout, t: t, addr: addr, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
	t.Cleanup(func() { nc.Close() })
	return c
}

// Addr returns the address the connection was dialled to.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Send queues one command; it is written by the next Flush, Receive or Do.
func (c *Conn) Send(args ...string) {
	c.pending = AppendCommand(c.pending, args...)
}

// SendRaw queues bytes to be written as they are, e.g. an inline command.
func (c *Conn) SendRaw(b []byte) {
	c.pending = append(c.pending, b...)
}

// Flush writes the queued commands, failing the test on error.
func (c *Conn) Flush() {
	c.t.Helper()
	if err := c.TryFlush(); err != nil {
		c.t.Fatalf("redistest: write to %s: %v", c.addr, err)
	}
}

// TryFlush writes the queued commands and returns any write error.
func (c *Conn) TryFlush() error {
	if len(c.pending) == 0 {
		return nil
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.Timeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(c.pending)
	c.pending = c.pending[:0]
	return err
}

// Receive flushes queued commands and returns the raw bytes of exactly one
// complete reply, failing the test on error or timeout.
func (c *Conn) Receive() []byte {
	c.t.Helper()
	raw, _, err := c.TryReceive()
	if err != nil {
		c.t.Fatalf("redistest: read from %s: %v (partial reply %q)", c.addr, err, raw)
	}
	return raw
}

// ReceiveValue is Receive returning the parsed reply.
func (c *Conn) ReceiveValue() Value {
	c.t.Helper()
	raw, v, err := c.TryReceive()
	if err != nil {
		c.t.Fatalf("redistest: read from %s: %v (partial reply %q)", c.addr, err, raw)
	}
	return v
}

// TryReceive flushes queued commands and reads one complete reply, returning
// its raw bytes and parsed value, or the error (io.EOF when the server closed
// the connection, a net.Error on timeout).
func (c *Conn) TryReceive() ([]byte, Value, error) {
	if err := c.TryFlush(); err != nil {
		return nil, Value{}, err
	}
	if err := c.nc.SetReadDeadline(time.Now().Add(c.Timeout)); err != nil {
		return nil, Value{}, err
	}
	return readReply(c.br)
}

// Do sends one command and returns the raw bytes of its reply. Replies to
// commands queued earlier with Send must have been received first.
func (c *Conn) Do(args ...string) []byte {
	c.t.Helper()
	c.Send(args...)
	return c.Receive()
}

// DoValue sends one command and returns its parsed reply.
func (c *Conn) DoValue(args ...string) Value {
	c.t.Helper()
	c.Send(args...)
	return c.ReceiveValue()
}

// TryDo sends one command and returns the raw reply or the error, for
// commands after which the server may close the connection (SHUTDOWN, QUIT).
func (c *Conn) TryDo(args ...string) ([]byte, error) {
	c.Send(args...)
	raw, _, err := c.TryReceive()
	return raw, err
}

// MustOK sends one command and fails the test unless the reply is +OK.
func (c *Conn) MustOK(args ...string) {
	c.t.Helper()
	if got := c.Do(args...); string(got) != "+OK\r\n" {
		c.t.Fatalf("redistest: %q: got %q, want +OK", args, got)
	}
}

// String describes the connection for messages.
func (c *Conn) String() string { return fmt.Sprintf("redistest.Conn(%s)", c.addr) }
