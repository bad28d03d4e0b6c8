package main

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Master tests: redpebble serving real redis-server replicas, standalone
// and in a chain redis-server → redpebble → redis-server.

// fillTypes writes small and big values of every type into dbs 0 and 2.
func fillTypes(t *testing.T, c *redistest.Conn, tag string) {
	t.Helper()
	for _, db := range []string{"0", "2"} {
		c.MustOK("SELECT", db)
		p := tag + ":" + db + ":"
		n := 0
		send := func(args ...string) { c.Send(args...); n++ }
		for i := 0; i < 1000; i++ {
			send("RPUSH", p+"biglist", fmt.Sprintf("e%d", i), strconv.Itoa(i))
			send("HSET", p+"bighash", fmt.Sprintf("f%d", i), strings.Repeat("v", i%100))
			send("SADD", p+"bigset", fmt.Sprintf("m%d", i))
			send("ZADD", p+"bigzset", strconv.Itoa(i%37), fmt.Sprintf("z%d", i))
			send("XADD", p+"stream", fmt.Sprintf("%d-1", i+1), "f", strconv.Itoa(i), "g", "x")
		}
		for i := 0; i < 20; i++ {
			send("RPUSH", p+"list", strconv.Itoa(i))
			send("HSET", p+"hash", fmt.Sprintf("f%d", i), strconv.Itoa(i))
			send("SADD", p+"intset", strconv.Itoa(i*7))
			send("SADD", p+"set", fmt.Sprintf("s%d", i))
			send("ZADD", p+"zset", fmt.Sprintf("%d.5", i), fmt.Sprintf("m%d", i))
			send("SET", p+"str"+strconv.Itoa(i), strings.Repeat("abc", i*10), "PX", "3600000")
		}
		send("XGROUP", "CREATE", p+"stream", "g1", "0")
		send("XGROUP", "CREATE", p+"stream", "g2", "500-1")
		send("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", p+"stream", ">")
		send("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "5", "STREAMS", p+"stream", ">")
		send("XACK", p+"stream", "g1", "2-1")
		send("PFADD", p+"hll", "a", "b", "c")
		send("SETBIT", p+"bits", "100", "1")
		for i := 0; i < n; i++ {
			c.Receive()
		}
	}
	c.MustOK("SELECT", "0")
}

// typedWorkload runs random writes of every type, including the commands
// a master must rewrite (SPOP, INCRBYFLOAT, HINCRBYFLOAT, EXPIRE, XADD *).
func typedWorkload(t *testing.T, c *redistest.Conn, rng *rand.Rand, n int) {
	t.Helper()
	key := func(p string) string { return p + ":" + strconv.Itoa(rng.Intn(30)) }
	sent := 0
	for i := 0; i < n; i++ {
		v := strconv.Itoa(rng.Intn(50))
		switch rng.Intn(20) {
		case 18:
			c.Send("XADD", key("x"), "MAXLEN", "~", "5", "*", "f", v)
		case 19:
			c.Send("XTRIM", key("x"), "MAXLEN", "~", "3")
		case 0:
			c.Send("SELECT", strconv.Itoa(rng.Intn(3)))
		case 1:
			c.Send("LPUSH", key("l"), v, v+"x")
		case 2:
			c.Send("RPOP", key("l"))
		case 3:
			c.Send("HSET", key("h"), "f"+v, v)
		case 4:
			c.Send("HINCRBYFLOAT", key("h"), "fl", "0.25")
		case 5:
			c.Send("SADD", key("s"), v, "m"+v)
		case 6:
			c.Send("SPOP", key("s"))
		case 7:
			c.Send("SPOP", key("s"), "2")
		case 8:
			c.Send("ZADD", key("z"), v, "m"+v)
		case 9:
			c.Send("ZINCRBY", key("z"), "1.5", "m"+v)
		case 10:
			c.Send("XADD", key("x"), "*", "f", v)
		case 11:
			c.Send("INCRBYFLOAT", key("f"), "0.1")
		case 12:
			c.Send("EXPIRE", key("l"), strconv.Itoa(1000+rng.Intn(1000)))
		case 13:
			c.Send("MULTI")
			c.Send("LPUSH", key("l"), "m")
			c.Send("SADD", key("s"), "mm")
			c.Send("EXEC")
			sent += 3
		case 14:
			c.Send("DEL", key("h"))
		case 15:
			c.Send("ZPOPMIN", key("z"))
		case 16:
			c.Send("SET", key("k"), v, "EX", "1000")
		default:
			c.Send("SET", key("k"), v)
		}
		sent++
	}
	for i := 0; i < sent; i++ {
		c.Receive()
	}
	c.MustOK("SELECT", "0")
}

func digest(t *testing.T, c *redistest.Conn) string {
	t.Helper()
	v := c.DoValue("DEBUG", "DIGEST")
	if v.IsError() {
		t.Fatalf("DEBUG DIGEST on %s: %s", c.Addr(), v.Str)
	}
	return v.Str
}

// waitConverged waits until every node has the same master_repl_offset
// and the same DEBUG DIGEST.
func waitConverged(t *testing.T, conns ...*redistest.Conn) {
	t.Helper()
	var last string
	deadline := time.Now().Add(40 * time.Second)
	for {
		var offs, digs []string
		for _, c := range conns {
			offs = append(offs, info(t, c, "replication")["master_repl_offset"])
			digs = append(digs, digest(t, c))
		}
		last = fmt.Sprintf("offsets %v digests %v", offs, digs)
		same := true
		for i := range conns {
			same = same && offs[i] == offs[0] && digs[i] == digs[0]
		}
		if same && digs[0] != strings.Repeat("0", 40) {
			t.Logf("converged: %s", last)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes did not converge: %s", last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startRedpebbleMaster(t *testing.T, conf ...string) *redistest.Server {
	t.Helper()
	bin := redistest.BuildRedpebble(t)
	args := append([]string{"--enable-debug-command", "yes"}, confArgs(conf)...)
	return redistest.StartRedpebble(t, bin, t.TempDir(), args...)
}

func replicaOf(t *testing.T, m *redistest.Server) *redistest.Server {
	t.Helper()
	return redistest.StartRedis(t, "replicaof 127.0.0.1 "+strconv.Itoa(m.Port), "enable-debug-command yes")
}

func TestMasterChainAndPromotion(t *testing.T) {
	requireFollower(t)
	top := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync-delay 0")
	tc := redistest.Dial(t, top.Addr)
	fillTypes(t, tc, "pre")
	fillStrings(t, tc, 300, "pre")
	rp := startFollower(t, top, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, tc, rc)
	sub := replicaOf(t, rp)
	sc := redistest.Dial(t, sub.Addr)
	rng := rand.New(rand.NewSource(1))
	typedWorkload(t, tc, rng, 3000)
	workload(t, tc, rng, 2000)
	waitConverged(t, tc, rc, sc)
	if s := info(t, rc, "replication"); s["connected_slaves"] != "1" || !strings.Contains(s["slave0"], "state=online") {
		t.Fatalf("redpebble's replica list: %v", s)
	}
	if a, b := info(t, tc, "replication")["master_replid"], info(t, sc, "replication")["master_replid"]; a != b {
		t.Fatalf("replid along the chain: top %s, sub-replica %s", a, b)
	}

	// Promotion: the sub-replica continues with the new id (+CONTINUE).
	promote(t, rc, sc)
	typedWorkload(t, rc, rng, 2000)
	waitConverged(t, rc, sc)
	// (That the sub-replica continued partially is checked by
	// TestMasterPromotionFailoverPSYNC2 on redpebble's sync counters.)
	if v := rc.DoValue("WAIT", "1", "5000"); v.Int != 1 {
		t.Fatalf("WAIT 1 5000 = %v", v)
	}
}

func TestMasterStandaloneFullSyncAndStream(t *testing.T) {
	requireFollower(t)
	rp := startRedpebbleMaster(t)
	rc := redistest.Dial(t, rp.Addr)
	fillTypes(t, rc, "pre")
	fillStrings(t, rc, 300, "pre")
	r1 := replicaOf(t, rp) // diskless ($EOF: form), as Redis 7's default
	c1 := redistest.Dial(t, r1.Addr)
	waitConverged(t, rc, c1)
	rng := rand.New(rand.NewSource(2))
	typedWorkload(t, rc, rng, 3000)
	workload(t, rc, rng, 1000)
	waitConverged(t, rc, c1)

	// A second replica gets the disk form ($<len>), while writes go on.
	rc.MustOK("CONFIG", "SET", "repl-diskless-sync", "no")
	r2 := replicaOf(t, rp)
	c2 := redistest.Dial(t, r2.Addr)
	typedWorkload(t, rc, rng, 1000)
	waitConverged(t, rc, c1, c2)
	if v := rc.DoValue("WAIT", "2", "5000"); v.Int != 2 {
		t.Fatalf("WAIT 2 5000 = %v", v)
	}
	role := rc.DoValue("ROLE")
	if len(role.Elems) != 3 || len(role.Elems[2].Elems) != 2 {
		t.Fatalf("ROLE = %v", role)
	}

	// A dropped link resumes from the backlog.
	c1.Do("CLIENT", "KILL", "TYPE", "master")
	typedWorkload(t, rc, rng, 200)
	waitConverged(t, rc, c1, c2)
	if log, _ := os.ReadFile(rp.LogPath); !strings.Contains(string(log), "Partial resynchronization request from") {
		t.Fatalf("replica did not resume with a partial resync")
	}
}

func TestMasterRDBPassesCheck(t *testing.T) {
	requireFollower(t)
	for _, tool := range []string{"redis-cli", "redis-check-rdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " missing")
		}
	}
	rp := startRedpebbleMaster(t)
	rc := redistest.Dial(t, rp.Addr)
	fillTypes(t, rc, "pre")
	fillStrings(t, rc, 100, "pre")
	rc.Do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)")
	for _, diskless := range []string{"yes", "no"} {
		rc.MustOK("CONFIG", "SET", "repl-diskless-sync", diskless)
		file := filepath.Join(t.TempDir(), "dump.rdb")
		out, err := exec.Command("redis-cli", "-p", strconv.Itoa(rp.Port), "--rdb", file).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli --rdb: %v\n%s", err, out)
		}
		out, err = exec.Command("redis-check-rdb", file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RDB looks OK") {
			t.Fatalf("redis-check-rdb (diskless %s): %v\n%s", diskless, err, out)
		}
	}
}

