package store

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func openMem(t *testing.T, fs vfs.FS) *DB {
	t.Helper()
	o := DefaultOptions()
	o.FS = fs
	o.CacheSize = 8 << 20
	o.MemTableSize = 4 << 20
	d, err := Open("db", o)
	require.NoError(t, err)
	return d
}

func putString(t *testing.T, d *DB, db int, key, val string, at int64) {
	t.Helper()
	require.NoError(t, d.Update(func(tx *Tx) error {
		old, ok, err := tx.Lookup(db, []byte(key))
		if err != nil {
			return err
		}
		var op *Meta
		if ok {
			op = &old
		}
		return tx.Put(db, []byte(key), op, &Meta{Type: TypeString, Value: []byte(val), ExpireAt: at})
	}))
}

func getString(t *testing.T, d *DB, db int, key string) (string, bool) {
	t.Helper()
	var v string
	var found bool
	require.NoError(t, d.View(false, func(tx *Tx) error {
		m, ok, err := tx.LookupType(db, []byte(key), TypeString)
		v, found = string(m.Value), ok
		return err
	}))
	return v, found
}

func TestStringsCountersAndReopen(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	putString(t, d, 0, "a", "1", 0)
	putString(t, d, 0, "b", "2", 1<<62)
	putString(t, d, 3, "a", "other db", 0)
	putString(t, d, 0, "a", "1b", 0) // overwrite: no new key
	require.EqualValues(t, 2, d.DBSize(0))
	require.EqualValues(t, 1, d.Expires(0))
	require.EqualValues(t, 1, d.DBSize(3))
	v, ok := getString(t, d, 0, "a")
	require.True(t, ok)
	require.Equal(t, "1b", v)
	require.NoError(t, d.Close())

	d = openMem(t, fs)
	defer d.Close()
	require.EqualValues(t, 2, d.DBSize(0))
	require.EqualValues(t, 1, d.Expires(0))
	v, ok = getString(t, d, 3, "a")
	require.True(t, ok)
	require.Equal(t, "other db", v)
}

func TestExpiredKeysAreInvisibleAndCollected(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	putString(t, d, 0, "gone", "x", 1) // expired long ago
	putString(t, d, 0, "live", "y", 0)
	_, ok := getString(t, d, 0, "gone")
	require.False(t, ok, "a read must hide an expired key")
	require.EqualValues(t, 2, d.DBSize(0), "DBSIZE counts an expired key until it is deleted, as Redis")

	var expired []KeyRef
	d.SetOnCommit(func(ev *Events) { expired = append(expired, ev.Expired...) })
	require.NoError(t, d.Update(func(tx *Tx) error {
		n, err := tx.ExpireCycle(0, 100)
		require.Equal(t, 1, n)
		return err
	}))
	require.EqualValues(t, 1, d.DBSize(0))
	require.EqualValues(t, 0, d.Expires(0))
	require.Len(t, expired, 1)
	require.Equal(t, "gone", string(expired[0].Key))

	// A replica applying its master's stream still sees the key.
	putString(t, d, 0, "old", "z", 1)
	require.NoError(t, d.Update(func(tx *Tx) error {
		tx.SetKeepExpired(true)
		_, ok, err := tx.Lookup(0, []byte("old"))
		require.True(t, ok)
		return err
	}))
}

