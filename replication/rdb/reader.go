package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// readChunk is how much a string buffer grows per read: a crafted length can
// make us allocate at most about twice what actually arrived.
const readChunk = 64 << 10

// reader consumes the RDB byte stream, counting the offset and folding every
// consumed byte into the running CRC64.
type reader struct {
	br     *bufio.Reader
	off    int64
	crc    uint64
	maxStr uint64
	tmp    [16]byte
	lzfBuf []byte // compressed bytes of the last LZF string
}

func newReader(r io.Reader, maxStr uint64) *reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readChunk)
	}
	return &reader{br: br, maxStr: maxStr}
}

// truncated reports the end of input at the current offset.
func (r *reader) truncated(what string, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("rdb: unexpected end of input reading %s at offset %d: %w (%w)", what, r.off, ErrCorrupt, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("rdb: reading %s at offset %d: %w", what, r.off, err)
}

func (r *reader) readFull(p []byte, what string) error {
	n, err := io.ReadFull(r.br, p)
	r.crc = CRC64(r.crc, p[:n])
	r.off += int64(n)
	if err != nil {
		return r.truncated(what, err)
	}
	return nil
}

func (r *reader) readByte(what string) (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return 0, r.truncated(what, err)
	}
	r.tmp[0] = b
	r.crc = CRC64(r.crc, r.tmp[:1])
	r.off++
	return b, nil
}

func (r *reader) readUint64LE(what string) (uint64, error) {
	if err := r.readFull(r.tmp[:8], what); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(r.tmp[:8]), nil
}

func (r *reader) readMillis(what string) (int64, error) {
	v, err := r.readUint64LE(what)
	return int64(v), err
}

func (r *reader) readDouble(what string) (float64, error) {
	v, err := r.readUint64LE(what)
	return math.Float64frombits(v), err
}

// readN reads exactly n bytes into dst[:0], growing dst as bytes arrive so a
// bogus length cannot cause a large allocation up front.
func (r *reader) readN(dst []byte, n uint64, what string) ([]byte, error) {
	if n > r.maxStr {
		return nil, fmt.Errorf("rdb: %s length %d exceeds limit %d at offset %d: %w", what, n, r.maxStr, r.off, ErrCorrupt)
	}
	dst = dst[:0]
	for uint64(len(dst)) < n {
		step := min(n-uint64(len(dst)), uint64(max(len(dst), readChunk)))
		l := len(dst)
		dst = slices.Grow(dst, int(step))[:l+int(step)]
		if err := r.readFull(dst[l:], what); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// skipN consumes n bytes without keeping them (they still enter the CRC).
func (r *reader) skipN(n uint64, what string) error {
	var buf [4096]byte
	for n > 0 {
		step := min(n, uint64(len(buf)))
		if err := r.readFull(buf[:step], what); err != nil {
			return err
		}
		n -= step
	}
	return nil
}