// TestChainKill9ResumesPartially: redis-server → redpebble → redis-server
// under write load on the top master; redpebble is killed with SIGKILL
// twice. Each time it continues from its master with PSYNC and its
// sub-replica continues from it with +CONTINUE out of the backlog kept in
// the store; at the end the three datasets and offsets are equal.
// appendfsync always: a group reaches the sub-replica only once it is on
// disk, so the sub-replica is never ahead of what survives the kill (with
// everysec it may be, and then a full resync is the right answer).
func TestChainKill9ResumesPartially(t *testing.T) {
	requireFollower(t)
	top := redistest.StartRedis(t, "enable-debug-command yes", "repl-backlog-size 64mb", "repl-diskless-sync-delay 0")
	tc := redistest.Dial(t, top.Addr)
	fillTypes(t, tc, "pre")
	fillStrings(t, tc, 300, "pre")
	rp := startFollower(t, top, t.TempDir(), "appendfsync always", "repl-backlog-size 16mb")
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, tc, rc)
	sub := replicaOf(t, rp)
	sc := redistest.Dial(t, sub.Addr)
	waitConverged(t, tc, rc, sc)

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := redistest.Dial(t, top.Addr)
		rng := rand.New(rand.NewSource(11))
		for {
			select {
			case <-stop:
				return
			default:
			}
			typedWorkload(t, c, rng, 100)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for round := 0; round < 2; round++ {
		time.Sleep(800 * time.Millisecond)
		rp.Kill()
		time.Sleep(300 * time.Millisecond)
		rp.Restart()
		rc = redistest.Dial(t, rp.Addr)
		waitFor(t, 30*time.Second, "the sub-replica to reconnect to the restarted redpebble", func() bool {
			r := info(t, rc, "replication")
			return r["master_link_status"] == "up" && r["connected_slaves"] == "1" && strings.Contains(r["slave0"], "state=online")
		})
		st := info(t, rc, "stats")
		if st["sync_full"] != "0" || st["sync_partial_ok"] != "1" {
			t.Errorf("round %d: redpebble sync_full %s sync_partial_ok %s (want 0 and 1)\n%s", round, st["sync_full"], st["sync_partial_ok"], rp.LogTail(30))
		}
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done
	waitConverged(t, tc, rc, sc)
	st := info(t, tc, "stats")
	if st["sync_full"] != "1" {
		t.Errorf("top master sync_full %s: redpebble should continue with PSYNC after kill -9", st["sync_full"])
	}
	if n, _ := strconv.Atoi(st["sync_partial_ok"]); n < 2 {
		t.Errorf("top master sync_partial_ok %s, want >= 2", st["sync_partial_ok"])
	}
	log := rp.Log()
	if n := strings.Count(log, "Partial resynchronization request from"); n < 2 {
		t.Errorf("redpebble accepted %d partial resyncs from its sub-replica, want >= 2", n)
	}
	if n := strings.Count(log, "Starting BGSAVE for SYNC"); n != 1 {
		t.Errorf("redpebble served %d full syncs, want 1 (the first)", n)
	}
	if !strings.Contains(log, "Replication backlog restored") {
		t.Errorf("no backlog restored from the store:\n%s", rp.LogTail(40))
	}
	compareData(t, tc, sc)
}

// TestMasterKill9ReplicaContinues: a writable redpebble master killed with
// SIGKILL comes back with a new replid (the old one valid up to its
// committed offset, as a restarted Redis master) and its backlog from the
// store, so its redis-server replica continues with +CONTINUE.
func TestMasterKill9ReplicaContinues(t *testing.T) {
	requireFollower(t)
	rp := startRedpebbleMaster(t, "appendfsync always")
	rc := redistest.Dial(t, rp.Addr)
	fillTypes(t, rc, "pre")
	r1 := replicaOf(t, rp)
	c1 := redistest.Dial(t, r1.Addr)
	rng := rand.New(rand.NewSource(5))
	typedWorkload(t, rc, rng, 2000)
	waitConverged(t, rc, c1)
	oldID := info(t, rc, "replication")["master_replid"]
	typedWorkload(t, rc, rng, 500) // the replica may or may not have all of it
	rp.Kill()
	rp.Restart()
	rc = redistest.Dial(t, rp.Addr)
	typedWorkload(t, rc, rng, 1000)
	waitConverged(t, rc, c1)
	r := info(t, rc, "replication")
	if r["master_replid2"] != oldID || r["master_replid"] == oldID {
		t.Errorf("after restart: replid %s replid2 %s, old id %s", r["master_replid"], r["master_replid2"], oldID)
	}
	if st := info(t, rc, "stats"); st["sync_full"] != "0" || st["sync_partial_ok"] != "1" {
		t.Errorf("restarted master: sync_full %s sync_partial_ok %s (want 0 and 1)\n%s", st["sync_full"], st["sync_partial_ok"], rp.LogTail(30))
	}
}

// TestMasterMinReplicasToWrite runs the same min-replicas-to-write script
// on a redis-server master and on redpebble, each with one redis-server
// replica, and compares the replies byte for byte.
func TestMasterMinReplicasToWrite(t *testing.T) {
	requireFollower(t)
	script := func(m *redistest.Server) []string {
		c := redistest.Dial(t, m.Addr)
		c2 := redistest.Dial(t, m.Addr)
		var out []string
		do := func(args ...string) { out = append(out, strings.Join(args, " ")+" -> "+string(c.Do(args...))) }
		do("CONFIG", "GET", "min-replicas-to-write")
		do("CONFIG", "GET", "min-slaves-max-lag")
		do("SET", "k", "1")
		do("GET", "k")
		do("MULTI")
		do("SET", "k", "2")
		do("EXEC")
		do("MULTI")
		do("GET", "k")
		do("EXEC")
		do("PUBLISH", "ch", "x")
		out = append(out, "good "+info(t, c, "replication")["min_slaves_good_slaves"])
		r := replicaOf(t, m)
		rc := redistest.Dial(t, r.Addr)
		waitFor(t, 20*time.Second, "a good replica", func() bool { return info(t, c, "replication")["min_slaves_good_slaves"] == "1" })
		do("SET", "k", "3")
		do("MULTI")
		do("INCR", "k")
		c2.MustOK("CONFIG", "SET", "min-slaves-to-write", "2")
		do("EXEC")
		do("CONFIG", "GET", "min-slaves-to-write")
		do("INCR", "k")
		c2.MustOK("CONFIG", "SET", "min-replicas-max-lag", "0")
		do("INCR", "k")
		c2.MustOK("CONFIG", "SET", "min-replicas-max-lag", "10", "min-replicas-to-write", "1")
		do("INCR", "k")
		do("WAIT", "1", "5000")
		out = append(out, "replica has "+string(rc.Do("GET", "k")))
		r.Kill()
		waitFor(t, 20*time.Second, "the replica to be gone", func() bool { return info(t, c, "replication")["connected_slaves"] == "0" })
		do("DEL", "k")
		out = append(out, "good "+info(t, c, "replication")["min_slaves_good_slaves"])
		return out
	}
	conf := []string{"min-replicas-to-write 1", "min-replicas-max-lag 10"}
	want := script(redistest.StartRedis(t, append(conf, "repl-diskless-sync-delay 0")...))
	got := script(startRedpebbleMaster(t, conf...))
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("step %d: redis %q, redpebble %q", i, want[i], got[min(i, len(got)-1)])
		}
	}
}