func TestRenameCopyMoveAndCollectionsSubkeys(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	// A fake collection with two subkeys.
	require.NoError(t, d.Update(func(tx *Tx) error {
		id := tx.NewKeyID()
		p, err := tx.SubPrefix(0, id)
		require.NoError(t, err)
		require.NoError(t, tx.Set(append(append([]byte{}, p...), 'a'), []byte("1")))
		require.NoError(t, tx.Set(append(append([]byte{}, p...), 'b'), []byte("2")))
		return tx.Put(0, []byte("h"), nil, &Meta{Type: TypeHash, KeyID: id, Size: 2, ExpireAt: 1 << 62})
	}))
	countSub := func(db int, key string) int {
		n := 0
		require.NoError(t, d.View(true, func(tx *Tx) error {
			m, ok, err := tx.Lookup(db, []byte(key))
			if err != nil || !ok {
				return err
			}
			ks, _ := tx.ksid(db)
			lo, hi := subBounds(ks, m.KeyID)
			it, err := tx.NewIter(lo, hi)
			if err != nil {
				return err
			}
			for it.First(); it.Valid(); it.Next() {
				n++
			}
			return it.Close()
		}))
		return n
	}
	require.Equal(t, 2, countSub(0, "h"))
	require.NoError(t, d.Update(func(tx *Tx) error {
		found, done, err := tx.Rename(0, []byte("h"), []byte("h2"), false)
		require.True(t, found && done)
		return err
	}))
	require.Equal(t, 2, countSub(0, "h2"))
	require.EqualValues(t, 1, d.DBSize(0))
	require.EqualValues(t, 1, d.Expires(0))
	require.NoError(t, d.Update(func(tx *Tx) error {
		ok, err := tx.Copy(0, []byte("h2"), 1, []byte("c"), false)
		require.True(t, ok)
		return err
	}))
	require.Equal(t, 2, countSub(1, "c"))
	require.NoError(t, d.Update(func(tx *Tx) error {
		ok, err := tx.Move(0, []byte("h2"), 2)
		require.True(t, ok)
		return err
	}))
	require.Equal(t, 0, countSub(0, "h2"))
	require.Equal(t, 2, countSub(2, "h2"))
	// Overwriting a collection with a string drops its subkeys.
	putString(t, d, 2, "h2", "s", 0)
	require.NoError(t, d.View(true, func(tx *Tx) error {
		it, err := tx.NewIter([]byte{tagData}, []byte{tagData + 1})
		if err != nil {
			return err
		}
		subs := 0
		for it.First(); it.Valid(); it.Next() {
			if it.Key()[5] == kindSub {
				subs++
			}
		}
		require.Equal(t, 2, subs, "only the copy in db 1 keeps subkeys")
		return it.Close()
	}))
}

func TestScanVisitsEveryKeyOnce(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	const n = 1000
	require.NoError(t, d.Update(func(tx *Tx) error {
		for i := 0; i < n; i++ {
			k := []byte(fmt.Sprintf("key:%d", i))
			if err := tx.Put(0, k, nil, &Meta{Type: TypeString, Value: k}); err != nil {
				return err
			}
		}
		return nil
	}))
	seen := map[string]int{}
	var cursor uint64
	calls := 0
	for {
		var keys [][]byte
		require.NoError(t, d.View(false, func(tx *Tx) error {
			var err error
			cursor, keys, err = tx.Scan(0, cursor, 17, nil)
			return err
		}))
		calls++
		for _, k := range keys {
			seen[string(k)]++
		}
		if cursor == 0 {
			break
		}
	}
	require.Len(t, seen, n)
	for k, c := range seen {
		require.Equal(t, 1, c, k)
	}
	require.Greater(t, calls, n/17-5)
	var rk []byte
	require.NoError(t, d.View(false, func(tx *Tx) error {
		var ok bool
		var err error
		rk, ok, err = tx.RandomKey(0)
		require.True(t, ok)
		return err
	}))
	require.Contains(t, seen, string(rk))
}

