package main

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// Differential tests of lists and hashes. Hash field order differs from
// Redis's listpack/dict order, so whole-hash replies are compared sorted,
// HSCAN is iterated to the end and HRANDFIELD is checked for its invariants.

const (
	cmpSortedPairs cmpMode = 100 + iota // HGETALL: same field/value pairs in any order
	cmpHscan                            // iterate HSCAN to cursor 0: same pairs
	cmpHrandfield                       // HRANDFIELD: same shape and sizes
)

func init() {
	genSets["lists"] = append(slices.Clone(listGens), keyGensLH...)
	genSets["hashes"] = hashGens
	dumpers["list"] = func(k string) []diffCmd {
		return []diffCmd{exact("LRANGE", k, "0", "-1"), exact("LLEN", k), exact("OBJECT", "ENCODING", k)}
	}
	dumpers["hash"] = func(k string) []diffCmd {
		return []diffCmd{{args: []string{"HGETALL", k}, mode: cmpSortedPairs}, exact("HLEN", k),
			exact("OBJECT", "ENCODING", k), exact("DEBUG", "DIGEST-VALUE", k)}
	}
	cmpFuncs[cmpSortedPairs] = (*differ).cmpPairs
	cmpFuncs[cmpHscan] = (*differ).cmpHscan
	cmpFuncs[cmpHrandfield] = (*differ).cmpHrandfield
}

func TestDiffLists(t *testing.T) {
	runDiff(t, append(append(slices.Clone(listGens), keyGensLH...), helloGen), 10000)
}

func TestDiffHashes(t *testing.T) {
	runDiff(t, append(append(slices.Clone(hashGens), keyGensLH...), helloGen), 10000)
}

// pairs returns the field/value pairs of an HGETALL-like reply, sorted.
func pairs(v redistest.Value) []string {
	var out []string
	for i := 0; i+1 < len(v.Elems); i += 2 {
		out = append(out, strconv.Quote(v.Elems[i].Str)+"="+strconv.Quote(v.Elems[i+1].Str))
	}
	slices.Sort(out)
	return out
}

func (d *differ) cmpPairs(c diffCmd) {
	d.t.Helper()
	ref, sut := d.ref.Do(c.args...), d.sut.Do(c.args...)
	if bytes.Equal(ref, sut) {
		return
	}
	rv, sv := parse(ref), parse(sut)
	if rv.Kind == sv.Kind && !rv.IsError() && len(rv.Elems) == len(sv.Elems) && slices.Equal(pairs(rv), pairs(sv)) {
		return
	}
	d.mismatch(c.String(), ref, sut, "different field/value pairs")
}

// hscanAll iterates an HSCAN to cursor 0.
func hscanAll(conn *redistest.Conn, args []string) (first []byte, all []string, ok bool) {
	args = slices.Clone(args)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		raw := conn.Do(args...)
		if first == nil {
			first = raw
		}
		v := parse(raw)
		if v.Kind != redistest.KindArray || len(v.Elems) != 2 || v.Elems[1].Kind != redistest.KindArray {
			return raw, nil, false
		}
		for _, p := range pairs(v.Elems[1]) {
			seen[p] = true
		}
		if v.Elems[0].Str == "0" {
			for p := range seen {
				all = append(all, p)
			}
			slices.Sort(all)
			return first, all, true
		}
		args[2] = v.Elems[0].Str
	}
	return first, nil, false
}

func (d *differ) cmpHscan(c diffCmd) {
	d.t.Helper()
	rf, rp, rok := hscanAll(d.ref, c.args)
	sf, sp, sok := hscanAll(d.sut, c.args)
	switch {
	case !rok || !sok:
		if rok != sok || !bytes.Equal(rf, sf) {
			d.mismatch(c.String(), rf, sf, "HSCAN error replies differ")
		}
	case !slices.Equal(rp, sp):
		d.mismatch(c.String(), []byte(strings.Join(rp, " ")), []byte(strings.Join(sp, " ")), "HSCAN iterated to different pairs")
	}
}

