package server

import (
	"bytes"

	"github.com/redpebble/redpebble/store"
)

// The stores behind geoZSet (cmd_geo.go) and sortStore (cmd_sort.go): thin
// views of the sorted-set, set, list and hash stores over a client's
// transaction. The writes do not go through them: GEOADD runs ZADD
// (zaddGeneric) and the GEO stores use storeZset, as geo.c does.

func init() {
	newGeoZSet = func(c *Client) geoZSet { return &txGeoZSet{c: c} }
	newSortStore = func(c *Client) sortStore { return txSortStore{c: c} }
}

// txGeoZSet reads sorted sets in c's transaction. It remembers the last
// key's metadata: a GEO command reads its source before any write.
type txGeoZSet struct {
	c     *Client
	key   []byte
	m     store.Meta
	found bool
}

func (z *txGeoZSet) lookup(key []byte) (*store.Meta, bool, error) {
	if z.key == nil || !bytes.Equal(z.key, key) {
		m, found, err := z.c.tx.LookupType(z.c.db, key, store.TypeZSet)
		if err != nil {
			return nil, false, err
		}
		z.key, z.m, z.found = bytes.Clone(key), m, found
	}
	return &z.m, z.found, nil
}

func (z *txGeoZSet) Exists(key []byte) (bool, error) {
	_, found, err := z.lookup(key)
	return found, err
}

func (z *txGeoZSet) Score(key, member []byte) (float64, bool, error) {
	m, found, err := z.lookup(key)
	if err != nil || !found {
		return 0, false, err
	}
	return z.c.tx.ZScore(z.c.db, m, member)
}

func (z *txGeoZSet) RangeByScore(key []byte, min, max float64, fn func(member []byte, score float64) bool) error {
	m, found, err := z.lookup(key)
	if err != nil || !found {
		return err
	}
	return z.c.tx.ZRangeByScore(z.c.db, m, store.ZScoreRange{Min: min, Max: max, MaxEx: true}, false, fn)
}

// txSortStore reads SORT's input and patterns and writes SORT ... STORE in
// c's transaction.
type txSortStore struct{ c *Client }

func (s txSortStore) Elements(key []byte) (store.Type, [][]byte, error) {
	c := s.c
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil || !found {
		return store.TypeNone, nil, err
	}
	switch m.Type {
	case store.TypeList:
		l, _, err := c.tx.OpenList(c.db, key)
		if err != nil {
			return m.Type, nil, err
		}
		elems, err := l.All()
		return m.Type, elems, err
	case store.TypeSet:
		elems, err := c.setMembers(&m)
		return m.Type, elems, err
	case store.TypeZSet:
		if m.Enc == zsetEncListpack && c.tx.Writable() {
			// sort.c converts a listpack zset to a skiplist for good
			// (SORT_RO too, which is why it runs on the writer), without
			// signalModifiedKey.
			old := m
			m.Enc = zsetEncSkiplist
			if err := c.tx.PutUntouched(c.db, key, &old, &m); err != nil {
				return m.Type, nil, err
			}
		}
		elems := make([][]byte, 0, m.Size)
		err := c.tx.ZRangeByRank(c.db, &m, 0, int64(m.Size)-1, false, func(member []byte, _ float64) bool {
			elems = append(elems, bytes.Clone(member))
			return true
		})
		return m.Type, elems, err
	}
	return m.Type, nil, nil
}

func (s txSortStore) String(key []byte) ([]byte, bool, error) { return txSortString(s.c, key) }

// HashField is lookupKeyByPattern's hash case: a key of another type is
// no object, not an error.
func (s txSortStore) HashField(key, field []byte) ([]byte, bool, error) {
	c := s.c
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil || !found || m.Type != store.TypeHash {
		return nil, false, err
	}
	h, _, err := c.tx.OpenHash(c.db, key)
	if err != nil {
		return nil, false, err
	}
	return h.Get(field)
}

// StoreList is setKey with a new list (or dbDelete when elems is empty):
// the old value of any type and its TTL go.
func (s txSortStore) StoreList(key []byte, elems [][]byte) (bool, error) {
	c := s.c
	deleted, err := c.tx.Del(c.db, key)
	if err != nil || len(elems) == 0 {
		return deleted, err
	}
	l, _, err := c.tx.OpenList(c.db, key)
	if err != nil {
		return false, err
	}
	if err := l.Push(false, elems...); err != nil {
		return false, err
	}
	_, err = l.Save()
	return false, err
}
