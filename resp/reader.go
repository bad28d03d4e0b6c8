package resp

import (
	"bytes"
	"io"
	"math"
)

const (
	readerInitSize = 16 << 10
	// maxReplyLine bounds ReadLine, so a peer that never ends its line
	// cannot make us buffer without limit.
	maxReplyLine = 1 << 20
)

// Reader is a buffered reader for the replication link. The replica reads
// the master's handshake replies with ReadLine, then the RDB payload
// through Read (or an EOF-mark reader over it), then the command stream
// with ReadCommand, all from the same buffer so that no byte is lost
// between the phases.
//
// Slices returned by ReadLine and ReadCommand alias the buffer and are
// valid until the next call on the Reader. A Reader is not safe for
// concurrent use.
type Reader struct {
	rd  io.Reader
	buf []byte
	r   int // start of unread data
	w   int // end of data
	err error
	cmd cmdState
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{rd: r, buf: make([]byte, readerInitSize)}
}

// Buffered returns how many bytes are read from the source but not yet
// consumed.
func (r *Reader) Buffered() int { return r.w - r.r }

// fill reads once more from the source, making room first. It returns an
// error only when nothing was added.
func (r *Reader) fill() error {
	if r.err != nil {
		return r.err
	}
	if r.r > 0 && (r.r == r.w || r.w == len(r.buf)) {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	if r.w == len(r.buf) {
		// Grow by doubling: memory follows the bytes that actually came,
		// never a length header.
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	n, err := r.rd.Read(r.buf[r.w:])
	if n < 0 || n > len(r.buf)-r.w {
		n = 0
	}
	r.w += n
	if err != nil {
		r.err = err
		if n > 0 {
			return nil
		}
		return err
	}
	return nil
}

// unexpectedEOF turns io.EOF in the middle of something into
// io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadLine reads one line ended by "\n" and returns it without the "\n"
// and without a '\r' before it: a master reply such as "+FULLRESYNC <id>
// <offset>" or "-ERR ...", or an empty line for the newlines a master sends
// to keep the link alive while it prepares a payload.
func (r *Reader) ReadLine() ([]byte, error) {
	line, err := r.readRawLine()
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, err
}

// readRawLine returns the next line without its '\n' only.
func (r *Reader) readRawLine() ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\n'); i >= 0 {
			end := r.r + scanned + i
			line := r.buf[r.r:end:end]
			r.r = end + 1
			return line, nil
		}
		scanned = r.w - r.r
		if scanned > maxReplyLine {
			return nil, protoErrf("reply line longer than %d bytes", maxReplyLine)
		}
		if err := r.fill(); err != nil {
			if scanned > 0 {
				return nil, unexpectedEOF(err)
			}
			return nil, err
		}
	}
}

// ReadCommand reads one command from a master's stream as Redis's replica
// does (processInputBuffer for the master client: no proto-max-bulk-len)
// and returns its arguments and n, the exact number of bytes it took,
// which is what advances the replication offset. A keep-alive "\n" (or
// "\r\n", or *0) comes back as no arguments with n > 0. Any other inline
// line is a protocol error, as Redis closes a master that sends one. At a
// clean end of stream it returns io.EOF; inside a command,
// io.ErrUnexpectedEOF.
func (r *Reader) ReadCommand() (args [][]byte, n int64, err error) {
	for {
		if r.w > r.r {
			if r.buf[r.r] != '*' {
				return r.readMasterInline()
			}
			args, m, err := r.cmd.parse(r.buf[r.r:r.w], math.MaxInt64-2)
			if err == nil {
				r.r += m
				return args, int64(m), nil
			}
			if err != ErrIncomplete {
				r.cmd.reset()
				return nil, 0, err
			}
		}
		if err := r.fill(); err != nil {
			if r.w > r.r {
				return nil, 0, unexpectedEOF(err)
			}
			return nil, 0, err
		}
	}
}

// readMasterInline takes an inline line from the master stream. As in
// Redis 7.0's processInlineBuffer, only an empty line (a keep-alive) is
// allowed; anything else means the stream is out of step.
func (r *Reader) readMasterInline() ([][]byte, int64, error) {
	raw, err := r.readRawLine()
	if err != nil {
		return nil, 0, err
	}
	if len(raw) > 1 || (len(raw) == 1 && raw[0] != '\r') {
		return nil, 0, protoErrf("master using the inline protocol: %.40q", raw)
	}
	return nil, int64(len(raw) + 1), nil
}

