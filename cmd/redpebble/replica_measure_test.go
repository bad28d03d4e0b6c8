package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// TestMeasureFollower prints full-sync, apply and restart figures for
// redpebble against a redis-server replica of the same master. It is run by
// hand (REDPEBBLE_MEASURE=1 go test -run TestMeasureFollower -v -timeout 30m
// ./cmd/redpebble/), never in CI.
func TestMeasureFollower(t *testing.T) {
	if os.Getenv("REDPEBBLE_MEASURE") == "" {
		t.Skip("set REDPEBBLE_MEASURE=1 to run")
	}
	requireFollower(t)
	keys := envInt(t, "REDPEBBLE_MEASURE_KEYS", 1_000_000)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("load average at start: %s", strings.TrimSpace(string(load)))
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync no", "repl-backlog-size 512mb")
	mc := redistest.Dial(t, master.Addr)
	if out, err := exec.Command("redis-cli", "-p", strconv.Itoa(master.Port), "DEBUG", "POPULATE", strconv.FormatInt(keys, 10)).CombinedOutput(); err != nil {
		t.Fatalf("DEBUG POPULATE: %v %s", err, out)
	}

	hwm := func(c *redistest.Conn) string {
		pid := info(t, c, "server")["process_id"]
		b, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			return "?"
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
			}
		}
		return "?"
	}
	synced := func(mc, rc *redistest.Conn) bool {
		m, r := info(t, mc, "replication"), info(t, rc, "replication")
		return r["master_link_status"] == "up" && m["master_repl_offset"] == r["slave_repl_offset"]
	}
	// Full sync, one replica at a time so they do not share the two cores.
	start := time.Now()
	ref := startRedisReplica(t, master)
	refc := redistest.Dial(t, ref.Addr)
	waitFor(t, 20*time.Minute, "redis replica sync", func() bool { return synced(mc, refc) })
	t.Logf("full sync of %d keys into redis-server: %v, peak RSS %s", keys, time.Since(start).Round(time.Millisecond), hwm(refc))
	start = time.Now()
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitFor(t, 20*time.Minute, "redpebble sync", func() bool { return synced(mc, rc) })
	t.Logf("full sync of %d keys into redpebble: %v, peak RSS %s", keys, time.Since(start).Round(time.Millisecond), hwm(rc))
	if v := rc.DoValue("DBSIZE"); v.Int != keys {
		t.Errorf("redpebble DBSIZE %v", v)
	}

	// Apply throughput under redis-benchmark on the master.
	start = time.Now()
	out, err := exec.Command("redis-benchmark", "-p", strconv.Itoa(master.Port), "-t", "set,lpush,hset,zadd", "-P", "16", "-n", "200000", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	bench := time.Since(start)
	t.Logf("redis-benchmark on the master (%v):\n%s", bench.Round(time.Millisecond), strings.TrimSpace(lastLines(string(out))))
	mo, _ := strconv.ParseInt(info(t, mc, "replication")["master_repl_offset"], 10, 64)
	for _, r := range []struct {
		name string
		c    *redistest.Conn
	}{{"redis-server", refc}, {"redpebble", rc}} {
		so, _ := strconv.ParseInt(info(t, r.c, "replication")["slave_repl_offset"], 10, 64)
		t0 := time.Now()
		waitFor(t, 20*time.Minute, r.name+" drain", func() bool { return synced(mc, r.c) })
		t.Logf("%s: lag at the end of the benchmark %d bytes, drained in %v (stream %d bytes)", r.name, mo-so, time.Since(t0).Round(time.Millisecond), mo)
	}

	// kill -9 / restart cycles under load.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			exec.Command("redis-benchmark", "-p", strconv.Itoa(master.Port), "-t", "set,lpush", "-P", "16", "-n", "20000", "-q").Run()
		}
	}()
	cycles := int(envInt(t, "REDPEBBLE_MEASURE_CYCLES", 10))
	before := info(t, mc, "stats")
	partial := 0
	for i := 0; i < cycles; i++ {
		time.Sleep(1500 * time.Millisecond)
		st := info(t, mc, "stats")
		rp.Kill()
		time.Sleep(300 * time.Millisecond)
		rp.Restart()
		rc = redistest.Dial(t, rp.Addr)
		waitFor(t, 10*time.Minute, "link up", func() bool { return info(t, rc, "replication")["master_link_status"] == "up" })
		st2 := info(t, mc, "stats")
		if st2["sync_partial_ok"] != st["sync_partial_ok"] {
			partial++
		}
		t.Logf("restart %d: sync_full %s->%s sync_partial_ok %s->%s", i+1, st["sync_full"], st2["sync_full"], st["sync_partial_ok"], st2["sync_partial_ok"])
	}
	close(stop)
	<-done
	after := info(t, mc, "stats")
	t.Logf("%d kill -9 restarts under load: %d resumed with a partial resync (master sync_full %s->%s, sync_partial_ok %s->%s)",
		cycles, partial, before["sync_full"], after["sync_full"], before["sync_partial_ok"], after["sync_partial_ok"])
	waitFor(t, 10*time.Minute, "final drain", func() bool { return synced(mc, rc) && synced(mc, refc) })
	digest := func(port int) string {
		out, err := exec.Command("redis-cli", "-p", strconv.Itoa(port), "DEBUG", "DIGEST").CombinedOutput()
		if err != nil {
			return err.Error()
		}
		return strings.TrimSpace(string(out))
	}
	md, rd := digest(master.Port), digest(rp.Port)
	t.Logf("DEBUG DIGEST master %s redpebble %s equal=%v", md, rd, md == rd)
	load, _ = os.ReadFile("/proc/loadavg")
	t.Logf("load average at the end: %s", strings.TrimSpace(string(load)))
}

func lastLines(s string) string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n") {
		if strings.Contains(l, "requests per second") || strings.Contains(l, "p50") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}
