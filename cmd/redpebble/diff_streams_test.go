package main

import (
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// Differential test of the stream commands. Ids are explicit except for a
// few `*` and `ms-*` (compared by shape). Replies that carry delivery or
// seen times (XPENDING extended, XINFO CONSUMERS, XINFO STREAM FULL) are
// compared with those numbers masked (cmpStreamTimes).

const cmpStreamTimes cmpMode = 100 // numbers after time-like keys masked; `*` ids masked

func init() {
	genSets["streams"] = streamGens
	dumpers["stream"] = func(k string) []diffCmd {
		return []diffCmd{
			exact("XRANGE", k, "-", "+"),
			exact("XLEN", k),
			diffCmd{args: []string{"XINFO", "STREAM", k}},
			exact("XINFO", "GROUPS", k),
			diffCmd{args: []string{"XINFO", "STREAM", k, "FULL"}, mode: cmpStreamTimes},
		}
	}
	customCmp[cmpStreamTimes] = func(ref, sut []byte) bool {
		return streamMask(ref) == streamMask(sut)
	}
}

var streamTimeRe = regexp.MustCompile(`:1[0-9]{12}\r\n`)
var streamIdleRe = regexp.MustCompile(`(\$4\r\nidle\r\n|\$9\r\nseen-time\r\n):[0-9]+\r\n`)
var streamPendingRe = regexp.MustCompile(`(\*4\r\n\$[0-9]+\r\n[0-9]+-[0-9]+\r\n\$[0-9]+\r\n[^\r]*\r\n):[0-9]+\r\n`)
var streamAutoIDRe = regexp.MustCompile(`1[0-9]{12}-[0-9]+`)

// streamMask hides delivery times (unix ms), idle times and time-based ids.
func streamMask(b []byte) string {
	s := streamIdleRe.ReplaceAllString(string(b), "$1:T\r\n")
	s = streamPendingRe.ReplaceAllString(s, "$1:T\r\n")
	s = streamTimeRe.ReplaceAllString(s, ":T\r\n")
	return streamAutoIDRe.ReplaceAllString(s, "AUTO")
}

// streamMs is each generator's rising ms part of XADD ids; streamKeyMs
// the ms part of the last id generated for each key, and streamLastKey the
// stream key drawn last, so that ids drawn after a key are near its entries.
var (
	streamMs      = map[*gen]int64{}
	streamKeyMs   = map[*gen]map[string]int64{}
	streamLastKey = map[*gen]string{}
)

var streamKeys = []string{"s1", "s2", "s3", "{t}x"}

func (g *gen) skey() string {
	k := g.key()
	if g.chance(0.93) {
		k = streamKeys[g.r.Intn(len(streamKeys))]
	}
	streamLastKey[g] = k
	return k
}

// recentMs is the ms part of an id at most back ms before the last one
// generated for the last key drawn.
func (g *gen) recentMs(back int) int64 {
	ms := streamMs[g]
	if m, ok := streamKeyMs[g][streamLastKey[g]]; ok {
		ms = m
	}
	return 1000 + ms - int64(g.r.Intn(back))
}

// sid returns an explicit id, mostly near the others so they collide.
func (g *gen) sid() string {
	switch g.r.Intn(20) {
	case 0:
		return g.pick("0-0", "0-1", "18446744073709551615-18446744073709551615", "18446744073709551615-0",
			"18446744073709551614-18446744073709551615", "-", "+", "abc", "", "1-", "-1", "1--1", "1-x", "01-02", " 1-1", "+1-1",
			"18446744073709551616-0", "1-18446744073709551616", "1.5", "1-*", "*", "$", ">")
	case 1:
		return strconv.Itoa(g.r.Intn(60))
	case 2, 3, 4, 5, 6, 7, 8, 9:
		// Near the newest ids XADD generated, so that XDEL, XACK and
		// XCLAIM hit existing entries.
		ms := g.recentMs(12)
		if g.chance(0.2) {
			return strconv.FormatInt(ms, 10)
		}
		if g.chance(0.7) {
			return fmt.Sprintf("%d-0", ms)
		}
		return fmt.Sprintf("%d-%d", ms, g.r.Intn(3))
	default:
		return fmt.Sprintf("%d-%d", g.r.Intn(60), g.r.Intn(4))
	}
}

func (g *gen) rangeID(end bool) string {
	switch g.r.Intn(8) {
	case 0:
		if end {
			return "+"
		}
		return "-"
	case 1:
		return "(" + g.sid()
	default:
		return g.sid()
	}
}

// gname is a group name, mostly one that gets created.
func (g *gen) gname() string {
	if g.chance(0.1) {
		return "nog"
	}
	return g.pick("g1", "g2")
}

func (g *gen) streamField() string { return g.pick("f", "g", "h", "1", "22", "-3", "f2") }
func (g *gen) fvals() []string {
	var out []string
	n := 1 + g.r.Intn(3)
	if g.chance(0.05) {
		n = 12
	}
	same := g.chance(0.6)
	for i := 0; i < n; i++ {
		f := g.streamField()
		if same {
			f = []string{"f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"}[i]
		}
		v := g.value()
		if g.chance(0.02) {
			v = string(make([]byte, 300+g.r.Intn(600)))
		}
		out = append(out, f, v)
	}
	return out
}

func (g *gen) trimOpt(xadd bool) []string {
	var a []string
	if g.chance(0.5) {
		a = append(a, "MAXLEN")
	} else {
		a = append(a, "MINID")
	}
	if g.chance(0.6) {
		a = append(a, g.pick("~", "=", "~"))
	}
	switch {
	case a[0] == "MAXLEN" && g.chance(0.3):
		a = append(a, g.pick("0", "1", "2", "5", "10", "-1", "abc"))
	case a[0] == "MAXLEN":
		a = append(a, strconv.Itoa(50+g.r.Intn(300)))
	case g.chance(0.3):
		a = append(a, g.sid())
	default:
		a = append(a, fmt.Sprintf("%d-%d", g.recentMs(300)-50, g.r.Intn(2)))
	}
	if g.chance(0.2) {
		a = append(a, "LIMIT", g.pick("0", "1", "10", "100", "-1", "x", "200"))
	}
	if g.chance(0.03) {
		a = append(a, g.pick("MAXLEN", "MINID"), "1")
	}
	return a
}

func (g *gen) genXadd() diffCmd {
	k := g.skey()
	args := []string{"XADD", k}
	if g.chance(0.1) {
		args = append(args, "NOMKSTREAM")
	}
	if g.chance(0.1) {
		args = append(args, g.trimOpt(true)...)
	}
	mode := cmpExact
	defer func() {
		if streamKeyMs[g] == nil {
			streamKeyMs[g] = map[string]int64{}
		}
		streamKeyMs[g][k] = streamMs[g]
	}()
	switch {
	case g.chance(0.03):
		// `*` ids are time-based: add to a key of its own, compare by
		// shape, and drop it again so that datasets stay comparable.
		args = []string{"XADD", "auto", "*"}
		mode = cmpStreamTimes
		g.queue = append(g.queue, exact("XLEN", "auto"), exact("DEL", "auto"))
	default:
		// Mostly ascending ids so that entries pile up, sometimes an id
		// that is too small or malformed.
		streamMs[g] += int64(g.r.Intn(3))
		ms := 1000 + streamMs[g]
		switch {
		case g.chance(0.05):
			id := g.sid()
			if id == "*" {
				id = "1-*" // time-based ids only on the "auto" key
			}
			args = append(args, id)
		case g.chance(0.03):
			args = append(args, fmt.Sprintf("%d-%d", g.r.Intn(60), g.r.Intn(3)))
		case g.chance(0.1):
			args = append(args, fmt.Sprintf("%d-*", ms))
		case g.chance(0.3):
			args = append(args, fmt.Sprintf("%d-%d", ms, g.r.Intn(3)))
		default:
			streamMs[g]++
			args = append(args, fmt.Sprintf("%d-0", ms+1))
		}
	}
	args = append(args, g.fvals()...)
	if g.chance(0.02) {
		args = args[:len(args)-1]
	}
	return diffCmd{args: args, mode: mode}
}

func (g *gen) genXreadArgs(group bool) []string {
	var args []string
	if group {
		args = []string{"XREADGROUP", "GROUP", g.gname(), g.pick("c1", "c2", "c3")}
	} else {
		args = []string{"XREAD"}
	}
	if g.chance(0.4) {
		args = append(args, "COUNT", g.pick("1", "2", "3", "0", "-1", "10", "x"))
	}
	if group && g.chance(0.15) {
		args = append(args, "NOACK")
	}
	if g.chance(0.08) {
		// Would block on redis-server only when nothing is there: keep it
		// short, both time out identically.
		args = append(args, "BLOCK", g.pick("1", "-1", "x"))
	}
	if g.chance(0.02) {
		args = append(args, g.pick("GROUP", "NOACK", "FOO"))
	}
	args = append(args, "STREAMS")
	n := 1 + g.r.Intn(2)
	ks := make([]string, n)
	for i := range ks {
		ks[i] = g.skey()
	}
	args = append(args, ks...)
	for i := 0; i < n; i++ {
		if group {
			if g.chance(0.7) {
				args = append(args, ">")
			} else {
				args = append(args, g.pick("0", "0-0", g.sid()))
			}
		} else {
			args = append(args, g.pick("0", "$", g.sid(), g.sid()))
		}
	}
	if g.chance(0.02) {
		args = args[:len(args)-1]
	}
	return args
}

var streamWrongArity = [][]string{
	{"XADD", "s1"}, {"XADD", "s1", "1-1"}, {"XADD", "s1", "1-1", "f"}, {"XLEN"}, {"XRANGE", "s1", "-"}, {"XREVRANGE", "s1"},
	{"XDEL"}, {"XTRIM", "s1", "MAXLEN"}, {"XREAD"}, {"XREAD", "STREAMS", "s1"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1"},
	{"XGROUP"}, {"XGROUP", "CREATE", "s1", "g"}, {"XGROUP", "DESTROY", "s1"}, {"XGROUP", "HELP", "x"}, {"XGROUP", "FOO"},
	{"XGROUP", "CREATECONSUMER", "s1", "g"}, {"XSETID", "s1"}, {"XACK", "s1", "g"}, {"XPENDING", "s1"},
	{"XCLAIM", "s1", "g", "c", "0"}, {"XAUTOCLAIM", "s1", "g", "c", "0"}, {"XINFO"}, {"XINFO", "STREAM"},
	{"XINFO", "GROUPS"}, {"XINFO", "CONSUMERS", "s1"}, {"XINFO", "FOO", "s1"}, {"XGROUP", "HELP"}, {"XINFO", "HELP"},
	{"XPENDING", "s1", "g1", "-"}, {"XPENDING", "s1", "g1", "-", "+"}, {"XPENDING", "s1", "g1", "IDLE", "0", "-", "+"},
}

var streamGens = []genFunc{
	{30, (*gen).genXadd},
	{3, func(g *gen) diffCmd { return exact("XLEN", g.skey()) }},
	{6, func(g *gen) diffCmd {
		args := []string{"XRANGE", g.skey(), g.rangeID(false), g.rangeID(true)}
		if g.chance(0.3) {
			args[0] = "XREVRANGE"
			args[2], args[3] = g.rangeID(true), g.rangeID(false)
		}
		if g.chance(0.4) {
			args = append(args, "COUNT", g.pick("1", "2", "5", "0", "-1", "x"))
		}
		if g.chance(0.03) {
			args = append(args, "FOO")
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"XDEL", g.skey()}
		for i, n := 0, 1+g.r.Intn(3); i < n; i++ {
			args = append(args, g.sid())
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd {
		args := append([]string{"XTRIM", g.skey()}, g.trimOpt(false)...)
		if g.chance(0.03) {
			args = []string{"XTRIM", g.skey(), g.pick("LIMIT", "FOO"), "1"}
		}
		return exact(args...)
	}},
	{5, func(g *gen) diffCmd { return exact(g.genXreadArgs(false)...) }},
	{7, func(g *gen) diffCmd { return diffCmd{args: g.genXreadArgs(true), mode: cmpStreamTimes} }},
	{5, func(g *gen) diffCmd {
		k, grp := g.skey(), g.pick("g1", "g2", "g1", "g2", "g3")
		switch g.r.Intn(9) {
		case 0, 1, 2:
			args := []string{"XGROUP", "CREATE", k, grp, g.pick("$", "0", "0-0", g.sid())}
			if g.chance(0.7) {
				args = append(args, "MKSTREAM")
			}
			if g.chance(0.2) {
				args = append(args, "ENTRIESREAD", g.pick("0", "1", "5", "-1", "-2", "x"))
			}
			if g.chance(0.03) {
				args = append(args, "FOO")
			}
			return exact(args...)
		case 3:
			args := []string{"XGROUP", "SETID", k, grp, g.pick("$", "0", "-", "+", g.sid())}
			if g.chance(0.3) {
				args = append(args, "ENTRIESREAD", g.pick("0", "3", "-1", "-5", "x"))
			}
			return exact(args...)
		case 4:
			return exact("XGROUP", "DESTROY", k, grp)
		case 5, 6:
			return exact("XGROUP", "CREATECONSUMER", k, grp, g.pick("c1", "c2", "c3"))
		case 7:
			return exact("XGROUP", "DELCONSUMER", k, grp, g.pick("c1", "c2", "c3"))
		default:
			return exact("XGROUP", g.pick("HELP", "help", "FOO"))
		}
	}},
	{2, func(g *gen) diffCmd {
		args := []string{"XSETID", g.skey(), g.sid()}
		if g.chance(0.3) {
			args = append(args, "ENTRIESADDED", g.pick("0", "5", "100", "-1", "x"))
		}
		if g.chance(0.3) {
			args = append(args, "MAXDELETEDID", g.sid())
		}
		if g.chance(0.03) {
			args = append(args, "FOO")
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"XACK", g.skey(), g.gname()}
		for i, n := 0, 1+g.r.Intn(3); i < n; i++ {
			args = append(args, g.sid())
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"XPENDING", g.skey(), g.gname()}
		if g.chance(0.5) {
			return exact(args...)
		}
		if g.chance(0.2) {
			args = append(args, "IDLE", g.pick("0", "1000000", "x", "-1"))
		}
		args = append(args, g.rangeID(false), g.rangeID(true), g.pick("1", "3", "10", "0", "-1", "x"))
		if g.chance(0.4) {
			args = append(args, g.pick("c1", "c2", "c3", "nobody"))
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"XCLAIM", g.skey(), g.gname(), g.pick("c1", "c2", "c3"), g.pick("0", "0", "1000000", "-5", "x")}
		for i, n := 0, 1+g.r.Intn(3); i < n; i++ {
			args = append(args, g.sid())
		}
		if g.chance(0.2) {
			args = append(args, "IDLE", g.pick("0", "5000000", "x"))
		}
		if g.chance(0.1) {
			args = append(args, "TIME", g.pick("0", "1", "x"))
		}
		if g.chance(0.2) {
			args = append(args, "RETRYCOUNT", g.pick("0", "5", "x"))
		}
		if g.chance(0.2) {
			args = append(args, "FORCE")
		}
		if g.chance(0.3) {
			args = append(args, "JUSTID")
		}
		if g.chance(0.1) {
			args = append(args, "LASTID", g.sid())
		}
		if g.chance(0.03) {
			args = append(args, "BOGUS")
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"XAUTOCLAIM", g.skey(), g.gname(), g.pick("c1", "c2", "c3"), g.pick("0", "0", "1000000", "-1", "x"), g.rangeID(false)}
		if g.chance(0.4) {
			args = append(args, "COUNT", g.pick("1", "2", "5", "0", "-1", "x"))
		}
		if g.chance(0.3) {
			args = append(args, "JUSTID")
		}
		if g.chance(0.03) {
			args = append(args, "FOO")
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{4, func(g *gen) diffCmd {
		k := g.skey()
		switch g.r.Intn(6) {
		case 0:
			return exact("XINFO", "GROUPS", k)
		case 1:
			return diffCmd{args: []string{"XINFO", "CONSUMERS", k, g.gname()}, mode: cmpStreamTimes}
		case 2:
			args := []string{"XINFO", "STREAM", k, "FULL"}
			if g.chance(0.5) {
				args = append(args, "COUNT", g.pick("0", "1", "3", "-1", "x"))
			}
			if g.chance(0.05) {
				args = []string{"XINFO", "STREAM", k, g.pick("FOO", "FULL"), "COUNT"}
			}
			return diffCmd{args: args, mode: cmpStreamTimes}
		case 3:
			return exact("XINFO", "HELP")
		default:
			return exact("XINFO", "STREAM", k)
		}
	}},
	{1, func(g *gen) diffCmd { return exact(slices.Clone(streamWrongArity[g.r.Intn(len(streamWrongArity))])...) }},
	{2, func(g *gen) diffCmd { return exact("TYPE", g.skey()) }},
	{1, func(g *gen) diffCmd { return exact("OBJECT", "ENCODING", g.skey()) }},
	{1, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.skey(), g.skey()) }},
	{0.4, func(g *gen) diffCmd {
		// Deleted streams come back with their two groups, so that the
		// group commands mostly find one.
		k := g.skey()
		if g.chance(0.7) {
			g.queue = append(g.queue, exact("XGROUP", "CREATE", k, "g1", "0", "MKSTREAM"), exact("XGROUP", "CREATE", k, "g2", "$", "MKSTREAM"))
		}
		return exact("DEL", k)
	}},
	{0.3, func(g *gen) diffCmd { return exact(g.pick("RENAME", "COPY"), g.skey(), g.skey()) }},
	{0.3, func(g *gen) diffCmd {
		// A stream key turned into a string answers WRONGTYPE, briefly.
		k := g.skey()
		g.queue = append(g.queue, exact("XADD", k, "1-1", "f", "v"), exact("XLEN", k), exact("DEL", k))
		return exact("SET", k, "v")
	}},
	{0.5, func(g *gen) diffCmd { return exact("EXPIRE", g.skey(), g.relSec()) }},
}

// TestDiffStreams compares the stream commands with redis-server.
func TestDiffStreams(t *testing.T) {
	runDiff(t, append(slices.Clone(generators[:0:0]), streamGens...), 20000)
}

// TestStreamMaskShape checks that the time masks leave other replies alone.
func TestStreamMaskShape(t *testing.T) {
	if streamMask([]byte(":5\r\n")) != ":5\r\n" {
		t.Fatal("mask changed a small integer")
	}
	if streamMask([]byte(":1796112607215\r\n")) != ":T\r\n" {
		t.Fatal("mask kept a unix ms time")
	}
}

// nodeGens drive a few streams past many Redis nodes (100 entries or 4 KiB
// each) so that `~` trimming, XDEL inside nodes and XINFO STREAM's
// radix-tree counts are compared.
var nodeGens = []genFunc{
	{60, func(g *gen) diffCmd {
		k := g.pick("n1", "n2")
		streamMs[g]++
		fv := []string{"f", g.value()}
		if g.chance(0.3) {
			fv = append(fv, "g", strconv.Itoa(g.r.Intn(100000)-50000))
		}
		if g.chance(0.05) {
			fv = []string{"x", string(make([]byte, 200+g.r.Intn(1500)))}
		}
		return exact(append([]string{"XADD", k, fmt.Sprintf("%d-%d", 1000+streamMs[g], g.r.Intn(2))}, fv...)...)
	}},
	{6, func(g *gen) diffCmd {
		args := []string{"XTRIM", g.pick("n1", "n2"), g.pick("MAXLEN", "MINID"), g.pick("~", "~", "=")}
		if args[2] == "MAXLEN" {
			args = append(args, strconv.Itoa(g.r.Intn(400)))
		} else {
			args = append(args, fmt.Sprintf("%d", 1000+int(streamMs[g])-g.r.Intn(400)))
		}
		if g.chance(0.2) && args[3] == "~" {
			args = append(args, "LIMIT", g.pick("50", "100", "150", "0"))
		}
		return exact(args...)
	}},
	{6, func(g *gen) diffCmd {
		args := []string{"XDEL", g.pick("n1", "n2")}
		for i := 0; i < 1+g.r.Intn(10); i++ {
			args = append(args, fmt.Sprintf("%d-%d", 1000+int(streamMs[g])-g.r.Intn(500), g.r.Intn(2)))
		}
		return exact(args...)
	}},
	{4, func(g *gen) diffCmd {
		k := g.pick("n1", "n2")
		return exact("XADD", k, "MAXLEN", "~", strconv.Itoa(g.r.Intn(300)), fmt.Sprintf("%d-*", 1000+streamMs[g]), "f", "v")
	}},
	{6, func(g *gen) diffCmd { return exact("XINFO", "STREAM", g.pick("n1", "n2")) }},
	{1, func(g *gen) diffCmd { return exact("XLEN", g.pick("n1", "n2")) }},
	{0.2, func(g *gen) diffCmd { return exact("DEL", g.pick("n1", "n2")) }},
}

// TestDiffStreamNodes compares node-dependent replies on long streams.
func TestDiffStreamNodes(t *testing.T) {
	runDiff(t, nodeGens, 10000)
}

// TestDiffStreamsRESP3 runs the stream generators on RESP3 connections
// (maps in XREAD and XINFO, RESP3 nulls).
func TestDiffStreamsRESP3(t *testing.T) {
	requireBinary(t)
	seed := envInt(t, "REDPEBBLE_DIFF_SEED", diffDefaultSeed)
	n := envInt(t, "REDPEBBLE_DIFF_N", 5000)
	ref := redistest.StartRedis(t, "enable-debug-command yes")
	sut := startUnderTest(t, t.TempDir(), false, "enable-debug-command yes")
	d := &differ{t: t, seed: seed, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr),
		maxMismatches: int(envInt(t, "REDPEBBLE_DIFF_MAX_MISMATCHES", 1))}
	for _, c := range []*redistest.Conn{d.ref, d.sut} {
		if v := c.DoValue("HELLO", "3"); v.IsError() {
			t.Fatalf("HELLO 3: %v", v)
		}
	}
	g := &gen{r: rand.New(rand.NewSource(seed)), skip: map[string]bool{}, gens: streamGens}
	for i := int64(0); i < n; i++ {
		d.run(g.next())
	}
}

// groupState is the key and id counter of groupGens: one stream "q" whose
// XADDs always succeed, so that ids drawn from the recent ones exist and the
// PEL commands act on real pending entries.
var groupState = map[*gen]int{}

func (g *gen) qid(back int) string {
	n := groupState[g] - g.r.Intn(back)
	if n < 1 {
		n = 1
	}
	return fmt.Sprintf("%d-0", 1000+n)
}

func (g *gen) qcons() string { return g.pick("c1", "c2", "c3") }

var groupGens = []genFunc{
	{20, func(g *gen) diffCmd {
		if groupState[g] == 0 {
			g.queue = append(g.queue, exact("XGROUP", "CREATE", "q", "g", "0"), exact("XGROUP", "CREATE", "q", "h", "$"))
		}
		groupState[g]++
		return exact(append([]string{"XADD", "q", fmt.Sprintf("%d-0", 1000+groupState[g])}, g.fvals()...)...)
	}},
	{12, func(g *gen) diffCmd {
		args := []string{"XREADGROUP", "GROUP", g.pick("g", "h"), g.qcons()}
		if g.chance(0.6) {
			args = append(args, "COUNT", g.pick("1", "2", "5"))
		}
		if g.chance(0.1) {
			args = append(args, "NOACK")
		}
		id := ">"
		if g.chance(0.25) {
			id = g.pick("0", g.qid(30))
		}
		return diffCmd{args: append(args, "STREAMS", "q", id), mode: cmpStreamTimes}
	}},
	{6, func(g *gen) diffCmd {
		args := []string{"XACK", "q", g.pick("g", "h")}
		for i := 0; i < 1+g.r.Intn(3); i++ {
			args = append(args, g.qid(30))
		}
		return exact(args...)
	}},
	{6, func(g *gen) diffCmd {
		args := []string{"XCLAIM", "q", g.pick("g", "h"), g.qcons(), g.pick("0", "0", "100000000")}
		for i := 0; i < 1+g.r.Intn(3); i++ {
			args = append(args, g.qid(30))
		}
		for _, o := range [][]string{{"JUSTID"}, {"FORCE"}, {"RETRYCOUNT", "7"}, {"IDLE", "100000000"}, {"LASTID", g.qid(10)}, {"TIME", "1"}} {
			if g.chance(0.15) {
				args = append(args, o...)
			}
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{4, func(g *gen) diffCmd {
		args := []string{"XAUTOCLAIM", "q", g.pick("g", "h"), g.qcons(), g.pick("0", "0", "100000000"), g.pick("0", "-", g.qid(40), "("+g.qid(40))}
		if g.chance(0.6) {
			args = append(args, "COUNT", g.pick("1", "2", "3", "10"))
		}
		if g.chance(0.3) {
			args = append(args, "JUSTID")
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{5, func(g *gen) diffCmd {
		args := []string{"XPENDING", "q", g.pick("g", "h")}
		if g.chance(0.6) {
			if g.chance(0.2) {
				args = append(args, "IDLE", g.pick("0", "100000000"))
			}
			args = append(args, g.pick("-", g.qid(40)), g.pick("+", g.qid(10)), g.pick("1", "3", "100"))
			if g.chance(0.4) {
				args = append(args, g.qcons())
			}
		}
		return diffCmd{args: args, mode: cmpStreamTimes}
	}},
	{3, func(g *gen) diffCmd {
		args := []string{"XDEL", "q"}
		for i := 0; i < 1+g.r.Intn(2); i++ {
			args = append(args, g.qid(30))
		}
		return exact(args...)
	}},
	{2, func(g *gen) diffCmd {
		return exact("XTRIM", "q", g.pick("MAXLEN", "MINID"), g.pick("~", "="), g.pick("5", "20", "50", g.qid(60)))
	}},
	{3, func(g *gen) diffCmd {
		switch g.r.Intn(4) {
		case 0:
			return exact("XINFO", "GROUPS", "q")
		case 1:
			return diffCmd{args: []string{"XINFO", "CONSUMERS", "q", g.pick("g", "h")}, mode: cmpStreamTimes}
		case 2:
			return diffCmd{args: []string{"XINFO", "STREAM", "q", "FULL", "COUNT", g.pick("0", "3")}, mode: cmpStreamTimes}
		}
		return exact("XINFO", "STREAM", "q")
	}},
	{1, func(g *gen) diffCmd {
		args := []string{"XGROUP", "SETID", "q", g.pick("g", "h"), g.pick("$", "0", g.qid(30))}
		if g.chance(0.3) {
			args = append(args, "ENTRIESREAD", g.pick("0", "5", "-1"))
		}
		return exact(args...)
	}},
	{1, func(g *gen) diffCmd {
		return exact("XGROUP", g.pick("DELCONSUMER", "CREATECONSUMER"), "q", g.pick("g", "h"), g.qcons())
	}},
	{0.3, func(g *gen) diffCmd {
		g.queue = append(g.queue, exact("XGROUP", "CREATE", "q", "g", "0"))
		return exact("XGROUP", "DESTROY", "q", "g")
	}},
	{0.5, func(g *gen) diffCmd {
		return exact("XSETID", "q", g.qid(5), "ENTRIESADDED", g.pick("1000", "1"), "MAXDELETEDID", g.qid(50))
	}},
}

// TestDiffStreamGroups drives consumer groups over one stream whose ids are
// known, so that XACK, XCLAIM, XAUTOCLAIM and XPENDING act on real pending
// entries.
func TestDiffStreamGroups(t *testing.T) {
	runDiff(t, groupGens, 10000)
}
