package main

import (
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Differential test of the bitmap and HyperLogLog commands. Both live in
// string values, so the string dumper (GET) compares their exact bytes:
// every HLL register, opcode and cached cardinality byte.
//
// Offsets: under the default proto-max-bulk-len (512mb) only offsets that
// Redis refuses, or reads, go near 2^32 bits (a valid write there would
// allocate 512 MB on both servers). The generator sometimes lowers the limit
// to 1mb with CONFIG SET, and then writes right at and past the limit.

func init() {
	genSets["bits"] = bitsGens
}

// smallLimit records, per generator, whether the last CONFIG SET it sent
// lowered proto-max-bulk-len to 1mb.
var smallLimit = map[*gen]bool{}

const smallBulkLen = 1 << 20

func (g *gen) bitKey() string {
	if g.chance(0.55) {
		return g.pick("bm:1", "bm:2", "bm:3")
	}
	return g.key()
}

// hllKey returns a key for the HLL commands: mostly hll:a..c, which only
// the HLL commands write (so they grow dense), or hll:1..3, which SET also
// fills with corrupt or hand-made HLLs.
func (g *gen) hllKey() string {
	if g.chance(0.5) {
		return g.pick("hll:a", "hll:b", "hll:c")
	}
	if g.chance(0.6) {
		return g.pick("hll:1", "hll:2", "hll:3")
	}
	if g.chance(0.3) {
		return g.pick("bm:1", "bm:2")
	}
	return g.key()
}

// dirtyHLLKey is a key that may receive any string value.
func (g *gen) dirtyHLLKey() string {
	if g.chance(0.8) {
		return g.pick("hll:1", "hll:2", "hll:3")
	}
	return g.key()
}

// bitOffset returns a bit offset; write says whether the command may grow
// the string to it, and then it is never valid beyond 32K bits: bigBits
// writes at the limits, to one key only (every later write of a 1 MB value
// costs 1 MB of WAL).
func (g *gen) bitOffset(write bool) string {
	switch x := g.r.Float64(); {
	case x < 0.75:
		return strconv.Itoa(g.r.Intn(400))
	case x < 0.85:
		return strconv.Itoa(g.r.Intn(8 * 4096))
	case x < 0.90:
		return g.pick("-1", "abc", "", "1.5", " 1", "+1", "0x10", "9223372036854775807", "-9223372036854775808",
			"18446744073709551616", "4294967296", "4294967297", "34359738368")
	case write:
		if smallLimit[g] {
			return strconv.Itoa(8*smallBulkLen + g.r.Intn(3))
		}
		return g.pick("4294967296", "4294967300", "9223372036854775807")
	case x < 0.95:
		return g.pick("4294967295", "4294967294", "4294967288", "4294967232", "4294967296", "4294967233")
	default:
		// Near the 1mb limit: valid below it, refused from 8*1mb bits.
		return strconv.Itoa(8*smallBulkLen + 2 - g.r.Intn(70))
	}
}

// bigBits writes and reads key bm:big near the offset limit: under the 1mb
// limit it grows to 1 MB; under 512mb only refused writes and reads.
func (g *gen) bigBits() diffCmd {
	const k = "bm:big"
	if !smallLimit[g] {
		switch g.r.Intn(4) {
		case 0:
			if g.chance(0.5) {
				return exact("SETBIT", k, "4294967296", g.pick("1", "0"))
			}
			return exact("SETBIT", k, "4294967295", g.pick("2", "-1")) // refused before the lookup
		case 1:
			return exact("GETBIT", k, g.pick("4294967295", "8388607", "4294967296"))
		case 2:
			return exact("BITFIELD", k, "GET", "i64", g.pick("4294967232", "4294967231", "#67108863"), "GET", "u8", "8388600")
		default:
			return exact("BITCOUNT", k, g.rangeArg(), g.rangeArg(), g.bitByte())
		}
	}
	off := strconv.Itoa(8*smallBulkLen + 1 - g.r.Intn(80))
	switch g.r.Intn(6) {
	case 0, 1:
		return exact("SETBIT", k, off, g.pick("0", "1"))
	case 2:
		return exact("BITFIELD", k, "SET", g.bitfieldType(), off, g.bitfieldValue(), "GET", "u8", off)
	case 3:
		return exact("BITFIELD", k, "INCRBY", "i64", g.pick("#131071", "#131072", "#131070"), g.bitfieldValue())
	case 4:
		return exact("BITPOS", k, g.pick("0", "1"), g.pick("-1", "-2", "-100", "1048570"), g.pick("-1", "1048575", "9000000"), g.bitByte())
	default:
		return exact("BITCOUNT", k, g.pick("-1", "-8", "-800", "1048570"), g.pick("-1", "8388607", "1048575"), g.bitByte())
	}
}

func (g *gen) rangeArg() string {
	if g.chance(0.8) {
		return strconv.Itoa(g.r.Intn(81) - 40)
	}
	if g.chance(0.5) {
		return strconv.Itoa(g.r.Intn(4001) - 2000)
	}
	return g.pick("0", "-1", "9223372036854775807", "-9223372036854775808", "4294967295", "-4294967296",
		"abc", "", "1.5", "9223372036854775808")
}

func (g *gen) bitByte() string {
	if g.chance(0.9) {
		return g.randomCase(g.pick("BIT", "BYTE"))
	}
	return g.pick("BITS", "", "foo", "bi")
}

func (g *gen) bitfieldType() string {
	if g.chance(0.92) {
		if g.chance(0.5) {
			return "i" + strconv.Itoa(1+g.r.Intn(64))
		}
		return "u" + strconv.Itoa(1+g.r.Intn(63))
	}
	return g.pick("u64", "i65", "i0", "u0", "x8", "", "I8", "U8", "i-1", "i08", "u 8", "i8 ", "i", "u", "i9223372036854775807")
}

func (g *gen) bitfieldValue() string {
	if g.chance(0.6) {
		return strconv.Itoa(g.r.Intn(601) - 300)
	}
	if g.chance(0.85) {
		return g.pick("0", "1", "-1", "127", "128", "-128", "255", "256", "32767", "-32768", "65535",
			"2147483647", "-2147483648", "4294967295", "9223372036854775807", "-9223372036854775808",
			"9223372036854775806", "-9223372036854775807", "4611686018427387904", "-4611686018427387905")
	}
	return g.pick("abc", "", "1.5", "9223372036854775808", "+1")
}

func (g *gen) bitfieldOffset(write bool) string {
	if g.chance(0.15) {
		if g.chance(0.85) {
			return "#" + strconv.Itoa(g.r.Intn(40))
		}
		if write {
			// Never a valid large one: "#67108864" is 512 MB of u63
			// under the default limit.
			if smallLimit[g] && g.chance(0.3) {
				return "#67108864"
			}
			return g.pick("#-1", "#", "#abc", "#9223372036854775807", "##1")
		}
		return g.pick("#-1", "#", "#abc", "#67108863", "#67108864", "#9223372036854775807", "#131071", "##1")
	}
	return g.bitOffset(write)
}

func (g *gen) genBitfield(ro bool) diffCmd {
	name := "BITFIELD"
	if ro {
		name = "BITFIELD_RO"
	}
	args := []string{name, g.bitKey()}
	for i, n := 0, g.r.Intn(5); i < n; i++ {
		op := "GET"
		if !ro || g.chance(0.1) {
			op = g.pick("GET", "SET", "INCRBY", "INCRBY", "OVERFLOW")
		}
		if g.chance(0.3) {
			op = strings.ToLower(op)
		}
		switch strings.ToUpper(op) {
		case "GET":
			args = append(args, op, g.bitfieldType(), g.bitfieldOffset(false))
		case "SET", "INCRBY":
			args = append(args, op, g.bitfieldType(), g.bitfieldOffset(true), g.bitfieldValue())
		default:
			w := g.pick("WRAP", "SAT", "FAIL", "fail", "sat", "wrap")
			if g.chance(0.05) {
				w = g.pick("FOO", "")
			}
			args = append(args, op, w)
		}
	}
	if g.chance(0.04) {
		// Truncated or unknown operation.
		args = append(args, g.pick("GET", "SET", "INCRBY", "OVERFLOW", "FOO", "GET i8"))
	}
	return exact(args...)
}

func (g *gen) genBitcount() diffCmd {
	args := []string{"BITCOUNT", g.bitKey()}
	switch g.r.Intn(8) {
	case 0:
	case 1, 2, 3:
		args = append(args, g.rangeArg(), g.rangeArg())
	case 4, 5, 6:
		args = append(args, g.rangeArg(), g.rangeArg(), g.bitByte())
	default:
		args = append(args, g.rangeArg())
		if g.chance(0.5) {
			args = append(args, g.rangeArg(), g.bitByte(), "x")
		}
	}
	return exact(args...)
}

func (g *gen) genBitpos() diffCmd {
	bit := g.pick("0", "1")
	if g.chance(0.05) {
		bit = g.pick("2", "-1", "abc", "", "01")
	}
	args := []string{"BITPOS", g.bitKey(), bit}
	switch g.r.Intn(8) {
	case 0, 1:
	case 2:
		args = append(args, g.rangeArg())
	case 3, 4:
		args = append(args, g.rangeArg(), g.rangeArg())
	case 5, 6:
		args = append(args, g.rangeArg(), g.rangeArg(), g.bitByte())
	default:
		args = append(args, g.rangeArg(), g.rangeArg(), g.bitByte(), "x")
	}
	return exact(args...)
}

func (g *gen) genBitop() diffCmd {
	op := g.pick("AND", "OR", "XOR", "NOT")
	if g.chance(0.05) {
		op = g.pick("NAND", "", "ANDX", "DIFF", "ONE")
	}
	args := []string{"BITOP", g.randomCase(op), g.bitKey()}
	n := 1 + g.r.Intn(4)
	if op == "NOT" && g.chance(0.85) {
		n = 1
	}
	for i := 0; i < n; i++ {
		args = append(args, g.bitKey())
	}
	return exact(args...)
}

// bitValue is a string value for bit keys: random bytes, mostly short.
func (g *gen) bitValue() string {
	if g.chance(0.3) {
		return g.value()
	}
	b := make([]byte, g.r.Intn(40))
	g.r.Read(b)
	for i := range b {
		switch g.r.Intn(4) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 0xff
		}
	}
	return string(b)
}

