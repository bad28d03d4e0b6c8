// Command redpebble-bench runs the same workloads against redis-server 7.0.15
// and redpebble, side by side, and reports medians and redpebble/redis ratios
// (a table on stdout, a JSON file for comparing commits, and a PNG chart of
// the replication-lag timeline). It is what `make bench` and
// `make bench-quick` run; see the Makefile and README "Benchmarks".
//
//	redpebble-bench [-quick] [-rounds N] [-out DIR] [-only a,b] [-profile] [-pubsub-subs 1,50] [-pubsub-sizes 64]
//
// Servers listen on random loopback ports (never 6379) and live in temp
// directories under -work, removed at the end. Workloads redpebble does not
// support yet are reported as "skipped: <why>".
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

var (
	redisServerBin    = "/usr/bin/redis-server"
	redisBenchmarkBin = "redis-benchmark"
	redpebbleBin      = "bin/redpebble"
)

// options are the command-line settings.
type options struct {
	quick   bool
	rounds  int
	out     string
	jsonOut string
	only    map[string]bool
	profile bool
	big     bool
	keys    int // full-sync / restart dataset size
	work    string
	// selfTest runs redis-server in place of redpebble, to check the
	// harness's own code paths (replication, pub/sub) before redpebble
	// supports them.
	selfTest bool
	compare  string // an earlier results.json to compare redpebble's medians with
}

// result is one measured metric of one workload on both servers.
type result struct {
	Workload        string    `json:"workload"`
	Metric          string    `json:"metric"`
	Unit            string    `json:"unit"`
	Better          string    `json:"better"` // "higher" or "lower"
	Redis           []float64 `json:"redis"`
	Redpebble       []float64 `json:"redpebble"`
	RedisMedian     *float64  `json:"redis_median"`
	RedpebbleMedian *float64  `json:"redpebble_median"`
	Ratio           *float64  `json:"ratio"` // redpebble/redis medians
	Skipped         string    `json:"skipped,omitempty"`
	Note            string    `json:"note,omitempty"`
}

type report struct {
	Commit   string                 `json:"commit"`
	Date     string                 `json:"date"`
	Go       string                 `json:"go"`
	Redis    string                 `json:"redis_version"`
	CPUs     int                    `json:"cpus"`
	LoadAvg  string                 `json:"loadavg"`
	Quick    bool                   `json:"quick"`
	SelfTest bool                   `json:"self_test,omitempty"`
	Rounds   int                    `json:"rounds"`
	Keys     int                    `json:"keys"`
	Seconds  float64                `json:"seconds"`
	Results  []*result              `json:"results"`
	Lag      map[string][]lagSample `json:"lag_timeline,omitempty"`
	LoadMs   float64                `json:"lag_load_ms,omitempty"`
	Profiles []string               `json:"profiles,omitempty"`
}

type harness struct {
	opt options
	rep report
	// keep is the master and replicas left by fullsync for restart.
	keep *syncState
}

func main() {
	var o options
	var only string
	flag.BoolVar(&o.quick, "quick", false, "small datasets, 1 round, short loads (make bench-quick, < 1 min)")
	flag.IntVar(&o.rounds, "rounds", 0, "rounds of A/B alternation per workload (default 3, quick 1)")
	flag.StringVar(&o.out, "out", "bin/bench", "output directory (results.json, lag.png, profiles)")
	flag.StringVar(&o.jsonOut, "json", "", "JSON results path (default <out>/results.json)")
	flag.StringVar(&only, "only", "", "comma-separated workloads: benchmark,fullsync,masterfullsync,apply,pubsub,restart,big")
	flag.BoolVar(&o.profile, "profile", false, "run redpebble with REDPEBBLE_CPUPROFILE, one profile per workload in <out>")
	flag.BoolVar(&o.big, "big", os.Getenv("BENCH_BIG") == "1", "run the larger-than-memory workload (4 GB; also BENCH_BIG=1)")
	flag.IntVar(&o.keys, "keys", 0, "keys of the full-sync/restart dataset (default 1000000, quick 50000)")
	flag.StringVar(&o.work, "work", "", "directory for the servers' temp dirs (default $TMPDIR)")
	flag.BoolVar(&o.selfTest, "self-test", false, "harness check: a second redis-server stands in for redpebble (figures are NOT redpebble's)")
	flag.StringVar(&o.compare, "compare", "", "an earlier results.json: print redpebble's medians then and now")
	flag.StringVar(&redpebbleBin, "redpebble", redpebbleBin, "redpebble binary (built from ./cmd/redpebble when missing)")
	flag.StringVar(&redisServerBin, "redis-server", redisServerBin, "redis-server 7.0.15 binary")
	flag.StringVar(&redisBenchmarkBin, "redis-benchmark", redisBenchmarkBin, "redis-benchmark binary")
	flag.Func("pubsub-subs", "pubsub workload: comma-separated subscriber counts (default 1,50,500)", intList(&psSubs))
	flag.Func("pubsub-sizes", "pubsub workload: comma-separated payload sizes in bytes (default 64,1024)", intList(&psSizes))
	flag.Parse()
	if o.rounds <= 0 {
		o.rounds = 3
		if o.quick {
			o.rounds = 1
		}
	}
	if o.keys <= 0 {
		o.keys = 1000000
		if o.quick {
			o.keys = 50000
		}
	}
	if o.jsonOut == "" {
		o.jsonOut = filepath.Join(o.out, "results.json")
	}
	if only != "" {
		o.only = map[string]bool{}
		for _, w := range strings.Split(only, ",") {
			o.only[strings.TrimSpace(w)] = true
		}
	}
	os.Exit(run(o))
}

