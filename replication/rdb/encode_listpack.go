package rdb

import (
	"encoding/binary"
	"math"
)

// parseCanonicalInt reports whether s is the canonical decimal text of an
// int64 (string2ll / lpStringToInt64: no sign but a leading '-', no
// leading zeros, no "-0", at most 20 bytes) and returns its value.
func parseCanonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	p := s
	neg := false
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// lpIntSize is the size of encoding+data of integer v in a listpack.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

// lpStrSize is the size of encoding+data of a string of n bytes.
func lpStrSize(n int) int {
	switch {
	case n < 64:
		return 1 + n
	case n < 4096:
		return 2 + n
	}
	return 5 + n
}

// lpEntrySize is the number of bytes s takes as a listpack element,
// backlen included (integers as their integer encoding, as lpAppend does).
func lpEntrySize(s []byte) int {
	var l int
	if v, ok := parseCanonicalInt(s); ok {
		l = lpIntSize(v)
	} else {
		l = lpStrSize(len(s))
	}
	return l + lpBacklenSize(l)
}

// lpIntEntrySize is lpEntrySize for an integer element.
func lpIntEntrySize(v int64) int {
	l := lpIntSize(v)
	return l + lpBacklenSize(l)
}

// lpBuilder builds one listpack in memory.
type lpBuilder struct {
	b []byte
	n int
}

func (l *lpBuilder) reset() {
	l.b = append(l.b[:0], 0, 0, 0, 0, 0, 0)
	l.n = 0
}

// bytes is the listpack's size once finished (terminator included).
func (l *lpBuilder) bytes() int { return len(l.b) + 1 }

func (l *lpBuilder) appendBacklen(size int) {
	switch {
	case size <= 127:
		l.b = append(l.b, byte(size))
	case size < 16383:
		l.b = append(l.b, byte(size>>7), byte(size&127)|128)
	case size < 2097151:
		l.b = append(l.b, byte(size>>14), byte((size>>7)&127)|128, byte(size&127)|128)
	case size < 268435455:
		l.b = append(l.b, byte(size>>21), byte((size>>14)&127)|128, byte((size>>7)&127)|128, byte(size&127)|128)
	default:
		l.b = append(l.b, byte(size>>28), byte((size>>21)&127)|128, byte((size>>14)&127)|128,
			byte((size>>7)&127)|128, byte(size&127)|128)
	}
}

// appendInt appends integer v with the smallest integer encoding.
func (l *lpBuilder) appendInt(v int64) {
	start := len(l.b)
	switch lpIntSize(v) {
	case 1:
		l.b = append(l.b, byte(v))
	case 2:
		u := uint64(v) & 0x1fff
		l.b = append(l.b, byte(u>>8)|0xC0, byte(u))
	case 3:
		l.b = append(l.b, 0xF1)
		l.b = binary.LittleEndian.AppendUint16(l.b, uint16(v))
	case 4:
		u := uint32(v)
		l.b = append(l.b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case 5:
		l.b = append(l.b, 0xF3)
		l.b = binary.LittleEndian.AppendUint32(l.b, uint32(v))
	default:
		l.b = append(l.b, 0xF4)
		l.b = binary.LittleEndian.AppendUint64(l.b, uint64(v))
	}
	l.appendBacklen(len(l.b) - start)
	l.n++
}

// appendString appends s, as an integer when it is a canonical integer.
func (l *lpBuilder) appendString(s []byte) {
	if v, ok := parseCanonicalInt(s); ok {
		l.appendInt(v)
		return
	}
	l.appendRaw(s)
}

// appendRaw appends s with a string encoding.
func (l *lpBuilder) appendRaw(s []byte) {
	start := len(l.b)
	n := len(s)
	switch {
	case n < 64:
		l.b = append(l.b, 0x80|byte(n))
	case n < 4096:
		l.b = append(l.b, 0xE0|byte(n>>8), byte(n))
	default:
		l.b = append(l.b, 0xF0)
		l.b = binary.LittleEndian.AppendUint32(l.b, uint32(n))
	}
	l.b = append(l.b, s...)
	l.appendBacklen(len(l.b) - start)
	l.n++
}

// finish terminates the listpack, fills in its header and returns it (valid
// until the next reset).
func (l *lpBuilder) finish() []byte {
	l.b = append(l.b, lpEnd)
	binary.LittleEndian.PutUint32(l.b, uint32(len(l.b)))
	n := l.n
	if n >= lpUnknownNum {
		n = lpUnknownNum
	}
	binary.LittleEndian.PutUint16(l.b[4:], uint16(n))
	return l.b
}
