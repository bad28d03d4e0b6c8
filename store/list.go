package store

import (
	"bytes"
	"encoding/binary"
)

// Lists (DESIGN.md §3.3): element i of a list lives at the dense position
// head+i under SubPrefix|'l'|position u64; the metadata's Extra holds
// head u64 | tail u64 (positions [head, tail)). A new list starts at the
// midpoint 2⁶³ and grows both ways, so LINDEX and LSET are point
// operations and pops, LTRIM and LMOVE delete contiguous position ranges.

const listTag = 'l'

// listMid is the first position of a new list.
const listMid = uint64(1) << 63

// List is an open list of one key within a write or read Tx. Changes are
// buffered in the Tx; Save writes the metadata (or deletes the emptied key).
type List struct {
	tx     *Tx
	db     int
	key    []byte
	old    Meta
	found  bool
	m      Meta
	prefix []byte // SubPrefix|'l'
	head   uint64
	tail   uint64
	kbuf   []byte
}

// OpenList opens the list at key. A missing key gives an empty list
// (exists false) that Save creates; a key of another type fails with
// ErrWrongType.
func (tx *Tx) OpenList(db int, key []byte) (l *List, exists bool, err error) {
	m, ok, err := tx.LookupType(db, key, TypeList)
	if err != nil {
		return nil, ok, err
	}
	l = &List{tx: tx, db: db, key: bytes.Clone(key), found: ok}
	if ok {
		l.old = m
		l.m = m
		l.m.Extra = nil
		if len(m.Extra) < 16 {
			return nil, true, ErrCorrupt
		}
		l.head = binary.BigEndian.Uint64(m.Extra[0:8])
		l.tail = binary.BigEndian.Uint64(m.Extra[8:16])
	} else {
		// The keyid of a new list is taken by its first Push.
		l.m = Meta{Type: TypeList}
		l.head, l.tail = listMid, listMid
		if _, err := tx.ksid(db); err != nil {
			return nil, false, err
		}
		return l, false, nil
	}
	return l, true, l.setPrefix()
}

func (l *List) setPrefix() error {
	ps, err := l.tx.SubPrefix(l.db, l.m.KeyID)
	if err != nil {
		return err
	}
	l.prefix = append(ps, listTag)
	return nil
}

// Len is the number of elements.
func (l *List) Len() int64 { return int64(l.tail - l.head) }

// Exists reports whether the key existed when the list was opened.
func (l *List) Exists() bool { return l.found }

// Meta is the list's current metadata (Extra not filled in).
func (l *List) Meta() *Meta { return &l.m }

func (l *List) posKey(pos uint64) []byte {
	l.kbuf = binary.BigEndian.AppendUint64(append(l.kbuf[:0], l.prefix...), pos)
	return l.kbuf
}

func (l *List) newPosKey(pos uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), l.prefix...), pos)
}

// Index returns element i (0 ≤ i < Len); the slice is valid until the Tx ends.
func (l *List) Index(i int64) ([]byte, error) {
	if l.prefix == nil {
		return nil, nil
	}
	v, ok, err := l.tx.get(l.posKey(l.head + uint64(i)))
	if err == nil && !ok {
		err = ErrCorrupt
	}
	return v, err
}

// Set replaces element i (0 ≤ i < Len).
func (l *List) Set(i int64, v []byte) error {
	return l.tx.b.Set(l.posKey(l.head+uint64(i)), v, nil)
}

// Range calls fn for the elements start..stop (inclusive, 0 ≤ start ≤ stop
// < Len), forward or in reverse, until fn returns false. v is valid only
// during the call.
func (l *List) Range(start, stop int64, reverse bool, fn func(i int64, v []byte) bool) error {
	if l.prefix == nil || start > stop {
		return nil
	}
	lo := l.newPosKey(l.head + uint64(start))
	hi := l.newPosKey(l.head + uint64(stop) + 1)
	it, err := l.tx.NewIter(lo, hi)
	if err != nil {
		return err
	}
	defer it.Close()
	n := len(l.prefix)
	valid := it.First
	step := it.Next
	if reverse {
		valid, step = it.Last, it.Prev
	}
	for ok := valid(); ok; ok = step() {
		pos := binary.BigEndian.Uint64(it.Key()[n:])
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if !fn(int64(pos-l.head), v) {
			break
		}
	}
	return it.Error()
}

// All returns copies of all elements.
func (l *List) All() ([][]byte, error) {
	out := make([][]byte, 0, l.Len())
	err := l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool {
		out = append(out, bytes.Clone(v))
		return true
	})
	return out, err
}

// Push adds vals one by one at the head (left) or the tail, as LPUSH/RPUSH.
func (l *List) Push(left bool, vals ...[]byte) error {
	if l.prefix == nil {
		l.m.KeyID = l.tx.NewKeyID()
		if err := l.setPrefix(); err != nil {
			return err
		}
	}
	for _, v := range vals {
		var pos uint64
		if left {
			l.head--
			pos = l.head
		} else {
			pos = l.tail
			l.tail++
		}
		if err := l.tx.b.Set(l.posKey(pos), v, nil); err != nil {
			return err
		}
	}
	return nil
}

