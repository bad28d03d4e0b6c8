package store

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"

	"github.com/cockroachdb/pebble/v2"
)

// Scan walks the keys of db in hash order from cursor, as SCAN: it stops
// after about count keys, but never inside a group of keys sharing a hash, so
// a stateless numeric cursor resumes exactly. The next cursor is 0 when the
// walk is done. Logically expired keys are skipped; keep decides which of the
// others are returned. Returned keys are copies.
func (tx *Tx) Scan(db int, cursor uint64, count int, keep func(key []byte, m *Meta) bool) (uint64, [][]byte, error) {
	ks, err := tx.ksid(db)
	if err != nil {
		return 0, nil, err
	}
	if cursor > 1<<32 { // not a cursor we handed out
		return 0, nil, nil
	}
	lo, hi := metaBounds(ks)
	if err := tx.flushMeta(); err != nil {
		return 0, nil, err
	}
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	var out [][]byte
	seen := 0
	var lastHash uint32
	// The cursor is 1 + the hash to resume at; 0 starts (and ends) a walk.
	var from uint32
	if cursor > 0 {
		from = uint32(cursor - 1)
	}
	start := binary.BigEndian.AppendUint32(append([]byte(nil), lo...), from)
	for it.SeekGE(start); it.Valid(); it.Next() {
		k := it.Key()
		h := binary.BigEndian.Uint32(k[len(lo):])
		if seen >= count && h != lastHash {
			return uint64(h) + 1, out, it.Error()
		}
		seen++
		lastHash = h
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, nil, err
		}
		m, err := decodeMeta(v)
		if err != nil {
			return 0, nil, err
		}
		if m.ExpireAt != 0 && m.ExpireAt <= tx.now {
			continue
		}
		key := k[metaKeyPrefixLen:]
		if keep == nil || keep(key, &m) {
			out = append(out, bytes.Clone(key))
		}
	}
	return 0, out, it.Error()
}

// ForEach calls fn for every live key of db in hash order until fn returns
// false. key and m are valid only during the call.
func (tx *Tx) ForEach(db int, fn func(key []byte, m *Meta) bool) error {
	ks, err := tx.ksid(db)
	if err != nil {
		return err
	}
	lo, hi := metaBounds(ks)
	if err := tx.flushMeta(); err != nil {
		return err
	}
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		m, err := decodeMeta(v)
		if err != nil {
			return err
		}
		if m.ExpireAt != 0 && m.ExpireAt <= tx.now {
			continue
		}
		if !fn(it.Key()[metaKeyPrefixLen:], &m) {
			break
		}
	}
	return it.Error()
}

// RandomKey returns a random live key of db (a copy), or false when db has
// none: one seek at a random hash, wrapping to the start.
func (tx *Tx) RandomKey(db int) ([]byte, bool, error) {
	ks, err := tx.ksid(db)
	if err != nil {
		return nil, false, err
	}
	lo, hi := metaBounds(ks)
	if err := tx.flushMeta(); err != nil {
		return nil, false, err
	}
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	for try := 0; try < 16; try++ {
		start := binary.BigEndian.AppendUint32(append([]byte(nil), lo...), rand.Uint32())
		it.SeekGE(start)
		if !it.Valid() {
			it.First()
		}
		// Walk forward past expired keys (wrapping once).
		wrapped := false
		for n := 0; n < 100; n++ {
			if !it.Valid() {
				if wrapped {
					break
				}
				wrapped = true
				it.First()
				if !it.Valid() {
					return nil, false, it.Error()
				}
			}
			v, err := it.ValueAndErr()
			if err != nil {
				return nil, false, err
			}
			m, err := decodeMeta(v)
			if err != nil {
				return nil, false, err
			}
			if m.ExpireAt == 0 || m.ExpireAt > tx.now {
				return bytes.Clone(it.Key()[metaKeyPrefixLen:]), true, nil
			}
			it.Next()
		}
	}
	// Many expired keys: fall back to a full walk.
	var found []byte
	err = tx.ForEach(db, func(key []byte, m *Meta) bool {
		found = bytes.Clone(key)
		return false
	})
	return found, found != nil, err
}
