package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Differential tests of sets and sorted sets. Keys mostly come from small
// pools so commands collide; members from a pool of integers (intset),
// short strings, long strings (past the listpack value limit), binary and
// empty members.

var setKeys = []string{"s1", "s2", "s3", "s4"}
var zsetKeys = []string{"z1", "z2", "z3", "z4"}

// zlexKeys hold members that all share score 0, for the BYLEX commands.
var zlexKeys = []string{"zl1", "zl2"}

func (g *gen) setKey() string {
	if g.chance(0.9) {
		return g.pick(setKeys...)
	}
	return g.key()
}

func (g *gen) zsetKey() string {
	if g.chance(0.9) {
		return g.pick(zsetKeys...)
	}
	return g.key()
}

func (g *gen) member() string {
	switch g.r.Intn(12) {
	case 0, 1, 2, 3:
		return strconv.Itoa(g.r.Intn(30) - 5)
	case 4:
		return g.pick("-0", "007", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1.5", "")
	case 5:
		return strings.Repeat("L", 60+g.r.Intn(10))
	case 6:
		return g.pick("bin\x00\xff", "\r\n", " ")
	default:
		return string(rune('a' + g.r.Intn(12)))
	}
}

func (g *gen) members(min, max int) []string {
	n := min + g.r.Intn(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.member()
	}
	return out
}

func (g *gen) score() string {
	if g.chance(0.85) {
		return g.pick("0", "1", "2", "3", "-1", "1.5", "-2.5", "10", "0.1", strconv.Itoa(g.r.Intn(20)))
	}
	return g.pick("inf", "-inf", "+inf", "-0", "1e308", "-1e308", "5e-324", "0x10", "abc", "", "nan", "1e400", " 1", "3.0e2", "1.7976931348623157e308")
}

func (g *gen) scoreBound() string {
	switch g.r.Intn(10) {
	case 0:
		return g.pick("-inf", "+inf", "inf", "(-inf", "(+inf")
	case 1:
		return g.pick("abc", "(", "[1", "nan", "((1", "", " 2")
	case 2, 3, 4:
		return "(" + g.pick("0", "1", "2", "3", "1.5", "-1", "10")
	default:
		return g.pick("0", "1", "2", "3", "1.5", "-1", "10", "-2.5", "5")
	}
}

func (g *gen) lexBound() string {
	switch g.r.Intn(8) {
	case 0:
		return g.pick("-", "+")
	case 1:
		return g.pick("a", "", "(", "[", "-a", "+a")
	default:
		return g.pick("[", "(") + string(rune('a'+g.r.Intn(12)))
	}
}

func (g *gen) rank() string {
	if g.chance(0.9) {
		return strconv.Itoa(g.r.Intn(16) - 8)
	}
	return g.pick("9223372036854775807", "-9223372036854775808", "abc", "1.5", "")
}

func (g *gen) setCount() string {
	if g.chance(0.85) {
		return strconv.Itoa(g.r.Intn(12) - 3)
	}
	return g.pick("0", "-1", "100", "abc", "9223372036854775807", "-9223372036854775808", "1.5")
}

func cmdArgs(name string, rest ...[]string) []string {
	out := []string{name}
	for _, r := range rest {
		out = append(out, r...)
	}
	return out
}

func sorted(args ...string) diffCmd { return diffCmd{args: args, mode: cmpSorted} }

func (g *gen) keysOf(pick func() string, min, max int) []string {
	n := min + g.r.Intn(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = pick()
	}
	return out
}

var setGens = []genFunc{
	{12, func(g *gen) diffCmd { return exact(cmdArgs("SADD", []string{g.setKey()}, g.members(1, 6))...) }},
	{0.5, func(g *gen) diffCmd {
		// Grow a set past set-max-intset-entries (512).
		args := []string{"SADD", g.setKey()}
		for i := 0; i < 520; i++ {
			args = append(args, strconv.Itoa(g.r.Intn(2000)))
		}
		return exact(args...)
	}},
	{5, func(g *gen) diffCmd { return exact(cmdArgs("SREM", []string{g.setKey()}, g.members(1, 4))...) }},
	{2, func(g *gen) diffCmd { return exact("SCARD", g.setKey()) }},
	{3, func(g *gen) diffCmd { return exact("SISMEMBER", g.setKey(), g.member()) }},
	{2, func(g *gen) diffCmd { return exact(cmdArgs("SMISMEMBER", []string{g.setKey()}, g.members(1, 4))...) }},
	{3, func(g *gen) diffCmd { return sorted("SMEMBERS", g.setKey()) }},
	{3, func(g *gen) diffCmd {
		args := []string{"SRANDMEMBER", g.setKey()}
		if g.chance(0.8) {
			args = append(args, g.setCount())
		}
		if g.chance(0.03) {
			args = append(args, "x")
		}
		return diffCmd{args: args, check: checkSrandmember}
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"SPOP", g.setKey()}
		if g.chance(0.6) {
			args = append(args, g.setCount())
		}
		if g.chance(0.03) {
			args = append(args, "x")
		}
		return diffCmd{args: args, check: checkSpop}
	}},
	{1, func(g *gen) diffCmd {
		// Pop most of a mixed set: Redis moves the rest into a new set
		// whose encoding may be an intset again. Queue the check of the
		// encoding after the re-sync.
		k := g.setKey()
		g.queue = append(g.queue, exact("OBJECT", "ENCODING", k))
		return diffCmd{args: []string{"SPOP", k, strconv.Itoa(15 + g.r.Intn(10))}, check: checkSpop}
	}},
	{3, func(g *gen) diffCmd { return exact("SMOVE", g.setKey(), g.setKey(), g.member()) }},
	{2, func(g *gen) diffCmd { return sorted(cmdArgs("SINTER", g.keysOf(g.setKey, 1, 3))...) }},
	{2, func(g *gen) diffCmd { return sorted(cmdArgs("SUNION", g.keysOf(g.setKey, 1, 3))...) }},
	{2, func(g *gen) diffCmd { return sorted(cmdArgs("SDIFF", g.keysOf(g.setKey, 1, 3))...) }},
	{2, func(g *gen) diffCmd {
		return exact(cmdArgs(g.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), []string{g.setKey()}, g.keysOf(g.setKey, 1, 3))...)
	}},
	{2, func(g *gen) diffCmd {
		ks := g.keysOf(g.setKey, 1, 3)
		n := strconv.Itoa(len(ks))
		if g.chance(0.1) {
			n = g.pick("0", "-1", "abc", "5")
		}
		args := cmdArgs("SINTERCARD", []string{n}, ks)
		if g.chance(0.4) {
			args = append(args, "LIMIT", g.pick("0", "1", "2", "-1", "abc"))
		}
		if g.chance(0.03) {
			args = append(args, "FOO")
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		args := []string{"SSCAN", g.setKey(), "0"}
		if g.chance(0.05) {
			args[2] = g.pick("abc", "", "+0", " 0")
		}
		if g.chance(0.3) {
			args = append(args, "MATCH", g.pick("*", "1*", "a", "[a-c]", "*L*"))
		}
		if g.chance(0.3) {
			args = append(args, "COUNT", g.pick("1", "3", "100", "0", "x"))
		}
		if g.chance(0.03) {
			args = append(args, "TYPE")
		}
		return diffCmd{args: args, check: checkCollScan}
	}},
	{2, func(g *gen) diffCmd { return exact("OBJECT", "ENCODING", g.setKey()) }},
	{2, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.setKey(), g.zsetKey()) }},
	{1, func(g *gen) diffCmd { return exact("TYPE", g.setKey()) }},
	{1, func(g *gen) diffCmd { return exact("DEL", g.setKey()) }},
	{1, func(g *gen) diffCmd { return exact(g.pick("RENAME", "COPY"), g.setKey(), g.setKey()) }},
	{0.5, func(g *gen) diffCmd { return exact("EXPIRE", g.setKey(), g.relSec()) }},
	{0.5, func(g *gen) diffCmd { return exact("CONFIG", "SET", "set-max-intset-entries", g.pick("512", "4", "0")) }},
	{1, func(g *gen) diffCmd {
		return exact(slices.Clone(setWrongArity[g.r.Intn(len(setWrongArity))])...)
	}},
}

