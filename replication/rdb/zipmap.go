package rdb

import (
	"encoding/binary"
	"fmt"
)

// zipmapIter walks a zipmap blob (zipmap.c, RDB type 9):
//
//	zmlen (1 byte) | { len key | len free value free-bytes } ... | 0xFF
//	len = 1 byte < 254, or 0xFE + uint32 (little-endian)
type zipmapIter struct {
	b    []byte
	pos  int
	done bool
}

const (
	zmBigLen = 254
	zmEnd    = 255
)

func zmCorrupt(pos int, format string, args ...any) error {
	return fmt.Errorf(format+" at blob byte %d: %w", append(args, pos, ErrCorrupt)...)
}

func newZipmapIter(b []byte) (zipmapIter, error) {
	if len(b) < 2 {
		return zipmapIter{}, zmCorrupt(0, "blob of %d bytes too short", len(b))
	}
	return zipmapIter{b: b, pos: 1}, nil
}

func (it *zipmapIter) readLen() (int, error) {
	b, p := it.b, it.pos
	if p >= len(b) {
		return 0, zmCorrupt(p, "length past end")
	}
	switch c := b[p]; {
	case c < zmBigLen:
		it.pos++
		return int(c), nil
	case c == zmBigLen:
		if p+5 > len(b) {
			return 0, zmCorrupt(p, "length past end")
		}
		l := binary.LittleEndian.Uint32(b[p+1:])
		if uint64(l) > uint64(len(b)) {
			return 0, zmCorrupt(p, "length %d past end", l)
		}
		it.pos += 5
		return int(l), nil
	}
	return 0, zmCorrupt(p, "unexpected end marker")
}

// next returns the next field and value (pointing into the blob); ok is
// false at the end of a valid zipmap.
func (it *zipmapIter) next() (field, value []byte, ok bool, err error) {
	if it.done {
		return nil, nil, false, nil
	}
	if it.pos >= len(it.b) {
		return nil, nil, false, zmCorrupt(it.pos, "missing terminator")
	}
	if it.b[it.pos] == zmEnd {
		if it.pos != len(it.b)-1 {
			return nil, nil, false, zmCorrupt(it.pos, "terminator before end of blob")
		}
		it.done = true
		return nil, nil, false, nil
	}
	kl, err := it.readLen()
	if err != nil {
		return nil, nil, false, err
	}
	if kl > len(it.b)-it.pos {
		return nil, nil, false, zmCorrupt(it.pos, "key of %d bytes past end", kl)
	}
	field = it.b[it.pos : it.pos+kl]
	it.pos += kl
	vl, err := it.readLen()
	if err != nil {
		return nil, nil, false, err
	}
	if it.pos >= len(it.b) {
		return nil, nil, false, zmCorrupt(it.pos, "free byte past end")
	}
	free := int(it.b[it.pos])
	it.pos++
	if vl+free > len(it.b)-it.pos {
		return nil, nil, false, zmCorrupt(it.pos, "value of %d+%d bytes past end", vl, free)
	}
	value = it.b[it.pos : it.pos+vl]
	it.pos += vl + free
	return field, value, true, nil
}
