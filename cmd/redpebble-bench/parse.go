package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// benchRow is one test line of redis-benchmark's output.
type benchRow struct {
	Test  string
	RPS   float64
	P50ms float64 // 0 when the output did not say
}

// parseBenchmarkCSV parses `redis-benchmark --csv` output: a header line
// "test","rps","avg_latency_ms",... then one quoted line per test.
func parseBenchmarkCSV(out string) ([]benchRow, error) {
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	var rows []benchRow
	col := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark csv: %v", err)
		}
		if len(rec) == 0 {
			continue
		}
		if rec[0] == "test" {
			for i, h := range rec {
				col[h] = i
			}
			continue
		}
		ri, ok := col["rps"]
		if !ok {
			ri = 1
		}
		if len(rec) <= ri {
			return nil, fmt.Errorf("redis-benchmark csv: short line %q", rec)
		}
		rps, err := strconv.ParseFloat(rec[ri], 64)
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark csv: rps %q: %v", rec[ri], err)
		}
		row := benchRow{Test: rec[0], RPS: rps}
		if pi, ok := col["p50_latency_ms"]; ok && pi < len(rec) {
			row.P50ms, _ = strconv.ParseFloat(rec[pi], 64)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("redis-benchmark csv: no result in %q", out)
	}
	return rows, nil
}

// parseBenchmarkQuiet parses `redis-benchmark -q` output, whose progress
// lines are separated by \r and whose result lines read
// "GET: 1017.81 requests per second, p50=7.911 msec".
func parseBenchmarkQuiet(out string) ([]benchRow, error) {
	var rows []benchRow
	for _, part := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		part = strings.TrimSpace(part)
		i := strings.Index(part, " requests per second")
		if i < 0 {
			continue
		}
		j := strings.LastIndex(part[:i], ": ")
		if j < 0 {
			continue
		}
		rps, err := strconv.ParseFloat(part[j+2:i], 64)
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark -q: %q: %v", part, err)
		}
		row := benchRow{Test: part[:j], RPS: rps}
		if k := strings.Index(part, "p50="); k >= 0 {
			f := strings.Fields(part[k+4:])
			if len(f) > 0 {
				row.P50ms, _ = strconv.ParseFloat(f[0], 64)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("redis-benchmark -q: no result in %q", out)
	}
	return rows, nil
}

// parseInfo splits an INFO reply into its fields.
func parseInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// infoInt returns an integer INFO field, ok false when absent or not a number.
func infoInt(m map[string]string, k string) (int64, bool) {
	v, ok := m[k]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// replicaState reads a replica's offset and link state from its ROLE reply
// (["slave", host, port, state, offset]), the form both servers answer.
func replicaState(role any) (offset int64, connected bool, err error) {
	a, ok := role.([]any)
	if !ok || len(a) < 5 {
		return 0, false, fmt.Errorf("ROLE: unexpected reply %v", role)
	}
	if r, _ := a[0].(string); r != "slave" {
		return 0, false, fmt.Errorf("ROLE: not a replica: %v", a[0])
	}
	st, _ := a[3].(string)
	switch v := a[4].(type) {
	case int64:
		offset = v
	case string:
		offset, err = strconv.ParseInt(v, 10, 64)
	default:
		err = fmt.Errorf("ROLE: offset %v", a[4])
	}
	return offset, st == "connected", err
}

// isUnknownCommand reports whether a reply says the command does not exist.
func isUnknownCommand(v any) bool {
	e, ok := v.(respError)
	return ok && strings.Contains(strings.ToLower(string(e)), "unknown command")
}
