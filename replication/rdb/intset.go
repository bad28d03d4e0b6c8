package rdb

import (
	"encoding/binary"
	"fmt"
)

// intsetIter walks an intset blob (intset.c): uint32 encoding (2, 4 or 8
// bytes per element), uint32 length, then length signed little-endian
// integers, strictly ascending.
type intsetIter struct {
	b     []byte
	width int
	n     int
	i     int
	prev  int64
}

func intsetCorrupt(pos int, format string, args ...any) error {
	return fmt.Errorf(format+" at blob byte %d: %w", append(args, pos, ErrCorrupt)...)
}

func newIntsetIter(b []byte) (intsetIter, error) {
	if len(b) < 8 {
		return intsetIter{}, intsetCorrupt(0, "blob of %d bytes too short", len(b))
	}
	w := binary.LittleEndian.Uint32(b)
	if w != 2 && w != 4 && w != 8 {
		return intsetIter{}, intsetCorrupt(0, "bad encoding %d", w)
	}
	n := binary.LittleEndian.Uint32(b[4:])
	if uint64(n)*uint64(w)+8 != uint64(len(b)) {
		return intsetIter{}, intsetCorrupt(4, "%d elements of %d bytes do not fill %d bytes", n, w, len(b))
	}
	return intsetIter{b: b, width: int(w), n: int(n)}, nil
}

// next returns the next integer; ok is false after the last one.
func (it *intsetIter) next() (v int64, ok bool, err error) {
	if it.i >= it.n {
		return 0, false, nil
	}
	p := 8 + it.i*it.width
	switch it.width {
	case 2:
		v = int64(int16(binary.LittleEndian.Uint16(it.b[p:])))
	case 4:
		v = int64(int32(binary.LittleEndian.Uint32(it.b[p:])))
	default:
		v = int64(binary.LittleEndian.Uint64(it.b[p:]))
	}
	if it.i > 0 && v <= it.prev {
		return 0, false, intsetCorrupt(p, "not strictly ascending")
	}
	it.prev = v
	it.i++
	return v, true, nil
}
