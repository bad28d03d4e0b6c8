package resp

import (
	"fmt"
	"math"
)

// Kind is the type byte that starts a RESP value.
type Kind byte

// RESP2 and RESP3 kinds.
const (
	KindSimple    Kind = '+'
	KindError     Kind = '-'
	KindInt       Kind = ':'
	KindBulk      Kind = '$'
	KindArray     Kind = '*'
	KindNull      Kind = '_' // RESP3
	KindDouble    Kind = ',' // RESP3
	KindBool      Kind = '#' // RESP3
	KindBlobError Kind = '!' // RESP3
	KindVerbatim  Kind = '=' // RESP3
	KindBigNumber Kind = '(' // RESP3
	KindMap       Kind = '%' // RESP3
	KindSet       Kind = '~' // RESP3
	KindAttribute Kind = '|' // RESP3
	KindPush      Kind = '>' // RESP3
)

// Value is one parsed RESP value.
//
// Str holds the text of simple strings, errors, bulk strings, doubles, big
// numbers and verbatim strings (with their "txt:" prefix); it aliases the
// parsed buffer. Int holds integers and booleans (1 or 0). Array holds the
// elements of arrays, sets and pushes, and the keys and values of maps and
// attributes in turn (2n elements). Null is set for $-1, *-1 and _.
type Value struct {
	Kind  Kind
	Str   []byte
	Int   int64
	Array []Value
	Null  bool
}

// maxDepth bounds the nesting ParseValue accepts, so hostile input cannot
// recurse without bound.
const maxDepth = 512

// ParseValue parses one complete RESP2 or RESP3 value from the start of b
// and returns it with the number of bytes it took. It returns ErrIncomplete
// when b ends inside the value, and a *ProtocolError (errors.Is
// ErrProtocol) for malformed input. It never panics and never allocates
// more than a small multiple of len(b): a count larger than b could hold
// is ErrIncomplete before anything is allocated.
func ParseValue(b []byte) (v Value, n int, err error) {
	return parseValue(b, 0, 0)
}

func protoErrf(format string, args ...any) error {
	return &ProtocolError{Reply: "Protocol error: " + fmt.Sprintf(format, args...)}
}

// readLine returns the end of the CRLF-terminated line starting at pos:
// the index of its '\r'.
func readLine(b []byte, pos int) (int, error) {
	for j := pos; j < len(b); j++ {
		if b[j] == '\r' {
			if j+1 >= len(b) {
				return 0, ErrIncomplete
			}
			if b[j+1] != '\n' {
				return 0, protoErrf("expected LF after CR at offset %d", j)
			}
			return j, nil
		}
		if b[j] == '\n' {
			return 0, protoErrf("bare LF at offset %d", j)
		}
	}
	return 0, ErrIncomplete
}