var setWrongArity = [][]string{
	{"SADD", "s1"}, {"SREM", "s1"}, {"SCARD"}, {"SISMEMBER", "s1"}, {"SMISMEMBER", "s1"}, {"SMEMBERS"},
	{"SRANDMEMBER"}, {"SPOP"}, {"SMOVE", "s1", "s2"}, {"SINTER"}, {"SINTERCARD"}, {"SINTERCARD", "1"},
	{"SINTERSTORE", "d"}, {"SUNION"}, {"SUNIONSTORE", "d"}, {"SDIFF"}, {"SDIFFSTORE", "d"}, {"SSCAN", "s1"},
	{"ZADD", "z1", "1"}, {"ZINCRBY", "z1", "1"}, {"ZREM", "z1"}, {"ZCARD"}, {"ZSCORE", "z1"}, {"ZMSCORE", "z1"},
	{"ZRANK", "z1"}, {"ZCOUNT", "z1", "0"}, {"ZLEXCOUNT", "z1", "-"}, {"ZRANGE", "z1", "0"},
	{"ZRANGESTORE", "d", "z1", "0"}, {"ZREVRANGE", "z1", "0"}, {"ZRANGEBYSCORE", "z1", "0"},
	{"ZRANGEBYLEX", "z1", "-"}, {"ZREMRANGEBYRANK", "z1", "0"}, {"ZPOPMIN"}, {"ZMPOP", "1", "z1"},
	{"BZPOPMIN", "z1"}, {"BZMPOP", "0", "1", "z1"}, {"ZRANDMEMBER"}, {"ZUNION", "1"}, {"ZINTERSTORE", "d", "1"},
	{"ZDIFF"}, {"ZINTERCARD"}, {"ZSCAN", "z1"},
}