// hllElement draws from a pool large enough to reach the dense encoding.
func (g *gen) hllElement() string {
	switch g.r.Intn(10) {
	case 0:
		return g.value()
	case 1:
		return ""
	default:
		return "e" + strconv.Itoa(g.r.Intn(20000))
	}
}

func (g *gen) genPfadd() diffCmd {
	args := []string{"PFADD", g.hllKey()}
	n := g.r.Intn(8)
	if g.chance(0.12) {
		n = 50 + g.r.Intn(1000) // bursts promote to dense
	}
	for i := 0; i < n; i++ {
		args = append(args, g.hllElement())
	}
	return exact(args...)
}

// hllBytes returns a value for SET that looks like an HLL: valid empty or
// small sparse ones, with a valid cached cardinality, and corrupt ones.
func (g *gen) hllBytes() string {
	hdr := func(enc byte, card uint64, stale bool) []byte {
		b := []byte("HYLL")
		b = append(b, enc, 0, 0, 0)
		for i := 0; i < 8; i++ {
			b = append(b, byte(card>>(8*i)))
		}
		if stale {
			b[15] |= 0x80
		}
		return b
	}
	xzero := func(n int) []byte { return []byte{0x40 | byte((n-1)>>8), byte((n - 1) & 0xff)} }
	switch g.r.Intn(10) {
	case 0: // empty sparse, valid cache 0
		return string(append(hdr(1, 0, false), xzero(16384)...))
	case 1: // a valid sparse with some VALs, stale or with a bogus cached value
		b := hdr(1, uint64(g.r.Intn(1000)), g.chance(0.5))
		b = append(b, xzero(1000)...)
		b = append(b, 0x80|byte(g.r.Intn(32))<<2|byte(g.r.Intn(4)))
		left := 16384 - 1000 - (int(b[len(b)-1]&3) + 1)
		b = append(b, xzero(left)...)
		return string(b)
	case 2: // truncated sparse
		return string(append(hdr(1, 0, true), xzero(1+g.r.Intn(16383))...))
	case 3: // overflowing sparse
		b := append(hdr(1, 0, true), xzero(16384)...)
		return string(append(b, byte(g.r.Intn(64)))) // a ZERO run past the end
	case 4: // dense of the wrong length
		return string(append(hdr(0, 0, true), make([]byte, g.r.Intn(100))...))
	case 5: // dense of the right length, random registers
		b := append(hdr(0, 0, true), make([]byte, 12288)...)
		for i := 0; i < 20; i++ {
			b[16+g.r.Intn(12288)] = byte(g.r.Intn(256))
		}
		return string(b)
	case 6: // unknown encoding, bad magic, too short
		return g.pick("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff",
			"HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff", "HYLL", "HYLL\x01\x00\x00\x00")
	case 7: // sparse header with one trailing XZERO byte (reads the terminator)
		b := append(hdr(1, 0, true), xzero(16128)...)
		return string(append(b, 0x40))
	default: // just a header: no opcodes at all
		return string(hdr(1, uint64(g.r.Intn(50)), g.chance(0.5)))
	}
}

