package rdb

// Redis's LZF compressor settings (lzfP.h): HLOG 16, VERY_FAST.
const redisLZFHashLog = 16

// lzfTable is the compressor's hash table, reused across calls.
type lzfTable struct {
	slots [1 << redisLZFHashLog]uint32
	base  uint32
}

// lzfRedisIdx is lzf_c.c's IDX hash for VERY_FAST on a 32-bit hval.
func lzfRedisIdx(h uint32) uint32 {
	return ((h >> (3*8 - redisLZFHashLog)) - h*5) & (1<<redisLZFHashLog - 1)
}

// lzfCompressRedis compresses src into dst[:0] making the same choices as
// the lzf_compress Redis links (liblzf 3.6 with Redis's lzfP.h: a 64K-slot
// hash, VERY_FAST), including giving up (ok false) when the output would
// not fit in outLen bytes by its own conservative checks. So RDB strings
// and DUMP payloads come out byte for byte as Redis writes them. The only
// difference: Redis does not clear its hash table between calls, so a
// stale slot can very rarely make it find a match this code does not.
func lzfCompressRedis(dst, src []byte, outLen int, t *lzfTable) ([]byte, bool) {
	inLen := len(src)
	if inLen == 0 || outLen <= 0 {
		return nil, false
	}
	// Slots hold base+pos+1; values <= base are from earlier calls, so
	// the table need not be cleared for every string.
	if uint64(t.base)+uint64(inLen)+1 >= 1<<32 {
		clear(t.slots[:])
		t.base = 0
	}
	base := t.base
	t.base += uint32(inLen) + 1
	table := &t.slots
	if cap(dst) < outLen+8 {
		dst = make([]byte, outLen+8)
	}
	out := dst[:outLen+8]
	op := 1 // after the first run's length byte
	lit := 0
	ip := 0
	var hval uint32
	if inLen >= 2 {
		hval = uint32(src[0])<<8 | uint32(src[1])
	}
	for ip < inLen-2 {
		hval = hval<<8 | uint32(src[ip+2])
		slot := &table[lzfRedisIdx(hval)]
		ref := -1 // empty
		if *slot > base {
			ref = int(*slot-base) - 1
		}
		*slot = base + uint32(ip+1)
		if ref > 0 && ip-ref-1 < lzfMaxOff &&
			src[ref+2] == src[ip+2] && src[ref] == src[ip] && src[ref+1] == src[ip+1] {
			length := 2
			maxlen := min(inLen-ip-length, lzfMaxRef)
			if op+3+1 >= outLen {
				notLit := 0
				if lit == 0 {
					notLit = 1
				}
				if op-notLit+3+1 >= outLen {
					return nil, false
				}
			}
			out[op-lit-1] = byte(lit - 1)
			if lit == 0 {
				op--
			}
			done := false
			if maxlen > 16 {
				for k := 0; k < 16; k++ {
					length++
					if src[ref+length] != src[ip+length] {
						done = true
						break
					}
				}
			}
			if !done {
				for {
					length++
					if !(length < maxlen && src[ref+length] == src[ip+length]) {
						break
					}
				}
			}
			length -= 2 // octets - 1
			ip++
			off := ip - ref - 2 // the original ip - ref - 1
			if length < 7 {
				out[op] = byte(off>>8 + length<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += length + 1
			if ip >= inLen-2 {
				break
			}
			ip -= 2
			hval = uint32(src[ip])<<8 | uint32(src[ip+1])
			hval = hval<<8 | uint32(src[ip+2])
			table[lzfRedisIdx(hval)] = base + uint32(ip+1)
			ip++
			hval = hval<<8 | uint32(src[ip+2])
			table[lzfRedisIdx(hval)] = base + uint32(ip+1)
			ip++
			continue
		}
		if op >= outLen {
			return nil, false
		}
		lit++
		out[op] = src[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil, false
	}
	for ip < inLen {
		lit++
		out[op] = src[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op], true
}
