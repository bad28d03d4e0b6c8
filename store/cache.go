package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// metaCache keeps recently read or written metadata records (the whole
// record of a string: its value) in memory, so that a lookup costs a hash
// map probe instead of a pebble memtable/sstable search. It caches absence
// too (a nil value).
//
// Coherence: the cache always equals pebble's latest committed state for
// the keys it holds. The writer commits under commitMu held exclusively and
// applies the committed batch's metadata writes to the cache before
// releasing it; every cache fill and every cached read happens under
// commitMu held shared, so a miss filled from pebble cannot race a commit.
// Writes to pebble outside the writer's commit (open, reopen after a disk
// error) clear the cache. A consistent (snapshot) read uses the cache only
// while no commit happened since its snapshot (cacheGen).
type metaCache struct {
	shards   [cacheShards]cacheShard
	maxShard int64
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
	m    map[string][]byte
	size int64
}

func newMetaCache(bytes int64) *metaCache {
	if bytes <= 0 {
		return nil
	}
	c := &metaCache{maxShard: bytes / cacheShards}
	for i := range c.shards {
		c.shards[i].m = map[string][]byte{}
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

// get returns the cached record of k (nil: absent) and whether k is cached.
func (c *metaCache) get(k []byte) ([]byte, bool) {
	s := c.shard(k)
	s.mu.Lock()
	v, ok := s.m[string(k)]
	s.mu.Unlock()
	return v, ok
}

// put caches v (nil: absent) as the record of k; v must not change after.
func (c *metaCache) put(k, v []byte) {
	s := c.shard(k)
	s.mu.Lock()
	if len(v) > cacheMaxValue {
		if old, ok := s.m[string(k)]; ok {
			s.size -= int64(len(k) + len(old) + cacheEntryOverhead)
			delete(s.m, string(k))
		}
		s.mu.Unlock()
		return
	}
	if old, ok := s.m[string(k)]; ok {
		s.size += int64(len(v) - len(old))
		s.m[string(k)] = v
		s.mu.Unlock()
		return
	}
	s.size += int64(len(k) + len(v) + cacheEntryOverhead)
	s.m[string(k)] = v
	for s.size > c.maxShard && len(s.m) > 1 {
		for ek, ev := range s.m { // map order: a random victim
			if ek == string(k) {
				continue
			}
			s.size -= int64(len(ek) + len(ev) + cacheEntryOverhead)
			delete(s.m, ek)
			break
		}
	}
	s.mu.Unlock()
}

func (c *metaCache) clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.size = 0
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
				c.put(k, cloneExact(v))
			}
		case pebble.InternalKeyKindDelete, pebble.InternalKeyKindSingleDelete, pebble.InternalKeyKindDeleteSized:
			if isMetaKey(k) {
				c.put(k, nil)
			}
		case pebble.InternalKeyKindRangeDelete:
			if rangeMayCoverMeta(k, v) {
				c.clear()
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

// cachedGet reads metadata record k through the cache. r must read pebble's
// latest committed state (the DB) or, with snapGen != 0, a snapshot taken
// when cacheGen was snapGen. The value is never modified and outlives the Tx.
func (d *DB) cachedGet(r pebble.Reader, k []byte, snapGen uint64) ([]byte, bool, error) {
	d.commitMu.RLock()
	if snapGen != 0 && snapGen != d.cacheGen {
		d.commitMu.RUnlock()
		return nil, false, errCacheStale
	}
	if v, ok := d.cache.get(k); ok {
		d.commitMu.RUnlock()
		return v, v != nil, nil
	}
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		d.cache.put(k, nil)
		d.commitMu.RUnlock()
		return nil, false, nil
	}
	if err != nil {
		d.commitMu.RUnlock()
		return nil, false, err
	}
	v = cloneExact(v)
	closer.Close()
	d.cache.put(k, v)
	d.commitMu.RUnlock()
	return v, true, nil
}

var errCacheStale = errors.New("store: cache moved past the snapshot")

// cloneExact copies v into a non-nil slice without spare capacity, so that
// an append by a caller never writes into the cached bytes.
func cloneExact(v []byte) []byte { return append(make([]byte, 0, len(v)), v...) }