// genWatchedBits runs a bit or HLL write between WATCH and EXEC: Redis
// signals the key only when bits or registers change (or PFCOUNT stores a
// new cached cardinality), and EXEC shows whether it did.
func (g *gen) genWatchedBits() diffCmd {
	var c diffCmd
	switch g.r.Intn(6) {
	case 0:
		v := g.pick("0", "1")
		c = exact("SETBIT", g.bitKey(), strconv.Itoa(g.r.Intn(64)), v)
	case 1:
		c = g.genBitfield(false)
	case 2:
		c = g.genPfadd()
	case 3:
		c = exact("PFCOUNT", g.hllKey())
	case 4:
		c = exact("PFMERGE", g.hllKey(), g.hllKey())
	default:
		c = g.genBitop()
	}
	key := c.args[1]
	if c.args[0] == "BITOP" {
		key = c.args[2]
	}
	g.queue = append(g.queue, c, exact("MULTI"), exact("PING"), exact("EXEC"))
	return exact("WATCH", key)
}

var bitsWrongArity = [][]string{
	{"SETBIT", "a", "1"}, {"SETBIT", "a", "1", "1", "1"}, {"GETBIT", "a"}, {"GETBIT", "a", "1", "1"}, {"BITCOUNT"},
	{"BITPOS", "a"}, {"BITPOS"}, {"BITOP", "AND", "d"}, {"BITOP", "AND"}, {"BITFIELD"}, {"BITFIELD_RO"},
	{"PFADD"}, {"PFCOUNT"}, {"PFMERGE"},
}