func parseValue(b []byte, pos, depth int) (Value, int, error) {
	if pos >= len(b) {
		return Value{}, 0, ErrIncomplete
	}
	if depth > maxDepth {
		return Value{}, 0, protoErrf("nesting deeper than %d", maxDepth)
	}
	k := Kind(b[pos])
	cr, err := readLine(b, pos+1)
	if err != nil {
		return Value{}, 0, err
	}
	line := b[pos+1 : cr]
	next := cr + 2
	v := Value{Kind: k}
	switch k {
	case KindSimple, KindError, KindDouble, KindBigNumber:
		v.Str = line
		return v, next - pos, nil
	case KindInt:
		ll, ok := string2ll(line)
		if !ok {
			return Value{}, 0, protoErrf("invalid integer %q", line)
		}
		v.Int = ll
		return v, next - pos, nil
	case KindNull:
		if len(line) != 0 {
			return Value{}, 0, protoErrf("invalid null")
		}
		v.Null = true
		return v, next - pos, nil
	case KindBool:
		switch string(line) {
		case "t":
			v.Int = 1
		case "f":
		default:
			return Value{}, 0, protoErrf("invalid boolean %q", line)
		}
		return v, next - pos, nil
	case KindBulk, KindBlobError, KindVerbatim:
		ll, ok := string2ll(line)
		if !ok || ll < -1 || (ll == -1 && k != KindBulk) {
			return Value{}, 0, protoErrf("invalid bulk length")
		}
		if ll == -1 {
			v.Null = true
			return v, next - pos, nil
		}
		if int64(len(b)-next) < ll || int64(len(b)-next)-ll < 2 {
			return Value{}, 0, ErrIncomplete
		}
		end := next + int(ll)
		if b[end] != '\r' || b[end+1] != '\n' {
			return Value{}, 0, protoErrf("bulk not followed by CRLF at offset %d", end)
		}
		v.Str = b[next:end]
		return v, end + 2 - pos, nil
	case KindArray, KindMap, KindSet, KindAttribute, KindPush:
		ll, ok := string2ll(line)
		if !ok || ll < -1 || ll > math.MaxInt32 || (ll == -1 && k != KindArray) {
			return Value{}, 0, protoErrf("invalid multibulk length")
		}
		if ll == -1 {
			v.Null = true
			return v, next - pos, nil
		}
		elems := ll
		if k == KindMap || k == KindAttribute {
			elems *= 2
		}
		// Every element takes at least 3 bytes ("_\r\n"): a count the
		// buffer cannot hold is incomplete, and is never allocated.
		if elems > int64(len(b)-next)/3 {
			return Value{}, 0, ErrIncomplete
		}
		v.Array = make([]Value, 0, elems)
		for i := int64(0); i < elems; i++ {
			e, m, err := parseValue(b, next, depth+1)
			if err != nil {
				return Value{}, 0, err
			}
			v.Array = append(v.Array, e)
			next += m
		}
		return v, next - pos, nil
	}
	return Value{}, 0, protoErrf("unknown type byte %q", byte(k))
}

// findLineEnd looks for the terminator t of a header or inline line that
// starts at start, as Redis's strchr does: a NUL byte hides everything after
// it. It returns the terminator's index, or ErrIncomplete, or the tooBig
// error when the line outgrows limit bytes (terminator excluded) — the
// limit is applied to the line alone, whatever else is buffered.
func findLineEnd(b []byte, start int, t byte, limit int, tooBig string) (int, error) {
	for j := start; j < len(b); j++ {
		if b[j] == t {
			if j-start > limit {
				return 0, &ProtocolError{Reply: tooBig}
			}
			return j, nil
		}
		if b[j] == 0 {
			break
		}
	}
	if len(b)-start > limit {
		return 0, &ProtocolError{Reply: tooBig}
	}
	return 0, ErrIncomplete
}

// ParseCommand parses one client command from the start of b as Redis's
// processInputBuffer does: a multibulk "*<n>\r\n$<len>\r\n<arg>\r\n..." if
// b starts with '*', else an inline line split by SplitArgs. It returns the
// arguments and n, the exact number of bytes the command took (replication
// offsets count these). An empty command (*0, a negative count, a blank
// line) returns no arguments and n > 0: skip n bytes and go on.
//
// Multibulk arguments alias b; inline ones are copies. maxBulk is
// proto-max-bulk-len (<= 0 means the 512MB default). Errors are
// ErrIncomplete, or a *ProtocolError whose Reply is Redis's exact text.
// Lengths are checked the way Guard checks them, so the two agree.
func ParseCommand(b []byte, maxBulk int64) (args [][]byte, n int, err error) {
	var st cmdState
	return st.parse(b, maxBulk)
}

// cmdState is a resumable command parse: after ErrIncomplete, calling
// parse again with the same bytes plus more continues where it stopped, so
// a reader does not rescan the arguments it has already seen.
type cmdState struct {
	count int64 // argument count, 0 until the header is parsed
	pos   int   // where parsing resumes, relative to the command start
	offs  []int // start and end of each complete argument
}

func (st *cmdState) reset() {
	st.count = 0
	st.pos = 0
	st.offs = st.offs[:0]
}

func (st *cmdState) parse(b []byte, maxBulk int64) (args [][]byte, n int, err error) {
	return st.parseAppend(nil, b, maxBulk)
}

