package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/server/redistest"
)

// DUMP and RESTORE against redis-server. DUMP payloads are compared byte for
// byte; where Redis's bytes depend on hash-table order or history (hashtable
// sets and hashes, listpack hashes in insertion order, lists whose quicklist
// nodes were split or merged, streams with deleted entries or delivery
// times), each server's payload is RESTOREd into the other one and the
// restored values are compared with the type dumpers. RESTORE with every
// option, and with bad payloads, TTLs and options, is compared byte for byte.

func init() {
	genSets["dump"] = dumpGens
}

// dumpTmp is the key cross-restored payloads land in (no generator uses it).
const dumpTmp = "dump:tmp"

// dumpKey picks a key of any type's pool.
func (g *gen) dumpKey() string {
	switch g.r.Intn(7) {
	case 0:
		return g.lkey()
	case 1:
		return g.hkey()
	case 2:
		return g.setKey()
	case 3:
		return g.zsetKey()
	case 4:
		return streamKeys[g.r.Intn(len(streamKeys))]
	case 5:
		return g.bitKey()
	}
	return g.key()
}

// payload makes a DUMP payload of body with a correct footer.
func payload(body []byte, ver int) string { return string(rdb.AppendDumpFooter(body, ver)) }

// badPayloads are payloads Redis refuses (or, for the RDB 9 one, accepts).
var badPayloads = func() []string {
	hello := []byte{0, 5, 'h', 'e', 'l', 'l', 'o'}
	good := payload(hello, 10)
	flipped := []byte(good)
	flipped[3] ^= 0x20
	return []string{
		"", "junk", "0123456789", good[:len(good)-1], string(flipped),
		payload(hello, 11), payload(hello, 9), payload(hello, 1),
		payload([]byte{30, 1, 'a'}, 10), payload([]byte{6, 0}, 10), payload([]byte{8, 0}, 10),
		payload([]byte{18, 0}, 10), payload([]byte{2, 0}, 10), payload([]byte{4, 0}, 10), payload([]byte{5, 0}, 10),
		payload([]byte{0, 9, 'a'}, 10), payload([]byte{0, 1, 'a', 'b'}, 10), payload([]byte{0}, 10),
		payload([]byte{11, 2, 0xff, 0xff}, 10), payload([]byte{0, 0xc0, 7}, 10),
		payload([]byte{1, 2, 1, 'a', 1, 'b'}, 10),
	}
}()

var dumpGens = []genFunc{
	{3, func(g *gen) diffCmd { return diffCmd{args: []string{"DUMP", g.dumpKey()}, check: (*differ).checkDump} }},
	{4, func(g *gen) diffCmd { return g.genRestoreOwn() }},
	{1.5, func(g *gen) diffCmd { return g.genRestoreBad() }},
	{0.5, func(g *gen) diffCmd { return exact("TYPE", g.dumpKey()) }},
	{0.5, func(g *gen) diffCmd { return exact("DEBUG", "DIGEST-VALUE", g.dumpKey()) }},
}

// restoreOpts draws RESTORE's TTL and options.
func (g *gen) restoreOpts() (ttl string, opts []string) {
	ttl = "0"
	abs := false
	switch x := g.r.Float64(); {
	case x < 0.25:
		ttl = g.relMs()
	case x < 0.4:
		ttl, abs = g.absMs(), true
	case x < 0.5:
		ttl, abs = strconv.Itoa(1+g.r.Intn(1_000_000)), true // already past
	}
	if abs || g.chance(0.05) {
		opts = append(opts, "ABSTTL")
	}
	if g.chance(0.6) {
		opts = append(opts, "REPLACE")
	}
	switch x := g.r.Float64(); {
	case x < 0.15:
		opts = append(opts, "IDLETIME", strconv.Itoa(g.r.Intn(100000)))
	case x < 0.3:
		opts = append(opts, "FREQ", strconv.Itoa(g.r.Intn(256)))
	}
	if g.chance(0.3) && len(opts) > 0 && opts[0] == "ABSTTL" {
		opts = append(opts[1:], "ABSTTL")
	}
	return ttl, opts
}

