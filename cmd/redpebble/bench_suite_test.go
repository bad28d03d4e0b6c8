package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// benchDefaultSuite is what redis-benchmark 7.0 runs without -t.
var benchDefaultSuite = []string{
	"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP",
	"SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
	"LRANGE_100 (first 100 elements)", "LRANGE_300 (first 300 elements)",
	"LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)", "MSET (10 keys)",
}

// TestRedisBenchmarkDefaultSuite runs redis-benchmark's default suite (no
// -t) against redpebble: every test must finish with a result line and no
// error reply. Without -e redis-benchmark 7.0 counts error replies as
// answered requests and prints nothing; with -e it exits 1 on the first
// ("Error from server: ..." on stderr), so runTool fails. The server's
// total_error_replies must stay 0 too.
func TestRedisBenchmarkDefaultSuite(t *testing.T) {
	bench := lookTool(t, "redis-benchmark")
	sut := startUnderTest(t, t.TempDir(), false)
	out := runTool(t, "", bench, "-p", strconv.Itoa(sut.Port), "-n", "2000", "-c", "10", "-q", "-e")
	for _, bad := range []string{"ERR", "Error", "WRONGTYPE", "WARNING"} {
		if strings.Contains(out, bad) {
			t.Fatalf("redis-benchmark reported %q:\n%s", bad, out)
		}
	}
	res, err := parseBenchmark(out)
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	var names []string
	for n := range res {
		names = append(names, n)
	}
	slices.Sort(names)
	want := slices.Clone(benchDefaultSuite)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("redis-benchmark tests %q, want %q\noutput:\n%s", names, want, out)
	}
	info := redistest.Dial(t, sut.Addr).DoValue("INFO", "stats").Str
	if !strings.Contains(info, "total_error_replies:0\r\n") {
		t.Fatalf("error replies during redis-benchmark:\n%s", info)
	}
	t.Logf("redis-benchmark default suite: %v", res)
}
