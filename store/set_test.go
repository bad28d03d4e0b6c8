package store

import (
	"fmt"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func TestSetMembersScanAndRandom(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	want := map[string]bool{}
	require.NoError(t, d.Update(func(tx *Tx) error {
		m := Meta{Type: TypeSet, KeyID: tx.NewKeyID()}
		for i := 0; i < 500; i++ {
			mem := fmt.Sprintf("m%d", i%300)
			added, err := tx.SetAdd(0, &m, []byte(mem))
			require.NoError(t, err)
			require.Equal(t, !want[mem], added)
			want[mem] = true
		}
		for _, mem := range []string{"", "bin\x00\xff"} {
			added, err := tx.SetAdd(0, &m, []byte(mem))
			require.NoError(t, err)
			require.True(t, added)
			want[mem] = true
		}
		del, err := tx.SetRem(0, &m, []byte("m7"))
		require.NoError(t, err)
		require.True(t, del)
		delete(want, "m7")
		del, err = tx.SetRem(0, &m, []byte("m7"))
		require.NoError(t, err)
		require.False(t, del)
		return tx.Put(0, []byte("s"), nil, &m)
	}))
	require.NoError(t, d.View(true, func(tx *Tx) error {
		m, ok, err := tx.LookupType(0, []byte("s"), TypeSet)
		require.NoError(t, err)
		require.True(t, ok)
		require.EqualValues(t, len(want), m.Size)
		for mem := range want {
			has, err := tx.SetHas(0, &m, []byte(mem))
			require.NoError(t, err)
			require.True(t, has, mem)
		}
		has, err := tx.SetHas(0, &m, []byte("m7"))
		require.NoError(t, err)
		require.False(t, has)

		all, err := tx.SetMembers(0, &m)
		require.NoError(t, err)
		var got []string
		for _, b := range all {
			got = append(got, string(b))
		}
		var exp []string
		for mem := range want {
			exp = append(exp, mem)
		}
		sort.Strings(got)
		sort.Strings(exp)
		require.Equal(t, exp, got)

		// SSCAN: stateless cursors visit every member exactly once.
		seen := map[string]int{}
		cursor := uint64(0)
		for {
			next, items, err := tx.SetScan(0, &m, cursor, 7)
			require.NoError(t, err)
			for _, b := range items {
				seen[string(b)]++
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		require.Len(t, seen, len(want))
		for mem, n := range seen {
			require.Equal(t, 1, n, mem)
		}

		for i := 0; i < 50; i++ {
			b, err := tx.SetRandom(0, &m)
			require.NoError(t, err)
			require.True(t, want[string(b)])
		}
		return nil
	}))
	// Type errors and deletion with the subkeys.
	require.NoError(t, d.Update(func(tx *Tx) error {
		_, _, err := tx.LookupType(0, []byte("s"), TypeZSet)
		require.ErrorIs(t, err, ErrWrongType)
		ok, err := tx.Del(0, []byte("s"))
		require.True(t, ok)
		return err
	}))
	require.EqualValues(t, 0, d.DBSize(0))
}
