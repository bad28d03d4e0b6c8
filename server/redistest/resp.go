package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits applied while reading replies, so that a corrupt or hostile length
// header cannot make the client allocate without bound.
const (
	// MaxBulkLen is the largest bulk string accepted, Redis' default
	// proto-max-bulk-len (512MB).
	MaxBulkLen = 512 << 20
	// MaxDepth is the deepest nesting of aggregates accepted.
	MaxDepth = 64
	// MaxLineLen is the longest simple-string, error or header line accepted.
	MaxLineLen = 1 << 20
)

var (
	// ErrProtocol marks a reply that is not valid RESP.
	ErrProtocol = errors.New("redistest: protocol error")
	// ErrIncomplete is returned by Parse when the input ends before the
	// reply does.
	ErrIncomplete = errors.New("redistest: incomplete reply")
)

// Kind is the RESP type byte of a Value.
type Kind byte

// The RESP2 and RESP3 reply types, named by their type byte.
const (
	KindSimple    Kind = '+'
	KindError     Kind = '-'
	KindInt       Kind = ':'
	KindBulk      Kind = '$'
	KindArray     Kind = '*'
	KindNull      Kind = '_'
	KindDouble    Kind = ','
	KindBool      Kind = '#'
	KindBlobError Kind = '!'
	KindVerbatim  Kind = '='
	KindBigNumber Kind = '('
	KindMap       Kind = '%'
	KindSet       Kind = '~'
	KindPush      Kind = '>'
)

// kindAttribute is the RESP3 attribute prefix; it decorates the next value
// and is not a Value of its own.
const kindAttribute = '|'

// Value is one parsed reply.
type Value struct {
	// Kind is the reply's type byte.
	Kind Kind
	// Str holds the text of simple strings, errors, bulk strings, blob
	// errors, verbatim strings (with their "txt:" prefix), doubles, big
	// numbers and booleans ("t" or "f").
	Str string
	// Int holds the value of an integer reply.
	Int int64
	// Null is set for RESP3 nulls and the RESP2 null bulk ($-1) and null
	// array (*-1).
	Null bool
	// Elems holds the elements of arrays, sets and pushes; for maps it
	// holds keys and values alternately.
	Elems []Value
	// Attrs holds a RESP3 attribute that preceded the value, keys and
	// values alternately.
	Attrs []Value
}

// IsError reports whether v is an error or blob error reply.
func (v Value) IsError() bool { return v.Kind == KindError || v.Kind == KindBlobError }

// String renders v compactly for test messages, e.g. [1 "a" (nil)].
func (v Value) String() string {
	var b strings.Builder
	v.format(&b)
	return b.String()
}

func (v Value) format(b *strings.Builder) {
	if v.Null {
		b.WriteString("(nil)")
		return
	}
	switch v.Kind {
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindError, KindBlobError:
		b.WriteString("(error) ")
		b.WriteString(v.Str)
	case KindSimple, KindDouble, KindBigNumber, KindBool:
		b.WriteString(v.Str)
	case KindBulk, KindVerbatim:
		b.WriteString(strconv.Quote(v.Str))
	default:
		open, closing := "[", "]"
		switch v.Kind {
		case KindMap:
			open, closing = "{", "}"
		case KindSet:
			open, closing = "~[", "]"
		case KindPush:
			open, closing = ">[", "]"
		}
		b.WriteString(open)
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.format(b)
		}
		b.WriteString(closing)
	}
}

// Parse parses one complete reply at the start of b and returns it with the
// number of bytes it spans. It returns an error wrapping ErrIncomplete when b
// ends first and one wrapping ErrProtocol when b is not RESP; it never panics
// and never allocates more than b's length plus a bounded overhead.
func Parse(b []byte) (Value, int, error) {
	r := &replyReader{buf: b}
	v, err := r.value(0)
	if err != nil {
		return Value{}, 0, err
	}
	return v, r.off, nil
}

// readReply reads exactly one complete reply from br and returns its raw bytes
// and its parsed value.
func readReply(br *bufio.Reader) ([]byte, Value, error) {
	r := &replyReader{br: br}
	v, err := r.value(0)
	return r.raw, v, err
}

// replyReader reads from a byte slice (buf, off) or from a bufio.Reader (br),
// in which case it keeps a copy of every byte consumed in raw.
type replyReader struct {
	br  *bufio.Reader
	raw []byte
	buf []byte
	off int
}

