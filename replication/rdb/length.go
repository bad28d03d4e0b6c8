package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Length-encoding markers (rdb.h RDB_6BITLEN ... RDB_ENCVAL).
const (
	len6Bit  = 0
	len14Bit = 1
	len32Bit = 0x80
	len64Bit = 0x81
	lenEnc   = 3

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// readLen reads a length. encoded reports a "special encoding" byte
// (11xxxxxx), in which case n holds the encoding number.
func (r *reader) readLen(what string) (n uint64, encoded bool, err error) {
	start := r.off
	b, err := r.readByte(what)
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case len6Bit:
		return uint64(b & 0x3f), false, nil
	case len14Bit:
		b2, err := r.readByte(what)
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case lenEnc:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case len32Bit:
		if err := r.readFull(r.tmp[:4], what); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(r.tmp[:4])), false, nil
	case len64Bit:
		if err := r.readFull(r.tmp[:8], what); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(r.tmp[:8]), false, nil
	}
	return 0, false, fmt.Errorf("rdb: bad length byte 0x%02x for %s at offset %d: %w", b, what, start, ErrCorrupt)
}

// readLength reads a plain length; a special encoding is corruption here.
func (r *reader) readLength(what string) (uint64, error) {
	start := r.off
	n, enc, err := r.readLen(what)
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, fmt.Errorf("rdb: unexpected string encoding %d for %s at offset %d: %w", n, what, start, ErrCorrupt)
	}
	return n, nil
}

// readCount reads a length used as an element count and checks it against
// limit so loops over it stay sane.
func (r *reader) readCount(what string, limit uint64) (uint64, error) {
	start := r.off
	n, err := r.readLength(what)
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, fmt.Errorf("rdb: %s %d exceeds limit %d at offset %d: %w", what, n, limit, start, ErrCorrupt)
	}
	return n, nil
}

// readString reads an RDB string (raw, integer-encoded or LZF) into dst[:0].
// Integer encodings come back as decimal text, as Redis would return them.
func (r *reader) readString(dst []byte, what string) ([]byte, error) {
	start := r.off
	n, enc, err := r.readLen(what)
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.readN(dst, n, what)
	}
	switch n {
	case encInt8:
		b, err := r.readByte(what)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst[:0], int64(int8(b)), 10), nil
	case encInt16:
		if err := r.readFull(r.tmp[:2], what); err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst[:0], int64(int16(binary.LittleEndian.Uint16(r.tmp[:2]))), 10), nil
	case encInt32:
		if err := r.readFull(r.tmp[:4], what); err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst[:0], int64(int32(binary.LittleEndian.Uint32(r.tmp[:4]))), 10), nil
	case encLZF:
		clen, err := r.readLength(what + " (lzf compressed length)")
		if err != nil {
			return nil, err
		}
		ulen, err := r.readLength(what + " (lzf length)")
		if err != nil {
			return nil, err
		}
		if ulen > r.maxStr {
			return nil, fmt.Errorf("rdb: %s lzf length %d exceeds limit %d at offset %d: %w", what, ulen, r.maxStr, start, ErrCorrupt)
		}
		if ulen > clen*lzfMaxRatio {
			return nil, fmt.Errorf("rdb: %s lzf length %d impossible for %d compressed bytes at offset %d: %w", what, ulen, clen, start, ErrCorrupt)
		}
		comp, err := r.readN(r.lzfBuf[:0], clen, what)
		if err != nil {
			return nil, err
		}
		r.lzfBuf = comp
		out, err := lzfDecompress(dst, comp, int(ulen))
		if err != nil {
			return nil, fmt.Errorf("rdb: %s at offset %d: %w", what, start, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("rdb: unknown string encoding %d for %s at offset %d: %w", n, what, start, ErrCorrupt)
}

// skipString consumes an RDB string without keeping it.
func (r *reader) skipString(what string) error {
	n, enc, err := r.readLen(what)
	if err != nil {
		return err
	}
	if !enc {
		return r.skipN(n, what)
	}
	switch n {
	case encInt8:
		return r.skipN(1, what)
	case encInt16:
		return r.skipN(2, what)
	case encInt32:
		return r.skipN(4, what)
	case encLZF:
		clen, err := r.readLength(what)
		if err != nil {
			return err
		}
		if _, err := r.readLength(what); err != nil {
			return err
		}
		return r.skipN(clen, what)
	}
	return fmt.Errorf("rdb: unknown string encoding %d for %s at offset %d: %w", n, what, r.off-1, ErrCorrupt)
}
