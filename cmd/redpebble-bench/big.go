package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// big is the larger-than-memory workload (make bench BENCH_BIG=1): a 4 GB
// dataset (4M strings of 1000 bytes, keys key:%012d as redis-benchmark's
// __rand_int__ spells them) on a redis-server master, synced into redpebble
// started with a small pebble cache and memtable; checks that redpebble's
// peak RSS stays under 1 GB and measures uniform random GET throughput
// against redpebble and against the master (redis holds it all in memory).
// Off by default: it needs ~10 GB of RAM and disk and takes ~15 minutes.
func (h *harness) big() error {
	skip, err := h.replicationSupported("big")
	if err != nil {
		return err
	}
	if skip != "" {
		for _, m := range []string{"sync 3814 MB", "redpebble peak RSS (< 1 GB)", "GET uniform random"} {
			h.add(&result{Workload: "big", Metric: m})
		}
		return nil
	}
	keys := 4000000
	if h.opt.quick {
		keys = 200000 // a smoke run of the code path only
	}
	const valSize = 1000
	master, err := startRedis(h.opt.work, "master-big", "repl-diskless-sync-delay 0")
	if err != nil {
		return err
	}
	defer master.Close()
	c, err := dial(master.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	val := strings.Repeat("v", valSize)
	t0 := time.Now()
	const batch = 1000
	for i := 0; i < keys; i += batch {
		for j := i; j < min(i+batch, keys); j++ {
			c.Send("SET", fmt.Sprintf("key:%012d", j), val)
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for j := i; j < min(i+batch, keys); j++ {
			if _, err := c.Read(); err != nil {
				return err
			}
		}
	}
	c.Close()
	fmt.Printf("   master filled with %d x %d B in %.1fs\n", keys, valSize, time.Since(t0).Seconds())
	sync := &result{Workload: "big", Metric: fmt.Sprintf("sync %d MB", keys*valSize>>20), Unit: "ms", Better: "lower"}
	rss := &result{Workload: "big", Metric: "redpebble peak RSS (< 1 GB)", Unit: "bytes", Better: "lower"}
	get := &result{Workload: "big", Metric: "GET uniform random", Unit: "req/s", Better: "higher"}
	extra := []string{"pebble-cache-size 256mb", "pebble-memtable-size 64mb"}
	if h.opt.selfTest {
		extra = nil
	}
	rep, err := h.startKind("redpebble", "big", extra...)
	if err != nil {
		return err
	}
	defer rep.Close()
	sampler := sampleRSS(rep.Pid())
	start := time.Now()
	if err := replicaOf(rep, master); err != nil {
		return err
	}
	if err := waitCaughtUp(master, rep, 60*time.Minute); err != nil {
		return err
	}
	sync.Redpebble = []float64{float64(time.Since(start).Milliseconds())}
	n := 200000
	for round := 0; round < h.opt.rounds; round++ {
		for _, p := range []*proc{master, rep} {
			rps, err := runRedisBenchmarkR(p.Port, n, keys)
			if err != nil {
				return err
			}
			if p == master {
				get.Redis = append(get.Redis, rps)
			} else {
				get.Redpebble = append(get.Redpebble, rps)
			}
		}
	}
	peak := float64(sampler.Peak())
	rss.Redpebble = []float64{peak}
	rss.Note = "over 1 GB!"
	if peak < 1<<30 {
		rss.Note = "under 1 GB: ok"
	}
	sync.Note = "redpebble --pebble-cache-size 256mb --pebble-memtable-size 64mb"
	get.Note = "redis = the in-memory master; -c 50 -r " + strconv.Itoa(keys)
	h.add(sync)
	h.add(rss)
	h.add(get)
	return nil
}

func runRedisBenchmarkR(port, n, keyspace int) (float64, error) {
	// runRedisBenchmark fixes -r 100000; the big run needs its own keyspace.
	saved := benchKeyspace
	benchKeyspace = keyspace
	defer func() { benchKeyspace = saved }()
	return runRedisBenchmark(port, 1, n, "GET", []string{"-t", "get"})
}