func (g *gen) zaddArgs() []string {
	k := g.zsetKey()
	args := []string{"ZADD", k}
	for _, o := range []string{"NX", "XX", "GT", "LT", "CH", "INCR"} {
		if g.chance(0.08) {
			args = append(args, o)
		}
	}
	n := 1 + g.r.Intn(4)
	if g.chance(0.03) {
		n = 0
	}
	for i := 0; i < n; i++ {
		args = append(args, g.score(), g.member())
	}
	if g.chance(0.03) {
		args = append(args, "1")
	}
	return args
}

func (g *gen) zsetOp() diffCmd {
	op := g.pick("ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE")
	pickKey := func() string {
		if g.chance(0.15) {
			return g.setKey()
		}
		return g.zsetKey()
	}
	ks := g.keysOf(pickKey, 1, 3)
	n := strconv.Itoa(len(ks))
	if g.chance(0.05) {
		n = g.pick("0", "-1", "abc", "9")
	}
	args := []string{op}
	if strings.HasSuffix(op, "STORE") {
		args = append(args, g.zsetKey())
	}
	args = append(append(args, n), ks...)
	if op != "ZDIFF" && op != "ZDIFFSTORE" || g.chance(0.05) {
		if g.chance(0.3) {
			args = append(args, "WEIGHTS")
			for range ks {
				args = append(args, g.pick("1", "2", "0", "-1", "0.5", "inf", "-inf", "abc"))
			}
		}
		if g.chance(0.3) {
			args = append(args, "AGGREGATE", g.pick("SUM", "MIN", "MAX", "avg"))
		}
	}
	if !strings.HasSuffix(op, "STORE") && g.chance(0.5) || g.chance(0.03) {
		args = append(args, "WITHSCORES")
	}
	if g.chance(0.03) {
		args = append(args, "FOO")
	}
	return exact(args...)
}