// Pop removes up to n elements from the head (left) or the tail and returns
// copies of them in pop order.
func (l *List) Pop(left bool, n int64) ([][]byte, error) {
	n = min(n, l.Len())
	if n <= 0 {
		return nil, nil
	}
	var start, stop int64
	if left {
		start, stop = 0, n-1
	} else {
		start, stop = l.Len()-n, l.Len()-1
	}
	out := make([][]byte, 0, n)
	if err := l.Range(start, stop, !left, func(_ int64, v []byte) bool {
		out = append(out, bytes.Clone(v))
		return true
	}); err != nil {
		return nil, err
	}
	if err := l.drop(left, n); err != nil {
		return nil, err
	}
	return out, nil
}

// drop removes n elements from one end without reading them.
func (l *List) drop(left bool, n int64) error {
	n = min(n, l.Len())
	if n <= 0 {
		return nil
	}
	if left {
		lo, hi := l.newPosKey(l.head), l.newPosKey(l.head+uint64(n))
		l.head += uint64(n)
		return l.tx.b.DeleteRange(lo, hi, nil)
	}
	lo, hi := l.newPosKey(l.tail-uint64(n)), l.newPosKey(l.tail)
	l.tail -= uint64(n)
	return l.tx.b.DeleteRange(lo, hi, nil)
}

// Trim keeps only elements start..stop (inclusive, already clamped as
// LTRIM does); start > stop empties the list.
func (l *List) Trim(start, stop int64) error {
	ln := l.Len()
	if start > stop || start >= ln {
		return l.drop(true, ln)
	}
	if err := l.drop(false, ln-1-stop); err != nil {
		return err
	}
	return l.drop(true, start)
}

// Insert inserts v before element i (0 ≤ i ≤ Len), moving the shorter side.
func (l *List) Insert(i int64, v []byte) error {
	ln := l.Len()
	if i <= ln/2 {
		// Shift elements 0..i-1 one position to the left.
		var prev [][]byte
		if err := l.Range(0, i-1, false, func(_ int64, e []byte) bool {
			prev = append(prev, bytes.Clone(e))
			return true
		}); err != nil {
			return err
		}
		l.head--
		for j, e := range prev {
			if err := l.tx.b.Set(l.posKey(l.head+uint64(j)), e, nil); err != nil {
				return err
			}
		}
		return l.tx.b.Set(l.posKey(l.head+uint64(i)), v, nil)
	}
	var next [][]byte
	if err := l.Range(i, ln-1, false, func(_ int64, e []byte) bool {
		next = append(next, bytes.Clone(e))
		return true
	}); err != nil {
		return err
	}
	base := l.head + uint64(i)
	if err := l.tx.b.Set(l.posKey(base), v, nil); err != nil {
		return err
	}
	for j, e := range next {
		if err := l.tx.b.Set(l.posKey(base+1+uint64(j)), e, nil); err != nil {
			return err
		}
	}
	l.tail++
	return nil
}

// RemoveAt removes the elements at the given sorted, distinct indexes,
// rewriting whichever side of the removed span is shorter: the prefix up to
// the last removed one, or the suffix from the first.
func (l *List) RemoveAt(idx []int64) error {
	if len(idx) == 0 {
		return nil
	}
	ln := l.Len()
	first, last := idx[0], idx[len(idx)-1]
	if last+1 < ln-first {
		// Keep elements first..last that are not removed, pack them to the
		// right end of [first, last], and move the head.
		var keep [][]byte
		k := 0
		if err := l.Range(0, last, false, func(i int64, e []byte) bool {
			if k < len(idx) && idx[k] == i {
				k++
				return true
			}
			keep = append(keep, bytes.Clone(e))
			return true
		}); err != nil {
			return err
		}
		newHead := l.head + uint64(len(idx))
		if err := l.tx.b.DeleteRange(l.newPosKey(l.head), l.newPosKey(newHead), nil); err != nil {
			return err
		}
		l.head = newHead
		for j, e := range keep {
			if err := l.tx.b.Set(l.posKey(l.head+uint64(j)), e, nil); err != nil {
				return err
			}
		}
		return nil
	}
	var keep [][]byte
	k := 0
	if err := l.Range(first, ln-1, false, func(i int64, e []byte) bool {
		if k < len(idx) && idx[k] == i {
			k++
			return true
		}
		keep = append(keep, bytes.Clone(e))
		return true
	}); err != nil {
		return err
	}
	newTail := l.tail - uint64(len(idx))
	if err := l.tx.b.DeleteRange(l.newPosKey(newTail), l.newPosKey(l.tail), nil); err != nil {
		return err
	}
	l.tail = newTail
	for j, e := range keep {
		if err := l.tx.b.Set(l.posKey(l.head+uint64(first)+uint64(j)), e, nil); err != nil {
			return err
		}
	}
	return nil
}

// Save writes the list's metadata, or deletes the key when the list is
// empty. It reports whether the key was deleted.
func (l *List) Save() (deleted bool, err error) {
	if l.Len() == 0 {
		if l.found {
			_, err = l.tx.Del(l.db, l.key)
			l.found = false
			return true, err
		}
		return false, nil
	}
	nm := l.m
	nm.Size = uint64(l.Len())
	nm.Extra = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, l.head), l.tail)
	var op *Meta
	if l.found {
		op = &l.old
	}
	if err := l.tx.Put(l.db, l.key, op, &nm); err != nil {
		return false, err
	}
	l.old = nm
	l.found = true
	return false, nil
}
