package store

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func listContents(t *testing.T, d *DB, key string) []string {
	t.Helper()
	var out []string
	require.NoError(t, d.View(true, func(tx *Tx) error {
		l, _, err := tx.OpenList(0, []byte(key))
		if err != nil {
			return err
		}
		all, err := l.All()
		for _, v := range all {
			out = append(out, string(v))
		}
		return err
	}))
	return out
}

func listUpdate(t *testing.T, d *DB, key string, fn func(l *List) error) {
	t.Helper()
	require.NoError(t, d.Update(func(tx *Tx) error {
		l, _, err := tx.OpenList(0, []byte(key))
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
		_, err = l.Save()
		return err
	}))
}

func bs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// TestListModel drives a List with random operations against a slice model,
// each operation in its own Tx, and reopens the store at the end.
func TestListModel(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	var model []string
	r := rand.New(rand.NewSource(1))
	for step := 0; step < 600; step++ {
		v := fmt.Sprintf("v%d", r.Intn(8))
		op := r.Intn(7)
		listUpdate(t, d, "l", func(l *List) error {
			require.EqualValues(t, len(model), l.Len())
			switch op {
			case 0:
				model = append([]string{v}, model...)
				return l.Push(true, []byte(v))
			case 1:
				model = append(model, v)
				return l.Push(false, []byte(v))
			case 2:
				n := r.Intn(3)
				got, err := l.Pop(r.Intn(2) == 0, int64(n))
				_ = got
				if err != nil {
					return err
				}
				return nil
			case 3:
				if len(model) == 0 {
					return nil
				}
				i := r.Intn(len(model) + 1)
				model = slices.Insert(model, i, v)
				return l.Insert(int64(i), []byte(v))
			case 4:
				var idx []int64
				var keep []string
				for i, e := range model {
					if e == v {
						idx = append(idx, int64(i))
					} else {
						keep = append(keep, e)
					}
				}
				model = keep
				return l.RemoveAt(idx)
			case 5:
				if len(model) == 0 {
					return nil
				}
				a, b := r.Intn(len(model)), r.Intn(len(model))
				if a > b {
					model = nil
				} else {
					model = slices.Clone(model[a : b+1])
				}
				return l.Trim(int64(a), int64(b))
			default:
				if len(model) == 0 {
					return nil
				}
				i := r.Intn(len(model))
				model[i] = v
				return l.Set(int64(i), []byte(v))
			}
		})
		if op == 2 {
			// Pops were not mirrored above: resync the model from the store.
			model = listContents(t, d, "l")
		}
		require.Equal(t, model, listContents(t, d, "l"), "step %d op %d", step, op)
	}
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	defer d.Close()
	require.Equal(t, model, listContents(t, d, "l"))
}

func TestListPopOrderAndDelete(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	listUpdate(t, d, "l", func(l *List) error { return l.Push(false, bs("a", "b", "c", "d")...) })
	require.EqualValues(t, 1, d.DBSize(0))
	require.NoError(t, d.Update(func(tx *Tx) error {
		l, ok, err := tx.OpenList(0, []byte("l"))
		require.True(t, ok)
		require.NoError(t, err)
		got, err := l.Pop(false, 2)
		require.NoError(t, err)
		require.Equal(t, bs("d", "c"), got)
		got, err = l.Pop(true, 10)
		require.NoError(t, err)
		require.Equal(t, bs("a", "b"), got)
		deleted, err := l.Save()
		require.True(t, deleted)
		return err
	}))
	require.EqualValues(t, 0, d.DBSize(0))
	// A wrong type is refused.
	putString(t, d, 0, "s", "x", 0)
	require.NoError(t, d.View(false, func(tx *Tx) error {
		_, _, err := tx.OpenList(0, []byte("s"))
		require.ErrorIs(t, err, ErrWrongType)
		_, _, err = tx.OpenHash(0, []byte("s"))
		require.ErrorIs(t, err, ErrWrongType)
		return nil
	}))
}

func hashContents(t *testing.T, d *DB, key string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, d.View(true, func(tx *Tx) error {
		h, _, err := tx.OpenHash(0, []byte(key))
		if err != nil {
			return err
		}
		return h.ForEach(func(f, v []byte) bool {
			out[string(f)] = string(v)
			return true
		})
	}))
	return out
}