// genRestoreOwn is DUMP of a random key on each server, then RESTORE of
// that server's own payload to a random key.
func (g *gen) genRestoreOwn() diffCmd {
	src, dst := g.dumpKey(), g.dumpKey()
	if g.chance(0.3) {
		dst = src
	}
	ttl, opts := g.restoreOpts()
	args := append([]string{"RESTORE", dst, ttl, "<DUMP " + src + ">"}, opts...)
	return diffCmd{args: args, check: func(d *differ, c diffCmd) {
		d.t.Helper()
		rp, sp := d.ref.DoValue("DUMP", src), d.sut.DoValue("DUMP", src)
		if rp.Null != sp.Null || rp.Kind != sp.Kind {
			d.mismatch("DUMP "+strconv.Quote(src), []byte(rp.String()), []byte(sp.String()), "DUMP before RESTORE differs")
			return
		}
		ra, sa := slices.Clone(args), slices.Clone(args)
		if rp.Null {
			ra[3], sa[3] = "junk", "junk"
		} else {
			ra[3], sa[3] = rp.Str, sp.Str
		}
		ref, sut := d.ref.Do(ra...), d.sut.Do(sa...)
		if !bytes.Equal(ref, sut) {
			d.mismatch(c.String(), ref, sut, "RESTORE replies differ")
		}
	}}
}

// genRestoreBad is RESTORE with bad payloads, TTLs or options, or onto an
// existing key, with a valid or invalid payload.
func (g *gen) genRestoreBad() diffCmd {
	key := g.dumpKey()
	p := badPayloads[g.r.Intn(len(badPayloads))]
	if g.chance(0.3) {
		p = payload([]byte{0, 5, 'h', 'e', 'l', 'l', 'o'}, 10)
	}
	ttl, opts := g.restoreOpts()
	switch g.r.Intn(8) {
	case 0:
		ttl = g.pick("-1", "abc", "1.5", "", "-9223372036854775808", "9223372036854775807", "99999999999999999999")
	case 1:
		opts = append(opts, g.pick("IDLETIME", "FREQ"), g.pick("-1", "x", "256", "255", "0", "9223372036854775807", "1.5"))
	case 2:
		opts = append(opts, "IDLETIME", "1", "FREQ", "2")
	case 3:
		opts = append(opts, "FREQ", "1", "IDLETIME", "2")
	case 4:
		opts = append(opts, g.pick("FOO", "IDLETIME", "FREQ", "REPLACEX", "replace", "absttl"))
	}
	return exact(append([]string{"RESTORE", key, ttl, p}, opts...)...)
}

// deterministicDump says whether Redis's DUMP bytes of a key are a function
// of its contents, so ours must equal them.
func deterministicDump(typ, enc string) bool {
	switch typ {
	case "string", "zset":
		return true
	case "set":
		return enc == "intset"
	}
	return false
}

// checkDump compares DUMP replies; when they differ for a type whose bytes
// may legitimately differ, each payload is restored into the other server
// and the values compared.
func (d *differ) checkDump(c diffCmd) {
	d.t.Helper()
	key := c.args[1]
	ref, sut := d.ref.Do(c.args...), d.sut.Do(c.args...)
	if bytes.Equal(ref, sut) {
		return
	}
	rv, sv := parse(ref), parse(sut)
	if rv.Kind != redistest.KindBulk || sv.Kind != redistest.KindBulk || rv.Null || sv.Null {
		d.mismatch(c.String(), ref, sut, "DUMP replies differ")
		return
	}
	typ := d.ref.DoValue("TYPE", key).Str
	enc := d.ref.DoValue("OBJECT", "ENCODING", key).Str
	if deterministicDump(typ, enc) {
		d.mismatch(c.String(), ref, sut, fmt.Sprintf("DUMP of a %s (%s) differs", typ, enc))
		return
	}
	// Cross-restore: Redis's payload into redpebble and ours into Redis.
	r1 := d.ref.Do("RESTORE", dumpTmp, "0", sv.Str, "REPLACE")
	s1 := d.sut.Do("RESTORE", dumpTmp, "0", rv.Str, "REPLACE")
	if string(r1) != "+OK\r\n" || string(s1) != "+OK\r\n" {
		d.mismatch("cross RESTORE of "+c.String(), r1, s1, "cross-restored payload refused")
		return
	}
	for _, dc := range dumpers[typ](dumpTmp) {
		d.run(dc)
	}
	d.run(exact("DEBUG", "DIGEST-VALUE", dumpTmp, key))
	d.run(exact("OBJECT", "ENCODING", dumpTmp))
	d.run(exact("DEL", dumpTmp))
}

func TestDiffDump(t *testing.T) {
	var gens []genFunc
	gens = append(gens, generators...)
	for _, name := range []string{"lists", "hashes", "sets", "zsets", "streams"} {
		gens = append(gens, genSets[name]...)
	}
	// DUMP/RESTORE weigh as much as all the rest.
	var total float64
	for _, gf := range gens {
		total += gf.weight
	}
	for _, gf := range dumpGens {
		gens = append(gens, genFunc{gf.weight * total / 9.5, gf.fn})
	}
	runDiff(t, gens, 20000)
}
