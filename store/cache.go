package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// metaCache keeps metadata records (for a string: the whole record, its
// value included) in memory, so that a lookup costs a hash map probe
// instead of a pebble memtable/sstable search. It caches absence too.
//
// Coherence: the cache always equals pebble's latest committed state for
// the keys it holds. The writer commits under commitMu held exclusively and
// applies the committed batch's metadata writes to the cache before
// releasing it; every cache read and fill happens under commitMu held
// shared, so a miss filled from pebble cannot race a commit. A commit that
// waits for an fsync runs outside commitMu with cacheBypass set: meanwhile
// readers read pebble only. Writes to
// pebble outside the writer's commit (reopen after a disk error) clear the
// cache. A consistent (snapshot) read uses the cache only while no commit
// happened since its snapshot (cacheGen).
//
// Complete mode: when the cache holds an entry for every metadata key of
// the store (it started from an empty store, or from a scan of a small one
// at open, and has evicted nothing since), a key it does not hold is
// absent, and a miss costs no pebble read. Records too big to cache keep a
// key-only entry ("big") meaning "present, read pebble".
type metaCache struct {
	shards   [cacheShards]cacheShard
	maxShard int64
	// complete is changed under commitMu held exclusively, or by an
	// eviction (under a shard lock, with commitMu held at least shared:
	// a reader that saw it true before cannot have missed a key since, as
	// evictions drop keys that exist — it then reads pebble).
	complete atomic.Bool
	// sub caches hash field and zset member records (subCache).
	sub *subCache
}

const (
	cacheShards = 16
	// cacheMaxValue is the largest record cached (bigger strings are read
	// from pebble each time).
	cacheMaxValue = 1024
	// cacheEntryOverhead approximates a map entry's own bytes.
	cacheEntryOverhead = 64
)

type cacheShard struct {
	mu   sync.Mutex
	m    map[uint64]cacheEntry // by maphash of the pebble key
	size int64
}

// Entry states.
const (
	entryPresent = iota // kv[klen:] is the record
	entryAbsent         // the key does not exist
	entryBig            // the key exists; its record is not cached
)

// cacheEntry holds a pebble key and its record in one allocation (one
// memory miss for both): kv[:klen] is the key, kv[klen:] the record. Two
// keys with one hash share the slot: the last put wins (the other is
// evicted) and a get compares the key.
type cacheEntry struct {
	kv    []byte
	klen  uint32
	state uint8
}

var cacheSeed = maphash.MakeSeed()

func newMetaCache(bytes int64) *metaCache {
	if bytes <= 0 {
		return nil
	}
	// The sub-record cache has its own bound: half the metadata cache's.
	c := &metaCache{maxShard: bytes / cacheShards, sub: newSubCache(bytes / 2)}
	for i := range c.shards {
		c.shards[i].m = map[uint64]cacheEntry{}
	}
	return c
}

// isMetaKey reports whether k is 01|ksid|'m'|h32|key.
func isMetaKey(k []byte) bool {
	return len(k) >= metaKeyPrefixLen && k[0] == tagData && k[5] == kindMeta
}

func (c *metaCache) shard(k []byte) *cacheShard {
	// The key hash is part of a metadata key.
	return &c.shards[binary.BigEndian.Uint32(k[6:10])%cacheShards]
}

// Lookup results.
const (
	cacheMiss    = iota // not known: read pebble
	cacheHit            // the record is returned
	cacheAbsentK        // the key does not exist
)

// get looks k up. A returned record is never modified.
func (c *metaCache) get(k []byte) ([]byte, int) {
	h := maphash.Bytes(cacheSeed, k)
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.m[h]
	s.mu.Unlock()
	if !ok || int(e.klen) != len(k) || !bytes.Equal(e.kv[:e.klen], k) {
		if c.complete.Load() {
			return nil, cacheAbsentK
		}
		return nil, cacheMiss
	}
	switch e.state {
	case entryAbsent:
		return nil, cacheAbsentK
	case entryBig:
		return nil, cacheMiss
	}
	return e.kv[e.klen:len(e.kv):len(e.kv)], cacheHit
}