func TestFlushSwapAndLoad(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	putString(t, d, 0, "a", "0", 0)
	putString(t, d, 1, "b", "1", 0)
	require.NoError(t, d.Update(func(tx *Tx) error { return tx.SwapDB(0, 1) }))
	v, ok := getString(t, d, 0, "b")
	require.True(t, ok)
	require.Equal(t, "1", v)
	require.EqualValues(t, 1, d.DBSize(1))
	require.NoError(t, d.Update(func(tx *Tx) error { return tx.FlushDB(1) }))
	require.EqualValues(t, 0, d.DBSize(1))
	_, ok = getString(t, d, 1, "a")
	require.False(t, ok)

	// A load is invisible until Commit; then it replaces everything at once.
	l, err := d.BeginLoad()
	require.NoError(t, err)
	require.NoError(t, l.Update(func(tx *Tx) error {
		return tx.Put(5, []byte("new"), nil, &Meta{Type: TypeString, Value: []byte("v")})
	}))
	_, ok = getString(t, d, 5, "new")
	require.False(t, ok)
	_, ok = getString(t, d, 0, "b")
	require.True(t, ok)
	require.NoError(t, l.Commit(ReplState{ReplID: "abc", Offset: 42}))
	_, ok = getString(t, d, 0, "b")
	require.False(t, ok)
	v, ok = getString(t, d, 5, "new")
	require.True(t, ok)
	require.Equal(t, "v", v)
	require.EqualValues(t, 1, d.DBSize(5))
	require.Equal(t, int64(42), d.Repl().Offset)

	// An interrupted load leaves nothing behind after a restart.
	l, err = d.BeginLoad()
	require.NoError(t, err)
	require.NoError(t, l.Update(func(tx *Tx) error {
		return tx.Put(0, []byte("partial"), nil, &Meta{Type: TypeString, Value: []byte("p")})
	}))
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	defer d.Close()
	_, ok = getString(t, d, 0, "partial")
	require.False(t, ok)
	v, ok = getString(t, d, 5, "new")
	require.True(t, ok)
	require.Equal(t, "v", v)
	require.Equal(t, "abc", d.Repl().ReplID)
}

func TestGroupCommitManyWriters(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := fmt.Sprintf("w%d:%d", w, i)
				if err := d.Update(func(tx *Tx) error {
					return tx.Put(0, []byte(k), nil, &Meta{Type: TypeString, Value: []byte(k)})
				}); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	require.EqualValues(t, 1600, d.DBSize(0))
	var keys []string
	require.NoError(t, d.View(true, func(tx *Tx) error {
		return tx.ForEach(0, func(k []byte, m *Meta) bool {
			keys = append(keys, string(k))
			return true
		})
	}))
	sort.Strings(keys)
	require.Len(t, keys, 1600)
}

func TestWrongTypeAndClosed(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	require.NoError(t, d.Update(func(tx *Tx) error {
		return tx.Put(0, []byte("h"), nil, &Meta{Type: TypeHash, KeyID: tx.NewKeyID(), Size: 1})
	}))
	require.NoError(t, d.View(false, func(tx *Tx) error {
		_, _, err := tx.LookupType(0, []byte("h"), TypeString)
		require.ErrorIs(t, err, ErrWrongType)
		return nil
	}))
	require.NoError(t, d.Close())
	require.True(t, errors.Is(d.Update(func(*Tx) error { return nil }), ErrClosed))
}