// intList parses a comma-separated list of positive integers into *dst.
func intList(dst *[]int) func(string) error {
	return func(v string) error {
		var out []int
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive integer", f)
			}
			out = append(out, n)
		}
		*dst = out
		return nil
	}
}

func run(o options) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "interrupted: killing servers")
		killAll()
		os.Exit(130)
	}()
	defer killAll()

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var oldJSON []byte // read before this run may overwrite it
	if o.compare != "" {
		var err error
		if oldJSON, err = os.ReadFile(o.compare); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			return 1
		}
	}
	work, err := os.MkdirTemp(o.work, "redpebble-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	o.work = work
	if _, err := os.Stat(redpebbleBin); err != nil {
		fmt.Printf("building %s\n", redpebbleBin)
		cmd := exec.Command("go", "build", "-o", redpebbleBin, "./cmd/redpebble")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			return 1
		}
	}
	h := &harness{opt: o}
	start := time.Now()
	load, _ := os.ReadFile("/proc/loadavg")
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		commit = append(bytes.TrimSpace(commit), "+dirty"...)
	}
	rv, _ := exec.Command(redisServerBin, "--version").Output()
	h.rep = report{
		Commit: strings.TrimSpace(string(commit)), Date: start.UTC().Format(time.RFC3339),
		Go: runtime.Version(), Redis: strings.TrimSpace(string(rv)), CPUs: runtime.NumCPU(), LoadAvg: strings.TrimSpace(string(load)),
		Quick: o.quick, Rounds: o.rounds, Keys: o.keys, SelfTest: o.selfTest,
	}
	if o.selfTest {
		fmt.Println("SELF-TEST: redis-server stands in for redpebble; the redpebble column is redis")
	}
	fmt.Printf("redpebble-bench: quick=%v rounds=%d keys=%d loadavg=%s commit=%s\n",
		o.quick, o.rounds, o.keys, h.rep.LoadAvg, h.rep.Commit)

	workloads := []struct {
		name string
		fn   func(*harness) error
		def  bool
	}{
		{"benchmark", (*harness).benchmark, true},
		{"fullsync", (*harness).fullSync, true},
		{"restart", (*harness).restart, true},
		{"masterfullsync", (*harness).masterFullSync, true},
		{"apply", (*harness).apply, true},
		{"pubsub", (*harness).pubsub, true},
		{"big", (*harness).big, o.big},
	}
	failed := false
	for _, w := range workloads {
		if o.only != nil && !o.only[w.name] || o.only == nil && !w.def {
			if w.name == "big" {
				h.add(&result{Workload: "big", Metric: "larger than memory", Skipped: "off by default (4 GB dataset, ~15 min and ~10 GB of RAM+disk): make bench BENCH_BIG=1"})
			}
			continue
		}
		t0 := time.Now()
		fmt.Printf("== %s\n", w.name)
		if err := w.fn(h); err != nil {
			fmt.Printf("   %s: ERROR: %v\n", w.name, err)
			h.add(&result{Workload: w.name, Metric: "error", Skipped: "error: " + err.Error()})
			failed = true
		}
		fmt.Printf("   (%s: %.1fs)\n", w.name, time.Since(t0).Seconds())
	}
	if h.keep != nil {
		h.keep.close()
	}
	h.rep.Seconds = math.Round(time.Since(start).Seconds()*10) / 10

	fmt.Println()
	printTable(os.Stdout, h.rep.Results)
	fmt.Printf("\ntotal %.0fs, loadavg at start %s (busy machine: compare ratios, not absolute figures)\n", h.rep.Seconds, h.rep.LoadAvg)
	if err := h.writeOutputs(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if o.compare != "" {
		if err := compareWith(os.Stdout, oldJSON, &h.rep); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

// add records a result, computing medians and the ratio, and prints it.
func (h *harness) add(r *result) {
	if r.Skipped == "" {
		rm, pm := median(r.Redis), median(r.Redpebble)
		r.RedisMedian, r.RedpebbleMedian, r.Ratio = num(rm), num(pm), num(ratio(pm, rm))
	}
	h.rep.Results = append(h.rep.Results, r)
	fmt.Printf("   %-34s redis=%-12s redpebble=%-12s ratio=%-6s %s\n", r.Metric,
		fmtVal(r.RedisMedian, r.Unit), fmtVal(r.RedpebbleMedian, r.Unit), fmtRatio(r.Ratio), noteOf(r))
}

func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func noteOf(r *result) string {
	if r.Skipped != "" {
		return "skipped: " + r.Skipped
	}
	return r.Note
}

func fmtVal(v *float64, unit string) string {
	if v == nil {
		return "-"
	}
	switch unit {
	case "bytes":
		return fmtBytes(*v)
	case "bytes/s":
		return fmtBytes(*v) + "/s"
	case "req/s", "msg/s":
		return fmt.Sprintf("%.0f", *v)
	case "bool":
		if *v >= 0.5 {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprintf("%.1f", *v)
}

func fmtRatio(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *v)
}

// printTable writes the final side-by-side table.
func printTable(w io.Writer, rs []*result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tmetric\tunit\tbetter\tredis\tredpebble\trp/redis\tnote")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Workload, r.Metric, r.Unit, r.Better,
			fmtVal(r.RedisMedian, r.Unit), fmtVal(r.RedpebbleMedian, r.Unit), fmtRatio(r.Ratio), noteOf(r))
	}
	tw.Flush()
}

func (h *harness) writeOutputs() error {
	b, err := json.MarshalIndent(&h.rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(h.opt.jsonOut), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(h.opt.jsonOut, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nresults: %s\n", h.opt.jsonOut)
	if len(h.rep.Lag) > 0 {
		var ss []series
		for _, k := range []string{"redis", "redpebble"} {
			tl := h.rep.Lag[k]
			if len(tl) == 0 {
				continue
			}
			s := series{Name: k + " replica", Color: colRedis}
			if k == "redpebble" {
				s.Color = colRedpebble
			}
			for _, x := range tl {
				s.X = append(s.X, x.TMs)
				s.Y = append(s.Y, float64(x.LagBytes))
			}
			ss = append(ss, s)
		}
		p := filepath.Join(h.opt.out, "lag.png")
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := writeLagChart(f, "replication lag (bytes) under write load", ss, h.rep.LoadMs); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("lag chart: %s\n", p)
	}
	for _, p := range h.rep.Profiles {
		fmt.Printf("profile: %s (go tool pprof %s %s)\n", p, redpebbleBin, p)
	}
	return nil
}

// profilePath returns the CPU profile path for a redpebble started for
// workload w (empty without -profile).
func (h *harness) profilePath(w string) string {
	if !h.opt.profile {
		return ""
	}
	// One file per redpebble process: a workload may start several.
	name := "redpebble-" + w + ".pprof"
	if n := len(h.rep.Profiles); n > 0 {
		name = fmt.Sprintf("redpebble-%s-%d.pprof", w, n)
	}
	abs, _ := filepath.Abs(filepath.Join(h.opt.out, name))
	h.rep.Profiles = append(h.rep.Profiles, abs)
	return abs
}

// compareWith prints, for every metric measured in both the earlier report
// (its JSON) and now, redpebble's median then and now and the change.
func compareWith(w io.Writer, oldJSON []byte, now *report) error {
	var old report
	if err := json.Unmarshal(oldJSON, &old); err != nil {
		return err
	}
	key := func(r *result) string { return r.Workload + "\x00" + r.Metric + "\x00" + r.Unit }
	prev := map[string]*result{}
	for _, r := range old.Results {
		prev[key(r)] = r
	}
	fmt.Fprintf(w, "\nredpebble: %s (%s) -> %s (%s)\n", old.Commit, old.Date, now.Commit, now.Date)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tmetric\tunit\tbetter\tbefore\tnow\tchange\tratio before\tratio now")
	for _, r := range now.Results {
		p := prev[key(r)]
		if p == nil || p.RedpebbleMedian == nil || r.RedpebbleMedian == nil {
			continue
		}
		change := "-"
		if *p.RedpebbleMedian != 0 {
			change = fmt.Sprintf("%+.1f%%", (*r.RedpebbleMedian / *p.RedpebbleMedian - 1)*100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Workload, r.Metric, r.Unit, r.Better,
			fmtVal(p.RedpebbleMedian, r.Unit), fmtVal(r.RedpebbleMedian, r.Unit), change, fmtRatio(p.Ratio), fmtRatio(r.Ratio))
	}
	return tw.Flush()
}
