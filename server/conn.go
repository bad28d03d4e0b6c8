package server

import (
	"errors"
	"net"
	"sync"

	"github.com/redpebble/redpebble/resp"
)

// The client connection loop. Each connection has one goroutine that reads
// as much as the socket has (up to connReadSize at a time), parses every
// complete command in it (resp.CommandParser: the arguments alias the read
// buffer, no allocation per command), runs them in order (handle, which may
// group a run of writes into one store commit) and then writes all their
// replies with one write. That is Redis's own shape: one read, a pipeline's
// worth of commands, one write.
//
// What reaches the parser has passed resp.Guard (the listener wraps every
// connection in it), which checks the byte stream as Redis does and turns
// inline commands into multibulk ones, so parse errors here mean a broken
// guard and close the connection.

const (
	connReadSize = 16 << 10 // Redis's PROTO_IOBUF_LEN
	connReadMax  = 128 << 10
	// connBufKeep is the largest write buffer a connection keeps between
	// pipelines; a bigger one (a large reply) is dropped once written.
	connBufKeep = 256 << 10
)

// rcmd is one parsed command: its arguments and its raw bytes (what
// net_input_bytes counts).
type rcmd struct {
	Args [][]byte
	Raw  int
}

// conn is a client connection: its socket, the commands parsed from the
// last read and the replies queued for the next write.
type conn struct {
	nc  net.Conn // the socket, behind resp.Guard
	ctx *Client

	rbuf   []byte
	r, w   int // unparsed data is rbuf[r:w]
	parser resp.CommandParser
	argv   [][]byte // argument slab of cmds
	cmds   []rcmd   // parsed from the last read
	next   int      // cmds[next:] are still to run
	rerr   error    // the read error after the commands before it
	small  int      // reads in a row that used under an eighth of rbuf

	wbuf []byte

	closed   bool // Close was called: flush, then close the socket
	detached bool // Detach was called: the loop hands the socket on
	handoff  chan struct{}
	once     sync.Once
}

func newConn(nc net.Conn) *conn {
	return &conn{nc: nc, rbuf: make([]byte, connReadSize)}
}

// NetConn is the socket (behind resp.Guard).
func (cn *conn) NetConn() net.Conn { return cn.nc }

// RemoteAddr is the peer's address as text.
func (cn *conn) RemoteAddr() string { return cn.nc.RemoteAddr().String() }

// WriteRaw queues bytes for the next write.
func (cn *conn) WriteRaw(b []byte) { cn.wbuf = append(cn.wbuf, b...) }

// Buffer is what is queued and not yet written.
func (cn *conn) Buffer() []byte { return cn.wbuf }

// DropBuffer discards what is queued.
func (cn *conn) DropBuffer() { cn.wbuf = cn.wbuf[:0] }

// Flush writes what is queued.
func (cn *conn) Flush() error {
	if len(cn.wbuf) == 0 {
		return nil
	}
	_, err := cn.nc.Write(cn.wbuf)
	if cap(cn.wbuf) > connBufKeep {
		cn.wbuf = nil
	} else {
		cn.wbuf = cn.wbuf[:0]
	}
	return err
}

// Close makes the loop flush and close the connection once the running
// command returns.
func (cn *conn) Close() { cn.closed = true }

// PeekPipeline is the commands of the last read still to run.
func (cn *conn) PeekPipeline() []rcmd { return cn.cmds[cn.next:] }

// ReadPipeline takes the commands of the last read still to run.
func (cn *conn) ReadPipeline() []rcmd {
	p := cn.cmds[cn.next:]
	cn.next = len(cn.cmds)
	return p
}

// Detach takes the connection out of the loop once the running command
// returns: the caller owns the socket, reads the rest of the pipeline and
// what follows with ReadCommand, writes with WriteRaw and Flush.
func (cn *conn) Detach() *conn {
	cn.detached = true
	cn.handoff = make(chan struct{})
	return cn
}

