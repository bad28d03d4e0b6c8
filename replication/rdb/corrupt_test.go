package rdb

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireMarked fails unless err is a decoder error (corrupt or unsupported).
func requireMarked(t *testing.T, err error, what string) {
	t.Helper()
	require.Error(t, err, what)
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
		t.Fatalf("%s: error not marked corrupt/unsupported: %v", what, err)
	}
}

// TestTruncated cuts each fixture at many offsets: always an error.
func TestTruncated(t *testing.T) {
	step := 499
	if testing.Short() {
		step = 997
	}
	for _, dir := range fixtureDirs {
		t.Run(dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testdataDir, dir, "dump.rdb"))
			require.NoError(t, err)
			cuts := []int{0, 1, 5, 9, len(data) - 9, len(data) - 8, len(data) - 1}
			for c := 10; c < len(data); c += step {
				cuts = append(cuts, c)
			}
			for _, c := range cuts {
				err := Decode(bytes.NewReader(data[:c]), NopHandler{})
				requireMarked(t, err, "truncated")
			}
		})
	}
}

// TestFlipped flips random bytes: with the CRC present every flip is an
// error; with the CRC zeroed (verification off) structural checks must
// still never panic, and any error must be marked.
func TestFlipped(t *testing.T) {
	n := 120
	if testing.Short() {
		n = 30
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dir := range fixtureDirs {
		t.Run(dir, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(testdataDir, dir, "dump.rdb"))
			require.NoError(t, err)
			data := bytes.Clone(orig)
			for i := 0; i < n; i++ {
				pos := rng.IntN(len(data))
				data[pos] ^= byte(1 + rng.IntN(255))
				err := Decode(bytes.NewReader(data), NopHandler{})
				requireMarked(t, err, "flipped")

				noCRC := bytes.Clone(data)
				clear(noCRC[len(noCRC)-8:])
				if err := Decode(bytes.NewReader(noCRC), NopHandler{}); err != nil {
					requireMarked(t, err, "flipped, no crc")
				}
				copy(data, orig)
			}
		})
	}
}

// TestHugeLengths checks that small inputs claiming huge sizes fail without
// allocating in proportion to the claim.
func TestHugeLengths(t *testing.T) {
	tests := []string{
		"REDIS0009\x00\x01k\x81\x00\x00\x01\x00\x00\x00\x00\x00",             // 1 TiB string
		"REDIS0009\x00\x01k\x80\x1f\xff\xff\xff",                             // 512 MiB string
		"REDIS0009\x00\x01k\xc3\x01\x80\x1f\xff\xff\xffa",                    // LZF 1 -> 512 MiB
		"REDIS0009\x00\x01k\xc3\x80\x00\x10\x00\x00\x80\x1f\xff\xff\xffa",    // LZF 1 MiB -> 512 MiB, truncated
		"REDIS0009\x01\x01k\x81\x7f\xff\xff\xff\xff\xff\xff\xff",             // list of 2^63 elements
		"REDIS0009\x0f\x01k\x81\x7f\xff\xff\xff\xff\xff\xff\xff",             // stream of 2^63 nodes
		"REDIS0010\x10\x01k\x0b\xff\xff\xff\x7f\x00\x00\xff\xff\xff\xff\xff", // listpack header lies
	}
	for _, in := range tests {
		allocs := testing.AllocsPerRun(1, func() {
			err := Decode(bytes.NewReader([]byte(in)), NopHandler{})
			requireMarked(t, err, "huge")
		})
		require.Less(t, allocs, 100.0)
		var before, after runtimeMem
		before.read()
		_ = Decode(bytes.NewReader([]byte(in)), NopHandler{})
		after.read()
		require.Less(t, after.total-before.total, uint64(4<<20), "input %q", in)
	}
	err := DecodeWithOptions(bytes.NewReader([]byte("REDIS0009\x00\x01k\x0bhello world\xff")), NopHandler{}, Options{MaxStringLen: 5})
	requireMarked(t, err, "over limit")
	require.Contains(t, err.Error(), "exceeds limit")
}