func (d *differ) cmpHrandfield(c diffCmd) {
	d.t.Helper()
	ref, sut := d.ref.Do(c.args...), d.sut.Do(c.args...)
	if bytes.Equal(ref, sut) {
		return
	}
	rv, sv := parse(ref), parse(sut)
	if rv.Kind != sv.Kind || rv.IsError() || rv.Null != sv.Null || len(rv.Elems) != len(sv.Elems) {
		d.mismatch(c.String(), ref, sut, "HRANDFIELD replies of different shape")
		return
	}
	if rv.Kind != redistest.KindArray {
		return // one random field each
	}
	// Distinct fields when the count is positive.
	if n, err := strconv.Atoi(c.args[2]); err == nil && n > 0 {
		distinct := func(v redistest.Value) int {
			m := map[string]bool{}
			for i, e := range v.Elems {
				// RESP2 WITHVALUES alternates fields and values; RESP3
				// nests [field, value] pairs.
				if len(c.args) == 4 && e.Kind != redistest.KindArray && i%2 == 1 {
					continue
				}
				m[e.String()] = true
			}
			return len(m)
		}
		if distinct(rv) != distinct(sv) {
			d.mismatch(c.String(), ref, sut, "HRANDFIELD: different numbers of distinct fields")
		}
	}
}

// List and hash keys: mostly the same few so that commands collide, some
// of the general pool (holding other types in TestDiffAll).
func (g *gen) lkey() string {
	if g.chance(0.75) {
		return g.pick("l1", "l2", "l3", "{t}l")
	}
	return g.key()
}

func (g *gen) hkey() string {
	if g.chance(0.75) {
		return g.pick("h1", "h2", "h3", "{t}h")
	}
	return g.key()
}

func (g *gen) elem() string {
	switch g.r.Intn(8) {
	case 0:
		return g.value()
	case 1:
		return g.pick("", "\x00\xff", "bin\r\n", strings.Repeat("e", 70))
	default:
		return g.pick("a", "b", "c", "d", "1", "-1", "10")
	}
}

func (g *gen) elems(min, max int) []string {
	n := min + g.r.Intn(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.elem()
	}
	return out
}

// index is a list index: mostly near the ends, sometimes huge or invalid.
func (g *gen) index() string {
	if g.chance(0.85) {
		return strconv.Itoa(g.r.Intn(25) - 12)
	}
	return g.pick("9223372036854775807", "-9223372036854775808", "100", "-100", "x", "", "1.5", "+1")
}

func (g *gen) count() string {
	if g.chance(0.8) {
		return strconv.Itoa(g.r.Intn(6))
	}
	return g.pick("-1", "100", "9223372036854775807", "x", "-9223372036854775808", "")
}

func (g *gen) dir() string {
	if g.chance(0.95) {
		return g.pick("LEFT", "RIGHT", "left", "Right")
	}
	return g.pick("UP", "")
}

// btimeout is a blocking timeout that never blocks for long: nobody pushes
// in the differential test, so a block always ends by timeout.
func (g *gen) btimeout() string {
	if g.chance(0.9) {
		return g.pick("0.01", "0.02", ".01")
	}
	return g.pick("-1", "x", "", "inf", "nan")
}

// inMulti wraps a command (typically a blocking one with timeout 0) in
// MULTI/EXEC, where it answers at once.
func (g *gen) inMulti(args ...string) diffCmd {
	g.queue = append(g.queue, exact(args...), exact("EXEC"))
	return exact("MULTI")
}

