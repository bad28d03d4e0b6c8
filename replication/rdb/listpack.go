package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Listpack layout (listpack.c):
//
//	uint32 total_bytes | uint16 num_elements (65535 = unknown) | element... | 0xFF
//	element = encoding+data | backlen (1-5 bytes, size of encoding+data)
const (
	lpHeaderSize = 6
	lpEnd        = 0xFF
	lpUnknownNum = 65535
)

// lpIter walks a listpack blob forward, validating each element as it goes:
// the header's byte count, element bounds, every backlen, the terminator and
// the element count.
type lpIter struct {
	b     []byte
	pos   int
	count int
	num   int // header element count, or lpUnknownNum
	done  bool
}

func lpCorrupt(pos int, format string, args ...any) error {
	return fmt.Errorf(format+" at blob byte %d: %w", append(args, pos, ErrCorrupt)...)
}

// newLPIter validates the listpack header of b.
func newLPIter(b []byte) (lpIter, error) {
	if len(b) < lpHeaderSize+1 {
		return lpIter{}, lpCorrupt(0, "blob of %d bytes too short", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); uint64(total) != uint64(len(b)) {
		return lpIter{}, lpCorrupt(0, "header says %d bytes, blob has %d", total, len(b))
	}
	if b[len(b)-1] != lpEnd {
		return lpIter{}, lpCorrupt(len(b)-1, "missing terminator")
	}
	return lpIter{b: b, pos: lpHeaderSize, num: int(binary.LittleEndian.Uint16(b[4:]))}, nil
}

// lpBacklenSize is how many bytes lpEncodeBacklen uses for an element of size l.
func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// next returns the next element: a string (isInt false, s points into the
// blob) or an integer v. ok is false at the end of a valid listpack.
func (it *lpIter) next() (s []byte, v int64, isInt bool, ok bool, err error) {
	if it.done {
		return nil, 0, false, false, nil
	}
	b, p := it.b, it.pos
	if p >= len(b) {
		return nil, 0, false, false, lpCorrupt(p, "element past end")
	}
	c := b[p]
	if c == lpEnd {
		if p != len(b)-1 {
			return nil, 0, false, false, lpCorrupt(p, "terminator before end of blob")
		}
		if it.num != lpUnknownNum && it.num != it.count {
			return nil, 0, false, false, lpCorrupt(p, "header count %d but %d elements", it.num, it.count)
		}
		it.done = true
		return nil, 0, false, false, nil
	}
	avail := len(b) - 1 - p // bytes before the terminator
	need := func(n int) bool { return n <= avail }
	var size int
	switch {
	case c&0x80 == 0:
		v, isInt, size = int64(c&0x7f), true, 1
	case c&0xC0 == 0x80:
		n := int(c & 0x3f)
		if !need(1 + n) {
			return nil, 0, false, false, lpCorrupt(p, "string of %d bytes past end", n)
		}
		s, size = b[p+1:p+1+n], 1+n
	case c&0xE0 == 0xC0:
		if !need(2) {
			return nil, 0, false, false, lpCorrupt(p, "int13 past end")
		}
		u := uint64(c&0x1f)<<8 | uint64(b[p+1])
		v, isInt, size = int64(u<<51)>>51, true, 2
	case c == 0xF0:
		if !need(5) {
			return nil, 0, false, false, lpCorrupt(p, "str32 header past end")
		}
		n := binary.LittleEndian.Uint32(b[p+1:])
		if uint64(n) > uint64(avail-5) {
			return nil, 0, false, false, lpCorrupt(p, "string of %d bytes past end", n)
		}
		s, size = b[p+5:p+5+int(n)], 5+int(n)
	case c == 0xF1:
		if !need(3) {
			return nil, 0, false, false, lpCorrupt(p, "int16 past end")
		}
		v, isInt, size = int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), true, 3
	case c == 0xF2:
		if !need(4) {
			return nil, 0, false, false, lpCorrupt(p, "int24 past end")
		}
		u := uint64(b[p+1]) | uint64(b[p+2])<<8 | uint64(b[p+3])<<16
		v, isInt, size = int64(u<<40)>>40, true, 4
	case c == 0xF3:
		if !need(5) {
			return nil, 0, false, false, lpCorrupt(p, "int32 past end")
		}
		v, isInt, size = int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), true, 5
	case c == 0xF4:
		if !need(9) {
			return nil, 0, false, false, lpCorrupt(p, "int64 past end")
		}
		v, isInt, size = int64(binary.LittleEndian.Uint64(b[p+1:])), true, 9
	case c&0xF0 == 0xE0:
		if !need(2) {
			return nil, 0, false, false, lpCorrupt(p, "str12 header past end")
		}
		n := int(c&0x0f)<<8 | int(b[p+1])
		if !need(2 + n) {
			return nil, 0, false, false, lpCorrupt(p, "string of %d bytes past end", n)
		}
		s, size = b[p+2:p+2+n], 2+n
	default:
		return nil, 0, false, false, lpCorrupt(p, "bad encoding byte 0x%02x", c)
	}
	bl := lpBacklenSize(size)
	if !need(size + bl) {
		return nil, 0, false, false, lpCorrupt(p, "backlen past end")
	}
	// Decode the backlen right to left, as lpDecodeBacklen does.
	var got uint64
	for i := 0; i < bl; i++ {
		x := b[p+size+bl-1-i]
		got |= uint64(x&0x7f) << (7 * i)
		if (x&0x80 != 0) != (i < bl-1) {
			return nil, 0, false, false, lpCorrupt(p+size, "malformed backlen")
		}
	}
	if got != uint64(size) {
		return nil, 0, false, false, lpCorrupt(p+size, "backlen %d, element size %d", got, size)
	}
	it.pos = p + size + bl
	it.count++
	if it.count > it.num && it.num != lpUnknownNum {
		return nil, 0, false, false, lpCorrupt(p, "more elements than header count %d", it.num)
	}
	return s, v, isInt, true, nil
}

// nextString is next with integers rendered as decimal text into scratch.
func (it *lpIter) nextString(scratch []byte) ([]byte, bool, error) {
	s, v, isInt, ok, err := it.next()
	if !ok || err != nil {
		return nil, ok, err
	}
	if isInt {
		return strconv.AppendInt(scratch[:0], v, 10), true, nil
	}
	return s, true, nil
}

// nextInt returns the next element as an integer; a string element must hold
// a decimal integer (lpGetIntegerIfValid).
func (it *lpIter) nextInt() (int64, error) {
	p := it.pos
	s, v, isInt, ok, err := it.next()
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, lpCorrupt(p, "missing integer element")
	}
	if isInt {
		return v, nil
	}
	n, perr := strconv.ParseInt(string(s), 10, 64)
	if perr != nil {
		return 0, lpCorrupt(p, "element %q is not an integer", s)
	}
	return n, nil
}

// end checks that the listpack is exhausted.
func (it *lpIter) end() error {
	p := it.pos
	_, _, _, ok, err := it.next()
	if err != nil {
		return err
	}
	if ok {
		return lpCorrupt(p, "unexpected extra element")
	}
	return nil
}

// lpValidate walks a whole listpack and returns its element count.
func lpValidate(b []byte) (int, error) {
	it, err := newLPIter(b)
	if err != nil {
		return 0, err
	}
	for {
		_, _, _, ok, err := it.next()
		if err != nil {
			return 0, err
		}
		if !ok {
			return it.count, nil
		}
	}
}