func (e cacheEntry) size() int64 { return int64(len(e.kv)) + cacheEntryOverhead }

// put records that k holds v, or with v nil that k is absent.
func (c *metaCache) put(k, v []byte) {
	h := maphash.Bytes(cacheSeed, k)
	s := c.shard(k)
	var e cacheEntry
	switch {
	case v == nil && c.complete.Load():
		// Absence is implied: drop the entry.
		s.mu.Lock()
		if old, ok := s.m[h]; ok && int(old.klen) == len(k) && bytes.Equal(old.kv[:old.klen], k) {
			s.size -= old.size()
			delete(s.m, h)
		}
		s.mu.Unlock()
		return
	case v == nil:
		e = cacheEntry{kv: bytes.Clone(k), klen: uint32(len(k)), state: entryAbsent}
	case len(v) > cacheMaxValue:
		e = cacheEntry{kv: bytes.Clone(k), klen: uint32(len(k)), state: entryBig}
	default:
		kv := make([]byte, len(k)+len(v))
		copy(kv, k)
		copy(kv[len(k):], v)
		e = cacheEntry{kv: kv, klen: uint32(len(k)), state: entryPresent}
	}
	s.mu.Lock()
	if old, ok := s.m[h]; ok {
		if int(old.klen) != len(k) || !bytes.Equal(old.kv[:old.klen], k) {
			// A hash collision evicts the other key.
			c.evicted(old)
		}
		s.size += e.size() - old.size()
		s.m[h] = e
		s.mu.Unlock()
		return
	}
	s.size += e.size()
	s.m[h] = e
	for s.size > c.maxShard && len(s.m) > 1 {
		for eh, ev := range s.m { // map order: a random victim
			if eh == h {
				continue
			}
			c.evicted(ev)
			s.size -= ev.size()
			delete(s.m, eh)
			break
		}
	}
	s.mu.Unlock()
}

// evicted notes that e leaves the cache: unless it recorded absence, the
// cache no longer holds every key.
func (c *metaCache) evicted(e cacheEntry) {
	if e.state != entryAbsent {
		c.complete.Store(false)
	}
}

func (c *metaCache) clear() {
	c.complete.Store(false)
	c.sub.clear()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.size = 0
		s.mu.Unlock()
	}
}

// dropKeyspace forgets every entry of keyspace ks, which a range delete
// emptied (FLUSHDB, a dropped keyspace): completeness holds.
func (c *metaCache) dropKeyspace(ks uint32) {
	c.sub.dropKeyspace(ks)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for h, e := range s.m {
			if binary.BigEndian.Uint32(e.kv[1:5]) == ks {
				s.size -= e.size()
				delete(s.m, h)
			}
		}
		s.mu.Unlock()
	}
}

// apply brings the cache up to date with a batch just committed, read
// with a Reader taken before the commit (pebble clears a large batch's
// contents when it commits it): called with commitMu held exclusively.
func (c *metaCache) apply(r batchrepr.Reader) {
	for {
		kind, k, v, ok, err := r.Next()
		if err != nil {
			c.clear()
			return
		}
		if !ok {
			return
		}
		switch kind {
		case pebble.InternalKeyKindSet:
			if isMetaKey(k) {
				if v == nil {
					v = []byte{}
				}
				c.put(k, v)
			} else if isSubPointKey(k) {
				if v == nil {
					v = []byte{}
				}
				c.sub.put(k, v)
			}
		case pebble.InternalKeyKindDelete, pebble.InternalKeyKindSingleDelete, pebble.InternalKeyKindDeleteSized:
			if isMetaKey(k) {
				c.put(k, nil)
			} else if isSubPointKey(k) {
				c.sub.put(k, nil)
			}
		case pebble.InternalKeyKindRangeDelete:
			if ks, ok := wholeKeyspace(k, v); ok {
				c.dropKeyspace(ks)
			} else if rangeMayCoverMeta(k, v) {
				c.clear()
			} else if id, coll, may := rangeSub(k, v); coll {
				c.sub.dropColl(id)
			} else if may {
				c.sub.clear()
			}
		case pebble.InternalKeyKindLogData, pebble.InternalKeyKindRangeKeySet,
			pebble.InternalKeyKindRangeKeyUnset, pebble.InternalKeyKindRangeKeyDelete:
		default:
			// Merge or anything else redpebble does not write: be safe.
			c.clear()
			return
		}
	}
}