// TestMasterPublishPropagates: PUBLISH on a writable redpebble master (also
// inside MULTI/EXEC) reaches subscribers of its redis-server replica; in a
// chain redis-server → redpebble → redis-server the top master's PUBLISH
// reaches the sub-replica's subscribers.
func TestMasterPublishPropagates(t *testing.T) {
	requireFollower(t)
	expect := func(sub *redistest.Conn, ch, msg string) {
		t.Helper()
		v := sub.ReceiveValue()
		if len(v.Elems) != 3 || v.Elems[0].Str != "message" || v.Elems[1].Str != ch || v.Elems[2].Str != msg {
			t.Fatalf("subscriber got %v, want message %s %s", v, ch, msg)
		}
	}
	subscribe := func(addr, ch string) *redistest.Conn {
		sub := redistest.Dial(t, addr)
		sub.Send("SUBSCRIBE", ch)
		if v := sub.ReceiveValue(); len(v.Elems) != 3 || v.Elems[0].Str != "subscribe" {
			t.Fatalf("SUBSCRIBE: %v", v)
		}
		return sub
	}

	rp := startRedpebbleMaster(t)
	rc := redistest.Dial(t, rp.Addr)
	rc.MustOK("SET", "a", "1")
	r := replicaOf(t, rp)
	waitConverged(t, rc, redistest.Dial(t, r.Addr))
	sub := subscribe(r.Addr, "news")
	rc.MustOK("SELECT", "3")
	if v := rc.DoValue("PUBLISH", "news", "hello"); v.Int != 0 {
		t.Fatalf("PUBLISH on the master = %v (no local subscriber)", v)
	}
	expect(sub, "news", "hello")
	rc.MustOK("MULTI")
	rc.Do("SET", "b", "2")
	rc.Do("PUBLISH", "news", "in-exec")
	rc.Do("EXEC")
	expect(sub, "news", "in-exec")
	waitConverged(t, rc, redistest.Dial(t, r.Addr))

	top := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync-delay 0")
	tc := redistest.Dial(t, top.Addr)
	tc.MustOK("SET", "a", "1")
	mid := startFollower(t, top, t.TempDir())
	mc := redistest.Dial(t, mid.Addr)
	waitSynced(t, tc, mc)
	leaf := replicaOf(t, mid)
	waitConverged(t, tc, mc, redistest.Dial(t, leaf.Addr))
	lsub := subscribe(leaf.Addr, "chain")
	msub := subscribe(mid.Addr, "chain")
	tc.Do("PUBLISH", "chain", "from-top")
	expect(msub, "chain", "from-top")
	expect(lsub, "chain", "from-top")
	waitConverged(t, tc, mc, redistest.Dial(t, leaf.Addr))
}

