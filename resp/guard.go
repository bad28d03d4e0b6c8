package resp

import (
	"math"
	"net"
	"sync/atomic"
)

// Limits bounds what a client may send, as Redis's configuration does.
type Limits struct {
	// MaxBulkLen is proto-max-bulk-len: the largest bulk argument.
	MaxBulkLen int64
	// MaxMultibulkLen is the largest argument count. Redis 7.0 allows up to
	// INT_MAX (the 1024*1024 cap of older versions is gone).
	MaxMultibulkLen int64
	// MaxInlineLen is PROTO_INLINE_MAX_SIZE: the longest inline command
	// line and the longest *<count> or $<len> header line.
	MaxInlineLen int
	// MaxQueryBuffer is client-query-buffer-limit: a client whose pending
	// argument outgrows it is disconnected without a reply.
	MaxQueryBuffer int64
}

// Redis's defaults.
const (
	defaultMaxBulkLen      = 512 << 20
	defaultMaxMultibulkLen = math.MaxInt32
	defaultMaxInlineLen    = 64 << 10
	defaultMaxQueryBuffer  = 1 << 30

	// Limits that apply before a client authenticates (Redis 7.0.15
	// processMultibulkBuffer, when authRequired).
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
)

// DefaultLimits returns Redis 7.0's defaults: 512MB bulks, INT_MAX
// arguments, 64KB inline lines, a 1GB query buffer.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:      defaultMaxBulkLen,
		MaxMultibulkLen: defaultMaxMultibulkLen,
		MaxInlineLen:    defaultMaxInlineLen,
		MaxQueryBuffer:  defaultMaxQueryBuffer,
	}
}

type guardState uint8

const (
	gsStart   guardState = iota // at a command boundary
	gsMbHdr                     // inside "*<count>" line
	gsBulkHdr                   // inside "$<len>" line
	gsBulk                      // inside bulk data (and its CRLF)
	gsInline                    // inside an inline command line
)

// hdrCap is how many header bytes we keep: a valid count is at most 20
// characters ("-9223372036854775808"), longer lines are invalid.
const hdrCap = 21

// Guard is a net.Conn whose Read validates the client byte stream as Redis
// does (processInputBuffer, processMultibulkBuffer, processInlineBuffer in
// networking.c) before anyone trusts a length header. It hands on a
// normalised stream that a strict RESP parser (CommandParser) reads the way
// Redis reads the original:
//
//   - multibulk commands pass through byte for byte, except that the byte
//     after a header's '\r' and the two bytes after bulk data (which Redis
//     skips unread) are rewritten to "\n" and "\r\n";
//   - empty commands (*0, *-1, any negative count, blank inline lines) are
//     dropped, as Redis ignores them;
//   - inline commands are split with SplitArgs and re-encoded as multibulk.
//
// On a violation Guard.Read first returns the complete commands before the
// offending one (and possibly a prefix of it, which the reader never
// completes); on the next call it writes Redis's error reply
// ("-ERR Protocol error: ...") straight to the connection and returns a
// *ProtocolError (errors.Is ErrProtocol), and so on every later call. The
// delay lets the server flush the replies of the earlier commands first, so
// the client sees them in Redis's order.
//
// Length limits are checked at the byte where they are exceeded, which
// makes the outcome independent of how the stream is split into reads
// (Redis checks per read of 16KB; a header or inline line a little over
// 64KB may pass there and fails here).
//
// Read must be called from one goroutine at a time, as for any net.Conn;
// SetLimits and SetAuthRequired may be called from any goroutine.
type Guard struct {
	net.Conn

	maxBulk   atomic.Int64
	maxMbulk  atomic.Int64
	maxInline atomic.Int64
	maxQbuf   atomic.Int64
	unauthed  atomic.Bool

	// The fields below belong to the goroutine that calls Read.

	st       guardState
	args     int64 // bulk arguments still expected in this multibulk
	bulkLeft int64 // bulk bytes still expected, CRLF included
	bulkSize int64 // bulk length + 2 when it exceeds MaxQueryBuffer, else 0
	lineLen  int64 // bytes of the current header or inline line so far
	stuck    bool  // a NUL came before the terminator: Redis's strchr never finds it
	cr       bool  // the header's '\r' was seen; the next byte ends the line
	first    byte  // first byte of a bulk header line
	hn       int   // header characters seen after the prefix, capped at hdrCap+1
	hdr      [hdrCap + 3]byte
	line     []byte // inline line so far (allocated only for inline clients)
	pend     []byte // normalised bytes that did not fit in the caller's buffer
	pendOff  int
	spill    bool   // this scan writes to pend
	fail     string // reply to send; set with failErr
	failErr  error
	sent     bool  // fail reply written
	readErr  error // error of the underlying Read, returned after pend
	scratch  []byte
}

