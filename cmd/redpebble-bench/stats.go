package main

import (
	"math"
	"sort"
)

// median of xs (NaN when empty); the mean of the two middle values for an
// even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratio is redpebble/redis, NaN when either is missing or redis is 0.
func ratio(rp, redis float64) float64 {
	if math.IsNaN(rp) || math.IsNaN(redis) || redis == 0 {
		return math.NaN()
	}
	return rp / redis
}

// lagSample is one observation of a replica's distance to its master.
type lagSample struct {
	TMs      float64 `json:"t_ms"` // since the load started
	Master   int64   `json:"master_offset"`
	Replica  int64   `json:"replica_offset"`
	LagBytes int64   `json:"lag_bytes"`
}

// maxLagMs is the longest time any master offset took to be reached by the
// replica: for each sample i, the first later sample j whose replica offset
// is >= sample i's master offset gives t_j - t_i. An offset never reached
// counts until the last sample.
func maxLagMs(s []lagSample) float64 {
	worst := 0.0
	j := 0
	for i := range s {
		if j < i {
			j = i
		}
		for j < len(s) && s[j].Replica < s[i].Master {
			j++
		}
		end := s[len(s)-1].TMs
		if j < len(s) {
			end = s[j].TMs
		}
		worst = math.Max(worst, end-s[i].TMs)
	}
	return worst
}

func maxLagBytes(s []lagSample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.LagBytes)
	}
	return m
}
