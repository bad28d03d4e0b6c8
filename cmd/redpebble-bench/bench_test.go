package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strconv"
	"strings"
	"testing"
)

const csvOut = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","17543.86","4.099","0.088","3.127","11.447","21.855","22.863"
"LPUSH (needed to benchmark LRANGE)","2227.17","29.213","0.088","0.183","203.391","414.719","414.719"
"LRANGE_100 (first 100 elements)","3809.52","19.975","0.408","1.759","12.151","441.343","441.343"
"MGET key:__rand_int__ key:__rand_int__","84746.00","1","0.1","0.5","1","2","3"
`

func TestParseBenchmarkCSV(t *testing.T) {
	rows, err := parseBenchmarkCSV(csvOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("rows = %d", len(rows))
	}
	if rows[0].Test != "SET" || rows[0].RPS != 17543.86 || rows[0].P50ms != 3.127 {
		t.Errorf("row 0 = %+v", rows[0])
	}
	if rows[2].Test != "LRANGE_100 (first 100 elements)" || rows[2].RPS != 3809.52 {
		t.Errorf("row 2 = %+v", rows[2])
	}
	for _, bad := range []string{"", "\"test\",\"rps\"\n", "\"SET\",\"abc\"\n", "\"SET\"\n"} {
		if _, err := parseBenchmarkCSV(bad); err == nil {
			t.Errorf("parseBenchmarkCSV(%q): no error", bad)
		}
	}
}

func TestParseBenchmarkQuiet(t *testing.T) {
	out := " GET: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\r GET: rps=520.4 (overall: 145.0) avg_msec=110.695\r" +
		" GET: 1017.81 requests per second, p50=7.911 msec\n\n" +
		" zadd k __rand_int__ m:__rand_int__: rps=2007.1\r zadd k __rand_int__ m:__rand_int__: 4683.84 requests per second, p50=3.463 msec\n"
	rows, err := parseBenchmarkQuiet(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Test != "GET" || rows[0].RPS != 1017.81 || rows[0].P50ms != 7.911 ||
		rows[1].Test != "zadd k __rand_int__ m:__rand_int__" || rows[1].RPS != 4683.84 {
		t.Fatalf("rows = %+v", rows)
	}
	if _, err := parseBenchmarkQuiet("GET: rps=1\r"); err == nil {
		t.Error("no error without a result line")
	}
}

func TestParseInfoAndRole(t *testing.T) {
	m := parseInfo("# Replication\r\nrole:master\r\nmaster_repl_offset:12345\r\nslave0:ip=127.0.0.1,port=1,state=online\r\n\r\n")
	if m["role"] != "master" || m["slave0"] != "ip=127.0.0.1,port=1,state=online" {
		t.Errorf("info = %v", m)
	}
	if n, ok := infoInt(m, "master_repl_offset"); !ok || n != 12345 {
		t.Errorf("offset = %d %v", n, ok)
	}
	if _, ok := infoInt(m, "role"); ok {
		t.Error("infoInt of a non-number")
	}
	off, up, err := replicaState([]any{"slave", "127.0.0.1", int64(7000), "connected", int64(99)})
	if err != nil || !up || off != 99 {
		t.Errorf("replicaState = %d %v %v", off, up, err)
	}
	if _, up, _ := replicaState([]any{"slave", "127.0.0.1", int64(7000), "sync", int64(-1)}); up {
		t.Error("sync state counted as connected")
	}
	if _, _, err := replicaState([]any{"master", int64(0), []any{}}); err == nil {
		t.Error("master ROLE accepted")
	}
	if !isUnknownCommand(respError("ERR unknown command 'LPUSH', with args beginning with: ")) || isUnknownCommand("OK") {
		t.Error("isUnknownCommand")
	}
}

func TestReadValue(t *testing.T) {
	in := "+OK\r\n-ERR x\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	want := []string{"OK", "ERR x", "42", "abc", "<nil>", "[a [1]]"}
	for _, w := range want {
		v, err := readValue(br, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtAny(v); got != w {
			t.Errorf("got %q want %q", got, w)
		}
	}
	if string(appendCommand(nil, "GET", "k")) != "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" {
		t.Error("appendCommand")
	}
}

func fmtAny(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case respError:
		return string(v)
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmtAny(x))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	}
	return "?"
}

func TestMedianRatio(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1, 1000, 9}, 10},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its input")
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) not NaN")
	}
	if ratio(50, 100) != 0.5 || !math.IsNaN(ratio(1, 0)) || !math.IsNaN(ratio(math.NaN(), 1)) {
		t.Error("ratio")
	}
	if num(math.NaN()) != nil || *num(2) != 2 {
		t.Error("num")
	}
	r := &result{Redis: []float64{100, 300, 200}, Redpebble: []float64{50, 150, 100}}
	h := &harness{}
	h.add(r)
	if *r.RedisMedian != 200 || *r.RedpebbleMedian != 100 || *r.Ratio != 0.5 {
		t.Errorf("result = %v %v %v", *r.RedisMedian, *r.RedpebbleMedian, *r.Ratio)
	}
}

func TestLagStats(t *testing.T) {
	s := []lagSample{
		{TMs: 0, Master: 100, Replica: 100},
		{TMs: 10, Master: 200, Replica: 100, LagBytes: 100},
		{TMs: 20, Master: 400, Replica: 150, LagBytes: 250},
		{TMs: 30, Master: 400, Replica: 200, LagBytes: 200},
		{TMs: 40, Master: 400, Replica: 400},
	}
	if got := maxLagBytes(s); got != 250 {
		t.Errorf("maxLagBytes = %d", got)
	}
	// offset 200 (t=10) reached at t=30: 20 ms; 400 (t=20) at t=40: 20 ms.
	if got := maxLagMs(s); got != 20 {
		t.Errorf("maxLagMs = %v", got)
	}
	s[3].Replica, s[4].Replica = 150, 150 // 200 never reached: counts to the last sample
	if got := maxLagMs(s); got != 30 {
		t.Errorf("maxLagMs (not caught up) = %v", got)
	}
}

func TestLagChartPNG(t *testing.T) {
	var buf bytes.Buffer
	ss := []series{
		{Name: "redis replica", Color: colRedis, X: []float64{0, 10, 20, 30}, Y: []float64{0, 5000, 2 << 20, 0}},
		{Name: "redpebble replica", Color: colRedpebble, X: []float64{0, 15, 40}, Y: []float64{0, 1000, 0}},
	}
	if err := writeLagChart(&buf, "replication lag", ss, 25); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 420 {
		t.Errorf("bounds = %v", b)
	}
	found := map[[3]uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			found[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	for _, c := range []struct{ r, g, b uint8 }{{colRedis.R, colRedis.G, colRedis.B}, {colRedpebble.R, colRedpebble.G, colRedpebble.B}} {
		if !found[[3]uint32{uint32(c.r), uint32(c.g), uint32(c.b)}] {
			t.Errorf("series colour %v not drawn", c)
		}
	}
	// Empty input still gives a valid image.
	buf.Reset()
	if err := writeLagChart(&buf, "empty", nil, math.NaN()); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Fatal(err)
	}
	if niceStep(0.7) != 1 || niceStep(3) != 5 || niceStep(1200) != 2000 || niceStep(0) != 1 {
		t.Error("niceStep")
	}
}

func TestPubsubFrameLen(t *testing.T) {
	want := len("*3\r\n$7\r\nmessage\r\n$8\r\nbench-ch\r\n$64\r\n") + 64 + 2
	if got := psFrameLen(64); got != want {
		t.Errorf("psFrameLen(64) = %d, want %d", got, want)
	}
	want = len("*3\r\n$7\r\nmessage\r\n$8\r\nbench-ch\r\n$1024\r\n") + 1024 + 2
	if got := psFrameLen(1024); got != want {
		t.Errorf("psFrameLen(1024) = %d, want %d", got, want)
	}
}

func TestCompareWith(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	old := report{Commit: "aaa", Results: []*result{
		{Workload: "benchmark", Metric: "GET -P 1", Unit: "req/s", RedpebbleMedian: f(100), Ratio: f(0.5)},
		{Workload: "pubsub", Metric: "gone", Unit: "msg/s", RedpebbleMedian: f(1)},
	}}
	b, _ := json.Marshal(&old)
	now := &report{Commit: "bbb", Results: []*result{
		{Workload: "benchmark", Metric: "GET -P 1", Unit: "req/s", RedpebbleMedian: f(150), Ratio: f(0.75)},
		{Workload: "benchmark", Metric: "SET -P 1", Unit: "req/s", Skipped: "x"},
	}}
	var out bytes.Buffer
	if err := compareWith(&out, b, now); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "+50.0%") || !strings.Contains(s, "0.75") || strings.Contains(s, "gone") || strings.Contains(s, "SET") {
		t.Errorf("compare output:\n%s", s)
	}
}