// NewGuard wraps c, checking what it reads against l.
func NewGuard(c net.Conn, l Limits) *Guard {
	g := &Guard{Conn: c}
	g.SetLimits(l)
	return g
}

// SetLimits changes the limits (CONFIG SET proto-max-bulk-len and
// friends); it is safe to call while another goroutine reads. Zero or
// negative fields take the defaults.
func (g *Guard) SetLimits(l Limits) {
	d := DefaultLimits()
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = d.MaxBulkLen
	}
	if l.MaxMultibulkLen <= 0 {
		l.MaxMultibulkLen = d.MaxMultibulkLen
	}
	if l.MaxInlineLen <= 0 {
		l.MaxInlineLen = d.MaxInlineLen
	}
	if l.MaxQueryBuffer <= 0 {
		l.MaxQueryBuffer = d.MaxQueryBuffer
	}
	// Keep length+CRLF arithmetic clear of overflow.
	l.MaxBulkLen = min(l.MaxBulkLen, math.MaxInt64/2)
	l.MaxQueryBuffer = min(l.MaxQueryBuffer, math.MaxInt64/2)
	g.maxBulk.Store(l.MaxBulkLen)
	g.maxMbulk.Store(l.MaxMultibulkLen)
	g.maxInline.Store(int64(l.MaxInlineLen))
	g.maxQbuf.Store(l.MaxQueryBuffer)
}

// SetAuthRequired turns on Redis's limits for clients that have not
// authenticated yet (more than 10 arguments or a bulk over 16384 bytes is
// refused with "unauthenticated multibulk/bulk length"). The server sets it
// on accept when a password is required and clears it after AUTH succeeds.
// Because the guard looks ahead of command execution, a pipeline that
// authenticates and sends a large command in the same packet is refused
// here while Redis would accept it.
func (g *Guard) SetAuthRequired(v bool) { g.unauthed.Store(v) }

// Unwrap returns the wrapped connection.
func (g *Guard) Unwrap() net.Conn { return g.Conn }

// Read reads from the connection into p and returns the validated,
// normalised bytes. It returns n > 0 with a nil error whenever it has
// bytes; the underlying connection's error follows on a later call.
func (g *Guard) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if g.pendOff < len(g.pend) {
			n := copy(p, g.pend[g.pendOff:])
			g.pendOff += n
			if g.pendOff == len(g.pend) {
				g.pend = g.pend[:0]
				g.pendOff = 0
			}
			return n, nil
		}
		if g.failErr != nil {
			if !g.sent && g.fail != "" {
				g.sent = true
				b := append(g.scratch[:0], "-ERR "...)
				b = append(b, g.fail...)
				b = append(b, '\r', '\n')
				_, _ = g.Conn.Write(b)
			}
			g.sent = true
			return 0, g.failErr
		}
		if err := g.readErr; err != nil {
			// Not latched: a deadline may pass and the caller read again.
			g.readErr = nil
			return 0, err
		}
		n, err := g.Conn.Read(p)
		if n < 0 || n > len(p) {
			n = 0
		}
		w := g.scan(p, n)
		if w > 0 {
			g.readErr = err
			return w, nil
		}
		if err != nil && g.pendOff == len(g.pend) && g.failErr == nil {
			return 0, err
		}
		g.readErr = err
	}
}

// failWith records a violation; nothing after it is passed on.
func (g *Guard) failWith(reply string) {
	g.fail = reply
	g.failErr = &ProtocolError{Reply: reply}
}

// emit appends data to the output: in place at p[w:] while that stays
// behind the read position i, else (for the rest of the scan) to pend.
func (g *Guard) emit(p []byte, w, i int, data []byte) int {
	if !g.spill && w+len(data) <= i {
		copy(p[w:], data)
		return w + len(data)
	}
	g.spill = true
	g.pend = append(g.pend, data...)
	return w
}

