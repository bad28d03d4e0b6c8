package main

import (
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// TestSoak (make soak; not in CI): a redis-server master under a random
// write load for SOAK_MINUTES (default 5), the redpebble follower killed
// with -9 at random moments, the link cut by the proxy, the master
// restarted. At checkpoints and at the end the datasets must be equal
// (DEBUG DIGEST); the counts of full and partial resyncs are printed.
func TestSoak(t *testing.T) {
	if os.Getenv("REDPEBBLE_SOAK") != "1" {
		t.Skip("set REDPEBBLE_SOAK=1 (make soak)")
	}
	requireFollower(t)
	minutes := 5.0
	if v := os.Getenv("SOAK_MINUTES"); v != "" {
		minutes, _ = strconv.ParseFloat(v, 64)
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv("REDPEBBLE_DIFF_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d, %.1f minutes", seed, minutes)

	master := redistest.StartRedis(t, "enable-debug-command yes", "appendonly yes", "appendfsync everysec",
		"repl-backlog-size 1mb", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	rp, p := startProxiedFollower(t, master, "repl-timeout 5")
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)

	var kills, cuts, restarts, checks, mismatches, commands int
	var fullTotal, partialTotal, partialErrTotal int
	addSyncs := func() {
		st := info(t, mc, "stats")
		f, _ := strconv.Atoi(st["sync_full"])
		pk, _ := strconv.Atoi(st["sync_partial_ok"])
		pe, _ := strconv.Atoi(st["sync_partial_err"])
		fullTotal += f
		partialTotal += pk
		partialErrTotal += pe
	}
	check := func(final bool) {
		waitSynced(t, mc, rc)
		checks++
		md, rd := mc.DoValue("DEBUG", "DIGEST").Str, rc.DoValue("DEBUG", "DIGEST").Str
		if md != rd {
			mismatches++
			t.Errorf("checkpoint %d: DEBUG DIGEST master %s, follower %s", checks, md, rd)
			if final {
				compareData(t, mc, rc)
			}
		}
	}
	extra := func(c *redistest.Conn, n int) int {
		for i := 0; i < n; i++ {
			k := strconv.Itoa(rng.Intn(50))
			switch rng.Intn(6) {
			case 0:
				c.Send("RPUSH", "l:"+k, strconv.Itoa(rng.Intn(1000)))
			case 1:
				c.Send("LPOP", "l:"+k)
			case 2:
				c.Send("HSET", "h:"+k, "f"+strconv.Itoa(rng.Intn(20)), strconv.Itoa(i))
			case 3:
				c.Send("SADD", "s:"+k, strconv.Itoa(rng.Intn(100)))
			case 4:
				c.Send("ZADD", "z:"+k, strconv.Itoa(rng.Intn(100)), "m"+strconv.Itoa(rng.Intn(30)))
			default:
				c.Send("XADD", "x:"+k, "MAXLEN", "~", "100", "*", "f", strconv.Itoa(i))
			}
		}
		for i := 0; i < n; i++ {
			c.Receive()
		}
		return n
	}

	end := time.Now().Add(time.Duration(minutes * float64(time.Minute)))
	nextEvent := time.Now().Add(time.Duration(3+rng.Intn(8)) * time.Second)
	nextCheck := time.Now().Add(time.Minute)
	for time.Now().Before(end) {
		workload(t, mc, rng, 200)
		commands += 200 + extra(mc, 50)
		time.Sleep(time.Duration(rng.Intn(30)) * time.Millisecond)
		if time.Now().After(nextCheck) {
			check(false)
			nextCheck = time.Now().Add(time.Minute)
		}
		if time.Now().Before(nextEvent) {
			continue
		}
		nextEvent = time.Now().Add(time.Duration(3+rng.Intn(10)) * time.Second)
		switch r := rng.Intn(10); {
		case r < 4:
			kills++
			rp.Kill()
			// Writes go on while the follower is down.
			workload(t, mc, rng, 200)
			rp.Restart()
			rc = redistest.Dial(t, rp.Addr)
		case r < 8:
			cuts++
			p.Cut()
		default:
			restarts++
			addSyncs()
			master.Kill()
			time.Sleep(time.Duration(rng.Intn(500)) * time.Millisecond)
			master.Restart()
			mc = redistest.Dial(t, master.Addr)
		}
	}
	check(true)
	addSyncs()
	t.Logf("SOAK %.1f min, seed %d: %d commands, %d kill -9 of redpebble, %d link cuts, %d master restarts; "+
		"full resyncs %d, partial resyncs %d (partial refused %d); %d digest checks, %d mismatches",
		minutes, seed, commands, kills, cuts, restarts, fullTotal, partialTotal, partialErrTotal, checks, mismatches)
}
