package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// respError is an error reply ("-ERR ..."), returned as a value by Do.
type respError string

func (e respError) Error() string { return string(e) }

// client is a minimal RESP2 client: one connection, synchronous Do, and
// Send/Flush/Read for pipelines.
type client struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func dial(addr string, timeout time.Duration) (*client, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &client{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), bw: bufio.NewWriterSize(nc, 64<<10)}, nil
}

func (c *client) Close() error { return c.nc.Close() }

// appendCommand appends args as a RESP multibulk.
func appendCommand(dst []byte, args ...string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

func (c *client) Send(args ...string) error {
	_, err := c.bw.Write(appendCommand(nil, args...))
	return err
}

func (c *client) Flush() error { return c.bw.Flush() }

// Do sends one command and reads its reply. An error reply is returned as a
// respError value with a nil error.
func (c *client) Do(args ...string) (any, error) {
	c.nc.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.nc.SetDeadline(time.Time{})
	if err := c.Send(args...); err != nil {
		return nil, err
	}
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return c.Read()
}

// Read reads one reply: string (simple or bulk), int64, respError, []any or
// nil.
func (c *client) Read() (any, error) { return readValue(c.br, 0) }

func readValue(br *bufio.Reader, depth int) (any, error) {
	if depth > 16 {
		return nil, errors.New("reply nested too deep")
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("bad reply line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 512<<20 {
			return nil, fmt.Errorf("bad bulk length %q", body)
		}
		if n == -1 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 1<<24 {
			return nil, fmt.Errorf("bad array length %q", body)
		}
		if n == -1 {
			return nil, nil
		}
		a := make([]any, n)
		for i := range a {
			if a[i], err = readValue(br, depth+1); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	return nil, fmt.Errorf("unexpected reply type %q", line)
}

// doStr runs a command and returns its reply as a string (error replies
// become Go errors).
func (c *client) doStr(args ...string) (string, error) {
	v, err := c.Do(args...)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case respError:
		return "", v
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case nil:
		return "", nil
	}
	return fmt.Sprint(v), nil
}

// info returns INFO <section> as a field map.
func (c *client) info(section string) (map[string]string, error) {
	s, err := c.doStr("INFO", section)
	if err != nil {
		return nil, err
	}
	return parseInfo(s), nil
}
