package store

import (
	"bytes"
	"encoding/binary"
)

// Hashes (DESIGN.md §3.3): field f of a hash lives at
// SubPrefix|'f'|h32(f)|f → value, so HSCAN cursors are stateless numbers
// (1 + the next field hash to visit, as SCAN's) and a random field is one
// seek. Size in the metadata is the number of fields.

const hashTag = 'f'

// Hash encodings kept in Meta.Enc: Redis converts a listpack hash to a
// hashtable once it grows past the hash-max-listpack-* limits, and never
// back.
const (
	HashEncListpack  uint8 = 0
	HashEncHashtable uint8 = 1
)

// Hash is an open hash of one key within a Tx. Field writes go straight to
// the Tx's batch; Save writes the metadata (or deletes the emptied key).
type Hash struct {
	tx     *Tx
	db     int
	key    []byte
	old    Meta
	found  bool
	m      Meta
	prefix []byte // SubPrefix|'f'
	size   int64
	kbuf   []byte
}

// OpenHash opens the hash at key. A missing key gives an empty hash (exists
// false) that Save creates; a key of another type fails with ErrWrongType.
func (tx *Tx) OpenHash(db int, key []byte) (h *Hash, exists bool, err error) {
	m, ok, err := tx.LookupType(db, key, TypeHash)
	if err != nil {
		return nil, ok, err
	}
	h = &Hash{tx: tx, db: db, key: bytes.Clone(key), found: ok}
	if ok {
		h.old, h.m = m, m
		h.m.Extra = nil
		h.size = int64(m.Size)
	} else {
		// The keyid of a new hash is taken by its first Set.
		h.m = Meta{Type: TypeHash}
		if _, err := tx.ksid(db); err != nil {
			return nil, false, err
		}
		return h, false, nil
	}
	return h, true, h.setPrefix()
}

func (h *Hash) setPrefix() error {
	ps, err := h.tx.SubPrefix(h.db, h.m.KeyID)
	if err != nil {
		return err
	}
	h.prefix = append(ps, hashTag)
	return nil
}

// Len is the number of fields.
func (h *Hash) Len() int64 { return h.size }

// Exists reports whether the key existed when the hash was opened.
func (h *Hash) Exists() bool { return h.found }

// Meta is the hash's current metadata; callers may change Enc.
func (h *Hash) Meta() *Meta { return &h.m }

func (h *Hash) fieldKey(b []byte, f []byte) []byte {
	b = binary.BigEndian.AppendUint32(append(b[:0], h.prefix...), KeyHash(f))
	return append(b, f...)
}

// Get returns the value of field f (valid until the Tx ends).
func (h *Hash) Get(f []byte) ([]byte, bool, error) {
	if h.prefix == nil {
		return nil, false, nil
	}
	h.kbuf = h.fieldKey(h.kbuf, f)
	return h.tx.getSub(h.kbuf)
}

// Set sets field f to v and reports whether the field is new.
func (h *Hash) Set(f, v []byte) (bool, error) {
	if h.prefix == nil {
		h.m.KeyID = h.tx.NewKeyID()
		if err := h.setPrefix(); err != nil {
			return false, err
		}
	}
	h.kbuf = h.fieldKey(h.kbuf, f)
	_, ok, err := h.tx.getSub(h.kbuf)
	if err != nil {
		return false, err
	}
	if !ok {
		h.size++
	}
	h.tx.wroteSub(h.kbuf, v, true)
	return !ok, h.tx.b.Set(h.kbuf, v, nil)
}

// Del deletes field f and reports whether it existed.
func (h *Hash) Del(f []byte) (bool, error) {
	if h.prefix == nil {
		return false, nil
	}
	h.kbuf = h.fieldKey(h.kbuf, f)
	_, ok, err := h.tx.getSub(h.kbuf)
	if err != nil || !ok {
		return false, err
	}
	h.size--
	h.tx.wroteSub(h.kbuf, nil, false)
	return true, h.tx.b.Delete(h.kbuf, nil)
}

// ForEach calls fn for every field in hash order until fn returns false;
// f and v are valid only during the call.
func (h *Hash) ForEach(fn func(f, v []byte) bool) error {
	_, err := h.walk(0, -1, fn)
	return err
}

// Scan walks the fields from cursor as HSCAN: it stops after about count
// fields, never inside a group of fields sharing a hash, and returns the
// next cursor (0 when done).
func (h *Hash) Scan(cursor uint64, count int, fn func(f, v []byte)) (uint64, error) {
	if cursor > 1<<32 {
		return 0, nil
	}
	var from uint32
	if cursor > 0 {
		from = uint32(cursor - 1)
	}
	return h.walk(from, count, func(f, v []byte) bool { fn(f, v); return true })
}

func (h *Hash) walk(from uint32, count int, fn func(f, v []byte) bool) (uint64, error) {
	if h.prefix == nil {
		return 0, nil
	}
	hi := append(bytes.Clone(h.prefix[:len(h.prefix)-1]), hashTag+1)
	it, err := h.tx.NewIter(h.prefix, hi)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := len(h.prefix)
	start := binary.BigEndian.AppendUint32(bytes.Clone(h.prefix), from)
	seen := 0
	var last uint32
	for it.SeekGE(start); it.Valid(); it.Next() {
		k := it.Key()
		hv := binary.BigEndian.Uint32(k[n:])
		if count >= 0 && seen >= count && hv != last {
			return uint64(hv) + 1, it.Error()
		}
		seen++
		last = hv
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, err
		}
		if !fn(k[n+4:], v) {
			break
		}
	}
	return 0, it.Error()
}

// Random returns a copy of a field (and its value) near hash position r:
// one seek, wrapping to the first field. ok is false for an empty hash.
func (h *Hash) Random(r uint32) (f, v []byte, ok bool, err error) {
	if h.prefix == nil || h.size == 0 {
		return nil, nil, false, nil
	}
	hi := append(bytes.Clone(h.prefix[:len(h.prefix)-1]), hashTag+1)
	it, err := h.tx.NewIter(h.prefix, hi)
	if err != nil {
		return nil, nil, false, err
	}
	defer it.Close()
	if !it.SeekGE(binary.BigEndian.AppendUint32(bytes.Clone(h.prefix), r)) && !it.First() {
		return nil, nil, false, it.Error()
	}
	val, err := it.ValueAndErr()
	if err != nil {
		return nil, nil, false, err
	}
	return bytes.Clone(it.Key()[len(h.prefix)+4:]), bytes.Clone(val), true, nil
}

// Save writes the hash's metadata, or deletes the key when the hash is
// empty. It reports whether the key was deleted.
func (h *Hash) Save() (deleted bool, err error) {
	if h.size == 0 {
		if h.found {
			_, err = h.tx.Del(h.db, h.key)
			h.found = false
			return true, err
		}
		return false, nil
	}
	nm := h.m
	nm.Size = uint64(h.size)
	var op *Meta
	if h.found {
		op = &h.old
	}
	if err := h.tx.Put(h.db, h.key, op, &nm); err != nil {
		return false, err
	}
	h.old = nm
	h.found = true
	return false, nil
}
