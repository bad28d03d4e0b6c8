package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

type zmodel map[string]float64

func (z zmodel) sorted() []string {
	out := make([]string, 0, len(z))
	for m := range z {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := z[out[i]], z[out[j]]
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

// zsetMeta creates (once) and returns the metadata of key.
func zsetMeta(t *testing.T, tx *Tx, key string) (Meta, *Meta) {
	m, ok, err := tx.LookupType(0, []byte(key), TypeZSet)
	require.NoError(t, err)
	if !ok {
		return Meta{Type: TypeZSet, KeyID: tx.NewKeyID()}, nil
	}
	old := m
	return m, &old
}

// checkDirectory verifies the rank directory against the score index: the
// bucket counts add up to the size and each counts its own range.
func checkDirectory(t *testing.T, tx *Tx, m *Meta) {
	z, err := tx.zkeys(0, m)
	require.NoError(t, err)
	it, err := tx.iter(z.rlo, z.rhi)
	require.NoError(t, err)
	defer it.Close()
	var bounds [][]byte
	var counts []uint32
	for it.First(); it.Valid(); it.Next() {
		bounds = append(bounds, bytes.Clone(it.Key()[len(z.rlo):]))
		counts = append(counts, binary.BigEndian.Uint32(it.Value()))
	}
	// The 'b' boundary markers are exactly the 'r' count keys.
	bit, err := tx.iter(z.blo, z.bhi)
	require.NoError(t, err)
	defer bit.Close()
	var marks [][]byte
	for bit.First(); bit.Valid(); bit.Next() {
		marks = append(marks, bytes.Clone(bit.Key()[len(z.blo):]))
	}
	require.Equal(t, bounds, marks, "boundary markers differ from the count keys")
	var entries [][]byte
	require.NoError(t, tx.ZForEach(0, m, func(mem []byte, s float64) bool {
		entries = append(entries, zEntry(s, mem))
		return true
	}))
	require.Len(t, entries, int(m.Size))
	if m.Size == 0 {
		require.Empty(t, bounds)
		return
	}
	require.NotEmpty(t, bounds)
	require.LessOrEqual(t, bytes.Compare(bounds[0], entries[0]), 0, "first boundary above the first entry")
	bi := 0
	got := make([]uint32, len(bounds))
	for _, e := range entries {
		for bi+1 < len(bounds) && bytes.Compare(bounds[bi+1], e) <= 0 {
			bi++
		}
		got[bi]++
	}
	require.Equal(t, counts, got)
	for _, n := range counts {
		require.LessOrEqual(t, n, zBucketMax)
		require.NotZero(t, n)
	}
}

func TestZsetRankDirectoryModel(t *testing.T) {
	defer func(v uint32) { zBucketMax = v }(zBucketMax)
	zBucketMax = 8
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	r := rand.New(rand.NewSource(1))
	model := zmodel{}
	scores := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, math.Inf(1), math.Inf(-1), 3, 1e300}
	for round := 0; round < 150; round++ {
		require.NoError(t, d.Update(func(tx *Tx) error {
			m, old := zsetMeta(t, tx, "z")
			for i := 0; i < 10; i++ {
				mem := fmt.Sprintf("m%d", r.Intn(120))
				if r.Intn(3) == 0 {
					if _, ok := model[mem]; ok {
						del, err := tx.ZRem(0, &m, []byte(mem))
						require.NoError(t, err)
						require.True(t, del)
						delete(model, mem)
					}
					continue
				}
				s := scores[r.Intn(len(scores))]
				if r.Intn(2) == 0 {
					s = float64(r.Intn(20))
				}
				_, _, err := tx.ZSet(0, &m, []byte(mem), s)
				require.NoError(t, err)
				model[mem] = s
			}
			if m.Size == 0 {
				if old != nil {
					_, err := tx.Del(0, []byte("z"))
					return err
				}
				return nil
			}
			return tx.Put(0, []byte("z"), old, &m)
		}))
		require.NoError(t, d.View(true, func(tx *Tx) error {
			m, ok, err := tx.LookupType(0, []byte("z"), TypeZSet)
			require.NoError(t, err)
			if !ok {
				require.Empty(t, model)
				return nil
			}
			require.EqualValues(t, len(model), m.Size)
			checkDirectory(t, tx, &m)
			want := model.sorted()
			for i, mem := range want {
				rk, found, err := tx.ZRank(0, &m, []byte(mem))
				require.NoError(t, err)
				require.True(t, found)
				require.EqualValues(t, i, rk, "rank of %s", mem)
			}
			for k := 0; k < 5; k++ {
				a, b := r.Intn(len(want)), r.Intn(len(want))
				if a > b {
					a, b = b, a
				}
				for _, rev := range []bool{false, true} {
					var got []string
					require.NoError(t, tx.ZRangeByRank(0, &m, int64(a), int64(b), rev, func(mem []byte, _ float64) bool {
						got = append(got, string(mem))
						return true
					}))
					exp := append([]string(nil), want[a:b+1]...)
					if rev {
						for i, j := 0, len(exp)-1; i < j; i, j = i+1, j-1 {
							exp[i], exp[j] = exp[j], exp[i]
						}
					}
					require.Equal(t, exp, got)
				}
			}
			return nil
		}))
	}
}

// TestZsetRankIsNotAScan builds a large zset and checks that ZRANK and
// positioning at a rank take O(buckets + bucket size) iterator steps, not
// O(N).
func TestZsetRankIsNotAScan(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 30_000
	}
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	const batch = 20_000
	for base := 0; base < n; base += batch {
		require.NoError(t, d.Update(func(tx *Tx) error {
			m, old := zsetMeta(t, tx, "big")
			for i := base; i < base+batch && i < n; i++ {
				if _, _, err := tx.ZSet(0, &m, []byte(fmt.Sprintf("member:%07d", i)), float64(i%1000)); err != nil {
					return err
				}
			}
			return tx.Put(0, []byte("big"), old, &m)
		}))
	}
	require.NoError(t, d.View(true, func(tx *Tx) error {
		m, ok, err := tx.LookupType(0, []byte("big"), TypeZSet)
		require.NoError(t, err)
		require.True(t, ok)
		require.EqualValues(t, n, m.Size)
		z, err := tx.zkeys(0, &m)
		require.NoError(t, err)
		buckets := 0
		it, err := tx.iter(z.rlo, z.rhi)
		require.NoError(t, err)
		for it.First(); it.Valid(); it.Next() {
			buckets++
		}
		require.NoError(t, it.Close())
		bound := buckets + int(zBucketMax) + 2
		t.Logf("%d members, %d buckets: at most %d steps per rank query", n, buckets, bound)
		require.Less(t, bound, n/20)
		// Members with score s are m = s + 1000k: rank = s*(n/1000) + k.
		for _, i := range []int{0, 1, n / 3, n / 2, n - 1, 12345} {
			mem := fmt.Sprintf("member:%07d", i)
			s := float64(i % 1000)
			wantRank := int64(i%1000)*int64(n/1000) + int64(i/1000)
			r, steps, err := tx.zRank(z, m.Size, zEntry(s, []byte(mem)))
			require.NoError(t, err)
			require.Equal(t, wantRank, r, mem)
			require.LessOrEqual(t, steps, bound, "ZRANK of %s took %d steps", mem, steps)

			sit, steps, err := tx.zSeekRank(z, m.Size, wantRank)
			require.NoError(t, err)
			require.True(t, sit.Valid())
			require.Equal(t, mem, string(z.entryOf(sit.Key())))
			require.NoError(t, sit.Close())
			require.LessOrEqual(t, steps, bound, "seek to rank %d took %d steps", wantRank, steps)
		}
		return nil
	}))
}