func TestMetaCodecRejectsGarbage(t *testing.T) {
	for _, v := range [][]byte{nil, {1}, {2, 0, 0, 0, 0, 0, 0, 0, 0}, {9, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		_, err := decodeMeta(v)
		require.ErrorIs(t, err, ErrCorrupt, "%x", v)
	}
	m := Meta{Type: TypeList, Enc: 3, ExpireAt: 77, KeyID: 5, Size: 9, Extra: []byte("xy")}
	got, err := decodeMeta(m.encode(nil))
	require.NoError(t, err)
	require.Equal(t, m, got)
}

func FuzzMetaDecode(f *testing.F) {
	f.Add((&Meta{Type: TypeString, Value: []byte("v")}).encode(nil))
	f.Add((&Meta{Type: TypeZSet, KeyID: 1, Size: 2}).encode(nil))
	f.Fuzz(func(t *testing.T, v []byte) {
		m, err := decodeMeta(v)
		if err != nil {
			return
		}
		again, err := decodeMeta(m.encode(nil))
		if err != nil || again.Type != m.Type || again.ExpireAt != m.ExpireAt {
			t.Fatalf("round trip of %x: %v", v, err)
		}
	})
}

// TestLoadUpdateFresh: an UpdateFresh reads its own writes in the load
// keyspace (a new key looked up again in the same batch), still reads the
// live keyspace through the DB, and what it loads is all there after
// Commit, counted once.
func TestLoadUpdateFresh(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	putString(t, d, 0, "live", "L", 0)
	l, err := d.BeginLoad()
	require.NoError(t, err)
	for b := 0; b < 3; b++ {
		require.NoError(t, l.UpdateFresh(func(tx *Tx) error {
			for i := 0; i < 100; i++ {
				k := []byte(fmt.Sprintf("k%d:%d", b, i))
				_, ok, err := tx.Lookup(0, k)
				require.NoError(t, err)
				require.False(t, ok)
				require.NoError(t, tx.Put(0, k, nil, &Meta{Type: TypeString, Value: []byte("v1")}))
				m, ok, err := tx.Lookup(0, k)
				require.NoError(t, err)
				require.True(t, ok, "a fresh batch must see its own writes")
				require.NoError(t, tx.Put(0, k, &m, &Meta{Type: TypeString, Value: []byte("v2")}))
			}
			return nil
		}))
	}
	// The live copy is outside the load's keyspaces: read through.
	var live []byte
	require.NoError(t, l.UpdateFresh(func(tx *Tx) error {
		v, ok, err := tx.get(metaKey(nil, (*d.dbmap.Load())[0], []byte("live")))
		require.NoError(t, err)
		require.True(t, ok)
		live = bytes.Clone(v)
		return nil
	}))
	require.NotEmpty(t, live)
	require.NoError(t, l.Commit(ReplState{ReplID: "x", Offset: 1}))
	require.EqualValues(t, 300, d.DBSize(0))
	v, ok := getString(t, d, 0, "k2:99")
	require.True(t, ok)
	require.Equal(t, "v2", v)
	_, ok = getString(t, d, 0, "live")
	require.False(t, ok)
}

// TestLoadPendingBatches: UpdateFresh records are held in the load's
// pending batch and committed as large batches (MemTableSize/2, 2 MB here);
// a non-fresh Update of the same load sees them, Commit makes all of them
// live, counted once, and they survive a reopen; an aborted load's pending
// records never appear.
func TestLoadPendingBatches(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	val := strings.Repeat("v", 1000)
	load := func(l *Load, prefix string, n int) {
		for b := 0; b < n/100; b++ {
			require.NoError(t, l.UpdateFresh(func(tx *Tx) error {
				for i := 0; i < 100; i++ {
					k := []byte(fmt.Sprintf("%s%d", prefix, b*100+i))
					require.NoError(t, tx.Put(0, k, nil, &Meta{Type: TypeString, Value: []byte(val)}))
				}
				return nil
			}))
		}
	}
	l, err := d.BeginLoad()
	require.NoError(t, err)
	load(l, "k", 5000) // 5 MB: at least two large commits and a rest
	require.NoError(t, l.Update(func(tx *Tx) error {
		m, ok, err := tx.Lookup(0, []byte("k4999"))
		require.NoError(t, err)
		require.True(t, ok, "a non-fresh load Update must see the pending records")
		require.Equal(t, val, string(m.Value))
		return nil
	}))
	load(l, "j", 300)
	_, ok := getString(t, d, 0, "k1")
	require.False(t, ok)
	require.NoError(t, l.Commit(ReplState{ReplID: "x", Offset: 7}))
	require.EqualValues(t, 5300, d.DBSize(0))
	for _, k := range []string{"k0", "k2500", "k4999", "j0", "j299"} {
		v, ok := getString(t, d, 0, k)
		require.True(t, ok, k)
		require.Equal(t, val, v)
	}

	l, err = d.BeginLoad()
	require.NoError(t, err)
	load(l, "gone", 300)
	require.NoError(t, l.Abort())
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	defer d.Close()
	require.EqualValues(t, 5300, d.DBSize(0))
	_, ok = getString(t, d, 0, "gone1")
	require.False(t, ok)
	v, ok := getString(t, d, 0, "j299")
	require.True(t, ok)
	require.Equal(t, val, v)
	require.Equal(t, int64(7), d.Repl().Offset)
}
