package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Ziplist layout (ziplist.c):
//
//	uint32 zlbytes | uint32 zltail | uint16 zllen (0xFFFF = unknown) | entry... | 0xFF
//	entry = prevlen (1 byte < 254, or 0xFE + uint32) | encoding | data
const (
	zlHeaderSize = 10
	zlEnd        = 0xFF
	zlBigPrevlen = 0xFE
	zlUnknownLen = 0xFFFF
)

// zlIter walks a ziplist blob forward, validating it the way
// ziplistValidateIntegrity does: header byte count, every prevlen against
// the previous entry's size, entry bounds, the tail offset, the terminator
// and the entry count.
type zlIter struct {
	b        []byte
	pos      int
	count    int
	num      int
	tail     int
	prevSize int
	lastPos  int
	done     bool
}

func zlCorrupt(pos int, format string, args ...any) error {
	return fmt.Errorf(format+" at blob byte %d: %w", append(args, pos, ErrCorrupt)...)
}

func newZLIter(b []byte) (zlIter, error) {
	if len(b) < zlHeaderSize+1 {
		return zlIter{}, zlCorrupt(0, "blob of %d bytes too short", len(b))
	}
	if n := binary.LittleEndian.Uint32(b); uint64(n) != uint64(len(b)) {
		return zlIter{}, zlCorrupt(0, "header says %d bytes, blob has %d", n, len(b))
	}
	if b[len(b)-1] != zlEnd {
		return zlIter{}, zlCorrupt(len(b)-1, "missing terminator")
	}
	tail := int(binary.LittleEndian.Uint32(b[4:]))
	if tail > len(b)-1 {
		return zlIter{}, zlCorrupt(4, "tail offset %d past end", tail)
	}
	return zlIter{b: b, pos: zlHeaderSize, num: int(binary.LittleEndian.Uint16(b[8:])), tail: tail, lastPos: zlHeaderSize}, nil
}

// next returns the next entry, a string s (pointing into the blob) or an
// integer v. ok is false at the end of a valid ziplist.
func (it *zlIter) next() (s []byte, v int64, isInt bool, ok bool, err error) {
	if it.done {
		return nil, 0, false, false, nil
	}
	b, p := it.b, it.pos
	last := len(b) - 1 // index of the terminator
	if p > last {
		return nil, 0, false, false, zlCorrupt(p, "entry past end")
	}
	if b[p] == zlEnd {
		if p != last {
			return nil, 0, false, false, zlCorrupt(p, "terminator before end of blob")
		}
		if it.tail != it.lastPos {
			return nil, 0, false, false, zlCorrupt(4, "tail offset %d, last entry at %d", it.tail, it.lastPos)
		}
		if it.num != zlUnknownLen && it.num != it.count {
			return nil, 0, false, false, zlCorrupt(8, "header count %d but %d entries", it.num, it.count)
		}
		it.done = true
		return nil, 0, false, false, nil
	}
	q := p
	var prevlen int
	if b[q] < zlBigPrevlen {
		prevlen = int(b[q])
		q++
	} else {
		if q+5 > last {
			return nil, 0, false, false, zlCorrupt(p, "prevlen past end")
		}
		prevlen = int(binary.LittleEndian.Uint32(b[q+1:]))
		q += 5
	}
	if prevlen != it.prevSize {
		return nil, 0, false, false, zlCorrupt(p, "prevlen %d, previous entry has %d bytes", prevlen, it.prevSize)
	}
	if q >= last {
		return nil, 0, false, false, zlCorrupt(q, "encoding past end")
	}
	c := b[q]
	avail := last - q
	var hdr, n int
	switch c >> 6 {
	case 0:
		hdr, n = 1, int(c&0x3f)
	case 1:
		if avail < 2 {
			return nil, 0, false, false, zlCorrupt(q, "14-bit length past end")
		}
		hdr, n = 2, int(c&0x3f)<<8|int(b[q+1])
	case 2:
		if avail < 5 {
			return nil, 0, false, false, zlCorrupt(q, "32-bit length past end")
		}
		l := binary.BigEndian.Uint32(b[q+1:])
		if uint64(l) > uint64(avail) {
			return nil, 0, false, false, zlCorrupt(q, "string of %d bytes past end", l)
		}
		hdr, n = 5, int(l)
	default:
		isInt = true
		hdr = 1
		switch {
		case c == 0xC0:
			n = 2
		case c == 0xD0:
			n = 4
		case c == 0xE0:
			n = 8
		case c == 0xF0:
			n = 3
		case c == 0xFE:
			n = 1
		case c >= 0xF1 && c <= 0xFD:
			v = int64(c&0x0f) - 1
		default:
			return nil, 0, false, false, zlCorrupt(q, "bad encoding byte 0x%02x", c)
		}
	}
	if hdr+n > avail {
		return nil, 0, false, false, zlCorrupt(q, "entry of %d bytes past end", hdr+n)
	}
	d := b[q+hdr : q+hdr+n]
	if isInt {
		switch n {
		case 1:
			v = int64(int8(d[0]))
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(d)))
		case 3:
			u := uint64(d[0]) | uint64(d[1])<<8 | uint64(d[2])<<16
			v = int64(u<<40) >> 40
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(d)))
		case 8:
			v = int64(binary.LittleEndian.Uint64(d))
		}
	} else {
		s = d
	}
	size := q + hdr + n - p
	it.lastPos = p
	it.prevSize = size
	it.pos = p + size
	it.count++
	return s, v, isInt, true, nil
}

// nextString is next with integers rendered as decimal text into scratch.
func (it *zlIter) nextString(scratch []byte) ([]byte, bool, error) {
	s, v, isInt, ok, err := it.next()
	if !ok || err != nil {
		return nil, ok, err
	}
	if isInt {
		return strconv.AppendInt(scratch[:0], v, 10), true, nil
	}
	return s, true, nil
}

// zlValidate walks a whole ziplist and returns its entry count.
func zlValidate(b []byte) (int, error) {
	it, err := newZLIter(b)
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
