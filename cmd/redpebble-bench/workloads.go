package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var kinds = []string{"redis", "redpebble"}

// benchKeyspace is redis-benchmark's -r.
var benchKeyspace = 100000

// startKind starts a plain server of the given kind for workload w.
func (h *harness) startKind(kind, w string, extra ...string) (*proc, error) {
	if kind == "redis" || h.opt.selfTest {
		return startRedis(h.opt.work, kind+"-"+w, extra...)
	}
	var args []string
	for _, e := range extra {
		args = append(args, "--"+strings.Fields(e)[0])
		args = append(args, strings.Fields(e)[1:]...)
	}
	return startRedpebble(h.opt.work, "redpebble-"+w, h.profilePath(w), args...)
}

// unsupported sends each probe command once and returns the first that
// redpebble answers with "unknown command" ("" when all are known).
func unsupported(addr string, probes ...[]string) (string, error) {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	for _, p := range probes {
		v, err := c.Do(p...)
		if err != nil {
			return "", err
		}
		if isUnknownCommand(v) {
			return strings.ToUpper(p[0]), nil
		}
	}
	c.Do("DEL", "__bench_probe")
	return "", nil
}

// ---- 1. redis-benchmark ----

type rbTest struct {
	name  string
	args  []string // after the common flags
	match string   // prefix of the csv test name
	probe [][]string
}

var rbTests = []rbTest{
	{"SET", []string{"-t", "set"}, "SET", [][]string{{"SET", "__bench_probe", "x"}}},
	{"GET", []string{"-t", "get"}, "GET", [][]string{{"GET", "__bench_probe"}}},
	{"INCR", []string{"-t", "incr"}, "INCR", [][]string{{"INCR", "__bench_probe"}}},
	{"LPUSH", []string{"-t", "lpush"}, "LPUSH", [][]string{{"LPUSH", "__bench_probe", "x"}}},
	{"LRANGE_100", []string{"-t", "lrange_100"}, "LRANGE_100", [][]string{{"LPUSH", "__bench_probe", "x"}, {"LRANGE", "__bench_probe", "0", "99"}}},
	{"HSET", []string{"-t", "hset"}, "HSET", [][]string{{"HSET", "__bench_probe", "f", "v"}}},
	{"ZADD", []string{"-t", "zadd"}, "ZADD", [][]string{{"ZADD", "__bench_probe", "1", "m"}}},
	{"MGET", append([]string{"MGET"}, repeat("key:__rand_int__", 10)...), "MGET", [][]string{{"MGET", "__bench_probe", "x"}}},
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// runRedisBenchmark runs redis-benchmark once and returns the rps of the
// row whose name starts with match.
func runRedisBenchmark(port, pipeline, n int, match string, args []string) (float64, error) {
	argv := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", "50", "-r", strconv.Itoa(benchKeyspace),
		"-P", strconv.Itoa(pipeline), "-n", strconv.Itoa(n), "--csv"}
	argv = append(argv, args...)
	out, err := exec.Command(redisBenchmarkBin, argv...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark %v: %v: %s", argv, err, out)
	}
	rows, err := parseBenchmarkCSV(string(out))
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if strings.HasPrefix(strings.ToUpper(r.Test), match) {
			return r.RPS, nil
		}
	}
	return 0, fmt.Errorf("redis-benchmark: no %s row in %q", match, out)
}

func (h *harness) benchmark() error {
	n1, n16 := 10000, 50000
	if h.opt.quick {
		n1, n16 = 4000, 20000
	}
	srv := map[string]*proc{}
	for _, k := range kinds {
		p, err := h.startKind(k, "benchmark")
		if err != nil {
			return err
		}
		defer p.Close()
		srv[k] = p
	}
	for _, t := range rbTests {
		miss, err := unsupported(srv["redpebble"].Addr, t.probe...)
		if err != nil {
			return err
		}
		for _, pl := range []int{1, 16} {
			r := &result{Workload: "benchmark", Metric: fmt.Sprintf("%s -P %d", t.name, pl), Unit: "req/s", Better: "higher"}
			if miss != "" {
				r.Skipped = fmt.Sprintf("redpebble: unknown command %s (data type not merged yet)", miss)
				h.add(r)
				continue
			}
			n := n1
			if pl == 16 {
				n = n16
			}
			for round := 0; round < h.opt.rounds; round++ {
				for _, k := range kinds {
					rps, err := runRedisBenchmark(srv[k].Port, pl, n, t.match, t.args)
					if err != nil {
						return err
					}
					if k == "redis" {
						r.Redis = append(r.Redis, rps)
					} else {
						r.Redpebble = append(r.Redpebble, rps)
					}
				}
			}
			r.Note = fmt.Sprintf("n=%d c=50 r=100000", n)
			h.add(r)
		}
	}
	return nil
}