var bitsGens = []genFunc{
	{8, func(g *gen) diffCmd {
		v := g.pick("0", "1")
		if g.chance(0.05) {
			v = g.pick("2", "-1", "abc", "", "01", "1.0", "9223372036854775808")
		}
		off := g.bitOffset(v == "0" || v == "1")
		return exact("SETBIT", g.bitKey(), off, v)
	}},
	{5, func(g *gen) diffCmd { return exact("GETBIT", g.bitKey(), g.bitOffset(false)) }},
	{5, (*gen).genBitcount},
	{5, (*gen).genBitpos},
	{3, (*gen).genBitop},
	{7, func(g *gen) diffCmd { return g.genBitfield(false) }},
	{2, func(g *gen) diffCmd { return g.genBitfield(true) }},
	{2, func(g *gen) diffCmd { return exact("SET", g.bitKey(), g.bitValue()) }},
	{1, func(g *gen) diffCmd { return exact("APPEND", g.bitKey(), g.bitValue()) }},
	{1, func(g *gen) diffCmd { return exact("SETRANGE", g.bitKey(), strconv.Itoa(g.r.Intn(50)), g.bitValue()) }},
	{7, (*gen).genPfadd},
	{5, func(g *gen) diffCmd {
		if g.chance(0.75) {
			return exact("PFCOUNT", g.hllKey())
		}
		args := []string{"PFCOUNT"}
		for i, n := 0, 2+g.r.Intn(3); i < n; i++ {
			args = append(args, g.hllKey())
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		args := []string{"PFMERGE", g.hllKey()}
		for i, n := 0, g.r.Intn(4); i < n; i++ {
			args = append(args, g.hllKey())
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd { return exact("SET", g.dirtyHLLKey(), g.hllBytes()) }},
	{1, func(g *gen) diffCmd { return exact("GET", g.hllKey()) }},
	{1, func(g *gen) diffCmd { return exact("COPY", g.hllKey(), g.dirtyHLLKey(), "REPLACE") }},
	{1, func(g *gen) diffCmd {
		return exact(g.pick("DEL", "UNLINK"), g.pick("bm:1", "bm:2", "bm:3", "hll:1", "hll:2", "hll:3"))
	}},
	{0.1, func(g *gen) diffCmd { return exact("DEL", g.pick("hll:a", "hll:b", "hll:c")) }},
	{1, func(g *gen) diffCmd {
		return exact("RENAME", g.pick("bm:1", "hll:1", "hll:2"), g.pick("bm:2", "hll:2", "hll:3"))
	}},
	{1, func(g *gen) diffCmd { return exact("EXPIRE", g.pick("bm:1", "bm:2", "hll:1", "hll:2"), g.relSec()) }},
	{1, func(g *gen) diffCmd { return diffCmd{args: []string{"PTTL", g.pick("bm:1", "hll:1")}, mode: cmpTTLMs} }},
	{2, func(g *gen) diffCmd {
		return exact("OBJECT", "ENCODING", g.pick("bm:1", "bm:2", "bm:3", "hll:1", "hll:2", "hll:3"))
	}},
	{1, func(g *gen) diffCmd {
		return exact("STRLEN", g.pick("bm:1", "bm:2", "bm:3", "hll:1", "hll:2", "hll:3"))
	}},
	{1, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.bitKey(), g.hllKey()) }},
	{0.6, (*gen).bigBits},
	{0.1, func(g *gen) diffCmd {
		return exact("CONFIG", "SET", "hll-sparse-max-bytes", g.pick("3000", "3000", "200", "0", "10000"))
	}},
	{2, (*gen).genWatchedBits},
	{1, func(g *gen) diffCmd { return exact(slices.Clone(bitsWrongArity[g.r.Intn(len(bitsWrongArity))])...) }},
	{0.15, func(g *gen) diffCmd {
		// Toggle proto-max-bulk-len: the bit offset limit follows it.
		smallLimit[g] = !smallLimit[g]
		v := "536870912"
		if smallLimit[g] {
			v = strconv.Itoa(smallBulkLen)
		}
		return exact("CONFIG", "SET", "proto-max-bulk-len", v)
	}},
}

func TestDiffBits(t *testing.T) {
	runDiff(t, bitsGens, diffDefaultN)
}

// TestDiffBitsGenerator checks the generator produces every command.
func TestDiffBitsGenerator(t *testing.T) {
	g := &gen{r: rand.New(rand.NewSource(3)), gens: bitsGens}
	kinds := map[string]bool{}
	for i := 0; i < 5000; i++ {
		kinds[strings.ToUpper(g.next().args[0])] = true
	}
	for _, want := range []string{"SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO", "PFADD", "PFCOUNT", "PFMERGE", "CONFIG"} {
		if !kinds[want] {
			t.Errorf("generator never produced %s", want)
		}
	}
}