// wholeKeyspace reports whether [lo, hi) is [ksPrefix(ks), ksPrefix(ks+1)).
func wholeKeyspace(lo, hi []byte) (uint32, bool) {
	if len(lo) != 5 || len(hi) != 5 || lo[0] != tagData || hi[0] != tagData {
		return 0, false
	}
	ks := binary.BigEndian.Uint32(lo[1:])
	if ks == ^uint32(0) || binary.BigEndian.Uint32(hi[1:]) != ks+1 {
		return 0, false
	}
	return ks, true
}

// rangeMayCoverMeta reports whether [lo, hi) may hold metadata keys: any
// range not inside one keyspace's subkeys or expiry index.
func rangeMayCoverMeta(lo, hi []byte) bool {
	const p = 1 + 4 + 1 // 01|ksid|kind
	if len(lo) >= p && len(hi) >= p && lo[0] == tagData && bytes.Equal(lo[:p], hi[:p]) && lo[5] != kindMeta {
		return false
	}
	return true
}

// invalidateCache empties the cache after pebble changed outside the
// writer's commit.
func (d *DB) invalidateCache() {
	if d.cache == nil {
		return
	}
	d.commitMu.Lock()
	d.cache.clear()
	d.cacheGen++
	d.commitMu.Unlock()
}

// dropKeyspaceCache forgets keyspace ks after its range delete committed.
func (d *DB) dropKeyspaceCache(ks uint32) {
	if d.cache == nil {
		return
	}
	d.commitMu.Lock()
	d.cache.dropKeyspace(ks)
	d.cacheGen++
	d.commitMu.Unlock()
}

// fillCache loads every metadata record of the reachable keyspaces into
// the cache at open, when they are few (at most maxKeys), and turns on
// complete mode; an empty store costs one seek per keyspace.
func (d *DB) fillCache(maxKeys int64) error {
	c := d.cache
	if c == nil {
		return nil
	}
	var total int64
	for _, ks := range *d.dbmap.Load() {
		total += d.counter(ks).keys.Load()
	}
	if total > maxKeys {
		return nil
	}
	c.complete.Store(true)
	for _, ks := range *d.dbmap.Load() {
		lo, hi := metaBounds(ks)
		it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			c.clear()
			return err
		}
		for it.First(); it.Valid() && c.complete.Load(); it.Next() {
			v, err := it.ValueAndErr()
			if err != nil {
				it.Close()
				c.clear()
				return err
			}
			c.put(it.Key(), v)
		}
		if err := it.Close(); err != nil {
			c.clear()
			return err
		}
	}
	return nil
}

// cachedGet reads metadata record (or isSubPointKey record) k through the cache. r must read pebble's
// latest committed state (the DB) or, with snapGen != 0, a snapshot taken
// when cacheGen was snapGen. The value is never modified and outlives the Tx.
func (d *DB) cachedGet(r pebble.Reader, k []byte, snapGen uint64) ([]byte, bool, error) {
	d.commitMu.RLock()
	if (snapGen != 0 && snapGen != d.cacheGen) || d.cacheBypass {
		d.commitMu.RUnlock()
		return nil, false, errCacheStale
	}
	switch v, res := d.cache.lookup(k); res {
	case cacheHit:
		d.commitMu.RUnlock()
		return v, true, nil
	case cacheAbsentK:
		d.commitMu.RUnlock()
		return nil, false, nil
	}
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		d.cache.fill(k, nil)
		d.commitMu.RUnlock()
		return nil, false, nil
	}
	if err != nil {
		d.commitMu.RUnlock()
		return nil, false, err
	}
	v = cloneExact(v) // non-nil: an empty record is not absence
	d.cache.fill(k, v)
	closer.Close()
	d.commitMu.RUnlock()
	return v, true, nil
}

