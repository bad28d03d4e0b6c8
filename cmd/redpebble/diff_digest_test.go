package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// digestWorkload returns a deterministic workload over every type (no
// command whose effect Redis randomises), spread over three dbs, with every
// encoding a type has (small and large collections, long elements, many
// quicklist nodes, expiring keys).
func digestWorkload() [][]string {
	var w [][]string
	add := func(args ...string) { w = append(w, args) }
	long := strings.Repeat("L", 100) // past every *-max-listpack-value
	for db := 0; db < 3; db++ {
		add("SELECT", strconv.Itoa(db))
		p := fmt.Sprintf("d%d:", db)
		// Strings: raw, int-encoded, embstr, binary, bitmaps and HyperLogLogs.
		add("SET", p+"str", "hello world")
		add("SET", p+"int", "12345")
		add("INCRBY", p+"int", "-7")
		add("INCRBYFLOAT", p+"float", "3.25")
		add("APPEND", p+"str", " and more")
		add("SETRANGE", p+"rng", "10", "bin\x00\xff\r\n")
		add("SET", p+"empty", "")
		add("SET", p+"ttl", "v", "EX", "100000")
		add("SETBIT", p+"bits", "1000", "1")
		add("SETBIT", p+"bits", "7", "1")
		add("BITFIELD", p+"bits", "SET", "u8", "16", "200")
		hll := []string{"PFADD", p + "hll"}
		for i := 0; i < 50; i++ {
			hll = append(hll, "e"+strconv.Itoa(i))
		}
		add(hll...)
		big := []string{"PFADD", p + "hllbig"}
		for i := 0; i < 3000; i++ {
			big = append(big, "m"+strconv.Itoa(i))
		}
		add(big...)
		// Lists: listpack, quicklist with many nodes, long elements.
		add("RPUSH", p+"l:small", "a", "b", "1", "2", "")
		add("LPUSH", p+"l:small", "z")
		add("LINSERT", p+"l:small", "BEFORE", "1", "x")
		for i := 0; i < 600; i++ {
			add("RPUSH", p+"l:big", "item"+strconv.Itoa(i), strconv.Itoa(i*7))
		}
		add("LSET", p+"l:big", "100", long)
		add("LTRIM", p+"l:big", "3", "-4")
		add("LREM", p+"l:big", "0", "item50")
		add("RPUSH", p+"l:long", long, long+"x", "s")
		add("LMOVE", p+"l:small", p+"l:moved", "LEFT", "RIGHT")
		// Hashes: listpack and hashtable.
		add("HSET", p+"h:small", "f1", "v1", "f2", "2", "f3", "")
		add("HINCRBY", p+"h:small", "f2", "40")
		add("HINCRBYFLOAT", p+"h:small", "fl", "1.5")
		for i := 0; i < 200; i++ {
			add("HSET", p+"h:big", "field"+strconv.Itoa(i), "value"+strconv.Itoa(i*3))
		}
		add("HDEL", p+"h:big", "field7", "field8")
		add("HSET", p+"h:long", "f", long)
		add("EXPIRE", p+"h:long", "100000")
		// Sets: intset, hashtable, large intset.
		add("SADD", p+"s:int", "1", "2", "3", "-100", "9223372036854775807")
		add("SADD", p+"s:str", "a", "b", "c", "1", long)
		ints := []string{"SADD", p + "s:many"}
		for i := 0; i < 700; i++ {
			ints = append(ints, strconv.Itoa(i*13))
		}
		add(ints...)
		add("SREM", p+"s:many", "0", "13")
		add("SINTERSTORE", p+"s:inter", p+"s:int", p+"s:str")
		add("SUNIONSTORE", p+"s:union", p+"s:int", p+"s:str")
		add("SDIFFSTORE", p+"s:diff", p+"s:many", p+"s:int")
		add("SMOVE", p+"s:str", p+"s:int", "b")
		// Sorted sets: listpack and skiplist.
		add("ZADD", p+"z:small", "1", "a", "2.5", "b", "-inf", "c", "+inf", "d", "0", "e")
		add("ZINCRBY", p+"z:small", "10", "a")
		for i := 0; i < 300; i++ {
			add("ZADD", p+"z:big", strconv.Itoa(i%17), "member"+strconv.Itoa(i))
		}
		add("ZREM", p+"z:big", "member3")
		add("ZREMRANGEBYSCORE", p+"z:big", "15", "16")
		add("ZADD", p+"z:long", "1", long)
		add("ZUNIONSTORE", p+"z:union", "2", p+"z:small", p+"z:big", "WEIGHTS", "2", "0.5")
		add("ZINTERSTORE", p+"z:inter", "2", p+"z:small", p+"z:big", "AGGREGATE", "MAX")
		add("ZPOPMIN", p+"z:small")
		add("ZADD", p+"z:lex", "0", "alpha", "0", "beta", "0", "gamma")
		// Streams with explicit IDs, trimming, deletions and groups.
		for i := 1; i <= 250; i++ {
			add("XADD", p+"x", fmt.Sprintf("%d-%d", 1000+i/3, i%3), "f", strconv.Itoa(i), "g", "v"+strconv.Itoa(i%5))
		}
		add("XDEL", p+"x", "1010-1", "1020-0")
		add("XTRIM", p+"x", "MAXLEN", "200")
		add("XGROUP", "CREATE", p+"x", "grp", "0")
		add("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "5", "STREAMS", p+"x", ">")
		add("XADD", p+"x:small", "5-1", "a", "1")
		// Key-space commands over the types.
		add("COPY", p+"l:big", p+"l:copy")
		add("RENAME", p+"h:small", p+"h:renamed")
		add("COPY", p+"z:big", p+"z:copy", "DB", strconv.Itoa((db+1)%3))
		add("DEL", p+"s:inter")
		add("PERSIST", p+"ttl")
		add("EXPIRE", p+"z:union", "100000")
	}
	add("SELECT", "0")
	return w
}

// TestDigestAfterWorkload runs the same deterministic workload over every
// type on redis-server and redpebble, then compares DEBUG DIGEST and every
// key's DEBUG DIGEST-VALUE (and TYPE, OBJECT ENCODING).
func TestDigestAfterWorkload(t *testing.T) {
	requireBinary(t)
	ref := redistest.StartRedis(t, "enable-debug-command yes")
	sut := startUnderTest(t, t.TempDir(), false, "enable-debug-command yes")
	rc, sc := redistest.Dial(t, ref.Addr), redistest.Dial(t, sut.Addr)
	w := digestWorkload()
	var replies [2][][]byte
	for i, conn := range []*redistest.Conn{rc, sc} {
		for _, args := range w {
			conn.Send(args...)
		}
		conn.Flush()
		for range w {
			replies[i] = append(replies[i], conn.Receive())
		}
	}
	// The replies must match too.
	for i, args := range w {
		if !bytes.Equal(replies[0][i], replies[1][i]) {
			t.Errorf("%q: redis-server %q, redpebble %q", args, replies[0][i], replies[1][i])
		}
	}
	for _, args := range [][]string{{"DBSIZE"}, {"SELECT", "1"}, {"DBSIZE"}, {"SELECT", "0"}} {
		if r, s := rc.Do(args...), sc.Do(args...); !bytes.Equal(r, s) {
			t.Fatalf("%q: redis-server %q, redpebble %q", args, r, s)
		}
	}
	r, s := rc.DoValue("DEBUG", "DIGEST"), sc.DoValue("DEBUG", "DIGEST")
	if r.IsError() || r.Str == strings.Repeat("0", 40) {
		t.Fatalf("redis-server DEBUG DIGEST: %v", r)
	}
	digestOK := r.Str == s.Str
	if !digestOK {
		t.Errorf("DEBUG DIGEST: redis-server %s, redpebble %s", r.Str, s.Str)
	}
	nkeys := 0
	for db := 0; db < 3; db++ {
		rc.MustOK("SELECT", strconv.Itoa(db))
		sc.MustOK("SELECT", strconv.Itoa(db))
		rk, sk := elemStrs(rc.DoValue("KEYS", "*")), elemStrs(sc.DoValue("KEYS", "*"))
		slices.Sort(rk)
		slices.Sort(sk)
		if !slices.Equal(rk, sk) {
			t.Fatalf("db %d keys: redis-server %q, redpebble %q", db, rk, sk)
		}
		for _, k := range rk {
			nkeys++
			for _, args := range [][]string{{"TYPE", k}, {"OBJECT", "ENCODING", k}, {"DEBUG", "DIGEST-VALUE", k}} {
				if r, s := rc.Do(args...), sc.Do(args...); !bytes.Equal(r, s) {
					t.Errorf("db %d %q: redis-server %q, redpebble %q", db, args, r, s)
				}
			}
		}
	}
	if nkeys < 80 {
		t.Fatalf("only %d keys: the workload did not run", nkeys)
	}
	if digestOK {
		t.Logf("%d commands, %d keys in 3 dbs, DEBUG DIGEST %s on both", len(w), nkeys, r.Str)
	}
}