// ReadCommand is, on a detached connection, the next command: the rest of
// the last read's, then new reads. It waits until the loop has let go.
// The arguments are valid until the next call.
func (cn *conn) ReadCommand() (rcmd, error) {
	cn.wait()
	for cn.next >= len(cn.cmds) {
		if err := cn.read(); err != nil {
			return rcmd{}, err
		}
	}
	c := cn.cmds[cn.next]
	cn.next++
	return c, nil
}

// wait returns once the loop has let go of a detached connection.
func (cn *conn) wait() { cn.once.Do(func() { <-cn.handoff }) }

// read reads once from the socket (after the commands of the previous read
// are all run) and parses the complete commands it ends. It fails only when
// it parsed none.
func (cn *conn) read() error {
	clear(cn.argv)
	cn.argv = cn.argv[:0]
	cn.cmds = cn.cmds[:0]
	cn.next = 0
	if cn.rerr != nil {
		return cn.rerr
	}
	// The commands are run: what is left is the start of the next one.
	if cn.r > 0 {
		n := copy(cn.rbuf, cn.rbuf[cn.r:cn.w])
		cn.r, cn.w = 0, n
	}
	if cn.w == len(cn.rbuf) {
		nb := make([]byte, 2*len(cn.rbuf))
		copy(nb, cn.rbuf[:cn.w])
		cn.rbuf = nb
	} else if cn.w == 0 && cn.small >= 16 && len(cn.rbuf) > connReadSize {
		// Sixteen reads in a row used under an eighth of a buffer that
		// a burst grew: give the memory back (Redis shrinks an idle
		// query buffer likewise).
		cn.rbuf = make([]byte, connReadSize)
	}
	n, err := cn.nc.Read(cn.rbuf[cn.w:])
	if n > 0 {
		cn.w += n
	}
	if n < len(cn.rbuf)/8 {
		cn.small++
	} else {
		cn.small = 0
	}
	if cn.w == len(cn.rbuf) && len(cn.rbuf) < connReadMax {
		// The read filled the buffer: the peer sends pipelines bigger than
		// it, so the next read takes twice as much (a 64-deep pipeline of
		// 1 KB PUBLISH in one read rather than five).
		nb := make([]byte, 2*len(cn.rbuf))
		copy(nb, cn.rbuf[:cn.w])
		cn.rbuf = nb
	}
	for cn.r < cn.w {
		argv, m, perr := cn.parser.Parse(cn.argv, cn.rbuf[cn.r:cn.w], 0)
		if perr == resp.ErrIncomplete {
			break
		}
		if perr != nil {
			err = perr
			cn.r = cn.w
			break
		}
		start := len(cn.argv)
		cn.argv = argv
		cn.r += m
		if len(argv) > start {
			cn.cmds = append(cn.cmds, rcmd{Args: argv[start:len(argv):len(argv)], Raw: m})
		}
	}
	if err != nil {
		cn.rerr = err
		if len(cn.cmds) == 0 {
			return err
		}
	}
	return nil
}

// errConnClosed ends a connection the server closed (QUIT, a kill, an
// output limit).
var errConnClosed = errors.New("connection closed")

// serveConn runs one client connection until it ends or is detached.
func (s *Server) serveConn(nc net.Conn) {
	cn := newConn(nc)
	if !s.accept(cn) {
		nc.Close()
		return
	}
	var err error
	for err == nil {
		if err = cn.read(); err != nil {
			break
		}
		for cn.next < len(cn.cmds) && !cn.closed {
			rc := cn.cmds[cn.next]
			cn.next++
			s.handle(cn, rc)
			if cn.detached {
				cn.ctx.psPending.Flush()
				close(cn.handoff)
				s.closed(cn, nil)
				return
			}
		}
		ferr := cn.Flush()
		// The messages of the read's publishes (psEndCommand).
		cn.ctx.psPending.Flush()
		if ferr != nil {
			err = ferr
		} else if cn.closed {
			err = errConnClosed
		}
	}
	nc.Close()
	s.closed(cn, err)
}
