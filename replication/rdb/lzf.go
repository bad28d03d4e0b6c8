package rdb

import "fmt"

// LZF limits, as lzf_c.c / lzf_d.c define them.
const (
	lzfMaxLit  = 1 << 5              // longest literal run
	lzfMaxOff  = 1 << 13             // farthest back-reference
	lzfMaxRef  = (1 << 8) + (1 << 3) // longest back-reference (264)
	lzfHashLog = 14
	// lzfMaxRatio bounds how much LZF can expand: a 3-byte back-reference
	// yields at most 264 bytes.
	lzfMaxRatio = 89
)

// LZFDecompress decompresses the LZF stream src, which must expand to exactly
// outLen bytes, and returns the result in a new slice. It returns an error
// wrapping ErrCorrupt when src is malformed or does not produce outLen bytes.
// It never allocates more than outLen bytes, and refuses an outLen that src
// could not possibly produce.
func LZFDecompress(src []byte, outLen int) ([]byte, error) {
	return lzfDecompress(nil, src, outLen)
}

// lzfDecompress is LZFDecompress appending into dst[:0].
func lzfDecompress(dst, src []byte, outLen int) ([]byte, error) {
	if outLen < 0 || int64(outLen) > int64(len(src))*lzfMaxRatio {
		return nil, fmt.Errorf("rdb: lzf: length %d impossible for %d compressed bytes: %w", outLen, len(src), ErrCorrupt)
	}
	if cap(dst) < outLen {
		dst = make([]byte, 0, outLen)
	}
	out := dst[:outLen]
	op, ip := 0, 0
	for ip < len(src) {
		ctrl := int(src[ip])
		ip++
		if ctrl < 32 {
			n := ctrl + 1
			if ip+n > len(src) {
				return nil, fmt.Errorf("rdb: lzf: literal run past end of input at %d: %w", ip-1, ErrCorrupt)
			}
			if op+n > outLen {
				return nil, fmt.Errorf("rdb: lzf: output exceeds %d bytes at input %d: %w", outLen, ip-1, ErrCorrupt)
			}
			copy(out[op:], src[ip:ip+n])
			op += n
			ip += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if ip >= len(src) {
				return nil, fmt.Errorf("rdb: lzf: truncated back-reference at %d: %w", ip-1, ErrCorrupt)
			}
			n += int(src[ip])
			ip++
		}
		if ip >= len(src) {
			return nil, fmt.Errorf("rdb: lzf: truncated back-reference at %d: %w", ip-1, ErrCorrupt)
		}
		ref := op - ((ctrl & 0x1f) << 8) - 1 - int(src[ip])
		ip++
		n += 2
		if ref < 0 {
			return nil, fmt.Errorf("rdb: lzf: back-reference before start at input %d: %w", ip-1, ErrCorrupt)
		}
		if op+n > outLen {
			return nil, fmt.Errorf("rdb: lzf: output exceeds %d bytes at input %d: %w", outLen, ip-1, ErrCorrupt)
		}
		if ref+n <= op {
			copy(out[op:op+n], out[ref:ref+n])
			op += n
			continue
		}
		// Overlapping (run-length style) reference: byte by byte.
		for i := 0; i < n; i++ {
			out[op] = out[ref+i]
			op++
		}
	}
	if op != outLen {
		return nil, fmt.Errorf("rdb: lzf: produced %d bytes, want %d: %w", op, outLen, ErrCorrupt)
	}
	return out, nil
}

// LZFCompress appends the LZF compression of src to dst and returns the
// extended slice. The output is what lzf_c.c would accept to decompress; it
// may be longer than src for incompressible input (at most
// len(src)+len(src)/32+1 bytes), so callers that want Redis's behaviour
// store it only when it saves at least 4 bytes (rdbSaveLzfStringObject).
func LZFCompress(dst, src []byte) []byte {
	var table [1 << lzfHashLog]int32 // position+1 of the last 3-byte sequence with this hash
	litStart := 0
	flushLit := func(end int) {
		for litStart < end {
			n := min(end-litStart, lzfMaxLit)
			dst = append(dst, byte(n-1))
			dst = append(dst, src[litStart:litStart+n]...)
			litStart += n
		}
	}
	ip := 0
	for ip+2 < len(src) {
		h := (uint32(src[ip])<<16 | uint32(src[ip+1])<<8 | uint32(src[ip+2])) * 2654435761 >> (32 - lzfHashLog)
		ref := int(table[h]) - 1
		table[h] = int32(ip + 1)
		if ref >= 0 && ip-ref <= lzfMaxOff && src[ref] == src[ip] && src[ref+1] == src[ip+1] && src[ref+2] == src[ip+2] {
			n := 3
			for n < lzfMaxRef && ip+n < len(src) && src[ref+n] == src[ip+n] {
				n++
			}
			flushLit(ip)
			off := ip - ref - 1
			l := n - 2
			if l < 7 {
				dst = append(dst, byte(l<<5|off>>8))
			} else {
				dst = append(dst, byte(7<<5|off>>8), byte(l-7))
			}
			dst = append(dst, byte(off))
			ip += n
			litStart = ip
			continue
		}
		ip++
	}
	flushLit(len(src))
	return dst
}
