package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Faults on the link (issue 7): a faultProxy between a redis-server master
// and redpebble cuts, black-holes and throttles the replication link.

// startProxiedFollower starts redpebble replicating master through a proxy.
func startProxiedFollower(t *testing.T, master *redistest.Server, conf ...string) (*redistest.Server, *faultProxy) {
	t.Helper()
	p := startProxy(t, master.Addr)
	bin := redistest.BuildRedpebble(t)
	args := append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(p.Port()), "--enable-debug-command", "yes"}, confArgs(conf)...)
	return redistest.StartRedpebble(t, bin, t.TempDir(), args...), p
}

func syncCounts(t *testing.T, mc *redistest.Conn) (full, partial int) {
	st := info(t, mc, "stats")
	full, _ = strconv.Atoi(st["sync_full"])
	partial, _ = strconv.Atoi(st["sync_partial_ok"])
	return
}

func sameDigest(t *testing.T, mc, rc *redistest.Conn) {
	t.Helper()
	md, rd := mc.DoValue("DEBUG", "DIGEST").Str, rc.DoValue("DEBUG", "DIGEST").Str
	if md != rd {
		t.Fatalf("DEBUG DIGEST master %s, follower %s", md, rd)
	}
}

// TestLinkCutPartialResync: a cut link is resumed with +CONTINUE.
func TestLinkCutPartialResync(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes")
	mc := redistest.Dial(t, master.Addr)
	fillStrings(t, mc, 500, "a")
	rp, p := startProxiedFollower(t, master)
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	full0, part0 := syncCounts(t, mc)
	for round := 0; round < 3; round++ {
		p.Cut()
		fillStrings(t, mc, 200, fmt.Sprintf("cut%d", round))
		waitSynced(t, mc, rc)
	}
	full1, part1 := syncCounts(t, mc)
	if full1 != full0 || part1 < part0+3 {
		t.Fatalf("after 3 cuts: sync_full %d->%d, sync_partial_ok %d->%d", full0, full1, part0, part1)
	}
	if !strings.Contains(rp.Log(), "Successful partial resynchronization") {
		t.Error("the follower's log lacks the partial resync")
	}
	sameDigest(t, mc, rc)
	t.Logf("sync_full %d->%d, sync_partial_ok %d->%d, %d connections", full0, full1, part0, part1, p.accepted.Load())
}

// TestLinkBlackholeTimeout: a black-holed link is detected by repl-timeout,
// then the follower reconnects and continues.
func TestLinkBlackholeTimeout(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-ping-replica-period 1")
	mc := redistest.Dial(t, master.Addr)
	fillStrings(t, mc, 200, "a")
	rp, p := startProxiedFollower(t, master, "repl-timeout 3")
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	full0, part0 := syncCounts(t, mc)
	p.blackhole.Store(true)
	start := time.Now()
	mc.MustOK("SET", "during", "blackhole")
	waitFor(t, 15*time.Second, "the follower to detect the dead link", func() bool {
		return info(t, rc, "replication")["master_link_status"] == "down"
	})
	took := time.Since(start)
	if took < 2*time.Second {
		t.Errorf("link down after %v, before repl-timeout", took)
	}
	if v := rc.DoValue("GET", "a:0:1"); v.IsError() || v.Null {
		t.Errorf("stale read during the black hole: %v", v)
	}
	p.blackhole.Store(false)
	waitSynced(t, mc, rc)
	full1, part1 := syncCounts(t, mc)
	if full1 != full0 || part1 <= part0 {
		t.Fatalf("after the black hole: sync_full %d->%d, sync_partial_ok %d->%d", full0, full1, part0, part1)
	}
	if v := rc.DoValue("GET", "during"); v.Str != "blackhole" {
		t.Errorf("GET during = %v", v)
	}
	if !strings.Contains(strings.ToLower(rp.Log()), "timeout") {
		t.Error("the follower's log lacks the timeout")
	}
	sameDigest(t, mc, rc)
	t.Logf("detected after %v; sync_full %d->%d, sync_partial_ok %d->%d", took.Round(time.Millisecond), full0, full1, part0, part1)
}

// TestLinkOutputBufferKillDuringFullSync: the master kills the replica for
// its output buffer during a (throttled) full sync while writes pour in;
// the follower retries, and a reader never misses a key of the old copy.
func TestLinkOutputBufferKillDuringFullSync(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync no",
		"repl-backlog-size 16kb", "client-output-buffer-limit replica 1mb 512kb 1")
	mc := redistest.Dial(t, master.Addr)
	const n = 2000
	val := strings.Repeat("o", 1000)
	for i := 0; i < n; i++ {
		mc.Send("SET", "old:"+strconv.Itoa(i), val)
	}
	for i := 0; i < n; i++ {
		mc.Receive()
	}
	rp, p := startProxiedFollower(t, master)
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	full0, _ := syncCounts(t, mc)

	// Reader: every old key stays readable through the resyncs.
	var bad atomic.Value
	var reads atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redistest.Dial(t, rp.Addr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := "old:" + strconv.Itoa(i*13%n)
			if v := c.DoValue("GET", k); v.IsError() || v.Null {
				bad.Store(fmt.Sprintf("GET %s = %v", k, v))
			}
			reads.Add(1)
		}
	}()

	// Force a full sync: cut, and write past the 16kb backlog.
	p.rate.Store(400 << 10) // 400 KB/s: the 2 MB RDB takes ~5 s
	p.Cut()
	big := strings.Repeat("w", 4096)
	for i := 0; i < 20; i++ {
		mc.MustOK("SET", "fill:"+strconv.Itoa(i), big)
	}
	// Heavy writes while the RDB crawls through the proxy.
	deadline := time.Now().Add(20 * time.Second)
	kills := func() int { return strings.Count(master.Log(), "overcoming of output buffer limits") }
	for kills() == 0 && time.Now().Before(deadline) {
		for i := 0; i < 200; i++ {
			mc.Send("SET", "hot:"+strconv.Itoa(i), big)
		}
		for i := 0; i < 200; i++ {
			mc.Receive()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if kills() == 0 {
		t.Fatal("the master never killed the replica for its output buffer")
	}
	// Let the retry succeed.
	p.rate.Store(0)
	waitSynced(t, mc, rc)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Errorf("the reader saw %v", b)
	}
	full1, part1 := syncCounts(t, mc)
	if full1 < full0+2 {
		t.Errorf("sync_full %d->%d: expected the killed full sync and its retry", full0, full1)
	}
	sameDigest(t, mc, rc)
	t.Logf("%d output-buffer kills, sync_full %d->%d (partial %d), %d reads during the resyncs", kills(), full0, full1, part1, reads.Load())
}