func TestHashSetDelScan(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	want := map[string]string{}
	require.NoError(t, d.Update(func(tx *Tx) error {
		h, ok, err := tx.OpenHash(0, []byte("h"))
		require.False(t, ok)
		require.NoError(t, err)
		for i := 0; i < 300; i++ {
			f, v := fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i)
			created, err := h.Set([]byte(f), []byte(v))
			require.NoError(t, err)
			require.True(t, created)
			want[f] = v
		}
		created, err := h.Set([]byte("f1"), []byte("new"))
		require.NoError(t, err)
		require.False(t, created)
		want["f1"] = "new"
		ok, err = h.Del([]byte("f2"))
		require.True(t, ok)
		ok2, err2 := h.Del([]byte("nope"))
		require.False(t, ok2)
		require.NoError(t, err2)
		delete(want, "f2")
		h.Meta().Enc = HashEncHashtable
		_, err = h.Save()
		return err
	}))
	require.Equal(t, want, hashContents(t, d, "h"))
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	defer d.Close()
	require.Equal(t, want, hashContents(t, d, "h"))

	// A scan with small counts visits every field exactly once.
	require.NoError(t, d.View(true, func(tx *Tx) error {
		h, ok, err := tx.OpenHash(0, []byte("h"))
		require.True(t, ok)
		require.EqualValues(t, len(want), h.Len())
		require.Equal(t, HashEncHashtable, h.Meta().Enc)
		var seen []string
		cursor := uint64(0)
		for {
			cursor, err = h.Scan(cursor, 7, func(f, v []byte) {
				require.Equal(t, want[string(f)], string(v))
				seen = append(seen, string(f))
			})
			require.NoError(t, err)
			if cursor == 0 {
				break
			}
		}
		sort.Strings(seen)
		require.Len(t, seen, len(want))
		for i := 1; i < len(seen); i++ {
			require.NotEqual(t, seen[i-1], seen[i])
		}
		for i := 0; i < 50; i++ {
			f, v, ok, err := h.Random(rand.Uint32())
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, want[string(f)], string(v))
		}
		return nil
	}))

	// Deleting every field deletes the key.
	require.NoError(t, d.Update(func(tx *Tx) error {
		h, _, err := tx.OpenHash(0, []byte("h"))
		require.NoError(t, err)
		for f := range want {
			_, err := h.Del([]byte(f))
			require.NoError(t, err)
		}
		deleted, err := h.Save()
		require.True(t, deleted)
		return err
	}))
	require.EqualValues(t, 0, d.DBSize(0))
	require.Empty(t, hashContents(t, d, "h"))
}

// TestCollectionsRenameCopy checks that the generic key operations carry
// list and hash subkeys along.
func TestCollectionsRenameCopy(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	listUpdate(t, d, "l", func(l *List) error { return l.Push(false, bs("a", "b")...) })
	require.NoError(t, d.Update(func(tx *Tx) error {
		h, _, err := tx.OpenHash(0, []byte("h"))
		require.NoError(t, err)
		_, err = h.Set([]byte("f"), []byte("v"))
		require.NoError(t, err)
		_, err = h.Save()
		return err
	}))
	require.NoError(t, d.Update(func(tx *Tx) error {
		if _, _, err := tx.Rename(0, []byte("l"), []byte("l2"), false); err != nil {
			return err
		}
		if _, err := tx.Copy(0, []byte("h"), 0, []byte("h2"), false); err != nil {
			return err
		}
		_, err := tx.Move(0, []byte("h"), 1)
		return err
	}))
	require.Equal(t, []string{"a", "b"}, listContents(t, d, "l2"))
	require.Nil(t, listContents(t, d, "l"))
	require.Equal(t, map[string]string{"f": "v"}, hashContents(t, d, "h2"))
	require.Empty(t, hashContents(t, d, "h"))
	var moved map[string]string
	require.NoError(t, d.View(true, func(tx *Tx) error {
		h, ok, err := tx.OpenHash(1, []byte("h"))
		require.True(t, ok)
		moved = map[string]string{}
		_ = h.ForEach(func(f, v []byte) bool { moved[string(f)] = string(v); return true })
		return err
	}))
	require.Equal(t, map[string]string{"f": "v"}, moved)
}