// line returns the next line without its CRLF.
func (r *replyReader) line() ([]byte, error) {
	if r.br == nil {
		rest := r.buf[r.off:]
		for i := 0; i < len(rest); i++ {
			if rest[i] != '\n' {
				continue
			}
			if i == 0 || rest[i-1] != '\r' {
				return nil, fmt.Errorf("%w: line without CRLF at offset %d", ErrProtocol, r.off+i)
			}
			r.off += i + 1
			return rest[:i-1], nil
		}
		if len(rest) > MaxLineLen {
			return nil, fmt.Errorf("%w: line longer than %d bytes at offset %d", ErrProtocol, MaxLineLen, r.off)
		}
		return nil, ErrIncomplete
	}
	start := len(r.raw)
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.raw = append(r.raw, chunk...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(r.raw)-start > MaxLineLen {
			return nil, fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, MaxLineLen)
		}
	}
	l := r.raw[start:]
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return nil, fmt.Errorf("%w: line without CRLF: %q", ErrProtocol, l)
	}
	return l[:len(l)-2], nil
}

// take returns the next n bytes followed by CRLF, without the CRLF.
func (r *replyReader) take(n int) ([]byte, error) {
	var p []byte
	if r.br == nil {
		if len(r.buf)-r.off < n+2 {
			return nil, ErrIncomplete
		}
		p = r.buf[r.off : r.off+n+2]
		r.off += n + 2
	} else {
		start := len(r.raw)
		r.raw = append(r.raw, make([]byte, n+2)...)
		if _, err := io.ReadFull(r.br, r.raw[start:]); err != nil {
			return nil, err
		}
		p = r.raw[start:]
	}
	if p[n] != '\r' || p[n+1] != '\n' {
		return nil, fmt.Errorf("%w: bulk of %d bytes not followed by CRLF", ErrProtocol, n)
	}
	return p[:n], nil
}

// length parses an aggregate or bulk length header; -1 means null.
func length(hdr []byte, max int) (int, error) {
	n, err := strconv.ParseInt(string(hdr), 10, 64)
	if err != nil || n < -1 || n > int64(max) {
		return 0, fmt.Errorf("%w: bad length %q", ErrProtocol, hdr)
	}
	return int(n), nil
}

func (r *replyReader) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, fmt.Errorf("%w: nesting deeper than %d", ErrProtocol, MaxDepth)
	}
	l, err := r.line()
	if err != nil {
		return Value{}, err
	}
	if len(l) == 0 {
		return Value{}, fmt.Errorf("%w: empty line", ErrProtocol)
	}
	kind, rest := Kind(l[0]), l[1:]
	v := Value{Kind: kind}
	switch kind {
	case KindSimple, KindError, KindDouble, KindBigNumber:
		v.Str = string(rest)
	case KindInt:
		v.Int, err = strconv.ParseInt(string(rest), 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("%w: bad integer %q", ErrProtocol, rest)
		}
	case KindNull:
		if len(rest) != 0 {
			return Value{}, fmt.Errorf("%w: bad null %q", ErrProtocol, rest)
		}
		v.Null = true
	case KindBool:
		if len(rest) != 1 || (rest[0] != 't' && rest[0] != 'f') {
			return Value{}, fmt.Errorf("%w: bad boolean %q", ErrProtocol, rest)
		}
		v.Str = string(rest)
	case KindBulk, KindBlobError, KindVerbatim:
		n, err := length(rest, MaxBulkLen)
		if err != nil {
			return Value{}, err
		}
		if n < 0 {
			if kind != KindBulk {
				return Value{}, fmt.Errorf("%w: null %c", ErrProtocol, kind)
			}
			v.Null = true
			break
		}
		p, err := r.take(n)
		if err != nil {
			return Value{}, err
		}
		if kind == KindVerbatim && (n < 4 || p[3] != ':') {
			return Value{}, fmt.Errorf("%w: verbatim string without format: %q", ErrProtocol, p)
		}
		v.Str = string(p)
	case KindArray, KindSet, KindPush, KindMap, kindAttribute:
		n, err := length(rest, 1<<31)
		if err != nil {
			return Value{}, err
		}
		if n < 0 {
			if kind != KindArray {
				return Value{}, fmt.Errorf("%w: null %c", ErrProtocol, kind)
			}
			v.Null = true
			break
		}
		if kind == KindMap || kind == kindAttribute {
			n *= 2
		}
		// Every element takes at least 3 bytes, so a slice input bounds
		// the count; a stream is bounded by reading element by element.
		if r.br == nil && n > (len(r.buf)-r.off)/3 {
			return Value{}, ErrIncomplete
		}
		v.Elems = make([]Value, 0, min(n, 1024))
		for i := 0; i < n; i++ {
			e, err := r.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			v.Elems = append(v.Elems, e)
		}
		if kind == kindAttribute {
			next, err := r.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			next.Attrs = v.Elems
			return next, nil
		}
	default:
		return Value{}, fmt.Errorf("%w: unknown type byte %q", ErrProtocol, l[0])
	}
	return v, nil
}

// AppendCommand appends args to dst encoded as a RESP array of bulk strings,
// the form clients send commands in.
func AppendCommand(dst []byte, args ...string) []byte {
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