func (g *gen) zrange() diffCmd {
	k := g.zsetKey()
	switch g.r.Intn(8) {
	case 0:
		args := []string{g.pick("ZRANGEBYSCORE", "ZREVRANGEBYSCORE"), k, g.scoreBound(), g.scoreBound()}
		if g.chance(0.4) {
			args = append(args, "WITHSCORES")
		}
		if g.chance(0.3) {
			args = append(args, "LIMIT", g.rank(), g.setCount())
		}
		return exact(args...)
	case 1:
		lk := g.pick(zlexKeys...)
		args := []string{g.pick("ZRANGEBYLEX", "ZREVRANGEBYLEX"), lk, g.lexBound(), g.lexBound()}
		if g.chance(0.3) {
			args = append(args, "LIMIT", g.rank(), g.setCount())
		}
		if g.chance(0.03) {
			args = append(args, "WITHSCORES")
		}
		return exact(args...)
	case 2:
		args := []string{g.pick("ZREVRANGE", "ZRANGE"), k, g.rank(), g.rank()}
		if g.chance(0.5) {
			args = append(args, "WITHSCORES")
		}
		return exact(args...)
	default:
		name := "ZRANGE"
		var args []string
		if g.chance(0.2) {
			name = "ZRANGESTORE"
			args = []string{name, g.zsetKey()}
		} else {
			args = []string{name}
		}
		var opts []string
		switch g.r.Intn(3) {
		case 0:
			args = append(args, k, g.rank(), g.rank())
		case 1:
			args = append(args, k, g.scoreBound(), g.scoreBound())
			opts = append(opts, "BYSCORE")
		default:
			args = append(args, g.pick(zlexKeys...), g.lexBound(), g.lexBound())
			opts = append(opts, "BYLEX")
		}
		if g.chance(0.4) {
			opts = append(opts, "REV")
		}
		if g.chance(0.4) {
			opts = append(opts, "WITHSCORES")
		}
		if g.chance(0.05) {
			opts = append(opts, g.pick("BYSCORE", "BYLEX", "REV", "FOO"))
		}
		g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		args = append(args, opts...)
		if g.chance(0.3) {
			args = append(args, "LIMIT", g.rank(), g.setCount())
		}
		return exact(args...)
	}
}