var listGens = []genFunc{
	{10, func(g *gen) diffCmd {
		return exact(append([]string{g.pick("LPUSH", "RPUSH"), g.lkey()}, g.elems(1, 5)...)...)
	}},
	{3, func(g *gen) diffCmd {
		return exact(append([]string{g.pick("LPUSHX", "RPUSHX"), g.lkey()}, g.elems(1, 3)...)...)
	}},
	{6, func(g *gen) diffCmd {
		args := []string{g.pick("LPOP", "RPOP"), g.lkey()}
		if g.chance(0.5) {
			args = append(args, g.count())
		}
		if g.chance(0.02) {
			args = append(args, "1")
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd { return exact("LLEN", g.lkey()) }},
	{6, func(g *gen) diffCmd { return exact("LRANGE", g.lkey(), g.index(), g.index()) }},
	{4, func(g *gen) diffCmd { return exact("LINDEX", g.lkey(), g.index()) }},
	{3, func(g *gen) diffCmd { return exact("LSET", g.lkey(), g.index(), g.elem()) }},
	{3, func(g *gen) diffCmd {
		w := g.pick("BEFORE", "AFTER", "before", "after")
		if g.chance(0.05) {
			w = "MIDDLE"
		}
		return exact("LINSERT", g.lkey(), w, g.elem(), g.elem())
	}},
	{3, func(g *gen) diffCmd {
		n := strconv.Itoa(g.r.Intn(7) - 3)
		if g.chance(0.1) {
			n = g.pick("9223372036854775807", "-9223372036854775808", "x")
		}
		return exact("LREM", g.lkey(), n, g.elem())
	}},
	{2, func(g *gen) diffCmd { return exact("LTRIM", g.lkey(), g.index(), g.index()) }},
	{4, func(g *gen) diffCmd {
		args := []string{"LPOS", g.lkey(), g.elem()}
		for i, n := 0, g.r.Intn(4); i < n; i++ {
			switch g.r.Intn(4) {
			case 0:
				args = append(args, "RANK", g.pick("1", "2", "-1", "-2", "3", "0", "x", "-9223372036854775808", "9223372036854775807"))
			case 1:
				args = append(args, "COUNT", g.pick("0", "1", "2", "-1", "x", "100"))
			case 2:
				args = append(args, "MAXLEN", g.pick("0", "1", "2", "3", "-1", "x"))
			default:
				args = append(args, g.pick("FOO", "RANK", "COUNT"))
			}
		}
		return exact(args...)
	}},
	{0.5, func(g *gen) diffCmd {
		// RANK LONG_MIN wraps in Redis's COUNT test: every match is
		// returned whatever COUNT says (seed 20 found it).
		args := []string{"LPOS", g.lkey(), g.elem(), "RANK", "-9223372036854775808"}
		if g.chance(0.8) {
			args = append(args, "COUNT", g.pick("1", "2", "0"))
		}
		if g.chance(0.5) {
			args = append(args, "MAXLEN", g.pick("2", "5", "50"))
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd { return exact("LMOVE", g.lkey(), g.lkey(), g.dir(), g.dir()) }},
	{2, func(g *gen) diffCmd { return exact("RPOPLPUSH", g.lkey(), g.lkey()) }},
	{3, func(g *gen) diffCmd {
		n := 1 + g.r.Intn(3)
		ns := strconv.Itoa(n)
		if g.chance(0.05) {
			ns = g.pick("0", "-1", "x", "5")
		}
		args := []string{"LMPOP", ns}
		for i := 0; i < n; i++ {
			args = append(args, g.lkey())
		}
		args = append(args, g.dir())
		if g.chance(0.5) {
			args = append(args, "COUNT", g.pick("1", "2", "3", "10", "0", "-1", "x"))
		}
		if g.chance(0.03) {
			args = append(args, g.pick("COUNT", "FOO"))
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		args := []string{g.pick("BLPOP", "BRPOP")}
		for i, n := 0, 1+g.r.Intn(3); i < n; i++ {
			args = append(args, g.lkey())
		}
		if g.chance(0.15) {
			return g.inMulti(append(args, "0")...)
		}
		return exact(append(args, g.btimeout())...)
	}},
	{2, func(g *gen) diffCmd {
		if g.chance(0.5) {
			args := []string{"BLMOVE", g.lkey(), g.lkey(), g.dir(), g.dir()}
			if g.chance(0.15) {
				return g.inMulti(append(args, "0")...)
			}
			return exact(append(args, g.btimeout())...)
		}
		args := []string{"BRPOPLPUSH", g.lkey(), g.lkey()}
		if g.chance(0.15) {
			return g.inMulti(append(args, "0")...)
		}
		return exact(append(args, g.btimeout())...)
	}},
	{2, func(g *gen) diffCmd {
		n := 1 + g.r.Intn(2)
		args := []string{"BLMPOP", g.btimeout(), strconv.Itoa(n)}
		multi := g.chance(0.15)
		if multi {
			args[1] = "0"
		}
		for i := 0; i < n; i++ {
			args = append(args, g.lkey())
		}
		args = append(args, g.dir())
		if g.chance(0.4) {
			args = append(args, "COUNT", g.pick("1", "2", "5", "0", "x"))
		}
		if multi {
			return g.inMulti(args...)
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.lkey(), g.hkey()) }},
	{1, func(g *gen) diffCmd { return exact(listArity[g.r.Intn(len(listArity))]...) }},
}

var listArity = [][]string{
	{"LPUSH", "a"}, {"RPUSH"}, {"LPUSHX", "a"}, {"LPOP"}, {"RPOP", "a", "1", "2"}, {"LLEN"}, {"LRANGE", "a", "0"},
	{"LINDEX", "a"}, {"LSET", "a", "0"}, {"LINSERT", "a", "BEFORE", "x"}, {"LREM", "a", "0"}, {"LTRIM", "a", "0"},
	{"LPOS", "a"}, {"LMOVE", "a", "b", "LEFT"}, {"RPOPLPUSH", "a"}, {"LMPOP", "1"}, {"LMPOP", "1", "a"},
	{"BLPOP", "a"}, {"BRPOP"}, {"BLMOVE", "a", "b", "LEFT", "LEFT"}, {"BRPOPLPUSH", "a", "b"}, {"BLMPOP", "0", "1"},
}

func (g *gen) field() string {
	switch g.r.Intn(10) {
	case 0:
		return g.value()
	case 1:
		return g.pick("", "\x00bin\xff", strings.Repeat("f", 65), strings.Repeat("g", 64))
	default:
		return g.pick("f1", "f2", "f3", "f4", "n", "x", "a")
	}
}

func (g *gen) hvalue() string {
	switch g.r.Intn(8) {
	case 0:
		return g.value()
	case 1:
		return g.pick(strings.Repeat("v", 65), strings.Repeat("v", 64), "1.5", "abc", "")
	default:
		return strconv.Itoa(g.r.Intn(200) - 100)
	}
}

var hashGens = []genFunc{
	{10, func(g *gen) diffCmd {
		args := []string{g.pick("HSET", "HMSET"), g.hkey()}
		for i, n := 0, 1+g.r.Intn(4); i < n; i++ {
			args = append(args, g.field(), g.hvalue())
		}
		if g.chance(0.03) {
			args = append(args, "odd")
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd { return exact("HSETNX", g.hkey(), g.field(), g.hvalue()) }},
	{5, func(g *gen) diffCmd { return exact("HGET", g.hkey(), g.field()) }},
	{3, func(g *gen) diffCmd {
		args := []string{"HMGET", g.hkey()}
		for i, n := 0, 1+g.r.Intn(4); i < n; i++ {
			args = append(args, g.field())
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd { return diffCmd{args: []string{"HGETALL", g.hkey()}, mode: cmpSortedPairs} }},
	{2, func(g *gen) diffCmd {
		return diffCmd{args: []string{g.pick("HKEYS", "HVALS"), g.hkey()}, mode: cmpSorted}
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"HDEL", g.hkey()}
		for i, n := 0, 1+g.r.Intn(3); i < n; i++ {
			args = append(args, g.field())
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd { return exact("HLEN", g.hkey()) }},
	{2, func(g *gen) diffCmd { return exact("HSTRLEN", g.hkey(), g.field()) }},
	{2, func(g *gen) diffCmd { return exact("HEXISTS", g.hkey(), g.field()) }},
	{4, func(g *gen) diffCmd { return exact("HINCRBY", g.hkey(), g.field(), g.intArg()) }},
	{3, func(g *gen) diffCmd { return exact("HINCRBYFLOAT", g.hkey(), g.field(), g.floatArg()) }},
	{3, func(g *gen) diffCmd {
		args := []string{"HRANDFIELD", g.hkey()}
		if g.chance(0.8) {
			args = append(args, g.pick("1", "2", "3", "5", "100", "0", "-1", "-3", "-10", "x",
				"9223372036854775807", "-9223372036854775808", "-9223372036854775807"))
			if g.chance(0.5) {
				args = append(args, g.pick("WITHVALUES", "withvalues", "FOO"))
			}
			if args[2] == "-9223372036854775807" && len(args) == 3 {
				args[2] = "-4" // would reply ~2^63 fields
			}
		}
		if g.chance(0.02) {
			args = append(args, "2", "WITHVALUES", "x")
		}
		return diffCmd{args: args, mode: cmpHrandfield}
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"HSCAN", g.hkey(), "0"}
		if g.chance(0.05) {
			// Only cursors that are invalid or start a walk: resuming
			// depends on each server's table layout.
			args[2] = g.pick("x", "18446744073709551616", "", "-", "+0", "-0", " 0")
		}
		if g.chance(0.4) {
			args = append(args, "MATCH", g.pick("*", "f*", "?", "f[12]", "x", ""))
		}
		if g.chance(0.4) {
			args = append(args, "COUNT", g.pick("1", "2", "10", "0", "-1", "x"))
		}
		if g.chance(0.03) {
			args = append(args, g.pick("TYPE", "FOO", "NOVALUES"))
		}
		return diffCmd{args: args, mode: cmpHscan}
	}},
	{0.5, func(g *gen) diffCmd {
		return exact("CONFIG", "SET", g.pick("hash-max-listpack-entries", "hash-max-listpack-value"), g.pick("2", "4", "8", "64", "128"))
	}},
	{1, func(g *gen) diffCmd { return exact(hashArity[g.r.Intn(len(hashArity))]...) }},
}

var hashArity = [][]string{
	{"HSET", "a", "f"}, {"HSET", "a", "f", "v", "g"}, {"HMSET", "a"}, {"HSETNX", "a", "f"}, {"HGET", "a"}, {"HMGET", "a"},
	{"HGETALL"}, {"HKEYS", "a", "b"}, {"HVALS"}, {"HDEL", "a"}, {"HLEN"}, {"HSTRLEN", "a"}, {"HEXISTS", "a"},
	{"HINCRBY", "a", "f"}, {"HINCRBYFLOAT", "a", "f"}, {"HRANDFIELD"}, {"HSCAN", "a"},
}

// keyGensLH are the generic key commands on list and hash keys.
var keyGensLH = []genFunc{
	{2, func(g *gen) diffCmd { return exact("DEL", g.lhkey(), g.lhkey()) }},
	{2, func(g *gen) diffCmd { return exact("TYPE", g.lhkey()) }},
	{2, func(g *gen) diffCmd { return exact("OBJECT", "ENCODING", g.lhkey()) }},
	{2, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.lhkey()) }},
	{1, func(g *gen) diffCmd { return exact(g.pick("RENAME", "RENAMENX"), g.lhkey(), g.lhkey()) }},
	{1, func(g *gen) diffCmd {
		args := []string{"COPY", g.lhkey(), g.lhkey()}
		if g.chance(0.5) {
			args = append(args, "REPLACE")
		}
		if g.chance(0.3) {
			args = append(args, "DB", g.pick("0", "1"))
		}
		return exact(args...)
	}},
	{0.5, func(g *gen) diffCmd { return exact("MOVE", g.lhkey(), g.pick("1", "2")) }},
	{0.5, func(g *gen) diffCmd { return exact("SELECT", g.pick("0", "0", "0", "1")) }},
	{1, func(g *gen) diffCmd { return exact("EXPIRE", g.lhkey(), g.relSec()) }},
	{0.5, func(g *gen) diffCmd { return exact("SET", g.lhkey(), g.value()) }},
	{0.3, func(g *gen) diffCmd { return exact("EXISTS", g.lhkey()) }},
	{0.2, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST") }},
}

// helloGen switches protocols now and then (only in this file's tests: the
// other sets may not be RESP3-aware). The replies carry the connection id,
// so only their type is compared.
var helloGen = genFunc{0.3, func(g *gen) diffCmd {
	return diffCmd{args: []string{"HELLO", g.pick("2", "3", "3")}, mode: cmpTypeOnly}
}}

func (g *gen) lhkey() string {
	if g.chance(0.5) {
		return g.lkey()
	}
	return g.hkey()
}

// TestDiffListsHashesSeeds runs the list and hash generators together over
// several seeds (REDPEBBLE_DIFF_SEEDS=a,b,c; each REDPEBBLE_DIFF_N commands).
func TestDiffListsHashesSeeds(t *testing.T) {
	seeds := os.Getenv("REDPEBBLE_DIFF_SEEDS")
	if seeds == "" {
		t.Skip("set REDPEBBLE_DIFF_SEEDS to run")
	}
	for _, s := range strings.Split(seeds, ",") {
		t.Run("seed"+s, func(t *testing.T) {
			t.Setenv("REDPEBBLE_DIFF_SEED", s)
			gens := append(append(append(slices.Clone(listGens), hashGens...), keyGensLH...), helloGen)
			runDiff(t, gens, 10000)
		})
	}
}

// bigGens grow a few lists and hashes to thousands of elements, so that
// LINSERT/LREM rewrite either side, hashes are hashtables scanned with real
// cursors and HRANDFIELD samples by seeking.
var bigGens = []genFunc{
	{6, func(g *gen) diffCmd {
		args := []string{g.pick("LPUSH", "RPUSH"), g.pick("bl1", "bl2")}
		for i, n := 0, 1+g.r.Intn(40); i < n; i++ {
			args = append(args, strconv.Itoa(g.r.Intn(300)))
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		return exact("LINSERT", g.pick("bl1", "bl2"), g.pick("BEFORE", "AFTER"), strconv.Itoa(g.r.Intn(300)), "ins")
	}},
	{1, func(g *gen) diffCmd {
		return exact("LREM", g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(9)-4), strconv.Itoa(g.r.Intn(300)))
	}},
	{1, func(g *gen) diffCmd {
		return exact("LPOS", g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(300)), "RANK", g.pick("1", "-1", "3", "-2"), "COUNT", g.pick("0", "2"))
	}},
	{2, func(g *gen) diffCmd {
		n := g.r.Intn(4000) - 2000
		return exact("LRANGE", g.pick("bl1", "bl2"), strconv.Itoa(n), strconv.Itoa(n+g.r.Intn(50)))
	}},
	{2, func(g *gen) diffCmd { return exact("LINDEX", g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(4000)-2000)) }},
	{1, func(g *gen) diffCmd {
		return exact("LSET", g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(200)-100), "set")
	}},
	{1, func(g *gen) diffCmd {
		return exact(g.pick("LPOP", "RPOP"), g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(30)))
	}},
	{0.5, func(g *gen) diffCmd {
		return exact("LMOVE", g.pick("bl1", "bl2"), g.pick("bl1", "bl2"), g.dir(), g.dir())
	}},
	{0.2, func(g *gen) diffCmd {
		return exact("LTRIM", g.pick("bl1", "bl2"), strconv.Itoa(g.r.Intn(10)), "-"+strconv.Itoa(1+g.r.Intn(10)))
	}},
	{6, func(g *gen) diffCmd {
		args := []string{"HSET", g.pick("bh1", "bh2")}
		for i, n := 0, 1+g.r.Intn(30); i < n; i++ {
			args = append(args, "f"+strconv.Itoa(g.r.Intn(1500)), strconv.Itoa(g.r.Intn(1000)))
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		args := []string{"HDEL", g.pick("bh1", "bh2")}
		for i, n := 0, 1+g.r.Intn(10); i < n; i++ {
			args = append(args, "f"+strconv.Itoa(g.r.Intn(1500)))
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd {
		return exact("HINCRBY", g.pick("bh1", "bh2"), "f"+strconv.Itoa(g.r.Intn(1500)), strconv.Itoa(g.r.Intn(100)))
	}},
	{1, func(g *gen) diffCmd {
		args := []string{"HSCAN", g.pick("bh1", "bh2"), "0", "COUNT", g.pick("1", "10", "100")}
		if g.chance(0.3) {
			args = append(args, "MATCH", g.pick("f1*", "f?", "*9"))
		}
		return diffCmd{args: args, mode: cmpHscan}
	}},
	{1, func(g *gen) diffCmd {
		args := []string{"HRANDFIELD", g.pick("bh1", "bh2"), g.pick("-50", "-1", "1", "5", "100", "3000")}
		if g.chance(0.5) {
			args = append(args, "WITHVALUES")
		}
		return diffCmd{args: args, mode: cmpHrandfield}
	}},
	{0.5, func(g *gen) diffCmd {
		return diffCmd{args: []string{"HGETALL", g.pick("bh1", "bh2")}, mode: cmpSortedPairs}
	}},
	{1, func(g *gen) diffCmd {
		return exact("DEBUG", "DIGEST-VALUE", g.pick("bl1", "bl2", "bh1", "bh2"))
	}},
	{0.5, func(g *gen) diffCmd { return exact("OBJECT", "ENCODING", g.pick("bh1", "bh2")) }},
	{0.2, func(g *gen) diffCmd { return exact("COPY", g.pick("bl1", "bh1"), g.pick("bl9", "bh9"), "REPLACE") }},
}

func TestDiffListsHashesBig(t *testing.T) { runDiff(t, bigGens, 4000) }
