package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
)

type hllRecorded struct {
	Len    int    `json:"len"`
	SHA256 string `json:"sha256"`
	Hex    string `json:"hex"`
}

func (r hllRecorded) check(t *testing.T, what string, v []byte) {
	t.Helper()
	sum := sha256.Sum256(v)
	if len(v) != r.Len || hex.EncodeToString(sum[:]) != r.SHA256 {
		t.Errorf("%s: got %d bytes %x..., want %d bytes (%s)", what, len(v), v[:min(len(v), 40)], r.Len, r.Hex)
	}
}

// TestHLLAgainstRedis rebuilds HLLs that redis-server 7.0.15 built
// (testdata/hll_redis_gen.py: PFADD in batches of 500, GET, PFCOUNT, GET,
// PFMERGE) and compares every byte and count.
func TestHLLAgainstRedis(t *testing.T) {
	data, err := os.ReadFile("testdata/hll_redis_7.0.15.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Adds []struct {
			MaxBytes int64       `json:"maxbytes"`
			N        int         `json:"n"`
			Get      hllRecorded `json:"get"`
			Count    string      `json:"count"`
			After    hllRecorded `json:"after"`
		} `json:"adds"`
		Merges []struct {
			Get   hllRecorded `json:"get"`
			Count string      `json:"count"`
		} `json:"merges"`
		Multi string `json:"multi"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	built := map[string][]byte{}
	for _, a := range rec.Adds {
		h := newHLL(a.MaxBytes)
		for i := 0; i < a.N; i++ {
			if h.add([]byte("e"+strconv.Itoa(i))) < 0 {
				t.Fatal("corrupt")
			}
		}
		h.invalidate()
		what := fmt.Sprintf("maxbytes %d n %d", a.MaxBytes, a.N)
		a.Get.check(t, what, h.value())
		card, ok := hllCount(h.value())
		if !ok || fmt.Sprintf(":%d\r\n", card) != a.Count {
			t.Errorf("%s: count %d, want %q", what, card, a.Count)
		}
		v := append([]byte(nil), h.value()...)
		binary.LittleEndian.PutUint64(v[8:16], card)
		a.After.check(t, what+" after PFCOUNT", v)
		built[fmt.Sprintf("h%d_%d", a.MaxBytes, a.N)] = v
	}
	for i, srcs := range [][]string{{"h3000_10", "h3000_100"}, {"h3000_100", "h3000_20000"}} {
		regs := make([]uint8, hllRegisters)
		dense := false
		for _, s := range srcs {
			dense = dense || built[s][4] == hllDense
			hllMergeInto(regs, built[s])
		}
		h := newHLL(3000)
		if dense {
			h.toDense()
		}
		for j, r := range regs {
			if r != 0 {
				h.set(j, r)
			}
		}
		h.invalidate()
		rec.Merges[i].Get.check(t, fmt.Sprintf("merge %v", srcs), h.value())
		if card, _ := hllCount(h.value()); fmt.Sprintf(":%d\r\n", card) != rec.Merges[i].Count {
			t.Errorf("merge %v: count %d, want %q", srcs, card, rec.Merges[i].Count)
		}
	}
	regs := make([]uint8, hllRegisters)
	for _, s := range []string{"h3000_10", "h3000_700", "h500_3000"} {
		hllMergeInto(regs, built[s])
	}
	if got := fmt.Sprintf(":%d\r\n", hllCountRaw(regs)); got != rec.Multi {
		t.Errorf("multi-key PFCOUNT %q, want %q", got, rec.Multi)
	}
}

func TestIsHLL(t *testing.T) {
	empty := newHLL(3000).value()
	dense := newHLL(3000)
	dense.toDense()
	for _, tc := range []struct {
		v    []byte
		want bool
	}{
		{empty, true}, {dense.value(), true}, {dense.value()[:100], false}, {[]byte("HYLL"), false},
		{append([]byte("HYLX"), empty[4:]...), false}, {append([]byte("HYLL\x02"), empty[5:]...), false},
	} {
		if isHLL(tc.v) != tc.want {
			t.Errorf("isHLL(%q) != %v", tc.v[:min(20, len(tc.v))], tc.want)
		}
	}
	// A sparse HLL that does not cover all registers is corrupt.
	if _, ok := hllCount(append([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), 0x40, 10)); ok {
		t.Error("truncated sparse HLL counted")
	}
}