// CommandParser is ParseCommand for a connection's reader: resumable after
// ErrIncomplete (call again with the same bytes plus more) and, for
// multibulk commands, without allocating: the arguments are appended to a
// slice the caller reuses.
type CommandParser struct {
	st cmdState
}

// Parse parses the command at the start of b, appending its arguments to
// dst; args is dst extended, the command's arguments are args[len(dst):].
// n and the errors are ParseCommand's. After an error other than
// ErrIncomplete the parser starts afresh.
func (p *CommandParser) Parse(dst [][]byte, b []byte, maxBulk int64) (args [][]byte, n int, err error) {
	args, n, err = p.st.parseAppend(dst, b, maxBulk)
	if err != nil && err != ErrIncomplete {
		p.st.reset()
	}
	return args, n, err
}

func (st *cmdState) parseAppend(dst [][]byte, b []byte, maxBulk int64) (args [][]byte, n int, err error) {
	if len(b) == 0 {
		return nil, 0, ErrIncomplete
	}
	if maxBulk <= 0 {
		maxBulk = defaultMaxBulkLen
	}
	if b[0] != '*' {
		args, n, err := parseInline(b)
		if err != nil || dst == nil {
			return args, n, err
		}
		return append(dst, args...), n, nil
	}
	if st.count == 0 {
		cr, err := findLineEnd(b, 0, '\r', defaultMaxInlineLen, msgTooBigMbulkCount)
		if err != nil {
			return nil, 0, err
		}
		if cr+1 >= len(b) {
			return nil, 0, ErrIncomplete
		}
		count, ok := string2ll(b[1:cr])
		if !ok || count > defaultMaxMultibulkLen {
			return nil, 0, &ProtocolError{Reply: msgInvalidMultibulkLength}
		}
		// Redis skips the byte after '\r' without looking at it.
		if count <= 0 {
			return dst, cr + 2, nil
		}
		st.count = count
		st.pos = cr + 2
		st.offs = st.offs[:0]
	}
	pos := st.pos
	for int64(len(st.offs)/2) < st.count {
		if pos >= len(b) {
			return nil, 0, ErrIncomplete
		}
		cr, err := findLineEnd(b, pos, '\r', defaultMaxInlineLen, msgTooBigBulkCount)
		if err != nil {
			return nil, 0, err
		}
		if cr+1 >= len(b) {
			return nil, 0, ErrIncomplete
		}
		if b[pos] != '$' {
			return nil, 0, &ProtocolError{Reply: expectedDollar(b[pos])}
		}
		ll, ok := string2ll(b[pos+1 : cr])
		if !ok || ll < 0 || ll > maxBulk {
			return nil, 0, &ProtocolError{Reply: msgInvalidBulkLength}
		}
		if int64(len(b)-(cr+2)) < ll || int64(len(b)-(cr+2))-ll < 2 {
			return nil, 0, ErrIncomplete
		}
		pos = cr + 2
		st.offs = append(st.offs, pos, pos+int(ll))
		pos += int(ll) + 2 // the two bytes after the data are not checked
		st.pos = pos
	}
	if dst == nil {
		dst = make([][]byte, 0, st.count)
	}
	for i := 0; i < int(st.count); i++ {
		dst = append(dst, b[st.offs[2*i]:st.offs[2*i+1]:st.offs[2*i+1]])
	}
	st.reset()
	return dst, pos, nil
}

// parseInline is processInlineBuffer.
func parseInline(b []byte) ([][]byte, int, error) {
	nl, err := findLineEnd(b, 0, '\n', defaultMaxInlineLen, msgTooBigInline)
	if err != nil {
		return nil, 0, err
	}
	line := b[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	parts, err := SplitArgs(string(line))
	if err != nil {
		return nil, 0, &ProtocolError{Reply: msgUnbalancedQuotes}
	}
	var args [][]byte
	if len(parts) > 0 {
		args = make([][]byte, len(parts))
		for i, p := range parts {
			args[i] = []byte(p)
		}
	}
	return args, nl + 1, nil
}