// promote runs REPLICAOF NO ONE on rc and waits until its replica sc is
// linked again under the new id, the old one as its replid2.
func promote(t *testing.T, rc, sc *redistest.Conn) {
	t.Helper()
	oldID := info(t, rc, "replication")["master_replid"]
	rc.MustOK("REPLICAOF", "NO", "ONE")
	waitFor(t, 20*time.Second, "the sub-replica to reconnect", func() bool {
		s := info(t, sc, "replication")
		return s["master_link_status"] == "up" && s["master_replid2"] == oldID
	})
}

// startChain starts redis-server → redpebble → redis-server with every
// type and 1,000 random writes (seeded) on the top master, converged.
func startChain(t *testing.T, seed int64) (top, rp, sub *redistest.Server, tc, rc, sc *redistest.Conn, rng *rand.Rand) {
	t.Helper()
	requireFollower(t)
	top = redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync-delay 0")
	tc = redistest.Dial(t, top.Addr)
	fillTypes(t, tc, "pre")
	rp = startFollower(t, top, t.TempDir())
	rc = redistest.Dial(t, rp.Addr)
	waitSynced(t, tc, rc)
	sub = replicaOf(t, rp)
	sc = redistest.Dial(t, sub.Addr)
	rng = rand.New(rand.NewSource(seed))
	typedWorkload(t, tc, rng, 1000)
	waitConverged(t, tc, rc, sc)
	return
}

