package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// INFO with Redis's section and field names.

var defaultInfoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}
var allInfoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "cluster", "keyspace"}

func cmdInfo(c *Client) {
	want := map[string]bool{}
	var order []string
	add := func(list []string) {
		for _, s := range list {
			if !want[s] {
				want[s] = true
				order = append(order, s)
			}
		}
	}
	if len(c.args) == 1 {
		add(defaultInfoSections)
	}
	for _, a := range c.args[1:] {
		switch s := strings.ToLower(string(a)); s {
		case "default":
			add(defaultInfoSections)
		case "all", "everything":
			add(allInfoSections)
		default:
			add([]string{s})
		}
	}
	var b strings.Builder
	for _, sec := range allInfoSections {
		if !want[sec] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		c.s.infoSection(&b, sec)
	}
	c.verbatim(b.String())
}

func (s *Server) infoSection(b *strings.Builder, sec string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\r\n", args...) }
	now := time.Now()
	switch sec {
	case "server":
		p("# Server")
		p("redis_version:%s", Version)
		p("redis_git_sha1:00000000")
		p("redis_git_dirty:0")
		p("redis_build_id:redpebble")
		p("redis_mode:standalone")
		p("os:%s %s", runtime.GOOS, runtime.GOARCH)
		p("arch_bits:64")
		p("monotonic_clock:POSIX clock_gettime")
		p("multiplexing_api:epoll")
		p("atomicvar_api:c11-builtin")
		p("gcc_version:0.0.0")
		p("go_version:%s", runtime.Version())
		p("process_id:%d", os.Getpid())
		p("process_supervised:no")
		p("run_id:%s", s.runID)
		p("tcp_port:%d", s.cfg.Int("port"))
		up := now.Sub(s.start)
		p("server_time_usec:%d", now.UnixMicro())
		p("uptime_in_seconds:%d", int64(up/time.Second))
		p("uptime_in_days:%d", int64(up/(24*time.Hour)))
		p("hz:%d", s.cfg.Int("hz"))
		p("configured_hz:%d", s.cfg.Int("hz"))
		p("lru_clock:%d", now.Unix()&((1<<24)-1))
		exe, _ := os.Executable()
		p("executable:%s", exe)
		p("config_file:%s", s.cfg.ConfigFile())
		p("io_threads_active:0")
	case "clients":
		s.mu.Lock()
		n := len(s.clients)
		s.mu.Unlock()
		p("# Clients")
		p("connected_clients:%d", n)
		p("cluster_connections:0")
		p("maxclients:%d", s.cfg.Int("maxclients"))
		p("client_recent_max_input_buffer:0")
		p("client_recent_max_output_buffer:0")
		p("blocked_clients:%d", s.blockedClients())
		p("tracking_clients:0")
		p("clients_in_timeout_table:0")
	case "memory":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss := readRSS()
		p("# Memory")
		p("used_memory:%d", ms.HeapAlloc)
		p("used_memory_human:%s", humanBytes(int64(ms.HeapAlloc)))
		p("used_memory_rss:%d", rss)
		p("used_memory_rss_human:%s", humanBytes(rss))
		p("used_memory_peak:%d", ms.HeapSys)
		p("used_memory_peak_human:%s", humanBytes(int64(ms.HeapSys)))
		p("total_system_memory:%d", totalMemory())
		p("maxmemory:%d", s.cfg.Memory("maxmemory"))
		p("maxmemory_human:%s", humanBytes(s.cfg.Memory("maxmemory")))
		p("maxmemory_policy:%s", s.cfg.String("maxmemory-policy"))
		p("mem_allocator:go")
		m := s.db.Metrics()
		p("pebble_block_cache_size:%d", m.BlockCache.Size)
		p("pebble_memtable_size:%d", m.MemTable.Size)
		p("pebble_disk_usage:%d", m.DiskSpaceUsage())
	case "persistence":
		p("# Persistence")
		s.infoLoading(p, false)
		p("current_cow_peak:0")
		p("current_cow_size:0")
		p("current_fork_perc:0.00")
		p("current_save_keys_processed:0")
		p("current_save_keys_total:0")
		p("rdb_changes_since_last_save:%d", s.dirty.Load())
		p("rdb_bgsave_in_progress:0")
		p("rdb_last_save_time:%d", s.lastSave.Load())
		p("rdb_last_bgsave_status:ok")
		p("aof_enabled:0")
		p("aof_rewrite_in_progress:0")
		p("aof_last_write_status:%s", okOrErr(s.db.WriteError()))
		p("appendfsync:%s", s.cfg.String("appendfsync"))
		if err := s.db.WriteError(); err != nil {
			p("pebble_last_write_error:%s", sanitize(err.Error()))
		}
		s.infoLoading(p, true)
	case "stats":
		s.statsMu.Lock()
		var errs int64
		for _, n := range s.errs {
			errs += n
		}
		s.statsMu.Unlock()
		p("# Stats")
		p("total_connections_received:%d", s.totalConns.Load())
		p("total_commands_processed:%d", s.totalCmds.Load())
		p("instantaneous_ops_per_sec:0")
		p("total_net_input_bytes:%d", s.netIn.Load())
		p("total_net_output_bytes:%d", s.netOut.Load())
		p("rejected_connections:%d", s.rejectedConns.Load())
		p("sync_full:%d", s.master.syncFull.Load())
		p("sync_partial_ok:%d", s.master.syncPartialOK.Load())
		p("sync_partial_err:%d", s.master.syncPartialErr.Load())
		p("expired_keys:%d", s.expiredKeys.Load())
		p("evicted_keys:0")
		p("keyspace_hits:0")
		p("keyspace_misses:0")
		p("pubsub_channels:%d", len(s.ps.hub.Channels(nil)))
		p("pubsub_patterns:%d", s.ps.hub.NumPat())
		p("pubsubshard_channels:%d", len(s.ps.hub.ShardChannels(nil)))
		p("total_error_replies:%d", errs)
	case "replication":
		s.infoReplication(p)
	case "cpu":
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
		p("# CPU")
		p("used_cpu_sys:%.6f", tv(ru.Stime))
		p("used_cpu_user:%.6f", tv(ru.Utime))
		p("used_cpu_sys_children:0.000000")
		p("used_cpu_user_children:0.000000")
	case "modules":
		p("# Modules")
	case "cluster":
		p("# Cluster")
		p("cluster_enabled:0")
	case "errorstats":
		p("# Errorstats")
		s.statsMu.Lock()
		codes := make([]string, 0, len(s.errs))
		for k := range s.errs {
			codes = append(codes, k)
		}
		sort.Strings(codes)
		for _, k := range codes {
			p("errorstat_%s:count=%d", k, s.errs[k])
		}
		s.statsMu.Unlock()
	case "commandstats":
		p("# Commandstats")
		s.statsMu.Lock()
		var all []*command
		for _, n := range s.cmds.names() {
			cmd := s.cmds[n]
			all = append(all, cmd)
			for _, sub := range cmd.subs {
				all = append(all, sub)
			}
		}
		for _, cmd := range all {
			if cmd.calls == 0 && cmd.failed == 0 && cmd.rejected == 0 {
				continue
			}
			per := 0.0
			if cmd.calls > 0 {
				per = float64(cmd.usec) / float64(cmd.calls)
			}
			p("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
				cmd.name, cmd.calls, cmd.usec, per, cmd.rejected, cmd.failed)
		}
		s.statsMu.Unlock()
	case "keyspace":
		p("# Keyspace")
		for db := 0; db < s.db.Databases(); db++ {
			if n := s.db.DBSize(db); n > 0 {
				p("db%d:keys=%d,expires=%d,avg_ttl=0", db, n, s.db.Expires(db))
			}
		}
	}
}

func okOrErr(err error) string {
	if err != nil {
		return "err"
	}
	return "ok"
}

// humanBytes formats n as Redis's bytesToHuman.
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", f/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", f/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", f/(1024*1024*1024))
	}
	return fmt.Sprintf("%.2fT", f/(1024*1024*1024*1024))
}

func readRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, rss int64
	fmt.Sscan(string(b), &size, &rss)
	return rss * int64(os.Getpagesize())
}

func totalMemory() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
