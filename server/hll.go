package server

import (
	"bytes"
	"math"
)

// HyperLogLog values in Redis's own string format (hyperloglog.c): a 16
// byte header "HYLL", encoding, 3 unused bytes, the cached cardinality
// (little endian, top bit set = stale), then either 16384 6-bit registers
// (dense, 12288 bytes) or the run-length sparse opcodes ZERO 00xxxxxx,
// XZERO 01xxxxxx yyyyyyyy and VAL 1vvvvvxx. Every byte matches what
// redis-server stores for the same commands, so replicas and masters agree.

const (
	hllP          = 14
	hllQ          = 64 - hllP
	hllRegisters  = 1 << hllP
	hllPMask      = hllRegisters - 1
	hllBits       = 6
	hllRegMax     = 1<<hllBits - 1
	hllHdrSize    = 16
	hllDenseSize  = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense      = 0
	hllSparse     = 1
	hllMaxEnc     = 1
	hllAlphaInf   = 0.721347520444481703680
	sparseValMax  = 32
	sparseValLen  = 4
	sparseZeroLen = 64
	sparseXZero   = 16384
)

const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL = "INVALIDOBJ Corrupted HLL object detected"
)

// murmurHash64A is MurmurHash2's 64-bit version as Redis uses it (reading
// words little endian on every architecture).
func murmurHash64A(key []byte, seed uint32) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(seed) ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := uint64(key[0]) | uint64(key[1])<<8 | uint64(key[2])<<16 | uint64(key[3])<<24 |
			uint64(key[4])<<32 | uint64(key[5])<<40 | uint64(key[6])<<48 | uint64(key[7])<<56
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if n := len(key); n > 0 {
		for i := n - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register of ele and the length of its 000..1 run.
func hllPatLen(ele []byte) (int, uint8) {
	hash := murmurHash64A(ele, 0xadc83b19)
	index := int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ
	count := uint8(1)
	for bit := uint64(1); hash&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// Dense register access; regs must have one byte past the last register
// (Redis relies on the sds terminator).
func denseGet(regs []byte, i int) uint8 {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	return uint8((uint(regs[b])>>fb | uint(regs[b+1])<<(8-fb)) & hllRegMax)
}

func denseSet(regs []byte, i int, v uint8) {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	regs[b] &^= byte(hllRegMax << fb)
	regs[b] |= byte(uint(v) << fb)
	regs[b+1] &^= byte(hllRegMax >> (8 - fb))
	regs[b+1] |= byte(uint(v) >> (8 - fb))
}

// hll is an HLL string under modification. buf holds the value plus one
// spare zero byte at the end (the sds terminator of dense access).
type hll struct {
	buf      []byte
	maxBytes int64 // hll-sparse-max-bytes
}

func newHLL(maxBytes int64) *hll {
	b := make([]byte, hllHdrSize, hllHdrSize+3)
	copy(b, "HYLL")
	b[4] = hllSparse
	// XZERO:16384
	b = append(b, 0x40|byte((sparseXZero-1)>>8), byte((sparseXZero-1)&0xff), 0)
	return &hll{buf: b, maxBytes: maxBytes}
}

func loadHLL(v []byte, maxBytes int64) *hll {
	b := make([]byte, len(v)+1)
	copy(b, v)
	return &hll{buf: b, maxBytes: maxBytes}
}

func (h *hll) value() []byte { return h.buf[:len(h.buf)-1] }
func (h *hll) enc() byte     { return h.buf[4] }
func (h *hll) invalidate()   { h.buf[15] |= 0x80 }

// isHLL is isHLLObjectOrReply's check of the bytes.
func isHLL(v []byte) bool {
	if len(v) < hllHdrSize || !bytes.Equal(v[:4], []byte("HYLL")) || v[4] > hllMaxEnc {
		return false
	}
	return v[4] != hllDense || len(v) == hllDenseSize
}

// sparse opcode helpers.
func spIsZero(b byte) bool  { return b&0xc0 == 0 }
func spIsXZero(b byte) bool { return b&0xc0 == 0x40 }
func spIsVal(b byte) bool   { return b&0x80 != 0 }
func spZeroLen(b byte) int  { return int(b&0x3f) + 1 }
func spXZeroLen(p []byte) int {
	return (int(p[0]&0x3f)<<8 | int(p[1])) + 1
}
func spValValue(b byte) int { return int(b>>2&0x1f) + 1 }
func spValLen(b byte) int   { return int(b&3) + 1 }
func spVal(v, n int) byte   { return byte((v-1)<<2|(n-1)) | 0x80 }

// sparseWalk calls fn(first, runlen, value) for each run of the sparse
// body; false if the body is corrupt (overflows or does not cover exactly
// all registers).
func sparseWalk(body []byte, fn func(first, n, v int)) bool {
	idx := 0
	for i := 0; i < len(body); {
		var n, v int
		switch b := body[i]; {
		case spIsZero(b):
			n = spZeroLen(b)
			i++
		case spIsXZero(b):
			if i+1 >= len(body) {
				// Redis reads the sds terminator (0) as the second byte.
				n = int(b&0x3f)<<8 + 1
			} else {
				n = spXZeroLen(body[i:])
			}
			i += 2
		default:
			n, v = spValLen(b), spValValue(b)
			i++
		}
		if n+idx > hllRegisters {
			return false
		}
		if fn != nil {
			fn(idx, n, v)
		}
		idx += n
	}
	return idx == hllRegisters
}

// toDense converts a sparse HLL to dense; false if corrupt.
func (h *hll) toDense() bool {
	if h.enc() == hllDense {
		return true
	}
	d := make([]byte, hllDenseSize+1)
	copy(d, h.buf[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	if !sparseWalk(h.value()[hllHdrSize:], func(first, n, v int) {
		if v != 0 {
			for j := 0; j < n; j++ {
				denseSet(regs, first+j, uint8(v))
			}
		}
	}) {
		return false
	}
	h.buf = d
	return true
}

func (h *hll) denseSet(index int, count uint8) int {
	regs := h.buf[hllHdrSize:]
	if count > denseGet(regs, index) {
		denseSet(regs, index, count)
		return 1
	}
	return 0
}

// sparseSet is hllSparseSet: 1 if the register changed, 0 if not, -1 if
// the representation is corrupt. It may promote h to dense.
func (h *hll) sparseSet(index int, count uint8) int {
	if count > sparseValMax {
		return h.promote(index, count)
	}
	val := h.value()
	sparse := val[hllHdrSize:]
	end := len(sparse)
	// Step 1: find the opcode covering index.
	p, first, span, prev := 0, 0, 0, -1
	for p < end {
		oplen := 1
		switch b := sparse[p]; {
		case spIsZero(b):
			span = spZeroLen(b)
		case spIsVal(b):
			span = spValLen(b)
		default:
			if p+1 < end {
				span = spXZeroLen(sparse[p:])
			} else {
				span = int(b&0x3f)<<8 + 1
			}
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return -1
	}
	b := sparse[p]
	var runlen int
	isZero, isXZero, isVal := false, false, false
	switch {
	case spIsZero(b):
		isZero, runlen = true, spZeroLen(b)
	case spIsXZero(b):
		isXZero, runlen = true, span
	default:
		isVal, runlen = true, spValLen(b)
	}
	updated := false
	if isVal {
		if spValValue(b) >= int(count) {
			return 0
		}
		if runlen == 1 {
			sparse[p] = spVal(int(count), 1)
			updated = true
		}
	}
	if !updated && isZero && runlen == 1 {
		sparse[p] = spVal(int(count), 1)
		updated = true
	}
	if !updated {
		// General case: split the opcode into up to three.
		var seq []byte
		last := first + span - 1
		zeros := func(n int) {
			if n > sparseZeroLen {
				seq = append(seq, 0x40|byte((n-1)>>8), byte((n-1)&0xff))
			} else {
				seq = append(seq, byte(n-1))
			}
		}
		if isZero || isXZero {
			if index != first {
				zeros(index - first)
			}
			seq = append(seq, spVal(int(count), 1))
			if index != last {
				zeros(last - index)
			}
		} else {
			cur := spValValue(b)
			if index != first {
				seq = append(seq, spVal(cur, index-first))
			}
			seq = append(seq, spVal(int(count), 1))
			if index != last {
				seq = append(seq, spVal(cur, last-index))
			}
		}
		oldlen := 1
		if isXZero {
			oldlen = 2
		}
		delta := len(seq) - oldlen
		if delta > 0 && int64(len(val)+delta) > h.maxBytes {
			return h.promote(index, count)
		}
		nb := make([]byte, 0, len(h.buf)+max(delta, 0))
		nb = append(nb, h.buf[:hllHdrSize+p]...)
		nb = append(nb, seq...)
		nb = append(nb, h.buf[hllHdrSize+p+oldlen:]...)
		h.buf = nb
		sparse = h.buf[hllHdrSize : len(h.buf)-1]
		end = len(sparse)
	}
	// Step 4: merge adjacent VAL opcodes with the same value.
	q := 0
	if prev >= 0 {
		q = prev
	}
	for scan := 5; q < end && scan > 0; scan-- {
		c := sparse[q]
		if spIsXZero(c) {
			q += 2
			continue
		} else if spIsZero(c) {
			q++
			continue
		}
		if q+1 < end && spIsVal(sparse[q+1]) {
			v1, v2 := spValValue(c), spValValue(sparse[q+1])
			if v1 == v2 {
				if n := spValLen(c) + spValLen(sparse[q+1]); n <= sparseValLen {
					sparse[q+1] = spVal(v1, n)
					i := hllHdrSize + q
					h.buf = append(h.buf[:i], h.buf[i+1:]...)
					sparse = h.buf[hllHdrSize : len(h.buf)-1]
					end--
					continue
				}
			}
		}
		q++
	}
	h.invalidate()
	return 1
}

func (h *hll) promote(index int, count uint8) int {
	if !h.toDense() {
		return -1
	}
	h.denseSet(index, count)
	return 1
}

// add adds ele: 1 if a register changed, 0 if not, -1 if corrupt.
func (h *hll) add(ele []byte) int {
	index, count := hllPatLen(ele)
	switch h.enc() {
	case hllDense:
		return h.denseSet(index, count)
	case hllSparse:
		return h.sparseSet(index, count)
	}
	return -1
}

// set raises register index to count (PFMERGE).
func (h *hll) set(index int, count uint8) {
	switch h.enc() {
	case hllDense:
		h.denseSet(index, count)
	case hllSparse:
		h.sparseSet(index, count)
	}
}

// mergeInto raises regs[i] to the registers of the HLL value v; false if v
// is a corrupt sparse HLL.
func hllMergeInto(regs []uint8, v []byte) bool {
	if v[4] == hllDense {
		d := make([]byte, hllDenseSize-hllHdrSize+1)
		copy(d, v[hllHdrSize:])
		for i := 0; i < hllRegisters; i++ {
			if r := denseGet(d, i); r > regs[i] {
				regs[i] = r
			}
		}
		return true
	}
	return sparseWalk(v[hllHdrSize:], func(first, n, val int) {
		for j := 0; j < n; j++ {
			if uint8(val) > regs[first+j] {
				regs[first+j] = uint8(val)
			}
		}
	})
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += float64(x * y) // no fused multiply-add: C rounds each step
		y += y
		if zp == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		d := 1 - x
		z -= float64(d * d * y)
		if zp == z {
			return z / 3
		}
	}
}

// hllEstimate is hllCount's estimator over the register histogram.
func hllEstimate(hist *[64]int) uint64 {
	m := float64(hllRegisters)
	z := m * hllTau((m-float64(hist[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(hist[0])/m))
	return uint64(math.Round(hllAlphaInf * m * m / z))
}

// hllCount computes the cardinality of an HLL value; false if corrupt.
func hllCount(v []byte) (uint64, bool) {
	var hist [64]int
	if v[4] == hllDense {
		d := make([]byte, hllDenseSize-hllHdrSize+1)
		copy(d, v[hllHdrSize:])
		for i := 0; i < hllRegisters; i++ {
			hist[denseGet(d, i)]++
		}
	} else if !sparseWalk(v[hllHdrSize:], func(_, n, val int) { hist[val] += n }) {
		return 0, false
	}
	return hllEstimate(&hist), true
}

func hllCountRaw(regs []uint8) uint64 {
	var hist [64]int
	for _, r := range regs {
		hist[r]++
	}
	return hllEstimate(&hist)
}