// ---- replication helpers ----

// replicaOffset returns the replica's offset and whether its link is up.
func replicaOffset(c *client) (int64, bool, error) {
	v, err := c.Do("ROLE")
	if err != nil {
		return 0, false, err
	}
	return replicaState(v)
}

func masterOffset(c *client) (int64, error) {
	m, err := c.info("replication")
	if err != nil {
		return 0, err
	}
	off, ok := infoInt(m, "master_repl_offset")
	if !ok {
		return 0, fmt.Errorf("master INFO has no master_repl_offset")
	}
	return off, nil
}

// waitCaughtUp polls every 10 ms until the replica is connected with the
// master's offset, or the timeout passes.
func waitCaughtUp(master, replica *proc, timeout time.Duration) error {
	mc, err := dial(master.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer mc.Close()
	deadline := time.Now().Add(timeout)
	var rc *client
	defer func() {
		if rc != nil {
			rc.Close()
		}
	}()
	var lastErr error
	for time.Now().Before(deadline) {
		if rc == nil {
			if rc, err = dial(replica.Addr, 2*time.Second); err != nil {
				rc, lastErr = nil, err
				time.Sleep(10 * time.Millisecond)
				continue
			}
		}
		ro, up, err := replicaOffset(rc)
		if err != nil {
			lastErr = err
			if !strings.Contains(err.Error(), "ROLE:") {
				rc.Close()
				rc = nil
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		mo, err := masterOffset(mc)
		if err != nil {
			return err
		}
		if up && ro >= mo {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("replica %s not caught up within %v (last: %v)", replica.name, timeout, lastErr)
}

func replicaOf(replica, master *proc) error {
	c, err := dial(replica.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.doStr("REPLICAOF", "127.0.0.1", strconv.Itoa(master.Port))
	return err
}

// replicationSupported probes redpebble for REPLICAOF/ROLE.
func (h *harness) replicationSupported(w string) (string, error) {
	p, err := h.startKind("redpebble", w)
	if err != nil {
		return "", err
	}
	defer p.Close()
	miss, err := unsupported(p.Addr, []string{"REPLICAOF", "NO", "ONE"}, []string{"ROLE"})
	if miss != "" {
		return fmt.Sprintf("redpebble: unknown command %s (the follower is not merged yet)", miss), err
	}
	return "", err
}

// fill loads a mixed dataset of about n keys into a master: 85% strings by
// DEBUG POPULATE, 5% each lists, hashes and sorted sets of 10 elements.
func fill(addr string, n int) error {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.doStr("DEBUG", "POPULATE", strconv.Itoa(n*85/100), "str", "64"); err != nil {
		return err
	}
	coll := n * 5 / 100
	const batch = 1000
	for i := 0; i < coll; i += batch {
		cnt := 0
		for j := i; j < min(i+batch, coll); j++ {
			id := strconv.Itoa(j)
			c.Send("RPUSH", "list:"+id, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
			c.Send("HSET", "hash:"+id, "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4", "f5", "v5", "f6", "v6", "f7", "v7", "f8", "v8", "f9", "v9", "f10", "v10")
			c.Send("ZADD", "zset:"+id, "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f", "7", "g", "8", "h", "9", "i", "10", "j")
			cnt += 3
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for k := 0; k < cnt; k++ {
			v, err := c.Read()
			if err != nil {
				return err
			}
			if e, ok := v.(respError); ok {
				return e
			}
		}
	}
	return nil
}

// ---- 2. full sync ----

type syncState struct {
	master   *proc
	replicas map[string]*proc
}

func (s *syncState) close() {
	for _, r := range s.replicas {
		r.Close()
	}
	s.master.Close()
}

func (h *harness) syncTimeout() time.Duration {
	if h.opt.quick {
		return 2 * time.Minute
	}
	return 10 * time.Minute
}

func (h *harness) fullSync() error {
	skip, err := h.replicationSupported("fullsync")
	if err != nil {
		return err
	}
	master, err := startRedis(h.opt.work, "master", "repl-diskless-sync-delay 0", "enable-debug-command yes", "repl-backlog-size 64mb")
	if err != nil {
		return err
	}
	st := &syncState{master: master, replicas: map[string]*proc{}}
	t0 := time.Now()
	if err := fill(master.Addr, h.opt.keys); err != nil {
		st.close()
		return fmt.Errorf("filling the master: %v", err)
	}
	fmt.Printf("   master filled with %d keys in %.1fs\n", h.opt.keys, time.Since(t0).Seconds())
	tm := &result{Workload: "fullsync", Metric: fmt.Sprintf("full sync %dk keys", h.opt.keys/1000), Unit: "ms", Better: "lower", Skipped: skip}
	rss := &result{Workload: "fullsync", Metric: "replica peak RSS", Unit: "bytes", Better: "lower", Skipped: skip}
	for round := 0; round < h.opt.rounds; round++ {
		for _, k := range kinds {
			if k == "redpebble" && skip != "" {
				continue
			}
			if old := st.replicas[k]; old != nil {
				old.Close()
				delete(st.replicas, k)
			}
			rep, err := h.startKind(k, "fullsync")
			if err != nil {
				st.close()
				return err
			}
			st.replicas[k] = rep
			sampler := sampleRSS(rep.Pid())
			start := time.Now()
			err = replicaOf(rep, master)
			if err == nil {
				err = waitCaughtUp(master, rep, h.syncTimeout())
			}
			el := float64(time.Since(start).Microseconds()) / 1000
			peak := float64(sampler.Peak())
			if err != nil {
				if k == "redpebble" {
					tm.Skipped, rss.Skipped, skip = "redpebble: "+err.Error(), "redpebble: "+err.Error(), err.Error()
					continue
				}
				st.close()
				return err
			}
			if k == "redis" {
				tm.Redis, rss.Redis = append(tm.Redis, el), append(rss.Redis, peak)
			} else {
				tm.Redpebble, rss.Redpebble = append(tm.Redpebble, el), append(rss.Redpebble, peak)
			}
		}
	}
	tm.Note = "REPLICAOF until caught up (offsets equal, link up)"
	rss.Note = "VmHWM / VmRSS sampled every 50 ms"
	if tm.Skipped != "" && len(tm.Redis) > 0 {
		// Show redis's figures even when redpebble cannot be measured.
		tm.Note, rss.Note = "skipped for redpebble: "+tm.Skipped, "skipped for redpebble: "+rss.Skipped
		tm.Skipped, rss.Skipped = "", ""
	}
	h.add(tm)
	h.add(rss)
	h.keep = st
	return nil
}

// ---- 5. restart ----

func (h *harness) restart() error {
	st := h.keep
	if st == nil {
		return fmt.Errorf("restart needs the fullsync workload (run with -only fullsync,restart)")
	}
	ping := &result{Workload: "restart", Metric: "kill -9, restart: PING", Unit: "ms", Better: "lower"}
	caught := &result{Workload: "restart", Metric: "kill -9, restart: caught up", Unit: "ms", Better: "lower"}
	partial := &result{Workload: "restart", Metric: "partial resync (not full)", Unit: "bool", Better: "higher"}
	mc, err := dial(st.master.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer mc.Close()
	deltas := map[string][]string{}
	for round := 0; round < h.opt.rounds; round++ {
		for _, k := range kinds {
			rep := st.replicas[k]
			if rep == nil {
				continue
			}
			before, err := mc.info("stats")
			if err != nil {
				return err
			}
			rep.Kill()
			// Restart as a deployment would: replicaof in the config.
			if !rep.replicaOfSet {
				rep.replicaOfSet = true
				mport := strconv.Itoa(st.master.Port)
				if rep.stdin != "" {
					rep.stdin += "replicaof 127.0.0.1 " + mport + "\n"
				} else {
					rep.argv = append(rep.argv, "--replicaof", "127.0.0.1", mport)
				}
			}
			start := time.Now()
			if err := rep.Restart(); err != nil {
				return err
			}
			pingMs := float64(time.Since(start).Microseconds()) / 1000
			c, err := dial(rep.Addr, 5*time.Second)
			if err != nil {
				return err
			}
			if _, up, err := replicaOffset(c); err != nil || !up {
				// Not a replica after the restart (redis without a
				// rewritten config): point it at the master again.
				if v, _ := c.Do("ROLE"); !isReplicaRole(v) {
					c.doStr("REPLICAOF", "127.0.0.1", strconv.Itoa(st.master.Port))
				}
			}
			c.Close()
			if err := waitCaughtUp(st.master, rep, h.syncTimeout()); err != nil {
				return err
			}
			caughtMs := float64(time.Since(start).Microseconds()) / 1000
			after, err := mc.info("stats")
			if err != nil {
				return err
			}
			pOK := delta(before, after, "sync_partial_ok")
			full := delta(before, after, "sync_full")
			isPartial := 0.0
			if pOK > 0 && full == 0 {
				isPartial = 1
			}
			deltas[k] = append(deltas[k], fmt.Sprintf("+%d/+%d", pOK, full))
			if k == "redis" {
				ping.Redis, caught.Redis, partial.Redis = append(ping.Redis, pingMs), append(caught.Redis, caughtMs), append(partial.Redis, isPartial)
			} else {
				ping.Redpebble, caught.Redpebble, partial.Redpebble = append(ping.Redpebble, pingMs), append(caught.Redpebble, caughtMs), append(partial.Redpebble, isPartial)
			}
		}
	}
	ping.Note = "restart until the first PING reply"
	caught.Note = "restarted with replicaof in its config; redis (save \"\") reloads the RDB of its last sync"
	partial.Note = fmt.Sprintf("master INFO stats sync_partial_ok/sync_full per restart: redis %s, redpebble %s",
		strings.Join(deltas["redis"], " "), strings.Join(deltas["redpebble"], " "))
	if st.replicas["redpebble"] == nil {
		for _, r := range []*result{ping, caught, partial} {
			r.Note = "skipped for redpebble: no synced redpebble replica (see fullsync); " + r.Note
		}
	}
	h.add(ping)
	h.add(caught)
	h.add(partial)
	st.close()
	h.keep = nil
	return nil
}

func isReplicaRole(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	s, _ := a[0].(string)
	return s == "slave"
}

func delta(before, after map[string]string, k string) int64 {
	b, _ := infoInt(before, k)
	a, _ := infoInt(after, k)
	return a - b
}

// ---- 3. apply under write load ----

func (h *harness) apply() error {
	skip, err := h.replicationSupported("apply")
	if err != nil {
		return err
	}
	dur := 8 * time.Second
	if h.opt.quick {
		dur = 3 * time.Second
	}
	mix := []string{"set", "lpush", "hset", "zadd"}
	note := ""
	if skip == "" {
		// Only the commands redpebble can apply, so both replicas get the
		// same stream.
		p, err := h.startKind("redpebble", "apply")
		if err != nil {
			return err
		}
		var ok []string
		for _, t := range mix {
			var probe []string
			switch t {
			case "set":
				probe = []string{"SET", "__bench_probe", "x"}
			case "lpush":
				probe = []string{"LPUSH", "__bench_probe_l", "x"}
			case "hset":
				probe = []string{"HSET", "__bench_probe_h", "f", "v"}
			case "zadd":
				probe = []string{"ZADD", "__bench_probe_z", "1", "m"}
			}
			if miss, _ := unsupported(p.Addr, probe); miss == "" {
				ok = append(ok, t)
			} else {
				note += " " + miss
			}
		}
		p.Close()
		if note != "" {
			note = "; mix without" + note + " (unknown to redpebble)"
		}
		mix = ok
	}
	master, err := startRedis(h.opt.work, "master-apply", "repl-diskless-sync-delay 0", "repl-backlog-size 256mb")
	if err != nil {
		return err
	}
	defer master.Close()
	lagB := &result{Workload: "apply", Metric: "max lag", Unit: "bytes", Better: "lower", Skipped: skip}
	lagMs := &result{Workload: "apply", Metric: "max lag", Unit: "ms", Better: "lower", Skipped: skip}
	drain := &result{Workload: "apply", Metric: "drain after load stops", Unit: "ms", Better: "lower", Skipped: skip}
	written := &result{Workload: "apply", Metric: "master write rate", Unit: "bytes/s", Better: "higher", Skipped: skip}
	h.rep.Lag = map[string][]lagSample{}
	h.rep.LoadMs = float64(dur.Milliseconds())
	for round := 0; round < h.opt.rounds; round++ {
		for _, k := range kinds {
			if k == "redpebble" && skip != "" {
				continue
			}
			mc, err := dial(master.Addr, 5*time.Second)
			if err != nil {
				return err
			}
			mc.doStr("FLUSHALL")
			mc.Close()
			rep, err := h.startKind(k, "apply")
			if err != nil {
				return err
			}
			tl, dr, rate, err := h.applyOnce(master, rep, mix, dur)
			rep.Close()
			if err != nil {
				if k == "redpebble" {
					skip = err.Error()
					continue
				}
				return err
			}
			h.rep.Lag[k] = tl
			if k == "redis" {
				lagB.Redis = append(lagB.Redis, float64(maxLagBytes(tl)))
				lagMs.Redis = append(lagMs.Redis, maxLagMs(tl))
				drain.Redis = append(drain.Redis, dr)
				written.Redis = append(written.Redis, rate)
			} else {
				lagB.Redpebble = append(lagB.Redpebble, float64(maxLagBytes(tl)))
				lagMs.Redpebble = append(lagMs.Redpebble, maxLagMs(tl))
				drain.Redpebble = append(drain.Redpebble, dr)
				written.Redpebble = append(written.Redpebble, rate)
			}
		}
	}
	base := fmt.Sprintf("redis-benchmark %s -P 16 for %v", strings.Join(mix, ","), dur)
	for _, r := range []*result{lagB, lagMs, drain, written} {
		r.Note = base + note
		if r == written {
			r.Note = "master_repl_offset growth while each replica was attached"
		}
		if skip != "" && len(r.Redis) > 0 {
			r.Note, r.Skipped = "skipped for redpebble: "+skip, ""
		}
	}
	h.add(lagB)
	h.add(lagMs)
	h.add(drain)
	h.add(written)
	return nil
}

// applyOnce attaches rep to master, loads the master for dur and samples
// the lag every 10 ms until the replica has drained. It returns the
// timeline, the drain time (ms) and the master's write rate (bytes/s).
func (h *harness) applyOnce(master, rep *proc, mix []string, dur time.Duration) ([]lagSample, float64, float64, error) {
	if err := replicaOf(rep, master); err != nil {
		return nil, 0, 0, err
	}
	if err := waitCaughtUp(master, rep, h.syncTimeout()); err != nil {
		return nil, 0, 0, err
	}
	mc, err := dial(master.Addr, 5*time.Second)
	if err != nil {
		return nil, 0, 0, err
	}
	defer mc.Close()
	rc, err := dial(rep.Addr, 5*time.Second)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rc.Close()
	var cmds []*exec.Cmd
	for _, t := range mix {
		c := exec.Command(redisBenchmarkBin, "-h", "127.0.0.1", "-p", strconv.Itoa(master.Port), "-c", "8",
			"-P", "16", "-r", "100000", "-n", "1000000000", "-q", "-t", t)
		var sink bytes.Buffer
		c.Stdout, c.Stderr = &sink, &sink
		if err := c.Start(); err != nil {
			return nil, 0, 0, err
		}
		cmds = append(cmds, c)
	}
	stopLoad := func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGKILL)
			c.Wait()
		}
		cmds = nil
	}
	defer stopLoad()
	start := time.Now()
	mo0, err := masterOffset(mc)
	if err != nil {
		return nil, 0, 0, err
	}
	var tl []lagSample
	var stopped time.Time
	var moStop int64
	deadline := start.Add(dur + h.syncTimeout())
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		now := time.Now()
		if cmds != nil && now.Sub(start) >= dur {
			stopLoad()
			stopped = time.Now()
			if moStop, err = masterOffset(mc); err != nil {
				return nil, 0, 0, err
			}
		}
		mo, err := masterOffset(mc)
		if err != nil {
			return nil, 0, 0, err
		}
		ro, _, err := replicaOffset(rc)
		if err != nil {
			return nil, 0, 0, err
		}
		tl = append(tl, lagSample{TMs: float64(now.Sub(start).Microseconds()) / 1000, Master: mo, Replica: ro, LagBytes: max(mo-ro, 0)})
		if !stopped.IsZero() && ro >= moStop {
			drain := float64(time.Since(stopped).Microseconds()) / 1000
			rate := float64(moStop-mo0) / stopped.Sub(start).Seconds()
			return tl, drain, rate, nil
		}
		if now.After(deadline) {
			return nil, 0, 0, fmt.Errorf("replica %s did not drain within %v", rep.name, h.syncTimeout())
		}
	}
	return nil, 0, 0, nil
}

// ---- 2b. full sync from each kind of master ----

// masterFullSync times the full sync of the dataset from a redis-server
// master and from a redpebble master to a fresh redis-server replica
// (REPLICAOF until caught up), rounds alternating between the two.
func (h *harness) masterFullSync() error {
	skip, err := h.replicationSupported("masterfullsync")
	if err != nil {
		return err
	}
	tm := &result{Workload: "masterfullsync", Metric: fmt.Sprintf("full sync %dk keys to redis", h.opt.keys/1000), Unit: "ms", Better: "lower", Skipped: skip}
	masters := map[string]*proc{}
	defer func() {
		for _, m := range masters {
			m.Close()
		}
	}()
	for _, k := range kinds {
		if k == "redpebble" && skip != "" {
			continue
		}
		m, err := h.startKind(k, "masterfullsync", "repl-diskless-sync-delay 0", "enable-debug-command yes")
		if err != nil {
			return err
		}
		masters[k] = m
		t0 := time.Now()
		if k == "redis" {
			err = fill(m.Addr, h.opt.keys)
		} else if src := masters["redis"]; src != nil {
			// The same dataset, faster than DEBUG POPULATE through the
			// store: sync it from the redis master, then promote.
			if err = replicaOf(m, src); err == nil {
				err = waitCaughtUp(src, m, h.syncTimeout())
			}
			if err == nil {
				err = replicaOfNoOne(m)
			}
		} else {
			err = fill(m.Addr, h.opt.keys)
		}
		if err != nil {
			return fmt.Errorf("filling the %s master: %v", k, err)
		}
		fmt.Printf("   %s master filled with %d keys in %.1fs\n", k, h.opt.keys, time.Since(t0).Seconds())
	}
	for round := 0; round < h.opt.rounds; round++ {
		for _, k := range kinds {
			m := masters[k]
			if m == nil {
				continue
			}
			rep, err := startRedis(h.opt.work, "replica-of-"+k)
			if err != nil {
				return err
			}
			start := time.Now()
			err = replicaOf(rep, m)
			if err == nil {
				err = waitCaughtUp(m, rep, h.syncTimeout())
			}
			el := float64(time.Since(start).Microseconds()) / 1000
			rep.Close()
			if err != nil {
				return fmt.Errorf("full sync from the %s master: %v", k, err)
			}
			if k == "redis" {
				tm.Redis = append(tm.Redis, el)
			} else {
				tm.Redpebble = append(tm.Redpebble, el)
			}
		}
	}
	tm.Note = "the master is redis or redpebble, the replica redis-server; REPLICAOF until caught up"
	h.add(tm)
	return nil
}

func replicaOfNoOne(p *proc) error {
	c, err := dial(p.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.doStr("REPLICAOF", "NO", "ONE")
	return err
}
