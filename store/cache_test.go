package store

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func openCache(t *testing.T, fs vfs.FS, cacheSize int64) *DB {
	t.Helper()
	o := DefaultOptions()
	o.FS = fs
	o.CacheSize = 8 << 20
	o.MemTableSize = 4 << 20
	o.MetaCacheSize = cacheSize
	d, err := Open("db", o)
	require.NoError(t, err)
	return d
}

// dumpAll reads every key of the test keyspace in dbs 0-2, in one
// consistent view or key by key.
func dumpAll(t *testing.T, d *DB, consistent bool, nkeys int) string {
	return dumpView(t, func(fn func(tx *Tx) error) error { return d.View(consistent, fn) }, nkeys)
}

// dumpView is dumpAll on the read view that view runs fn in.
func dumpView(t *testing.T, view func(fn func(tx *Tx) error) error, nkeys int) string {
	var sb strings.Builder
	require.NoError(t, view(func(tx *Tx) error {
		for db := 0; db < 3; db++ {
			for i := 0; i < nkeys; i++ {
				m, ok, err := tx.Lookup(db, []byte("k"+strconv.Itoa(i)))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				fmt.Fprintf(&sb, "%d/%d=%d:%q:%d:%d;", db, i, m.Type, m.Value, m.Size, m.ExpireAt)
				if err := dumpSub(&sb, tx, db, &m); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	return sb.String()
}

// dumpSub writes a collection's point reads (hash fields, zset members,
// through the cache when it has them) and then its raw subkeys (pebble).
func dumpSub(sb *strings.Builder, tx *Tx, db int, m *Meta) error {
	switch m.Type {
	case TypeHash:
		h := &Hash{tx: tx, db: db, m: *m}
		if err := h.setPrefix(); err != nil {
			return err
		}
		for f := 0; f < subNames; f++ {
			v, ok, err := h.Get([]byte("f" + strconv.Itoa(f)))
			if err != nil {
				return err
			}
			if ok {
				fmt.Fprintf(sb, "f%d=%q,", f, v)
			}
		}
	case TypeZSet:
		for f := 0; f < subNames; f++ {
			sc, ok, err := tx.ZScore(db, m, []byte("m"+strconv.Itoa(f)))
			if err != nil {
				return err
			}
			if ok {
				fmt.Fprintf(sb, "m%d=%v,", f, sc)
			}
		}
	default:
		return nil
	}
	ks, err := tx.ksid(db)
	if err != nil {
		return err
	}
	lo, hi := subBounds(ks, m.KeyID)
	it, err := tx.NewIter(lo, hi)
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		fmt.Fprintf(sb, "%x=%x,", it.Key()[len(lo):], it.Value())
	}
	return it.Close()
}

// subNames is the number of distinct field and member names the cache
// test uses.
const subNames = 12

// subOp returns a random hash or zset write (or a write made from a read
// of one) of the cache test, its choices made once.
func subOp(rng *rand.Rand, db int, k []byte) func(tx *Tx) error {
	name := func(p string) []byte { return []byte(p + strconv.Itoa(rng.Intn(subNames))) }
	f1, f2, m1, m2 := name("f"), name("f"), name("m"), name("m")
	v := []byte(strconv.Itoa(rng.Intn(1000)))
	score := float64(rng.Intn(20))
	n := rng.Intn(100)
	return func(tx *Tx) error {
		if n >= 96 {
			// Delete k and make it a hash of a fixed keyid (as if keyids
			// were reused): the fields of a deleted one must not show.
			if _, err := tx.Del(db, k); err != nil {
				return err
			}
			h := &Hash{tx: tx, db: db, key: bytes.Clone(k), m: Meta{Type: TypeHash, KeyID: 5}}
			if err := h.setPrefix(); err != nil {
				return err
			}
			if _, err := h.Set(f1, v); err != nil {
				return err
			}
			_, err := h.Save()
			return err
		}
		if n < 50 {
			h, _, err := tx.OpenHash(db, k)
			if err == ErrWrongType {
				return nil
			}
			if err != nil {
				return err
			}
			switch {
			case n < 25: // HSET
				_, err = h.Set(f1, v)
			case n < 35: // HDEL
				_, err = h.Del(f1)
			default: // a write made from a read: f2 = f1 + "!", or HDEL f2
				var old []byte
				var ok bool
				if old, ok, err = h.Get(f1); err == nil {
					if ok {
						_, err = h.Set(f2, append(bytes.Clone(old), '!'))
					} else {
						_, err = h.Del(f2)
					}
				}
			}
			if err != nil {
				return err
			}
			_, err = h.Save()
			return err
		}
		m, ok, err := tx.LookupType(db, k, TypeZSet)
		if err == ErrWrongType {
			return nil
		}
		if err != nil {
			return err
		}
		var old *Meta
		if ok {
			mm := m
			old = &mm
		} else {
			m = Meta{Type: TypeZSet, KeyID: tx.NewKeyID()}
		}
		switch {
		case n < 75: // ZADD
			_, _, err = tx.ZSet(db, &m, m1, score)
		case n < 85: // ZREM
			_, err = tx.ZRem(db, &m, m1)
		default: // ZADD m2 (score of m1)+1, or ZREM m2
			var sc float64
			var had bool
			if sc, had, err = tx.ZScore(db, &m, m1); err == nil {
				if had {
					_, _, err = tx.ZSet(db, &m, m2, sc+1)
				} else {
					_, err = tx.ZRem(db, &m, m2)
				}
			}
		}
		if err != nil {
			return err
		}
		switch {
		case m.Size == 0 && ok:
			_, err = tx.Del(db, k)
		case m.Size > 0:
			err = tx.Put(db, k, old, &m)
		}
		return err
	}
}

// TestMetaCacheMatchesPebble runs one random workload (writes, deletes,
// expiry, renames, FLUSHDB, SWAPDB, big values, big groups, loads and
// restarts) on a store without the cache, one whose cache holds every key
// (complete mode) and one whose cache is too small and evicts: every read
// must agree.
func TestMetaCacheMatchesPebble(t *testing.T) {
	const nkeys = 40
	sizes := []int64{-1, 0, 4 << 10}
	fss := make([]vfs.FS, len(sizes))
	dbs := make([]*DB, len(sizes))
	for i, sz := range sizes {
		fss[i] = vfs.NewMem()
		dbs[i] = openCache(t, fss[i], sz)
	}
	defer func() {
		for _, d := range dbs {
			d.Close()
		}
	}()
	require.Nil(t, dbs[0].cache)
	require.True(t, dbs[1].cache.complete.Load())
	rng := rand.New(rand.NewSource(1))
	key := func() []byte { return []byte("k" + strconv.Itoa(rng.Intn(nkeys))) }
	// op returns one random write; its random choices are made once, so
	// every store runs the same write.
	op := func() func(tx *Tx) error {
		db, k, k2 := rng.Intn(3), key(), key()
		val := []byte(strconv.Itoa(rng.Int()))
		if rng.Intn(8) == 0 {
			val = []byte(strings.Repeat("x", 1000+rng.Intn(100)))
		}
		n := rng.Intn(100)
		now := time.Now().UnixMilli() // one expiry time for every store
		if rng.Intn(100) < 45 {
			return subOp(rng, db, k)
		}
		return func(tx *Tx) error {
			switch {
			case n < 40:
				m, ok, err := tx.Lookup(db, k)
				if err != nil {
					return err
				}
				var old *Meta
				if ok {
					old = &m
				}
				return tx.Put(db, k, old, &Meta{Type: TypeString, Value: val})
			case n < 55:
				_, err := tx.Del(db, k)
				return err
			case n < 65:
				m, ok, err := tx.Lookup(db, k)
				if err != nil || !ok {
					return err
				}
				at := now + 3600_000
				if n < 60 {
					at = now - 1 // expired: invisible, deleted by the next write lookup
				}
				return tx.SetExpire(db, k, &m, at)
			case n < 75:
				_, _, err := tx.Rename(db, k, k2, n < 70)
				return err
			case n < 80:
				_, err := tx.Copy(db, k, (db+1)%3, k2, true)
				return err
			case n < 85:
				m, ok, err := tx.Lookup(db, k)
				if err != nil {
					return err
				}
				if ok {
					if _, err := tx.Del(db, k); err != nil {
						return err
					}
				}
				_ = m
				return tx.Put(db, k, nil, &Meta{Type: TypeList, KeyID: 7, Size: uint64(n)})
			case n < 88:
				return tx.FlushDB(db)
			case n < 91:
				return tx.SwapDB(db, (db+1)%3)
			default:
				_, _, err := tx.Lookup(db, k)
				return err
			}
		}
	}
	// Long-lived snapshots (a master's full sync streams from one while
	// writes go on): each keeps reading what it was taken on, and reading
	// it never puts its old values in the cache.
	snaps := make([]*Snapshot, len(dbs))
	var snapWant string
	closeSnaps := func() {
		for i, s := range snaps {
			if s != nil {
				require.NoError(t, s.Close())
				snaps[i] = nil
			}
		}
	}
	defer closeSnaps()
	check := func(step int) {
		want := dumpAll(t, dbs[0], step%2 == 0, nkeys)
		for i := 1; i < len(dbs); i++ {
			require.Equal(t, want, dumpAll(t, dbs[i], step%2 == 0, nkeys), "step %d store %d", step, i)
		}
		if step%40 == 0 {
			closeSnaps()
			for i, d := range dbs {
				snaps[i] = d.NewSnapshot()
			}
			snapWant = want
		}
		for i, s := range snaps {
			if s == nil {
				continue // closed for a restart
			}
			require.Equal(t, snapWant, dumpView(t, s.View, nkeys), "step %d store %d: snapshot", step, i)
		}
	}
	// runGroup runs fns in one write group on every store.
	runGroup := func(fns []func(tx *Tx) error) {
		for _, d := range dbs {
			require.NoError(t, d.Update(func(tx *Tx) error {
				for _, fn := range fns {
					if err := fn(tx); err != nil {
						return err
					}
				}
				return nil
			}))
		}
	}
	for step := 0; step < 1500; step++ {
		switch r := rng.Intn(100); {
		case r < 70:
			fn := op()
			for _, d := range dbs {
				require.NoError(t, d.Update(fn))
			}
		case r < 90:
			// A group of writes in one batch (a pipeline, MULTI).
			var fns []func(tx *Tx) error
			for j := rng.Intn(20); j >= 0; j-- {
				fns = append(fns, op())
			}
			runGroup(fns)
		case r < 93:
			// A full-sync style load replacing everything.
			fns := []func(tx *Tx) error{op(), op(), op()}
			for _, d := range dbs {
				l, err := d.BeginLoad()
				require.NoError(t, err)
				for _, fn := range fns {
					require.NoError(t, l.Update(fn))
				}
				require.NoError(t, l.Commit(ReplState{ReplID: "x", Offset: int64(step)}))
			}
		case r < 94:
			// A restart: the complete cache is rebuilt from a scan.
			closeSnaps()
			for i, d := range dbs {
				require.NoError(t, d.Close())
				dbs[i] = openCache(t, fss[i], sizes[i])
			}
			require.True(t, dbs[1].cache.complete.Load())
		case r >= 95:
			// A group of hash and zset writes on few keys: reads of
			// records the group wrote or deleted.
			var fns []func(tx *Tx) error
			for j := 0; j < 30; j++ {
				fns = append(fns, subOp(rng, 0, []byte("k"+strconv.Itoa(rng.Intn(3)))))
				if rng.Intn(30) == 0 {
					fns = append(fns, func(tx *Tx) error { return tx.FlushDB(0) })
				}
			}
			runGroup(fns)
		case r < 95:
			// A group larger than pebble's large-batch threshold (its
			// contents are cleared by the commit).
			big := []byte(strings.Repeat("y", 64<<10))
			for _, d := range dbs {
				require.NoError(t, d.Update(func(tx *Tx) error {
					for j := 0; j < 40; j++ {
						if err := tx.Set(append(SubPrefix(nil, 999, 1), byte(j)), big); err != nil {
							return err
						}
					}
					m, ok, err := tx.Lookup(0, []byte("k1"))
					if err != nil {
						return err
					}
					var old *Meta
					if ok {
						old = &m
					}
					return tx.Put(0, []byte("k1"), old, &Meta{Type: TypeString, Value: []byte(fmt.Sprint("big", step))})
				}))
			}
		}
		check(step)
	}
	require.True(t, dbs[1].cache.complete.Load(), "the big cache evicted")
	require.False(t, dbs[2].cache.complete.Load(), "the small cache never evicted")
}

// TestMetaCacheReadersSeeCommittedGroups checks that readers racing the
// writer never see half of a group: two keys written together are equal in
// a consistent view, and key-by-key reads never go back in time.
// Under appendfsync always a commit runs outside the commit lock, readers
// bypassing the cache.
func TestMetaCacheReadersSeeCommittedGroups(t *testing.T) {
	for _, mode := range []Sync{SyncNo, SyncAlways} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) { testReadersSeeCommittedGroups(t, mode) })
	}
}

func testReadersSeeCommittedGroups(t *testing.T, mode Sync) {
	d := openCache(t, vfs.NewMem(), 0)
	defer d.Close()
	d.SetSync(mode)
	const n = 3000
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := -1
			for last < n-1 {
				var a, b int
				err := d.View(r%2 == 0, func(tx *Tx) error {
					for i, p := range []*int{&a, &b} {
						m, ok, err := tx.Lookup(0, []byte{'a' + byte(i)})
						if err != nil {
							return err
						}
						*p = -1
						if ok {
							*p, _ = strconv.Atoi(string(m.Value))
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				if (r%2 == 0 && a != b) || b < a || a < last {
					errs <- fmt.Errorf("reader %d: a=%d b=%d after %d", r, a, b, last)
					return
				}
				last = a
			}
		}()
	}
	for i := 0; i < n; i++ {
		v := []byte(strconv.Itoa(i))
		require.NoError(t, d.Update(func(tx *Tx) error {
			// b first: a reader reading a then b key by key sees a <= b.
			for _, k := range []string{"b", "a"} {
				m, ok, err := tx.Lookup(0, []byte(k))
				if err != nil {
					return err
				}
				var old *Meta
				if ok {
					old = &m
				}
				if err := tx.Put(0, []byte(k), old, &Meta{Type: TypeString, Value: v}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestSubCacheRangeDeleteInGroup checks that a range delete in a group
// (FLUSHDB) hides the cached sub-records it covers from the rest of the
// group, and a collection's delete hides its own, when a keyid is met again.
func TestSubCacheRangeDeleteInGroup(t *testing.T) {
	d := openCache(t, vfs.NewMem(), 0)
	defer d.Close()
	mk := func(tx *Tx, f string) (bool, error) {
		h := &Hash{tx: tx, key: []byte("h"), m: Meta{Type: TypeHash, KeyID: 5}}
		if err := h.setPrefix(); err != nil {
			return false, err
		}
		isNew, err := h.Set([]byte(f), []byte("v"))
		if err != nil {
			return false, err
		}
		_, err = h.Save()
		return isNew, err
	}
	for _, drop := range []func(tx *Tx) error{
		func(tx *Tx) error { return tx.FlushDB(0) },
		func(tx *Tx) error { _, err := tx.Del(0, []byte("h")); return err },
	} {
		require.NoError(t, d.Update(func(tx *Tx) error { _, err := mk(tx, "f"); return err }))
		var ok, isNew bool
		require.NoError(t, d.View(false, func(tx *Tx) error { // cached by a read
			h, _, err := tx.OpenHash(0, []byte("h"))
			if err != nil {
				return err
			}
			_, ok, err = h.Get([]byte("f"))
			return err
		}))
		require.True(t, ok)
		require.NoError(t, d.Update(func(tx *Tx) error {
			if err := drop(tx); err != nil {
				return err
			}
			var err error
			isNew, err = mk(tx, "f")
			return err
		}))
		require.True(t, isNew, "a dropped field is seen")
	}
}

// TestDeferredMetaRecords: the metadata records Put defers to the end of a
// write group are seen by everything in the group that reads the batch (a
// scan, a random key, a raw get), are ordered before a later FLUSHDB, and
// count in WriteCount when Put makes them, not when they reach the batch.
func TestDeferredMetaRecords(t *testing.T) {
	d := openCache(t, vfs.NewMem(), 0)
	defer d.Close()
	put := func(tx *Tx, k, v string) {
		m, ok, err := tx.Lookup(0, []byte(k))
		require.NoError(t, err)
		var old *Meta
		if ok {
			old = &m
		}
		require.NoError(t, tx.Put(0, []byte(k), old, &Meta{Type: TypeString, Value: []byte(v)}))
	}
	require.NoError(t, d.Update(func(tx *Tx) error {
		w0 := tx.WriteCount()
		put(tx, "a", "1")
		put(tx, "a", "2")
		require.Equal(t, w0+2, tx.WriteCount())
		_, keys, err := tx.Scan(0, 0, 10, nil)
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("a")}, keys)
		require.Equal(t, w0+2, tx.WriteCount(), "a scan wrote nothing")
		k, ok, err := tx.RandomKey(0)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "a", string(k))
		put(tx, "b", "3")
		ks, _ := tx.ksid(0)
		v, ok, err := tx.get(metaKey(nil, ks, []byte("b")))
		require.NoError(t, err)
		require.True(t, ok)
		m, err := decodeMeta(v)
		require.NoError(t, err)
		require.Equal(t, "3", string(m.Value))
		put(tx, "c", "4")
		require.NoError(t, tx.FlushDB(0))
		put(tx, "d", "5")
		return nil
	}))
	require.Equal(t, `0/d="5";`, dumpStrings(t, d, "a", "b", "c", "d"))
}

func dumpStrings(t *testing.T, d *DB, keys ...string) string {
	var sb strings.Builder
	require.NoError(t, d.View(true, func(tx *Tx) error {
		for _, k := range keys {
			m, ok, err := tx.Lookup(0, []byte(k))
			if err != nil {
				return err
			}
			if ok {
				fmt.Fprintf(&sb, "0/%s=%q;", k, m.Value)
			}
		}
		return nil
	}))
	return sb.String()
}
