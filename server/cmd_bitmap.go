package server

import (
	"bytes"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// Bitmap commands over string values, as bitops.c in Redis 7.0.

const (
	errBitOffset = "ERR bit offset is not an integer or out of range"
	errBitValue  = "ERR bit is not an integer or out of range"
	errBitType   = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)

func (s *Server) registerBitmaps() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "setbit", cmdSetbit)
	t.add(rc, "getbit", cmdGetbit)
	t.add(rc, "bitcount", cmdBitcount)
	t.add(rc, "bitpos", cmdBitpos)
	t.add(rc, "bitop", cmdBitop).consistent = true
	t.add(rc, "bitfield", func(c *Client) { bitfieldGeneric(c, false) })
	t.add(rc, "bitfield_ro", func(c *Client) { bitfieldGeneric(c, true) })
}

// bitOffset parses a bit offset as getBitOffsetFromArgument: with hash and
// bits > 0, "#n" means n*bits.
func (c *Client) bitOffset(arg []byte, hash bool, nbits int) (uint64, bool) {
	usehash := len(arg) > 0 && arg[0] == '#' && hash && nbits > 0
	p := arg
	if usehash {
		p = arg[1:]
	}
	v, ok := parseLL(p)
	if !ok {
		c.errReply(errBitOffset)
		return 0, false
	}
	if usehash {
		v *= int64(nbits) // wraps as in C
	}
	if v < 0 || (!c.fromMaster && v>>3 >= c.s.cfg.Memory("proto-max-bulk-len")) {
		c.errReply(errBitOffset)
		return 0, false
	}
	return uint64(v), true
}

// bitfieldType parses i<bits> / u<bits>.
func bitfieldType(arg []byte) (signed bool, nbits int, ok bool) {
	if len(arg) == 0 {
		return false, 0, false
	}
	switch arg[0] {
	case 'i':
		signed = true
	case 'u':
	default:
		return false, 0, false
	}
	rest := arg[1:]
	if i := bytes.IndexByte(rest, 0); i >= 0 { // strlen() stops at NUL
		rest = rest[:i]
	}
	n, ok := parseLL(rest)
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, int(n), true
}

// lookupBitString reads key as a string for a read-only bit command; value
// nil and found false when absent.
func (c *Client) lookupBitString(key []byte) ([]byte, bool, bool) {
	m, found, ok := c.lookupString(key)
	return m.Value, found, ok
}

// rawQuietly turns the string at key "raw" without signalling a change, as
// dbUnshareStringValue does for a bit command that changes no bit.
func (c *Client) rawQuietly(key []byte, m *store.Meta) bool {
	if m.Enc == store.StrEncRaw {
		return true
	}
	nm := *m
	nm.Enc = store.StrEncRaw
	if err := c.tx.PutUntouched(c.db, key, m, &nm); err != nil {
		c.fail(err)
		return false
	}
	return true
}

// growBitString is lookupStringForBitCommand: it returns a private copy of
// the value at key zero-padded to hold bit maxbit, with the record found.
func (c *Client) growBitString(key []byte, maxbit uint64) (buf []byte, m store.Meta, found bool, ok bool) {
	m, found, ok = c.lookupString(key)
	if !ok {
		return nil, m, false, false
	}
	need := int(maxbit>>3) + 1
	size := max(len(m.Value), need)
	buf = make([]byte, size)
	copy(buf, m.Value)
	return buf, m, found, true
}