// lookup is get for a metadata key, sub.get for a sub-record key.
func (c *metaCache) lookup(k []byte) ([]byte, int) {
	if isSubPointKey(k) {
		return c.sub.get(k)
	}
	return c.get(k)
}

// fill is put for a metadata key, sub.put for a sub-record key.
func (c *metaCache) fill(k, v []byte) {
	if isSubPointKey(k) {
		c.sub.put(k, v)
		return
	}
	c.put(k, v)
}

var errCacheStale = errors.New("store: cache moved past the snapshot")

// cloneExact copies v into a non-nil slice without spare capacity, so that
// an append by a caller never writes into the cached bytes.
func cloneExact(v []byte) []byte { return append(make([]byte, 0, len(v)), v...) }

// subCache keeps point records of collections — hash fields and zset
// members (SubPrefix|'f'|... and SubPrefix|'m'|...; set members share the
// 'f' tag) — recently read or written, and their known absence. It follows
// the metaCache's coherence rules (filled under commitMu shared, updated by
// metaCache.apply under commitMu exclusive, cleared with it) but has no
// complete mode: a miss always reads pebble, so eviction is always safe.
// Entries are grouped by collection, so that a collection's range delete
// drops its entries in one step.
type subCache struct {
	mu    sync.Mutex
	colls map[collID]map[string]subRec // by the key after SubPrefix
	size  int64
	max   int64
	// complete holds the keyids of collections every record of which is
	// cached: created by a committed write group (a fresh keyid, so pebble
	// had nothing of it) and nothing of theirs dropped since (an eviction,
	// a record too big to cache, a range delete, a clear). A record such
	// a collection lacks is absent without a pebble read — the members
	// and fields a pipeline adds for the first time.
	complete map[uint64]struct{}
}

type collID struct {
	ks uint32
	id uint64
}

type subRec struct {
	v      []byte // the record (never modified); nil when absent
	absent bool
}

const subPrefixLen = 1 + 4 + 1 + 8 // 01|ksid|'s'|keyid

func (e subRec) size(k string) int64 { return int64(len(k)+len(e.v)) + cacheEntryOverhead }

// isSubPointKey reports whether k is a hash field or zset (or set) member
// record: 01|ksid|'s'|keyid|'f' or 'm'|...
func isSubPointKey(k []byte) bool {
	return len(k) > subPrefixLen && k[0] == tagData && k[5] == kindSub &&
		(k[subPrefixLen] == hashTag || k[subPrefixLen] == zMemberTag)
}

func subColl(k []byte) collID {
	return collID{binary.BigEndian.Uint32(k[1:5]), binary.BigEndian.Uint64(k[6:14])}
}

func newSubCache(bytes int64) *subCache {
	return &subCache{colls: map[collID]map[string]subRec{}, max: bytes, complete: map[uint64]struct{}{}}
}

// markComplete records that the collections with these fresh keyids are
// wholly in the batch about to be applied (called with commitMu held
// exclusively, before apply: what apply cannot keep unmarks them).
func (c *subCache) markComplete(ids map[uint64]struct{}) {
	c.mu.Lock()
	for id := range ids {
		c.complete[id] = struct{}{}
	}
	c.mu.Unlock()
}

