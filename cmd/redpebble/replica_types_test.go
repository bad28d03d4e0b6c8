package main

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Follower tests over every data type: a redis-server master, a redis-server
// replica as the reference of what a replica holds (encodings included), and
// redpebble following the same master.

// fillAllTypes writes every type and encoding Redis 7.0 has, TTLs, several
// dbs and a function library.
func fillAllTypes(t *testing.T, c *redistest.Conn) {
	t.Helper()
	do := func(args ...string) {
		if v := c.DoValue(args...); v.IsError() {
			t.Fatalf("%s: %s", quoteArgs(args), v.Str)
		}
	}
	many := func(cmd, key string, n int, elem func(i int) []string) {
		args := []string{cmd, key}
		for i := 0; i < n; i++ {
			args = append(args, elem(i)...)
		}
		do(args...)
	}
	for _, db := range []string{"0", "1", "7", "15"} {
		do("SELECT", db)
		p := "db" + db + ":"
		// Strings: int, embstr, raw, binary; one with a TTL.
		do("SET", p+"s:int", "1234567")
		do("SET", p+"s:neg", "-42")
		do("SET", p+"s:emb", "hello")
		do("SET", p+"s:raw", strings.Repeat("r", 100))
		do("SET", p+"s:bin", "a\x00b\r\n\xff")
		do("SET", p+"s:big", strings.Repeat("B", 70000))
		do("SET", p+"s:ttl", "v", "PX", "3600000")
		// Lists: listpack, quicklist by count, quicklist by element size.
		do("RPUSH", p+"l:small", "a", "1", "-3", "")
		many("RPUSH", p+"l:large", 300, func(i int) []string { return []string{"e" + strconv.Itoa(i)} })
		do("RPUSH", p+"l:bigelem", "x", strings.Repeat("L", 9000), "y")
		do("RPUSH", p+"l:ttl", "a")
		do("PEXPIRE", p+"l:ttl", "7200000")
		// Hashes: listpack, hashtable by count and by value size.
		do("HSET", p+"h:small", "f1", "v1", "n", "12", "", "empty")
		many("HSET", p+"h:large", 200, func(i int) []string { return []string{"f" + strconv.Itoa(i), strconv.Itoa(i * 7)} })
		do("HSET", p+"h:longval", "f", strings.Repeat("H", 100))
		do("HSET", p+"h:ttl", "f", "v")
		do("EXPIRE", p+"h:ttl", "5000")
		// Sets: intset, listpack-less 7.0 hashtable by strings and by count.
		do("SADD", p+"set:int", "1", "2", "3", "-100", "9223372036854775807")
		do("SADD", p+"set:str", "a", "b", "c")
		many("SADD", p+"set:bigint", 600, func(i int) []string { return []string{strconv.Itoa(i * 3)} })
		do("SADD", p+"set:ttl", "x")
		do("PEXPIREAT", p+"set:ttl", strconv.FormatInt(time.Now().UnixMilli()+9_000_000, 10))
		// Sorted sets: listpack and skiplist, odd scores.
		do("ZADD", p+"z:small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0", "e")
		many("ZADD", p+"z:large", 200, func(i int) []string { return []string{strconv.Itoa(i%17) + ".25", "m" + strconv.Itoa(i)} })
		do("ZADD", p+"z:longmember", "1", strings.Repeat("Z", 80))
		do("ZADD", p+"z:ttl", "3", "q")
		do("EXPIRE", p+"z:ttl", "4000")
	}
	do("SELECT", "0")
	// Streams: entries over several nodes, deletions, groups, PEL, consumers.
	for i := 0; i < 250; i++ {
		do("XADD", "st:big", strconv.Itoa(1000+i)+"-"+strconv.Itoa(i%3), "f", strconv.Itoa(i), "g", "v")
	}
	do("XDEL", "st:big", "1010-1", "1011-2")
	do("XADD", "st:small", "1-1", "a", "1")
	do("XADD", "st:small", "2-0", "b", "2", "c", "3")
	do("XADD", "st:small", "5-5", "a", "x")
	do("XGROUP", "CREATE", "st:small", "g1", "0")
	do("XGROUP", "CREATE", "st:small", "g2", "$")
	do("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "st:small", ">")
	do("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "st:small", ">")
	do("XACK", "st:small", "g1", "1-1")
	do("XGROUP", "CREATECONSUMER", "st:small", "g2", "idle")
	do("XGROUP", "CREATE", "st:big", "grp", "1100-0")
	do("XREADGROUP", "GROUP", "grp", "c", "COUNT", "30", "STREAMS", "st:big", ">")
	do("XCLAIM", "st:big", "grp", "d", "0", "1101-1", "1102-2")
	do("XGROUP", "CREATE", "st:empty", "g", "$", "MKSTREAM")
	do("XADD", "st:trimmed", "MAXLEN", "0", "*", "a", "b")
	do("XADD", "st:ttl", "*", "a", "b")
	do("EXPIRE", "st:ttl", "6000")
	do("FUNCTION", "LOAD", "#!lua name=e2elib\nredis.register_function('e2e_get', function(keys, args) return redis.call('get', keys[1]) end)\n"+
		"redis.register_function{function_name='e2e_ro', callback=function(keys, args) return 1 end, flags={'no-writes'}}")
}

// compareReplica compares the whole dataset of sut (redpebble) with ref (a
// redis-server replica of the same master) db by db with the type dumpers
// and PTTL, then FUNCTION LIST, and DEBUG DIGEST of sut with the master's.
// It returns the number of keys compared.
func compareReplica(t *testing.T, master, ref, sut *redistest.Conn) int {
	t.Helper()
	d := &differ{t: t, ref: ref, sut: sut, maxMismatches: 10}
	total := 0
	for db := 0; db < 16; db++ {
		d.run(exact("SELECT", strconv.Itoa(db)))
		d.run(exact("DBSIZE"))
		d.run(diffCmd{args: []string{"KEYS", "*"}, mode: cmpSorted})
		for _, qk := range sortedStrs(ref.DoValue("KEYS", "*")) {
			k, err := strconv.Unquote(qk)
			if err != nil {
				t.Fatalf("unquoting %s: %v", qk, err)
			}
			total++
			d.run(exact("TYPE", k))
			typ := ref.DoValue("TYPE", k).Str
			dump := dumpers[typ]
			if dump == nil {
				t.Fatalf("no dumper for type %q of key %q", typ, k)
			}
			for _, c := range dump(k) {
				d.run(c)
			}
			d.run(diffCmd{args: []string{"PTTL", k}, mode: cmpTTLMs})
			d.run(exact("PEXPIRETIME", k))
		}
	}
	d.run(exact("SELECT", "0"))
	// Redis lists a library's functions in its dict's (seeded) order.
	if a, b := functionList(ref), functionList(sut); a != b {
		t.Errorf("FUNCTION LIST WITHCODE differs:\n  redis replica: %s\n  redpebble:     %s", a, b)
	}
	md, rd, sd := master.DoValue("DEBUG", "DIGEST"), ref.DoValue("DEBUG", "DIGEST"), sut.DoValue("DEBUG", "DIGEST")
	switch {
	case sd.Str != rd.Str:
		t.Errorf("DEBUG DIGEST master %s, redis replica %s, redpebble %s", md.Str, rd.Str, sd.Str)
	case md.Str != rd.Str:
		// redis-server's own replica differs from its master: redpebble is
		// held to the replica (seed 1796126701737870607 of
		// TestFollowerWorkloadAllTypes gives an HLL whose bytes differ
		// between master and replica, raw there and embstr here, in Redis
		// 7.0.15 itself). Say which keys, so that such a case is visible.
		t.Logf("DEBUG DIGEST master %s differs from its redis replica's and redpebble's %s (Redis's own divergence)", md.Str, rd.Str)
		logMasterDivergence(t, master, ref)
	default:
		t.Logf("DEBUG DIGEST %s on all three; %d keys compared", md.Str, total)
	}
	return total
}

// logMasterDivergence logs the keys whose DEBUG DIGEST-VALUE differs between
// a redis-server master and its redis-server replica.
func logMasterDivergence(t *testing.T, master, ref *redistest.Conn) {
	t.Helper()
	for db := 0; db < 16; db++ {
		master.MustOK("SELECT", strconv.Itoa(db))
		ref.MustOK("SELECT", strconv.Itoa(db))
		for _, qk := range sortedStrs(master.DoValue("KEYS", "*")) {
			k, err := strconv.Unquote(qk)
			if err != nil {
				continue
			}
			a, b := master.DoValue("DEBUG", "DIGEST-VALUE", k), ref.DoValue("DEBUG", "DIGEST-VALUE", k)
			if len(a.Elems) != 1 || len(b.Elems) != 1 || a.Elems[0].Str != b.Elems[0].Str {
				t.Logf("  db %d key %q (%s): master %v, redis replica %v; OBJECT ENCODING %v / %v", db, k,
					master.DoValue("TYPE", k).Str, a, b, master.DoValue("OBJECT", "ENCODING", k), ref.DoValue("OBJECT", "ENCODING", k))
			}
		}
	}
	master.MustOK("SELECT", "0")
	ref.MustOK("SELECT", "0")
}

// startRedisReplica starts a redis-server replica of master.
func startRedisReplica(t *testing.T, master *redistest.Server) *redistest.Server {
	t.Helper()
	return redistest.StartRedis(t, "enable-debug-command yes", "replicaof 127.0.0.1 "+strconv.Itoa(master.Port))
}

func TestFollowerFullSyncAllTypes(t *testing.T) {
	requireFollower(t)
	for _, mode := range []struct {
		name string
		conf []string
	}{
		{"disk", []string{"repl-diskless-sync no"}},
		{"diskless", []string{"repl-diskless-sync yes", "repl-diskless-sync-delay 0"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			master := redistest.StartRedis(t, append([]string{"enable-debug-command yes"}, mode.conf...)...)
			mc := redistest.Dial(t, master.Addr)
			fillAllTypes(t, mc)
			ref := startRedisReplica(t, master)
			rp := startFollower(t, master, t.TempDir())
			refc, rc := redistest.Dial(t, ref.Addr), redistest.Dial(t, rp.Addr)
			waitSynced(t, mc, refc)
			waitSynced(t, mc, rc)
			if n := compareReplica(t, mc, refc, rc); n < 90 {
				t.Errorf("compared %d keys", n)
			}
		})
	}
}

// replicatedWrite reports whether args should go to the master in the
// workload: write commands and what frames them, never blocking ones.
// Commands redpebble does not have (SORT, GEO*, RESTORE while unwired) are
// left out and counted in missing.
type writeFilter struct {
	c, sut  *redistest.Conn
	cache   map[string]bool
	missing map[string]int
}

func (w *writeFilter) ok(args []string) bool {
	name := strings.ToLower(args[0])
	switch name {
	case "select", "multi", "exec", "discard", "watch", "unwatch", "eval", "evalsha", "fcall", "function", "restore":
		return true
	case "config", "debug", "client", "hello", "reset", "shutdown", "replicaof", "slaveof", "failover", "swapdb":
		return false
	case "xreadgroup":
		for _, a := range args {
			if strings.EqualFold(a, "block") {
				return false
			}
		}
		return true
	}
	if v, ok := w.cache[name]; ok {
		if w.missing[name] > 0 {
			w.missing[name]++
		}
		return v
	}
	if v := w.sut.DoValue("COMMAND", "INFO", name); len(v.Elems) == 1 && v.Elems[0].Null {
		w.cache[name] = false
		w.missing[name] = 1
		return false
	}
	v := w.c.DoValue("COMMAND", "INFO", name)
	ok := false
	if len(v.Elems) == 1 && len(v.Elems[0].Elems) > 2 {
		flags := v.Elems[0].Elems[2].Elems
		for _, f := range flags {
			if f.Str == "write" {
				ok = true
			}
		}
		for _, f := range flags {
			if f.Str == "blocking" {
				ok = false
			}
		}
	}
	w.cache[name] = ok
	return ok
}

// extraWrites are writes the workload adds to the generators' own: scripts
// replicated as effects, expiring keys, random pops, RESTORE.
func extraWrites(g *gen, mc *redistest.Conn) [][]string {
	k := g.key()
	switch g.r.Intn(12) {
	case 0:
		return [][]string{{"EVAL", "redis.call('set',KEYS[1],ARGV[1])", "1", k, g.value()}}
	case 1:
		return [][]string{{"EVAL", "redis.call('rpush',KEYS[1],ARGV[1]); return redis.call('incr', KEYS[2])", "2", "ev:l", "ev:n", g.value()}}
	case 2:
		return [][]string{{"SET", "exp:" + strconv.Itoa(g.r.Intn(20)), "v", "PX", strconv.Itoa(1 + g.r.Intn(100))}}
	case 3:
		return [][]string{{"SADD", "exp:s", "a", "b"}, {"PEXPIRE", "exp:s", strconv.Itoa(1 + g.r.Intn(50))}}
	case 4:
		return [][]string{{"SADD", "sp", "1", "2", "3", "x", "y", "z"}, {"SPOP", "sp", strconv.Itoa(g.r.Intn(4))}, {"SPOP", "sp"}}
	case 5:
		return [][]string{{"INCRBYFLOAT", "fl", "0.1"}, {"HINCRBYFLOAT", "hf", "f", "1.5e3"}}
	case 6:
		return [][]string{{"XADD", "xs", "MAXLEN", "~", "50", "*", "f", g.value()},
			{"XGROUP", "CREATE", "xs", "g", "0", "MKSTREAM"},
			{"XREADGROUP", "GROUP", "g", "c" + strconv.Itoa(g.r.Intn(3)), "COUNT", "2", "STREAMS", "xs", ">"}}
	case 7:
		return [][]string{{"RPUSH", "srt", "3", "1", "2"}, {"SORT", "srt", "STORE", "srt:out"}}
	case 8:
		dump := mc.DoValue("DUMP", k)
		if dump.Null || dump.IsError() {
			return nil
		}
		return [][]string{{"RESTORE", "rs:" + strconv.Itoa(g.r.Intn(5)), "0", dump.Str, "REPLACE"}}
	case 9:
		return [][]string{{"MULTI"}, {"LPUSH", "mx", g.value()}, {"HSET", "mh", g.value(), g.value()}, {"ZADD", "mz", g.floatArg(), g.value()}, {"EXEC"}}
	case 10:
		if g.chance(0.1) {
			return [][]string{{"SELECT", "3"}, {"FLUSHDB"}, {"SELECT", "0"}}
		}
		return [][]string{{"SELECT", "3"}, {"SET", "f:" + g.value(), "1"}, {"LPUSH", "fl", "a"}, {"SELECT", "0"}}
	default:
		return [][]string{{g.pick("EXPIRE", "PEXPIRE"), k, strconv.Itoa(100000 + g.r.Intn(100000))}, {"PERSIST", g.key()}}
	}
}

func TestFollowerWorkloadAllTypes(t *testing.T) {
	requireFollower(t)
	seed := time.Now().UnixNano()
	if s := os.Getenv("REDPEBBLE_DIFF_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	n := int(envInt(t, "REDPEBBLE_DIFF_N", 6000))
	if testing.Short() && os.Getenv("REDPEBBLE_DIFF_N") == "" {
		n = 600
	}
	t.Logf("seed %d (REDPEBBLE_DIFF_SEED), %d commands (REDPEBBLE_DIFF_N)", seed, n)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync yes", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	fillAllTypes(t, mc)
	ref := startRedisReplica(t, master)
	rp := startFollower(t, master, t.TempDir())
	refc, rc := redistest.Dial(t, ref.Addr), redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, refc)
	waitSynced(t, mc, rc)

	// RESTORE of every type and encoding (the follower rebuilds the value
	// from the DUMP payload), relative and absolute TTLs.
	for i, k := range mc.DoValue("KEYS", "db0:*").Elems {
		dump := mc.DoValue("DUMP", k.Str)
		args := []string{"RESTORE", "copy:" + k.Str, "0", dump.Str}
		switch i % 3 {
		case 1:
			args[2] = "100000"
		case 2:
			args[2] = strconv.FormatInt(time.Now().UnixMilli()+200000, 10)
			args = append(args, "ABSTTL")
		}
		mc.MustOK(args...)
	}
	for _, k := range mc.DoValue("KEYS", "st:*").Elems {
		mc.MustOK("RESTORE", "copy:"+k.Str, "0", mc.DoValue("DUMP", k.Str).Str)
	}
	g := &gen{r: rand.New(rand.NewSource(seed)), gens: allGens()}
	wf := &writeFilter{c: mc, sut: rc, cache: map[string]bool{}, missing: map[string]int{}}
	wc := redistest.Dial(t, master.Addr)
	sent := 0
	inMulti := false
	for i := 0; i < n; i++ {
		var cmds [][]string
		if g.chance(0.15) && !inMulti && len(g.queue) == 0 {
			cmds = extraWrites(g, wc)
		} else {
			cmds = [][]string{g.next().args}
		}
		for _, args := range cmds {
			if !wf.ok(args) {
				continue
			}
			switch strings.ToLower(args[0]) {
			case "multi":
				inMulti = true
			case "exec", "discard":
				inMulti = false
			}
			wc.Do(args...)
			sent++
		}
	}
	if inMulti {
		wc.Do("DISCARD")
	}
	t.Logf("%d write commands sent to the master; not sent, as redpebble lacks them: %v", sent, wf.missing)
	// Let the short TTLs pass, then make the master expire every key (its
	// DELs replicate) by touching them.
	time.Sleep(200 * time.Millisecond)
	for db := 0; db < 16; db++ {
		mc.MustOK("SELECT", strconv.Itoa(db))
		for _, k := range mc.DoValue("KEYS", "*").Elems {
			mc.Do("PTTL", k.Str)
		}
	}
	mc.MustOK("SELECT", "0")
	if v := mc.DoValue("WAIT", "2", "10000"); v.Int != 2 {
		t.Errorf("WAIT 2 = %v", v)
	}
	waitSynced(t, mc, refc)
	waitSynced(t, mc, rc)
	compareReplica(t, mc, refc, rc)
}

// functionList is FUNCTION LIST WITHCODE with each library's functions
// sorted.
func functionList(c *redistest.Conn) string {
	v := c.DoValue("FUNCTION", "LIST", "WITHCODE")
	var libs []string
	for _, lib := range v.Elems {
		var parts []string
		for i := 0; i+1 < len(lib.Elems); i += 2 {
			val := lib.Elems[i+1]
			if lib.Elems[i].Str == "functions" {
				var fs []string
				for _, f := range val.Elems {
					fs = append(fs, fmt.Sprint(f))
				}
				slices.Sort(fs)
				parts = append(parts, "functions="+strings.Join(fs, ","))
				continue
			}
			parts = append(parts, lib.Elems[i].Str+"="+fmt.Sprint(val))
		}
		libs = append(libs, strings.Join(parts, " "))
	}
	slices.Sort(libs)
	return strings.Join(libs, "; ")
}

// readPushes reads pushes from c until stop says the last one arrived.
func readPushes(t *testing.T, c *redistest.Conn, what string, stop func(v redistest.Value) bool) []redistest.Value {
	t.Helper()
	var out []redistest.Value
	for {
		_, v, err := c.TryReceive()
		if err != nil {
			t.Fatalf("%s: after %d pushes: %v", what, len(out), err)
		}
		out = append(out, v)
		if stop(v) {
			return out
		}
	}
}

// Messages PUBLISHed on the master reach redpebble's subscribers, RESP2 and
// RESP3, in order; keyspace events of the writes redpebble applies match
// what a redis-server replica's subscribers get.
func TestFollowerPubsubAndKeyspaceEvents(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync yes", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	ref := startRedisReplica(t, master)
	rp := startFollower(t, master, t.TempDir())
	refc, rc := redistest.Dial(t, ref.Addr), redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, refc)
	waitSynced(t, mc, rc)

	// Channel messages.
	s2, s3 := redistest.Dial(t, rp.Addr), redistest.Dial(t, rp.Addr)
	s3.DoValue("HELLO", "3")
	s2.Do("SUBSCRIBE", "ch")
	s3.Do("SUBSCRIBE", "ch")
	const msgs = 10000
	for i := 0; i < msgs; i++ {
		mc.Send("PUBLISH", "ch", "m"+strconv.Itoa(i))
	}
	for i := 0; i < msgs; i++ {
		mc.Receive()
	}
	for _, s := range []struct {
		c    *redistest.Conn
		name string
		kind redistest.Kind
	}{{s2, "RESP2", redistest.KindArray}, {s3, "RESP3", redistest.KindPush}} {
		next := 0
		readPushes(t, s.c, s.name+" subscriber", func(v redistest.Value) bool {
			if v.Kind != s.kind || len(v.Elems) != 3 || v.Elems[0].Str != "message" || v.Elems[1].Str != "ch" {
				t.Fatalf("%s subscriber: push %v", s.name, v)
			}
			if want := "m" + strconv.Itoa(next); v.Elems[2].Str != want {
				t.Fatalf("%s subscriber: message %d is %q, want %q", s.name, next, v.Elems[2].Str, want)
			}
			next++
			return next == msgs
		})
		t.Logf("%s subscriber: %d messages in order", s.name, next)
	}

	// Keyspace events.
	for _, c := range []*redistest.Conn{refc, rc} {
		c.MustOK("CONFIG", "SET", "notify-keyspace-events", "KEA")
	}
	er, es := redistest.Dial(t, ref.Addr), redistest.Dial(t, rp.Addr)
	er.Do("PSUBSCRIBE", "__keyspace@0__:*", "__keyevent@*__:*")
	es.Do("PSUBSCRIBE", "__keyspace@0__:*", "__keyevent@*__:*")
	er.Receive()
	es.Receive()
	g := &gen{r: rand.New(rand.NewSource(5)), gens: allGens()}
	wf := &writeFilter{c: mc, sut: rc, cache: map[string]bool{}, missing: map[string]int{}}
	wc := redistest.Dial(t, master.Addr)
	inMulti := false
	for i := 0; i < 3000; i++ {
		var cmds [][]string
		if g.chance(0.15) && !inMulti && len(g.queue) == 0 {
			cmds = extraWrites(g, wc)
		} else {
			cmds = [][]string{g.next().args}
		}
		for _, args := range cmds {
			if !wf.ok(args) || strings.EqualFold(args[0], "function") {
				continue
			}
			switch strings.ToLower(args[0]) {
			case "multi":
				inMulti = true
			case "exec", "discard":
				inMulti = false
			}
			wc.Do(args...)
		}
	}
	if inMulti {
		wc.Do("DISCARD")
	}
	// Keys expire on the master: its DELs (and their events) replicate.
	wc.MustOK("SELECT", "0")
	for i := 0; i < 20; i++ {
		wc.MustOK("SET", "ttl:"+strconv.Itoa(i), "v", "PX", "20")
	}
	time.Sleep(300 * time.Millisecond)
	for i := 0; i < 20; i++ {
		wc.Do("GET", "ttl:"+strconv.Itoa(i))
	}
	wc.MustOK("SET", "__end__", "1")
	end := func(v redistest.Value) bool {
		return len(v.Elems) == 4 && v.Elems[2].Str == "__keyspace@0__:__end__"
	}
	evs := func(vs []redistest.Value) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = fmt.Sprint(v.Elems[2].Str, " ", v.Elems[3].Str)
		}
		return out
	}
	want := evs(readPushes(t, er, "redis replica keyspace subscriber", end))
	got := evs(readPushes(t, es, "redpebble keyspace subscriber", end))
	dels := 0
	for _, e := range want {
		if strings.HasPrefix(e, "__keyspace@0__:ttl:") && strings.HasSuffix(e, " del") {
			dels++
		}
	}
	if dels < 20 {
		t.Errorf("the redis replica saw %d dels of expired keys, want 20", dels)
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			lo := max(0, i-5)
			t.Fatalf("keyspace events differ at %d of %d/%d:\n  redis replica: %q\n  redpebble:     %q", i, len(want), len(got),
				want[lo:min(len(want), i+5)], got[lo:min(len(got), i+5)])
		}
	}
	t.Logf("%d keyspace events equal (%d dels of expired keys)", len(want), dels)
}

// allGens is every generator set, in a fixed order.
func allGens() []genFunc {
	names := make([]string, 0, len(genSets))
	for name := range genSets {
		names = append(names, name)
	}
	slices.Sort(names)
	gens := slices.Clone(generators)
	for _, name := range names {
		gens = append(gens, genSets[name]...)
	}
	return gens
}