func (g *Guard) emitByte(p []byte, w, i int, c byte) int {
	if !g.spill && w < i {
		p[w] = c
		return w + 1
	}
	g.spill = true
	g.pend = append(g.pend, c)
	return w
}

// startLine resets the header/inline line state.
func (g *Guard) startLine() {
	g.lineLen = 0
	g.stuck = false
	g.cr = false
	g.hn = 0
}

// scan validates p[:n] and writes the normalised output to p[:w] (and
// pend); it returns w.
func (g *Guard) scan(p []byte, n int) int {
	g.spill = false
	w, i := 0, 0
	maxInline := g.maxInline.Load()
	fast := maxInline > hdrCap+2 // header lines that short cannot be too big
	for i < n && g.failErr == nil {
		switch g.st {
		case gsStart:
			g.startLine()
			if p[i] == '*' && fast && !g.spill {
				if j := g.fastHeader(p, i, n); j > 0 {
					w = g.endHeader(p, w, j)
					i = j
					continue
				}
			}
			if p[i] == '*' {
				g.st = gsMbHdr
				g.lineLen = 1
				i++
				if g.lineLen > maxInline {
					g.failWith(msgTooBigMbulkCount)
				}
			} else {
				g.st = gsInline
				g.line = g.line[:0]
			}

		case gsMbHdr, gsBulkHdr:
			if g.lineLen == 0 && fast && !g.spill {
				// A whole "$<len>\r\n" in this read: no byte loop.
				if j := g.fastHeader(p, i, n); j > 0 {
					w = g.endHeader(p, w, j)
					i = j
					continue
				}
			}
			c := p[i]
			i++
			if g.cr {
				w = g.endHeader(p, w, i)
				continue
			}
			if g.st == gsBulkHdr && g.lineLen == 0 {
				g.first = c
			} else if !g.stuck && c != '\r' && c != 0 {
				if g.hn < len(g.hdr) {
					g.hdr[g.hn] = c
				}
				if g.hn <= hdrCap {
					g.hn++
				}
			}
			g.lineLen++
			switch {
			case g.stuck:
			case c == '\r':
				g.cr = true
				continue // Redis measures only lines without their '\r'
			case c == 0:
				g.stuck = true
			}
			if g.lineLen > maxInline {
				if g.st == gsMbHdr {
					g.failWith(msgTooBigMbulkCount)
				} else {
					g.failWith(msgTooBigBulkCount)
				}
			}

		case gsBulk:
			if g.bulkSize > 0 && g.bulkSize-g.bulkLeft >= g.maxQbuf.Load() {
				// Redis drops a client whose query buffer outgrows
				// client-query-buffer-limit, without a reply.
				g.failErr = ErrQueryBufferLimit
				g.sent = true
				break
			}
			if g.bulkLeft > 2 {
				k := int(min(g.bulkLeft-2, int64(n-i)))
				if g.bulkSize > 0 {
					k = int(min(int64(k), g.maxQbuf.Load()-(g.bulkSize-g.bulkLeft)))
				}
				if g.spill {
					g.pend = append(g.pend, p[i:i+k]...)
				} else {
					if w != i {
						copy(p[w:], p[i:i+k])
					}
					w += k
				}
				i += k
				g.bulkLeft -= int64(k)
			} else if g.bulkLeft == 2 && i+2 <= n && !g.spill && w+2 <= i+2 {
				p[w], p[w+1] = '\r', '\n'
				w += 2
				i += 2
				g.bulkLeft = 0
			} else {
				// The two bytes after the data: Redis skips them unread.
				c := byte('\r')
				if g.bulkLeft == 1 {
					c = '\n'
				}
				i++
				w = g.emitByte(p, w, i, c)
				g.bulkLeft--
			}
			if g.bulkLeft == 0 {
				g.args--
				if g.args == 0 {
					g.st = gsStart
				} else {
					g.st = gsBulkHdr
					g.startLine()
				}
			}

		case gsInline:
			c := p[i]
			i++
			if !g.stuck && c == '\n' {
				w = g.endInline(p, w, i)
				continue
			}
			g.lineLen++
			if c == 0 {
				g.stuck = true
			}
			if !g.stuck && int64(len(g.line)) <= maxInline {
				g.line = append(g.line, c)
			}
			if g.lineLen > maxInline {
				g.failWith(msgTooBigInline)
			}
		}
	}
	return w
}