// get looks up sub-record k (isSubPointKey). A returned record is never
// modified.
func (c *subCache) get(k []byte) ([]byte, int) {
	id := subColl(k)
	c.mu.Lock()
	e, ok := c.colls[id][string(k[subPrefixLen:])]
	_, whole := c.complete[id.id]
	c.mu.Unlock()
	switch {
	case !ok && whole:
		return nil, cacheAbsentK
	case !ok:
		return nil, cacheMiss
	case e.absent:
		return nil, cacheAbsentK
	}
	return e.v, cacheHit
}

// put records that k holds v, or with v nil that k is absent.
func (c *subCache) put(k, v []byte) {
	e := subRec{absent: v == nil}
	if v != nil {
		if len(v) > cacheMaxValue {
			c.forget(k)
			return
		}
		e.v = cloneExact(v)
	}
	id, sk := subColl(k), string(k[subPrefixLen:])
	c.mu.Lock()
	m := c.colls[id]
	if m == nil {
		m = map[string]subRec{}
		c.colls[id] = m
	}
	if old, ok := m[sk]; ok {
		c.size -= old.size(sk)
	}
	m[sk] = e
	c.size += e.size(sk)
	for c.size > c.max && c.size > e.size(sk) {
		c.evictOne(id, sk)
	}
	c.mu.Unlock()
}

// evictOne drops a random entry other than (keep, ks): called with mu held.
func (c *subCache) evictOne(keep collID, ks string) {
	for id, m := range c.colls { // map order: a random victim
		for sk, e := range m {
			if id == keep && sk == ks {
				continue
			}
			c.size -= e.size(sk)
			delete(m, sk)
			delete(c.complete, id.id)
			break
		}
		if len(m) == 0 {
			delete(c.colls, id)
		}
		return
	}
}

func (c *subCache) forget(k []byte) {
	id, sk := subColl(k), string(k[subPrefixLen:])
	c.mu.Lock()
	delete(c.complete, id.id)
	if m := c.colls[id]; m != nil {
		if old, ok := m[sk]; ok {
			c.size -= old.size(sk)
			delete(m, sk)
		}
	}
	c.mu.Unlock()
}

func (c *subCache) dropColl(id collID) {
	c.mu.Lock()
	for sk, e := range c.colls[id] {
		c.size -= e.size(sk)
	}
	delete(c.colls, id)
	delete(c.complete, id.id)
	c.mu.Unlock()
}

func (c *subCache) dropKeyspace(ks uint32) {
	c.mu.Lock()
	for id, m := range c.colls {
		if id.ks == ks {
			for sk, e := range m {
				c.size -= e.size(sk)
			}
			delete(c.colls, id)
			delete(c.complete, id.id)
		}
	}
	c.mu.Unlock()
}

func (c *subCache) clear() {
	c.mu.Lock()
	clear(c.colls)
	clear(c.complete)
	c.size = 0
	c.mu.Unlock()
}

// rangeSub classifies the range delete [lo, hi) for the sub-record cache:
// exactly one collection's subkeys (coll true: id), or inside one
// collection's subkeys of another tag, or inside one keyspace's expiry
// index (may false); anything else may cover cached records.
func rangeSub(lo, hi []byte) (id collID, coll, may bool) {
	if len(lo) == subPrefixLen && len(hi) == subPrefixLen && lo[0] == tagData && lo[5] == kindSub &&
		bytes.Equal(lo[:6], hi[:6]) {
		a, b := binary.BigEndian.Uint64(lo[6:]), binary.BigEndian.Uint64(hi[6:])
		if b == a+1 {
			return subColl(lo), true, true
		}
	}
	const p = subPrefixLen + 1
	if len(lo) >= p && len(hi) >= p && lo[0] == tagData && lo[5] == kindSub && bytes.Equal(lo[:p], hi[:p]) &&
		lo[subPrefixLen] != hashTag && lo[subPrefixLen] != zMemberTag {
		return collID{}, false, false
	}
	if len(lo) >= 6 && len(hi) >= 6 && lo[0] == tagData && bytes.Equal(lo[:6], hi[:6]) && lo[5] == kindExpire {
		return collID{}, false, false
	}
	return collID{}, false, true
}