var zsetGens = []genFunc{
	{14, func(g *gen) diffCmd { return exact(g.zaddArgs()...) }},
	{0.4, func(g *gen) diffCmd {
		// Grow a zset past zset-max-listpack-entries (128).
		args := []string{"ZADD", g.zsetKey()}
		for i := 0; i < 140; i++ {
			args = append(args, strconv.Itoa(g.r.Intn(50)), "m"+strconv.Itoa(g.r.Intn(400)))
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"ZADD", g.pick(zlexKeys...), "0", string(rune('a' + g.r.Intn(12)))}
		if g.chance(0.3) {
			args = append(args, "0", g.pick("aa", "b", "", "zz", "c\x00"))
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd { return exact("ZINCRBY", g.zsetKey(), g.score(), g.member()) }},
	{4, func(g *gen) diffCmd { return exact(cmdArgs("ZREM", []string{g.zsetKey()}, g.members(1, 4))...) }},
	{2, func(g *gen) diffCmd { return exact("ZCARD", g.zsetKey()) }},
	{3, func(g *gen) diffCmd { return exact("ZSCORE", g.zsetKey(), g.member()) }},
	{2, func(g *gen) diffCmd { return exact(cmdArgs("ZMSCORE", []string{g.zsetKey()}, g.members(1, 4))...) }},
	{3, func(g *gen) diffCmd { return exact(g.pick("ZRANK", "ZREVRANK"), g.zsetKey(), g.member()) }},
	{2, func(g *gen) diffCmd { return exact("ZCOUNT", g.zsetKey(), g.scoreBound(), g.scoreBound()) }},
	{2, func(g *gen) diffCmd { return exact("ZLEXCOUNT", g.pick(zlexKeys...), g.lexBound(), g.lexBound()) }},
	{12, (*gen).zrange},
	{2, func(g *gen) diffCmd { return exact("ZREMRANGEBYRANK", g.zsetKey(), g.rank(), g.rank()) }},
	{2, func(g *gen) diffCmd { return exact("ZREMRANGEBYSCORE", g.zsetKey(), g.scoreBound(), g.scoreBound()) }},
	{1, func(g *gen) diffCmd { return exact("ZREMRANGEBYLEX", g.pick(zlexKeys...), g.lexBound(), g.lexBound()) }},
	{3, func(g *gen) diffCmd {
		args := []string{g.pick("ZPOPMIN", "ZPOPMAX"), g.zsetKey()}
		if g.chance(0.5) {
			args = append(args, g.setCount())
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		ks := g.keysOf(g.zsetKey, 1, 3)
		n := strconv.Itoa(len(ks))
		if g.chance(0.05) {
			n = g.pick("0", "-1", "abc", "9")
		}
		args := cmdArgs("ZMPOP", []string{n}, ks, []string{g.pick("MIN", "MAX", "min", "FOO")})
		if g.chance(0.5) {
			args = append(args, "COUNT", g.pick("1", "2", "5", "0", "-1", "abc"))
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		// Blocking pops never block here: a key has data, or the timeout
		// is tiny and its null reply is the same on both.
		ks := g.keysOf(g.zsetKey, 1, 2)
		if g.chance(0.5) {
			return exact(cmdArgs(g.pick("BZPOPMIN", "BZPOPMAX"), ks, []string{g.pick("0.01", "-1", "abc")})...)
		}
		args := cmdArgs("BZMPOP", []string{g.pick("0.01", "-1", "abc"), strconv.Itoa(len(ks))}, ks, []string{g.pick("MIN", "MAX")})
		if g.chance(0.4) {
			args = append(args, "COUNT", g.pick("1", "3", "0"))
		}
		return exact(args...)
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"ZRANDMEMBER", g.zsetKey()}
		if g.chance(0.8) {
			args = append(args, g.setCount())
			if g.chance(0.5) {
				args = append(args, g.pick("WITHSCORES", "WITHSCORES", "withscores", "FOO"))
			}
		}
		return diffCmd{args: args, check: checkZrandmember}
	}},
	{6, (*gen).zsetOp},
	{2, func(g *gen) diffCmd {
		ks := g.keysOf(g.zsetKey, 1, 3)
		n := strconv.Itoa(len(ks))
		if g.chance(0.1) {
			n = g.pick("0", "-1", "abc", "5")
		}
		args := cmdArgs("ZINTERCARD", []string{n}, ks)
		if g.chance(0.4) {
			args = append(args, "LIMIT", g.pick("0", "1", "2", "-1", "abc"))
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		args := []string{"ZSCAN", g.zsetKey(), "0"}
		if g.chance(0.05) {
			args[2] = g.pick("abc", "", "+0", " 0")
		}
		if g.chance(0.3) {
			args = append(args, "MATCH", g.pick("*", "m1*", "a", "[a-c]", "*L*"))
		}
		if g.chance(0.3) {
			args = append(args, "COUNT", g.pick("1", "3", "100", "0", "x"))
		}
		return diffCmd{args: args, check: checkCollScan}
	}},
	{2, func(g *gen) diffCmd { return exact("OBJECT", "ENCODING", g.zsetKey()) }},
	{2, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.zsetKey(), g.pick(zlexKeys...)) }},
	{1, func(g *gen) diffCmd { return exact("DEL", g.zsetKey()) }},
	{1, func(g *gen) diffCmd { return exact(g.pick("RENAME", "COPY"), g.zsetKey(), g.zsetKey()) }},
	{0.5, func(g *gen) diffCmd {
		return exact("CONFIG", "SET", g.pick("zset-max-listpack-entries", "zset-max-listpack-value"), g.pick("128", "64", "3", "0"))
	}},
}

func init() {
	genSets["sets"] = setGens
	genSets["zsets"] = zsetGens
	dumpers["set"] = func(k string) []diffCmd {
		return []diffCmd{sorted("SMEMBERS", k), exact("SCARD", k), exact("OBJECT", "ENCODING", k), exact("DEBUG", "DIGEST-VALUE", k)}
	}
	dumpers["zset"] = func(k string) []diffCmd {
		return []diffCmd{exact("ZRANGE", k, "0", "-1", "WITHSCORES"), exact("OBJECT", "ENCODING", k), exact("DEBUG", "DIGEST-VALUE", k)}
	}
}

func TestDiffSets(t *testing.T) {
	runDiff(t, append(slices.Clone(setGens), generators[:8]...), 20000)
}

func TestDiffZsets(t *testing.T) {
	runDiff(t, append(slices.Clone(zsetGens), setGens[:2]...), 20000)
}

// randReply runs c on both servers and returns the parsed replies, checking
// that error replies are identical; ok false when they were errors (or
// mismatched).
func (d *differ) randReply(c diffCmd) (rv, sv redistest.Value, ok bool) {
	d.t.Helper()
	ref, sut := d.ref.Do(c.args...), d.sut.Do(c.args...)
	rv, sv = parse(ref), parse(sut)
	if rv.IsError() || sv.IsError() || rv.Kind != sv.Kind || rv.Null != sv.Null {
		if !bytes.Equal(ref, sut) {
			d.mismatch(c.String(), ref, sut, "replies differ")
		}
		return rv, sv, false
	}
	return rv, sv, true
}

func elemStrs(v redistest.Value) []string {
	out := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = e.Str
	}
	return out
}

func distinct(s []string) bool {
	seen := map[string]bool{}
	for _, x := range s {
		if seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}

// members returns the members of a set or zset key on conn, and its size.
func members(conn *redistest.Conn, key string) map[string]bool {
	v := conn.DoValue("TYPE", key)
	var all redistest.Value
	if v.Str == "zset" {
		all = conn.DoValue("ZRANGE", key, "0", "-1")
	} else {
		all = conn.DoValue("SMEMBERS", key)
	}
	out := map[string]bool{}
	for _, e := range all.Elems {
		out[e.Str] = true
	}
	return out
}

// checkRandCount checks a random-members reply: n elements, all members of
// the key, distinct for a positive count.
func (d *differ) checkRandCount(c diffCmd, count int64, before map[string]bool, got []string, side string) {
	d.t.Helper()
	size := int64(len(before))
	want := count
	if count > 0 {
		want = min(count, size)
	} else {
		want = -count
		if size == 0 {
			want = 0
		}
	}
	if int64(len(got)) != want {
		d.mismatch(c.String(), []byte(fmt.Sprint(want)), []byte(fmt.Sprint(len(got))), side+": wrong number of elements")
		return
	}
	if count > 0 && !distinct(got) {
		d.mismatch(c.String(), nil, []byte(quoteArgs(got)), side+": repeated elements")
	}
	for _, m := range got {
		if !before[m] {
			d.mismatch(c.String(), nil, []byte(strconv.Quote(m)), side+": not a member")
			return
		}
	}
}

func checkSrandmember(d *differ, c diffCmd) {
	key := c.args[1]
	before := members(d.ref, key)
	rv, sv, ok := d.randReply(c)
	if !ok {
		return
	}
	if len(c.args) == 2 {
		if !rv.Null && (!before[rv.Str] || !before[sv.Str]) {
			d.mismatch(c.String(), []byte(rv.Str), []byte(sv.Str), "not a member")
		}
		return
	}
	count, _ := strconv.ParseInt(c.args[2], 10, 64)
	d.checkRandCount(c, count, before, elemStrs(rv), "redis-server")
	d.checkRandCount(c, count, before, elemStrs(sv), "under test")
}

// checkSpop checks SPOP's invariants, then makes the reference pop what the
// server under test popped: it adds back its own popped members and removes
// the other side's.
func checkSpop(d *differ, c diffCmd) {
	key := c.args[1]
	before := members(d.ref, key)
	rv, sv, ok := d.randReply(c)
	if !ok || rv.Null {
		return
	}
	var rgot, sgot []string
	if len(c.args) == 2 {
		rgot, sgot = []string{rv.Str}, []string{sv.Str}
	} else {
		rgot, sgot = elemStrs(rv), elemStrs(sv)
		count, _ := strconv.ParseInt(c.args[2], 10, 64)
		d.checkRandCount(c, count, before, rgot, "redis-server")
		d.checkRandCount(c, count, before, sgot, "under test")
	}
	for _, m := range sgot {
		if !before[m] {
			d.mismatch(c.String(), nil, []byte(strconv.Quote(m)), "popped a non-member")
			return
		}
	}
	if len(rgot) > 0 && !slices.Equal(rgot, sgot) {
		pttl := d.ref.DoValue("PTTL", key)
		size := int64(len(before))
		count := int64(1)
		if len(c.args) == 3 {
			count, _ = strconv.ParseInt(c.args[2], 10, 64)
		}
		if count < size && (size-count)*5 <= count {
			// Redis moved the remaining members into a new set, whose
			// encoding depends on which remain: rebuild the reference
			// from the members left on the server under test.
			rest := elemStrs(d.sut.DoValue("SMEMBERS", key))
			d.ref.Do("DEL", key)
			d.ref.Do(cmdArgs("SADD", []string{key}, rest)...)
		} else {
			// Both sides add back what they popped, then remove what the
			// server under test popped: the same commands on the same
			// contents, so a SADD that converts the encoding (past a
			// lowered set-max-intset-entries) converts it on both.
			d.ref.Do(cmdArgs("SADD", []string{key}, rgot)...)
			d.sut.Do(cmdArgs("SADD", []string{key}, sgot)...)
			d.ref.Do(cmdArgs("SREM", []string{key}, sgot)...)
			d.sut.Do(cmdArgs("SREM", []string{key}, sgot)...)
		}
		if pttl.Int > 0 {
			d.ref.Do("PEXPIRE", key, strconv.FormatInt(pttl.Int, 10))
		}
	}
}

func checkZrandmember(d *differ, c diffCmd) {
	key := c.args[1]
	before := members(d.ref, key)
	rv, sv, ok := d.randReply(c)
	if !ok {
		return
	}
	if len(c.args) == 2 {
		if !rv.Null && (!before[rv.Str] || !before[sv.Str]) {
			d.mismatch(c.String(), []byte(rv.Str), []byte(sv.Str), "not a member")
		}
		return
	}
	count, _ := strconv.ParseInt(c.args[2], 10, 64)
	for _, side := range []struct {
		name string
		v    redistest.Value
		conn *redistest.Conn
	}{{"redis-server", rv, d.ref}, {"under test", sv, d.sut}} {
		got := elemStrs(side.v)
		if len(c.args) == 4 {
			var mem []string
			for i := 0; i+1 < len(got); i += 2 {
				mem = append(mem, got[i])
				if s := side.conn.DoValue("ZSCORE", key, got[i]).Str; s != got[i+1] {
					d.mismatch(c.String(), []byte(s), []byte(got[i+1]), side.name+": wrong score")
				}
			}
			got = mem
		}
		d.checkRandCount(c, count, before, got, side.name)
	}
}

// scanColl iterates SSCAN/ZSCAN from cursor 0 to 0 and returns the items
// seen (member, or member+score for ZSCAN), or the raw error reply.
func scanColl(conn *redistest.Conn, args []string, pairs bool) ([]byte, []string, bool) {
	args = slices.Clone(args)
	seen := map[string]bool{}
	var first []byte
	for i := 0; i < 100000; i++ {
		raw := conn.Do(args...)
		if first == nil {
			first = raw
		}
		v := parse(raw)
		if v.Kind != redistest.KindArray || len(v.Elems) != 2 {
			return raw, nil, false
		}
		items := v.Elems[1].Elems
		step := 1
		if pairs {
			step = 2
		}
		for j := 0; j+step-1 < len(items); j += step {
			s := items[j].Str
			if pairs {
				s += "\x00" + items[j+1].Str
			}
			seen[s] = true
		}
		if v.Elems[0].Str == "0" {
			out := make([]string, 0, len(seen))
			for s := range seen {
				out = append(out, s)
			}
			slices.Sort(out)
			return first, out, true
		}
		args[2] = v.Elems[0].Str
	}
	return first, nil, false
}

func checkCollScan(d *differ, c diffCmd) {
	pairs := strings.EqualFold(c.args[0], "ZSCAN")
	rf, rk, rok := scanColl(d.ref, c.args, pairs)
	sf, sk, sok := scanColl(d.sut, c.args, pairs)
	switch {
	case !rok || !sok:
		if rok != sok || !bytes.Equal(rf, sf) {
			d.mismatch(c.String(), rf, sf, "scan error replies differ")
		}
	case !slices.Equal(rk, sk):
		d.mismatch(c.String(), []byte(quoteArgs(rk)), []byte(quoteArgs(sk)), "scan iterated to different sets")
	}
}

// TestBZPopBlocking checks that BZPOPMIN/BZPOPMAX/BZMPOP block until another
// client adds to the key, time out with a null array, and never block inside
// MULTI; the same script runs against redis-server for reference.
func TestBZPopBlocking(t *testing.T) {
	requireBinary(t)
	for _, which := range []string{"redis-server", "redpebble"} {
		t.Run(which, func(t *testing.T) {
			var srv *redistest.Server
			if which == "redis-server" {
				srv = redistest.StartRedis(t)
			} else {
				srv = startUnderTest(t, t.TempDir(), false)
			}
			blocked, other := redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr)
			wait := func(args ...string) chan []byte {
				ch := make(chan []byte, 1)
				blocked.Send(args...)
				blocked.Flush()
				go func() { ch <- blocked.Receive() }()
				return ch
			}
			expectBlocked := func(ch chan []byte) {
				t.Helper()
				select {
				case r := <-ch:
					t.Fatalf("did not block: %q", r)
				case <-time.After(150 * time.Millisecond):
				}
			}
			got := func(ch chan []byte) string {
				t.Helper()
				select {
				case r := <-ch:
					return string(r)
				case <-time.After(5 * time.Second):
					t.Fatal("still blocked after 5s")
				}
				return ""
			}

			ch := wait("BZPOPMIN", "bz1", "bz2", "0")
			expectBlocked(ch)
			other.MustOK("SET", "unrelated", "x")
			expectBlocked(ch)
			if r := string(other.Do("ZADD", "bz2", "2", "b", "1", "a")); r != ":2\r\n" {
				t.Fatalf("ZADD: %q", r)
			}
			if r := got(ch); r != "*3\r\n$3\r\nbz2\r\n$1\r\na\r\n$1\r\n1\r\n" {
				t.Fatalf("woken BZPOPMIN replied %q", r)
			}
			if r := string(other.Do("ZRANGE", "bz2", "0", "-1", "WITHSCORES")); r != "*2\r\n$1\r\nb\r\n$1\r\n2\r\n" {
				t.Fatalf("after the pop: %q", r)
			}

			ch = wait("BZPOPMAX", "bz3", "0")
			expectBlocked(ch)
			other.Do("ZADD", "bz3", "5", "x", "7", "y")
			if r := got(ch); r != "*3\r\n$3\r\nbz3\r\n$1\r\ny\r\n$1\r\n7\r\n" {
				t.Fatalf("woken BZPOPMAX replied %q", r)
			}

			// A woken client is served only from a zset: a key that
			// becomes a string keeps it waiting.
			ch = wait("BZPOPMIN", "bz5", "bz6", "0")
			expectBlocked(ch)
			other.MustOK("SET", "bz5", "string")
			expectBlocked(ch)
			other.Do("ZADD", "bz6", "3", "z")
			if r := got(ch); r != "*3\r\n$3\r\nbz6\r\n$1\r\nz\r\n$1\r\n3\r\n" {
				t.Fatalf("BZPOPMIN after a type change replied %q", r)
			}

			ch = wait("BZMPOP", "0", "1", "bz4", "MIN", "COUNT", "5")
			expectBlocked(ch)
			other.Do("ZADD", "bz4", "1", "p", "2", "q")
			if r := got(ch); r != "*2\r\n$3\r\nbz4\r\n*2\r\n*2\r\n$1\r\np\r\n$1\r\n1\r\n*2\r\n$1\r\nq\r\n$1\r\n2\r\n" {
				t.Fatalf("woken BZMPOP replied %q", r)
			}
			if r := string(other.Do("EXISTS", "bz4")); r != ":0\r\n" {
				t.Fatalf("emptied zset still exists: %q", r)
			}

			start := time.Now()
			ch = wait("BZPOPMIN", "bznone", "0.3")
			if r := got(ch); r != "*-1\r\n" {
				t.Fatalf("timeout reply %q", r)
			}
			if el := time.Since(start); el < 250*time.Millisecond {
				t.Fatalf("timed out after %v, want about 300ms", el)
			}

			// A wrong type met before any data is an error, not a block.
			other.MustOK("SET", "bzstr", "v")
			if r := got(wait("BZPOPMIN", "bzstr", "0")); !strings.HasPrefix(r, "-WRONGTYPE") {
				t.Fatalf("BZPOPMIN on a string: %q", r)
			}

			// Inside MULTI the command answers at once as on timeout.
			blocked.MustOK("MULTI")
			if r := string(blocked.Do("BZPOPMIN", "bznone", "0")); r != "+QUEUED\r\n" {
				t.Fatalf("queued: %q", r)
			}
			if r := string(blocked.Do("EXEC")); r != "*1\r\n*-1\r\n" {
				t.Fatalf("EXEC: %q", r)
			}
		})
	}
}