// fastHeader handles a header line that lies wholly in p[i:n] with no NUL
// in it: it loads the line into the header state as the byte loop would and
// returns the index just past it, or 0 to take the byte loop.
func (g *Guard) fastHeader(p []byte, i, n int) int {
	end := min(n, i+hdrCap+2)
	j := i
	for j < end && p[j] != '\r' {
		if p[j] == 0 {
			return 0
		}
		j++
	}
	if j >= end || j+1 >= n || j == i {
		return 0
	}
	if g.st == gsStart {
		g.st = gsMbHdr // p[i] is '*'
	} else {
		g.first = p[i]
	}
	g.hn = copy(g.hdr[:], p[i+1:j])
	g.lineLen = int64(j - i + 1)
	g.cr = true
	return j + 2
}

// endHeader evaluates a complete "*<count>" or "$<len>" line; i is just
// past its last byte.
func (g *Guard) endHeader(p []byte, w, i int) int {
	var digits []byte
	ok := g.hn <= hdrCap
	if ok {
		digits = g.hdr[:g.hn]
	}
	if g.st == gsMbHdr {
		ll, isNum := string2ll(digits)
		switch {
		case !ok || !isNum || ll > g.maxMbulk.Load():
			g.failWith(msgInvalidMultibulkLength)
			return w
		case ll > unauthMaxMultibulk && g.unauthed.Load():
			g.failWith(msgUnauthMultibulk)
			return w
		case ll <= 0:
			g.st = gsStart // Redis ignores empty multibulks
			return w
		}
		w = g.emitHeader(p, w, i, '*', digits)
		g.args = ll
		g.st = gsBulkHdr
		g.startLine()
		return w
	}
	if g.first != '$' {
		g.failWith(expectedDollar(g.first))
		return w
	}
	ll, isNum := string2ll(digits)
	switch {
	case !ok || !isNum || ll < 0 || ll > g.maxBulk.Load():
		g.failWith(msgInvalidBulkLength)
		return w
	case ll > unauthMaxBulk && g.unauthed.Load():
		g.failWith(msgUnauthBulk)
		return w
	}
	w = g.emitHeader(p, w, i, '$', digits)
	g.bulkLeft = ll + 2
	g.bulkSize = 0
	if ll+2 > g.maxQbuf.Load() {
		g.bulkSize = ll + 2
	}
	g.st = gsBulk
	return w
}

func (g *Guard) emitHeader(p []byte, w, i int, prefix byte, digits []byte) int {
	var h [hdrCap + 4]byte
	h[0] = prefix
	k := 1 + copy(h[1:], digits)
	h[k] = '\r'
	h[k+1] = '\n'
	return g.emit(p, w, i, h[:k+2])
}

// endInline handles a complete inline line; i is just past its '\n'.
func (g *Guard) endInline(p []byte, w, i int) int {
	g.st = gsStart
	line := g.line
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, err := SplitArgs(string(line))
	if err != nil {
		g.failWith(msgUnbalancedQuotes)
		return w
	}
	if len(args) == 0 {
		return w
	}
	b := AppendArrayLen(g.scratch[:0], len(args))
	for _, a := range args {
		b = AppendBulkString(b, a)
	}
	g.scratch = b[:0]
	if cap(g.line) > 1<<16 {
		g.line = nil // do not pin a huge line buffer
	}
	return g.emit(p, w, i, b)
}

// Listener is a net.Listener whose Accept wraps each connection in a
// Guard, for servers that take a listener.
type Listener struct {
	net.Listener
	limits atomic.Pointer[Limits]
	auth   atomic.Bool
}

// NewListener wraps ln; accepted connections get the limits l.
func NewListener(ln net.Listener, l Limits) *Listener {
	gl := &Listener{Listener: ln}
	gl.SetLimits(l)
	return gl
}

// SetLimits sets the limits of connections accepted from now on (change
// those of existing connections with Guard.SetLimits).
func (l *Listener) SetLimits(lim Limits) { l.limits.Store(&lim) }

// SetAuthRequired sets the Guard.SetAuthRequired state new connections
// start with.
func (l *Listener) SetAuthRequired(v bool) { l.auth.Store(v) }

// Accept waits for a connection and returns it wrapped in a *Guard.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	g := NewGuard(c, *l.limits.Load())
	g.SetAuthRequired(l.auth.Load())
	return g, nil
}