func cmdSetbit(c *Client) {
	off, ok := c.bitOffset(c.args[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseLL(c.args[3])
	if !ok || on&^1 != 0 {
		c.errReply(errBitValue)
		return
	}
	buf, m, found, ok := c.growBitString(c.args[1], off)
	if !ok {
		return
	}
	byteIdx := off >> 3
	bit := 7 - uint(off&7)
	old := buf[byteIdx] >> bit & 1
	buf[byteIdx] = buf[byteIdx]&^(1<<bit) | byte(on)<<bit
	grown := !found || len(buf) > len(m.Value)
	if grown || int64(old) != on {
		if !c.putString(c.args[1], &m, found, buf, store.StrEncRaw, m.ExpireAt) {
			return
		}
		c.notify(pubsub.NotifyString, "setbit", c.args[1])
	} else if !c.rawQuietly(c.args[1], &m) {
		return
	}
	c.integer(int64(old))
}

func cmdGetbit(c *Client) {
	off, ok := c.bitOffset(c.args[2], false, 0)
	if !ok {
		return
	}
	v, _, ok := c.lookupBitString(c.args[1])
	if !ok {
		return
	}
	var bit int64
	if byteIdx := off >> 3; byteIdx < uint64(len(v)) {
		bit = int64(v[byteIdx] >> (7 - uint(off&7)) & 1)
	}
	c.integer(bit)
}

func popcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56)
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// bitRange turns start/end (bytes or bits) into a byte range plus edge
// masks of the bits outside the range, as BITCOUNT/BITPOS.
func bitRange(start, end, strlen int64, isbit bool) (s, e int64, firstMask, lastMask byte) {
	totlen := strlen
	if isbit {
		totlen <<= 3
	}
	if start < 0 {
		start += totlen
	}
	if end < 0 {
		end += totlen
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= totlen {
		end = totlen - 1
	}
	if isbit && start <= end {
		firstMask = ^byte((1 << (8 - (start & 7))) - 1)
		lastMask = byte((1 << (7 - (end & 7))) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

func parseBitByte(arg []byte) (isbit, ok bool) {
	switch strings.ToLower(string(arg)) {
	case "bit":
		return true, true
	case "byte":
		return false, true
	}
	return false, false
}

func cmdBitcount(c *Client) {
	p, found, ok := c.lookupBitString(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	n := len(c.args)
	var start, end int64
	var firstMask, lastMask byte
	switch n {
	case 4, 5:
		if start, ok = c.argInt(2); !ok {
			return
		}
		if end, ok = c.argInt(3); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.integer(0)
			return
		}
		isbit := false
		if n == 5 {
			if isbit, ok = parseBitByte(c.args[4]); !ok {
				c.errReply(errSyntax)
				return
			}
		}
		start, end, firstMask, lastMask = bitRange(start, end, int64(len(p)), isbit)
	case 2:
		start, end = 0, int64(len(p))-1
	default:
		c.errReply(errSyntax)
		return
	}
	if start > end {
		c.integer(0)
		return
	}
	count := popcount(p[start : end+1])
	count -= int64(bits.OnesCount8(p[start]&firstMask) + bits.OnesCount8(p[end]&lastMask))
	c.integer(count)
}

// bitpos is redisBitpos: the first bit equal to bit in p, counting p as
// zero-padded on the right; -1 if looking for 1 and there is none.
func bitpos(p []byte, bit byte) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i, b := range p {
		if b != skip {
			for j := 0; j < 8; j++ {
				if b>>(7-j)&1 == bit {
					return int64(i)*8 + int64(j)
				}
			}
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

func cmdBitpos(c *Client) {
	bitArg, ok := parseLL(c.args[2])
	if !ok {
		c.errReply(errNotInt)
		return
	}
	if bitArg != 0 && bitArg != 1 {
		c.errReply("ERR The bit argument must be 1 or 0.")
		return
	}
	bit := byte(bitArg)
	p, found, ok := c.lookupBitString(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(-int64(bit))
		return
	}
	n := len(c.args)
	strlen := int64(len(p))
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch n {
	case 4, 5, 6:
		if start, ok = c.argInt(3); !ok {
			return
		}
		isbit := false
		if n == 6 {
			if isbit, ok = parseBitByte(c.args[5]); !ok {
				c.errReply(errSyntax)
				return
			}
		}
		if n >= 5 {
			if end, ok = c.argInt(4); !ok {
				return
			}
			endGiven = true
		} else {
			end = strlen - 1
		}
		start, end, firstMask, lastMask = bitRange(start, end, strlen, isbit)
	case 3:
		start, end = 0, strlen-1
	default:
		c.errReply(errSyntax)
		return
	}
	if start > end {
		c.integer(-1)
		return
	}
	nbytes := end - start + 1
	var pos int64
	func() {
		if firstMask != 0 {
			tmp := p[start]
			if bit == 1 {
				tmp &^= firstMask
			} else {
				tmp |= firstMask
			}
			if lastMask != 0 && nbytes == 1 {
				if bit == 1 {
					tmp &^= lastMask
				} else {
					tmp |= lastMask
				}
			}
			pos = bitpos([]byte{tmp}, bit)
			if nbytes == 1 || (pos != -1 && pos != 8) {
				return
			}
			start++
			nbytes--
		}
		cur := nbytes
		if lastMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitpos(p[start:start+cur], bit)
			if nbytes == cur || (pos != -1 && pos != cur<<3) {
				return
			}
			start += cur
			nbytes -= cur
		}
		tmp := p[end]
		if bit == 1 {
			tmp &^= lastMask
		} else {
			tmp |= lastMask
		}
		pos = bitpos([]byte{tmp}, bit)
	}()
	if endGiven && bit == 0 && pos == nbytes<<3 {
		c.integer(-1)
		return
	}
	if pos != -1 {
		pos += start << 3
	}
	c.integer(pos)
}

func cmdBitop(c *Client) {
	opname := strings.ToLower(string(c.args[1]))
	switch opname {
	case "and", "or", "xor", "not":
	default:
		c.errReply(errSyntax)
		return
	}
	if opname == "not" && len(c.args) != 4 {
		c.errReply("ERR BITOP NOT must be called with a single source key.")
		return
	}
	srcs := make([][]byte, 0, len(c.args)-3)
	maxlen := 0
	for _, k := range c.args[3:] {
		m, found, err := c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		if found && m.Type != store.TypeString {
			c.errReply(errWrongType)
			return
		}
		srcs = append(srcs, m.Value)
		maxlen = max(maxlen, len(m.Value))
	}
	res := make([]byte, maxlen)
	at := func(p []byte, j int) byte {
		if j < len(p) {
			return p[j]
		}
		return 0
	}
	for j := range res {
		out := at(srcs[0], j)
		switch opname {
		case "not":
			out = ^out
		case "and":
			for _, s := range srcs[1:] {
				out &= at(s, j)
			}
		case "or":
			for _, s := range srcs[1:] {
				out |= at(s, j)
			}
		case "xor":
			for _, s := range srcs[1:] {
				out ^= at(s, j)
			}
		}
		res[j] = out
	}
	dest := c.args[2]
	m, found, err := c.tx.Lookup(c.db, dest)
	if err != nil {
		c.fail(err)
		return
	}
	if maxlen > 0 {
		if !c.putString(dest, &m, found, res, store.StrEncRaw, 0) {
			return
		}
		c.notify(pubsub.NotifyString, "set", dest)
	} else if found {
		if _, err := c.tx.Del(c.db, dest); err != nil {
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifyGeneric, "del", dest)
	}
	c.integer(int64(maxlen))
}

func metaOrNil(m *store.Meta, found bool) *store.Meta {
	if found {
		return m
	}
	return nil
}

// Bitfield operations.
const (
	bfGet = iota
	bfSet
	bfIncrby
)

const (
	bfWrap = iota
	bfSat
	bfFail
)

type bitfieldOp struct {
	offset uint64
	i64    int64
	opcode int
	owtype int
	bits   int
	signed bool
}

func getUnsignedBitfield(p []byte, offset uint64, nbits int) uint64 {
	var v uint64
	for j := 0; j < nbits; j++ {
		b := p[offset>>3] >> (7 - uint(offset&7)) & 1
		v = v<<1 | uint64(b)
		offset++
	}
	return v
}

func getSignedBitfield(p []byte, offset uint64, nbits int) int64 {
	v := int64(getUnsignedBitfield(p, offset, nbits))
	if nbits < 64 && v&(1<<(nbits-1)) != 0 {
		v |= -1 << nbits
	}
	return v
}

func setUnsignedBitfield(p []byte, offset uint64, nbits int, value uint64) {
	for j := 0; j < nbits; j++ {
		bv := byte(value >> (nbits - 1 - j) & 1)
		bit := 7 - uint(offset&7)
		p[offset>>3] = p[offset>>3]&^(1<<bit) | bv<<bit
		offset++
	}
}

// checkUnsignedBitfieldOverflow returns 1 on overflow, -1 on underflow, 0
// otherwise; limit is the value to store for WRAP and SAT.
func checkUnsignedBitfieldOverflow(value uint64, incr int64, nbits int, owtype int) (int, uint64) {
	maxv := uint64(1)<<nbits - 1
	if nbits == 64 {
		maxv = math.MaxUint64
	}
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	wrap := func() uint64 {
		mask := uint64(math.MaxUint64) << nbits
		return (value + uint64(incr)) &^ mask
	}
	if value > maxv || (incr > 0 && incr > maxincr) {
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if incr < 0 && incr < minincr {
		switch owtype {
		case bfWrap:
			return -1, wrap()
		case bfSat:
			return -1, 0
		}
		return -1, 0
	}
	return 0, 0
}

func checkSignedBitfieldOverflow(value, incr int64, nbits int, owtype int) (int, int64) {
	maxv := int64(1)<<(nbits-1) - 1
	if nbits == 64 {
		maxv = math.MaxInt64
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	wrap := func() int64 {
		msb := uint64(1) << (nbits - 1)
		cv := uint64(value) + uint64(incr)
		if nbits < 64 {
			mask := uint64(math.MaxUint64) << nbits
			if cv&msb != 0 {
				cv |= mask
			} else {
				cv &^= mask
			}
		}
		return int64(cv)
	}
	if value > maxv || (nbits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if value < minv || (nbits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr) {
		switch owtype {
		case bfWrap:
			return -1, wrap()
		case bfSat:
			return -1, minv
		}
		return -1, 0
	}
	return 0, 0
}

func bitfieldGeneric(c *Client, ro bool) {
	var ops []bitfieldOp
	owtype := bfWrap
	readonly := true
	var highest uint64
	for j := 2; j < len(c.args); j++ {
		rem := len(c.args) - j - 1
		sub := strings.ToLower(string(c.args[j]))
		var op bitfieldOp
		switch {
		case sub == "get" && rem >= 2:
			op.opcode = bfGet
		case sub == "set" && rem >= 3:
			op.opcode = bfSet
		case sub == "incrby" && rem >= 3:
			op.opcode = bfIncrby
		case sub == "overflow" && rem >= 1:
			j++
			switch strings.ToLower(string(c.args[j])) {
			case "wrap":
				owtype = bfWrap
			case "sat":
				owtype = bfSat
			case "fail":
				owtype = bfFail
			default:
				c.errReply("ERR Invalid OVERFLOW type specified")
				return
			}
			continue
		default:
			c.errReply(errSyntax)
			return
		}
		signed, nbits, ok := bitfieldType(c.args[j+1])
		if !ok {
			c.errReply(errBitType)
			return
		}
		off, ok := c.bitOffset(c.args[j+2], true, nbits)
		if !ok {
			return
		}
		if op.opcode != bfGet {
			readonly = false
			if highest < off+uint64(nbits)-1 {
				highest = off + uint64(nbits) - 1
			}
			if op.i64, ok = c.argInt(j + 3); !ok {
				return
			}
		}
		op.offset, op.owtype, op.bits, op.signed = off, owtype, nbits, signed
		ops = append(ops, op)
		if op.opcode == bfGet {
			j += 2
		} else {
			j += 3
		}
	}
	var buf []byte
	var m store.Meta
	var found bool
	if readonly {
		var ok bool
		if buf, _, ok = c.lookupBitString(c.args[1]); !ok {
			return
		}
	} else {
		if ro {
			c.errReply("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		var ok bool
		if buf, m, found, ok = c.growBitString(c.args[1], highest); !ok {
			return
		}
	}
	mark := len(c.out)
	grown := !readonly && (!found || len(buf) > len(m.Value))
	changes := 0
	c.arrayLen(len(ops))
	for _, op := range ops {
		if op.opcode == bfGet {
			var tmp [9]byte
			byteIdx := op.offset >> 3
			for i := uint64(0); i < 9 && byteIdx+i < uint64(len(buf)); i++ {
				tmp[i] = buf[byteIdx+i]
			}
			if op.signed {
				c.integer(getSignedBitfield(tmp[:], op.offset-byteIdx*8, op.bits))
			} else {
				c.integer(int64(getUnsignedBitfield(tmp[:], op.offset-byteIdx*8, op.bits)))
			}
			continue
		}
		if op.signed {
			oldv := getSignedBitfield(buf, op.offset, op.bits)
			var newv, ret int64
			var overflow int
			var wrapped int64
			if op.opcode == bfIncrby {
				overflow, wrapped = checkSignedBitfieldOverflow(oldv, op.i64, op.bits, op.owtype)
				newv = oldv + op.i64
				if overflow != 0 {
					newv = wrapped
				}
				ret = newv
			} else {
				newv = op.i64
				overflow, wrapped = checkSignedBitfieldOverflow(newv, 0, op.bits, op.owtype)
				if overflow != 0 {
					newv = wrapped
				}
				ret = oldv
			}
			if overflow != 0 && op.owtype == bfFail {
				c.null()
				continue
			}
			c.integer(ret)
			setUnsignedBitfield(buf, op.offset, op.bits, uint64(newv))
			if grown || oldv != newv {
				changes++
			}
		} else {
			oldv := getUnsignedBitfield(buf, op.offset, op.bits)
			var newv, ret uint64
			var overflow int
			var wrapped uint64
			if op.opcode == bfIncrby {
				newv = oldv + uint64(op.i64)
				overflow, wrapped = checkUnsignedBitfieldOverflow(oldv, op.i64, op.bits, op.owtype)
				if overflow != 0 {
					newv = wrapped
				}
				ret = newv
			} else {
				newv = uint64(op.i64)
				overflow, wrapped = checkUnsignedBitfieldOverflow(newv, 0, op.bits, op.owtype)
				if overflow != 0 {
					newv = wrapped
				}
				ret = oldv
			}
			if overflow != 0 && op.owtype == bfFail {
				c.null()
				continue
			}
			c.integer(int64(ret))
			setUnsignedBitfield(buf, op.offset, op.bits, newv)
			if grown || oldv != newv {
				changes++
			}
		}
	}
	if readonly {
		return
	}
	n := len(c.out)
	var err error
	switch {
	case changes > 0:
		err = c.tx.Put(c.db, c.args[1], metaOrNil(&m, found), &store.Meta{Type: store.TypeString, Enc: store.StrEncRaw, ExpireAt: m.ExpireAt, Value: buf})
		if err == nil {
			c.notify(pubsub.NotifyString, "setbit", c.args[1])
		}
	case !found || len(buf) > len(m.Value) || m.Enc != store.StrEncRaw:
		// Redis created or grew the string (or made it raw) without
		// signalling it: every write failed with OVERFLOW FAIL.
		err = c.tx.PutUntouched(c.db, c.args[1], metaOrNil(&m, found), &store.Meta{Type: store.TypeString, Enc: store.StrEncRaw, ExpireAt: m.ExpireAt, Value: buf})
	}
	if err != nil {
		c.fail(err)
		c.out = append(c.out[:mark], slices.Clone(c.out[n:])...)
	}
}