// TestChainSubReplicaMovesToTopPartially: the stream is forwarded
// verbatim, so a sub-replica of redpebble has the top master's replid and
// offsets and can follow the top master directly with a partial resync.
func TestChainSubReplicaMovesToTopPartially(t *testing.T) {
	top, _, _, tc, rc, sc, rng := startChain(t, 3)
	before := info(t, tc, "stats")
	sc.MustOK("REPLICAOF", "127.0.0.1", strconv.Itoa(top.Port))
	typedWorkload(t, tc, rng, 500)
	waitFor(t, 20*time.Second, "the sub-replica to follow the top master", func() bool {
		return info(t, tc, "replication")["connected_slaves"] == "2"
	})
	waitConverged(t, tc, rc, sc)
	after := info(t, tc, "stats")
	if after["sync_full"] != before["sync_full"] {
		t.Errorf("top master sync_full %s -> %s: the sub-replica should continue partially", before["sync_full"], after["sync_full"])
	}
	if b, _ := strconv.Atoi(before["sync_partial_ok"]); after["sync_partial_ok"] != strconv.Itoa(b+1) {
		t.Errorf("top master sync_partial_ok %s -> %s", before["sync_partial_ok"], after["sync_partial_ok"])
	}
}

// TestMasterPromotionFailoverPSYNC2: redis-server → redpebble →
// redis-server; redpebble is promoted (REPLICAOF NO ONE) and takes writes;
// its sub-replica continues partially; the old top master then becomes
// redpebble's replica and continues partially (its id is redpebble's
// replid2, its offset inside it); finally the sub-replica moves back to the
// original master, now a replica itself, and continues partially too.
// Every step is checked on the serving node's sync_full/sync_partial_ok.
func TestMasterPromotionFailoverPSYNC2(t *testing.T) {
	top, rp, _, tc, rc, sc, rng := startChain(t, 7)

	stats := func(c *redistest.Conn) (full, partial int) {
		st := info(t, c, "stats")
		full, _ = strconv.Atoi(st["sync_full"])
		partial, _ = strconv.Atoi(st["sync_partial_ok"])
		return
	}
	expectPartial := func(what string, c *redistest.Conn, full0, partial0 int) {
		t.Helper()
		full, partial := stats(c)
		if full != full0 || partial != partial0+1 {
			t.Errorf("%s: sync_full %d -> %d, sync_partial_ok %d -> %d; want one partial resync and no full one", what, full0, full, partial0, partial)
		}
	}

	f0, p0 := stats(rc)
	promote(t, rc, sc)
	typedWorkload(t, rc, rng, 1000)
	waitConverged(t, rc, sc)
	expectPartial("the sub-replica after the promotion", rc, f0, p0)

	f0, p0 = stats(rc)
	tc.MustOK("REPLICAOF", "127.0.0.1", strconv.Itoa(rp.Port))
	waitFor(t, 20*time.Second, "the old master to follow redpebble", func() bool {
		return info(t, tc, "replication")["master_link_status"] == "up"
	})
	typedWorkload(t, rc, rng, 500)
	waitConverged(t, rc, tc, sc)
	expectPartial("the old master as redpebble's replica", rc, f0, p0)

	f0, p0 = stats(tc)
	sc.MustOK("REPLICAOF", "127.0.0.1", strconv.Itoa(top.Port))
	waitFor(t, 20*time.Second, "the sub-replica to follow the old master", func() bool {
		return info(t, sc, "replication")["master_link_status"] == "up" && info(t, tc, "replication")["connected_slaves"] == "1"
	})
	typedWorkload(t, rc, rng, 500)
	waitConverged(t, rc, tc, sc)
	expectPartial("the sub-replica moved to the old master", tc, f0, p0)
}