// Read reads buffered bytes first, then from the source: the raw passage
// for an RDB payload that follows the replies.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.r == r.w {
		if r.err != nil {
			return 0, r.err
		}
		if len(p) >= len(r.buf) {
			// Large reads bypass the buffer.
			n, err := r.rd.Read(p)
			if err != nil {
				r.err = err
			}
			return n, err
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.r:r.w])
	r.r += n
	return n, nil
}

// ReadFull reads exactly len(p) bytes, as io.ReadFull.
func (r *Reader) ReadFull(p []byte) (int, error) {
	return io.ReadFull(r, p)
}

// peek returns the buffered bytes, reading once if there are none.
func (r *Reader) peek() ([]byte, error) {
	if r.r == r.w {
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	return r.buf[r.r:r.w], nil
}

// EOFMarkReader returns the payload of a diskless transfer announced as
// "$EOF:<mark>": the bytes up to the mark, then io.EOF.
type eofMarkReader struct {
	src  io.Reader
	rd   *Reader // src as a *Reader: consume exactly up to the mark
	mark []byte
	tail []byte // the last len(mark)-1 bytes seen, held back
	pend []byte // payload ready to hand out
	off  int
	tmp  []byte
	done bool
	err  error
}

// NewEOFMarkReader returns a reader of the payload of a diskless RDB
// transfer ("$EOF:<40 bytes>" in Redis): it returns the bytes before the
// first occurrence of mark, then io.EOF, finding the mark even when it
// straddles reads (Redis keeps a rolling window of the last 40 bytes in
// readSyncBulkPayload). When r is a *Reader, bytes after the mark stay in
// it for ReadCommand; from another io.Reader, bytes read past the mark are
// lost (a master sends nothing after it until the replica's REPLCONF ACK).
// A stream that ends before the mark gives io.ErrUnexpectedEOF.
func NewEOFMarkReader(r io.Reader, mark []byte) io.Reader {
	e := &eofMarkReader{src: r, mark: append([]byte(nil), mark...)}
	if rd, ok := r.(*Reader); ok {
		e.rd = rd
	}
	return e
}

func (e *eofMarkReader) Read(p []byte) (int, error) {
	for {
		if e.off < len(e.pend) {
			n := copy(p, e.pend[e.off:])
			e.off += n
			return n, nil
		}
		if e.done {
			return 0, io.EOF
		}
		if e.err != nil {
			return 0, e.err
		}
		if len(e.mark) == 0 {
			e.done = true
			continue
		}
		var c []byte
		if e.rd != nil {
			b, err := e.rd.peek()
			if err != nil {
				e.err = unexpectedEOF(err)
				continue
			}
			c = b
		} else {
			if e.tmp == nil {
				e.tmp = make([]byte, 16<<10)
			}
			n, err := e.src.Read(e.tmp)
			if n < 0 || n > len(e.tmp) {
				n = 0
			}
			c = e.tmp[:n]
			if err != nil {
				e.err = unexpectedEOF(err)
			}
		}
		used := e.scan(c)
		if e.rd != nil {
			e.rd.r += used
		}
	}
}

// scan looks for the mark in tail+c, moves the payload it can release to
// pend and returns how many bytes of c it consumed.
func (e *eofMarkReader) scan(c []byte) int {
	e.pend = e.pend[:0]
	e.off = 0
	m := len(e.mark)
	// A mark that starts in the held-back tail ends in the first m-1
	// bytes of c.
	var small [128]byte
	joined := small[:0]
	if len(e.tail)+m-1 > len(small) {
		joined = make([]byte, 0, len(e.tail)+m-1)
	}
	joined = append(joined, e.tail...)
	joined = append(joined, c[:min(len(c), m-1)]...)
	if at := bytes.Index(joined, e.mark); at >= 0 {
		e.pend = append(e.pend, joined[:at]...)
		e.done = true
		return at + m - len(e.tail)
	}
	if i := bytes.Index(c, e.mark); i >= 0 {
		e.pend = append(e.pend, e.tail...)
		e.pend = append(e.pend, c[:i]...)
		e.done = true
		return i + m
	}
	// No mark: release all but the last m-1 bytes.
	keep := m - 1
	total := len(e.tail) + len(c)
	if total <= keep {
		e.tail = append(e.tail, c...)
		return len(c)
	}
	release := total - keep
	if release <= len(e.tail) {
		e.pend = append(e.pend, e.tail[:release]...)
		e.tail = append(e.tail[:0], e.tail[release:]...)
		e.tail = append(e.tail, c...)
		return len(c)
	}
	e.pend = append(e.pend, e.tail...)
	e.pend = append(e.pend, c[:release-len(e.tail)]...)
	e.tail = append(e.tail[:0], c[len(c)-keep:]...)
	return len(c)
}
