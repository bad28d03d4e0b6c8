package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// Sorted sets. Under SubPrefix(ksid, keyid):
//
//	'm' h32(member) member   -> score, raw IEEE-754 bits (keeps -0.0)
//	's' enc(score) member    -> score, raw bits
//	'r' enc(score) member    -> count u32: the rank directory
//
// The member index answers ZSCORE and existence and gives ZSCAN its
// stateless cursors (1 + next hash). The score index orders members by score
// then by member bytes, as Redis's skiplist: enc maps a float64 to 8 bytes
// whose byte order is numeric order, with -0.0 taken as +0.0 so that both
// zeros tie and order by member.
//
// Rank directory. The score index is cut into buckets of consecutive
// entries; bucket i is one key 'r'|boundary_i -> the number of entries e with
// boundary_i <= e < boundary_i+1 (boundaries are score-index suffixes, not
// necessarily live entries), and an empty 'b'|boundary_i key marks the same
// boundary. Every insert or delete of a score-index entry finds its bucket
// with one SeekLT over the 'b' keys (written once per boundary, so the seek
// does not step through old versions of rewritten counts) and rewrites the
// count in the same batch,
// so readers see counts consistent with their snapshot. A bucket that grows
// past zBucketMax entries is split in two at its middle (one scan of the
// bucket); a bucket whose count reaches 0 is deleted; an entry below the
// first boundary lowers that boundary. The rank of an entry is the sum of the
// counts of the buckets before its own (walked from whichever end of the
// directory is chosen) plus its position inside its bucket, and positioning
// at rank r walks the directory the same way: O(N/zBucketMax + zBucketMax)
// iterator steps instead of O(N), about 2k steps for a 1M-member zset.

const (
	zMemberTag = 'm'
	zScoreTag  = 's'
	zRankTag   = 'r'
	zBoundTag  = 'b'
)

// zBucketMax is the size at which a rank-directory bucket splits (a
// variable for tests).
var zBucketMax uint32 = 1024

// ZScoreKey maps a score to 8 bytes that sort as the scores do.
func zEnc(f float64) uint64 {
	if f == 0 {
		f = 0 // -0.0 -> +0.0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

type zKeys struct {
	p      []byte // SubPrefix
	mlo    []byte // p|'m'
	slo    []byte // p|'s'
	rlo    []byte // p|'r'
	blo    []byte // p|'b'
	bhi    []byte
	shi    []byte
	rhi    []byte
	mhi    []byte
	member []byte
}

func (tx *Tx) zkeys(db int, m *Meta) (*zKeys, error) {
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return nil, err
	}
	z := &zKeys{p: p}
	mk := func(t byte) []byte { return append(append([]byte(nil), p...), t) }
	z.mlo, z.mhi = mk(zMemberTag), mk(zMemberTag+1)
	z.slo, z.shi = mk(zScoreTag), mk(zScoreTag+1)
	z.rlo, z.rhi = mk(zRankTag), mk(zRankTag+1)
	z.blo, z.bhi = mk(zBoundTag), mk(zBoundTag+1)
	return z, nil
}

func (z *zKeys) memberKey(member []byte) []byte {
	b := make([]byte, 0, len(z.mlo)+4+len(member))
	b = appendU32(append(b, z.mlo...), KeyHash(member))
	return append(b, member...)
}

// entry is the score-index suffix enc(score)|member.
func zEntry(score float64, member []byte) []byte {
	b := make([]byte, 0, 8+len(member))
	b = appendU64(b, zEnc(score))
	return append(b, member...)
}

func cat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b)+1)
	return append(append(out, a...), b...)
}

func bitsVal(f float64) []byte { return appendU64(nil, math.Float64bits(f)) }

func valScore(v []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(v)) }

// ZScore returns the score of member in the zset m.
func (tx *Tx) ZScore(db int, m *Meta, member []byte) (float64, bool, error) {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return 0, false, err
	}
	v, ok, err := tx.getSub(z.memberKey(member))
	if err != nil || !ok {
		return 0, false, err
	}
	return valScore(v), true, nil
}

// ZSet sets the score of member in the zset m (adding it, and counting it in
// m.Size, when absent). It returns whether the member existed and its old
// score.
func (tx *Tx) ZSet(db int, m *Meta, member []byte, score float64) (bool, float64, error) {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return false, 0, err
	}
	mk := z.memberKey(member)
	v, existed, err := tx.getSub(mk)
	if err != nil {
		return false, 0, err
	}
	var old float64
	if existed {
		old = valScore(v)
	}
	return existed, old, tx.zset(m, z, mk, member, score, existed, old)
}

// ZSetKnown is ZSet for a caller that has just read the member's score with
// ZScore in this Tx (existed, old), saving the second lookup.
func (tx *Tx) ZSetKnown(db int, m *Meta, member []byte, score float64, existed bool, old float64) error {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return err
	}
	return tx.zset(m, z, z.memberKey(member), member, score, existed, old)
}

func (tx *Tx) zset(m *Meta, z *zKeys, mk, member []byte, score float64, existed bool, old float64) error {
	if existed {
		if math.Float64bits(old) == math.Float64bits(score) {
			return nil
		}
		if err := tx.zIndexDel(z, zEntry(old, member)); err != nil {
			return err
		}
	} else {
		m.Size++
	}
	sv := bitsVal(score)
	tx.wroteSub(mk, sv, true)
	if err := tx.b.Set(mk, sv, nil); err != nil {
		return err
	}
	return tx.zIndexAdd(z, zEntry(score, member), score)
}

// ZRem removes member from the zset m.
func (tx *Tx) ZRem(db int, m *Meta, member []byte) (bool, error) {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return false, err
	}
	mk := z.memberKey(member)
	v, ok, err := tx.getSub(mk)
	if err != nil || !ok {
		return false, err
	}
	score := valScore(v)
	m.Size--
	tx.wroteSub(mk, nil, false)
	if err := tx.b.Delete(mk, nil); err != nil {
		return true, err
	}
	return true, tx.zIndexDel(z, zEntry(score, member))
}

func (tx *Tx) iter(lo, hi []byte) (*pebble.Iterator, error) {
	return tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
}

func u32val(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// bucketCount reads the count of the bucket starting at boundary suffix b.
func (tx *Tx) bucketCount(z *zKeys, b []byte) (uint32, error) {
	zm := tx.zmemoOf(z)
	if zm != nil {
		if n, ok := zm.counts[string(b)]; ok {
			return n, nil
		}
	}
	v, ok, err := tx.get(cat(z.rlo, b))
	if err != nil {
		return 0, err
	}
	if !ok || len(v) < 4 {
		return 0, fmt.Errorf("store: zset rank directory: no count for a boundary")
	}
	n := binary.BigEndian.Uint32(v)
	if zm != nil {
		zm.counts[string(b)] = n
	}
	return n, nil
}

// zMemo is a write Tx's copy of one zset's rank directory, kept for the
// rest of the group once a second insert or delete needs it (a pipeline of
// ZADDs to one zset then costs no directory seek each): the sorted
// boundaries and the counts read or written so far. Every directory write
// goes through setCount/addBound/delBound, which keep it.
type zMemo struct {
	uses   int
	loaded bool
	bounds [][]byte
	counts map[string]uint32
}

// zmemoOf returns the memo of z in a write Tx (nil in a read Tx).
func (tx *Tx) zmemoOf(z *zKeys) *zMemo {
	if tx.b == nil {
		return nil
	}
	if tx.zmemo == nil {
		tx.zmemo = map[string]*zMemo{}
	}
	zm := tx.zmemo[string(z.blo)]
	if zm == nil {
		zm = &zMemo{counts: map[string]uint32{}}
		tx.zmemo[string(z.blo)] = zm
	}
	return zm
}

// loadBounds reads every boundary of z into zm.
func (tx *Tx) loadBounds(z *zKeys, zm *zMemo) error {
	it, err := tx.iter(z.blo, z.bhi)
	if err != nil {
		return err
	}
	zm.bounds = zm.bounds[:0]
	for it.First(); it.Valid(); it.Next() {
		zm.bounds = append(zm.bounds, bytes.Clone(it.Key()[len(z.blo):]))
	}
	if err := it.Close(); err != nil {
		zm.bounds = nil
		return err
	}
	zm.loaded = true
	return nil
}

func (tx *Tx) setCount(z *zKeys, b []byte, n uint32) error {
	if zm := tx.zmemoOf(z); zm != nil {
		zm.counts[string(b)] = n
	}
	return tx.b.Set(cat(z.rlo, b), u32val(n), nil)
}

// addBound writes the boundary marker b (its count is written apart).
func (tx *Tx) addBound(z *zKeys, b []byte) error {
	if zm := tx.zmemoOf(z); zm != nil && zm.loaded {
		i, found := slices.BinarySearchFunc(zm.bounds, b, bytes.Compare)
		if !found {
			zm.bounds = slices.Insert(zm.bounds, i, bytes.Clone(b))
		}
	}
	return tx.b.Set(cat(z.blo, b), nil, nil)
}

// zBucketOf finds the bucket of entry: the boundary suffix b <= entry (nil
// when entry is below every boundary, then first is the first boundary, nil
// when the directory is empty). It seeks the 'b' keys, which are written
// once per boundary: the 'r' counts are rewritten by every insert, and a
// reverse seek over them steps through every version of the count still in
// the memtable (40% of the CPU of ZADD -P 16 before, ZADD at 0.03x Redis).
func (tx *Tx) zBucketOf(z *zKeys, entry []byte) (b, first []byte, err error) {
	if zm := tx.zmemoOf(z); zm != nil {
		zm.uses++
		if !zm.loaded && zm.uses >= 2 {
			if err := tx.loadBounds(z, zm); err != nil {
				return nil, nil, err
			}
		}
		if zm.loaded {
			// The last boundary <= entry, as the SeekLT below.
			i, found := slices.BinarySearchFunc(zm.bounds, entry, bytes.Compare)
			if found {
				i++
			}
			switch {
			case i > 0:
				return bytes.Clone(zm.bounds[i-1]), nil, nil
			case len(zm.bounds) > 0:
				return nil, bytes.Clone(zm.bounds[0]), nil
			}
			return nil, nil, nil
		}
	}
	it, err := tx.iter(z.blo, z.bhi)
	if err != nil {
		return nil, nil, err
	}
	defer it.Close()
	if it.SeekLT(append(cat(z.blo, entry), 0)) {
		b = bytes.Clone(it.Key()[len(z.blo):])
	} else if it.First() {
		first = bytes.Clone(it.Key()[len(z.blo):])
	}
	return b, first, it.Error()
}

// setBound creates the bucket at boundary suffix b with n entries.
func (tx *Tx) setBound(z *zKeys, b []byte, n uint32) error {
	if err := tx.addBound(z, b); err != nil {
		return err
	}
	return tx.setCount(z, b, n)
}

// delBound deletes the bucket at boundary suffix b.
func (tx *Tx) delBound(z *zKeys, b []byte) error {
	if zm := tx.zmemoOf(z); zm != nil {
		delete(zm.counts, string(b))
		if zm.loaded {
			if i, found := slices.BinarySearchFunc(zm.bounds, b, bytes.Compare); found {
				zm.bounds = slices.Delete(zm.bounds, i, i+1)
			}
		}
	}
	if err := tx.b.Delete(cat(z.blo, b), nil); err != nil {
		return err
	}
	return tx.b.Delete(cat(z.rlo, b), nil)
}

func (tx *Tx) zIndexAdd(z *zKeys, entry []byte, score float64) error {
	if err := tx.b.Set(cat(z.slo, entry), bitsVal(score), nil); err != nil {
		return err
	}
	b, first, err := tx.zBucketOf(z, entry)
	if err != nil {
		return err
	}
	var n uint32
	switch {
	case b != nil:
		if n, err = tx.bucketCount(z, b); err != nil {
			return err
		}
		n++
	case first != nil:
		// Below the first boundary: lower it to this entry.
		if n, err = tx.bucketCount(z, first); err != nil {
			return err
		}
		n++
		if err := tx.delBound(z, first); err != nil {
			return err
		}
		b = entry
		if err := tx.addBound(z, b); err != nil {
			return err
		}
	default:
		b, n = entry, 1
		if err := tx.addBound(z, b); err != nil {
			return err
		}
	}
	if n <= zBucketMax {
		return tx.setCount(z, b, n)
	}
	// Split at the middle: the first half keeps b.
	half := n / 2
	sit, err := tx.iter(z.slo, z.shi)
	if err != nil {
		return err
	}
	defer sit.Close()
	sit.SeekGE(cat(z.slo, b))
	for i := uint32(0); i < half && sit.Valid(); i++ {
		sit.Next()
	}
	if !sit.Valid() {
		return tx.setCount(z, b, n) // cannot happen; keep counts right
	}
	if err := tx.setCount(z, b, half); err != nil {
		return err
	}
	return tx.setBound(z, sit.Key()[len(z.slo):], n-half)
}

func (tx *Tx) zIndexDel(z *zKeys, entry []byte) error {
	if err := tx.b.Delete(cat(z.slo, entry), nil); err != nil {
		return err
	}
	b, _, err := tx.zBucketOf(z, entry)
	if err != nil || b == nil {
		return err
	}
	n, err := tx.bucketCount(z, b)
	if err != nil {
		return err
	}
	if n <= 1 {
		return tx.delBound(z, b)
	}
	return tx.setCount(z, b, n-1)
}

// zRank returns the 0-based rank of entry (which must be live) and the
// number of iterator steps taken.
func (tx *Tx) zRank(z *zKeys, size uint64, entry []byte) (int64, int, error) {
	it, err := tx.iter(z.rlo, z.rhi)
	if err != nil {
		return 0, 0, err
	}
	defer it.Close()
	steps := 0
	// Walk the directory backward from the end or forward from the start;
	// either gives the entries before the bucket holding entry. Backward
	// sums the buckets after it.
	var bstart int64 // rank of the bucket's first entry
	var bound []byte
	ek := cat(z.rlo, entry)
	// Pick the direction by the entry's position among the boundaries'
	// scores: cheap heuristic, compare with the middle of first/last.
	forward := true
	if it.Last() {
		last := bytes.Clone(it.Key())
		it.First()
		first := it.Key()
		// Compare the first 8 bytes (score) of entry against the midpoint.
		if len(first) >= len(z.rlo)+8 && len(last) >= len(z.rlo)+8 {
			f := binary.BigEndian.Uint64(first[len(z.rlo):])
			l := binary.BigEndian.Uint64(last[len(z.rlo):])
			e := binary.BigEndian.Uint64(entry)
			switch {
			case e <= f:
				forward = true
			case e >= l:
				forward = false
			default:
				forward = e-f <= l-e
			}
		}
	}
	if forward {
		var sum int64
		for valid := it.First(); valid && bytes.Compare(it.Key(), ek) <= 0; valid = it.Next() {
			steps++
			bstart = sum
			bound = bytes.Clone(it.Key()[len(z.rlo):])
			sum += int64(binary.BigEndian.Uint32(it.Value()))
		}
	} else {
		var after int64
		for valid := it.Last(); valid; valid = it.Prev() {
			steps++
			n := int64(binary.BigEndian.Uint32(it.Value()))
			if bytes.Compare(it.Key(), ek) <= 0 {
				bstart = int64(size) - after - n
				bound = bytes.Clone(it.Key()[len(z.rlo):])
				break
			}
			after += n
		}
	}
	if err := it.Error(); err != nil {
		return 0, steps, err
	}
	if bound == nil {
		bound = entry
	}
	sit, err := tx.iter(cat(z.slo, bound), cat(z.slo, entry))
	if err != nil {
		return 0, steps, err
	}
	defer sit.Close()
	r := bstart
	for valid := sit.First(); valid; valid = sit.Next() {
		steps++
		r++
	}
	return r, steps, sit.Error()
}

// ZRank returns the 0-based rank of member in score order.
func (tx *Tx) ZRank(db int, m *Meta, member []byte) (int64, bool, error) {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return 0, false, err
	}
	v, ok, err := tx.get(z.memberKey(member))
	if err != nil || !ok {
		return 0, false, err
	}
	r, _, err := tx.zRank(z, m.Size, zEntry(valScore(v), member))
	return r, true, err
}

// zSeekRank returns a score-index iterator positioned at rank r
// (0 <= r < size), walking the rank directory from the nearer end.
func (tx *Tx) zSeekRank(z *zKeys, size uint64, r int64) (*pebble.Iterator, int, error) {
	it, err := tx.iter(z.rlo, z.rhi)
	if err != nil {
		return nil, 0, err
	}
	steps := 0
	var bound []byte
	var bstart int64
	if r < int64(size)/2 {
		var sum int64
		for valid := it.First(); valid; valid = it.Next() {
			steps++
			n := int64(binary.BigEndian.Uint32(it.Value()))
			if sum+n > r {
				bound, bstart = bytes.Clone(it.Key()[len(z.rlo):]), sum
				break
			}
			sum += n
		}
	} else {
		after := int64(0)
		for valid := it.Last(); valid; valid = it.Prev() {
			steps++
			n := int64(binary.BigEndian.Uint32(it.Value()))
			start := int64(size) - after - n
			if start <= r {
				bound, bstart = bytes.Clone(it.Key()[len(z.rlo):]), start
				break
			}
			after += n
		}
	}
	err = it.Error()
	it.Close()
	if err != nil {
		return nil, steps, err
	}
	sit, err := tx.iter(z.slo, z.shi)
	if err != nil {
		return nil, steps, err
	}
	if bound == nil {
		sit.First()
	} else {
		sit.SeekGE(cat(z.slo, bound))
	}
	for i := bstart; i < r && sit.Valid(); i++ {
		steps++
		sit.Next()
	}
	return sit, steps, nil
}

func (z *zKeys) entryOf(k []byte) []byte { return k[len(z.slo)+8:] }

// ZRangeByRank calls fn for the entries of ranks start..stop (inclusive,
// 0 <= start <= stop < size) in ascending order, or descending from stop
// when rev, until fn returns false.
func (tx *Tx) ZRangeByRank(db int, m *Meta, start, stop int64, rev bool, fn func(member []byte, score float64) bool) error {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return err
	}
	from := start
	if rev {
		from = stop
	}
	it, _, err := tx.zSeekRank(z, m.Size, from)
	if err != nil {
		return err
	}
	defer it.Close()
	for n := stop - start + 1; n > 0 && it.Valid(); n-- {
		if !fn(z.entryOf(it.Key()), valScore(it.Value())) {
			break
		}
		if rev {
			it.Prev()
		} else {
			it.Next()
		}
	}
	return it.Error()
}

// ZScoreRange is a score interval for ZRANGEBYSCORE and friends.
type ZScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r *ZScoreRange) gteMin(f float64) bool {
	if r.MinEx {
		return f > r.Min
	}
	return f >= r.Min
}

func (r *ZScoreRange) lteMax(f float64) bool {
	if r.MaxEx {
		return f < r.Max
	}
	return f <= r.Max
}

// ZRangeByScore calls fn for the entries with scores in r, ascending (from
// Min) or descending (from Max) when rev, until fn returns false.
func (tx *Tx) ZRangeByScore(db int, m *Meta, r ZScoreRange, rev bool, fn func(member []byte, score float64) bool) error {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return err
	}
	it, err := tx.iter(z.slo, z.shi)
	if err != nil {
		return err
	}
	defer it.Close()
	if !rev {
		for valid := it.SeekGE(appendU64(bytes.Clone(z.slo), zEnc(r.Min))); valid; valid = it.Next() {
			s := valScore(it.Value())
			if !r.gteMin(s) {
				continue
			}
			if !r.lteMax(s) || !fn(z.entryOf(it.Key()), s) {
				break
			}
		}
	} else {
		e := zEnc(r.Max)
		var valid bool
		if e == math.MaxUint64 {
			valid = it.Last()
		} else {
			valid = it.SeekLT(appendU64(bytes.Clone(z.slo), e+1))
		}
		for ; valid; valid = it.Prev() {
			s := valScore(it.Value())
			if !r.lteMax(s) {
				continue
			}
			if !r.gteMin(s) || !fn(z.entryOf(it.Key()), s) {
				break
			}
		}
	}
	return it.Error()
}

// ZLexBound is one end of a ZRANGEBYLEX interval: Inf -1 is "-", +1 is "+".
type ZLexBound struct {
	Val []byte
	Ex  bool
	Inf int
}

// ZLexRange is a member interval.
type ZLexRange struct{ Min, Max ZLexBound }

func (r *ZLexRange) gteMin(b []byte) bool {
	switch r.Min.Inf {
	case -1:
		return true
	case 1:
		return false
	}
	c := bytes.Compare(b, r.Min.Val)
	return c > 0 || (c == 0 && !r.Min.Ex)
}

func (r *ZLexRange) lteMax(b []byte) bool {
	switch r.Max.Inf {
	case 1:
		return true
	case -1:
		return false
	}
	c := bytes.Compare(b, r.Max.Val)
	return c < 0 || (c == 0 && !r.Max.Ex)
}

// ZRangeByLex calls fn for the members in r, which assumes all scores are
// equal (as Redis): ascending, or descending when rev.
func (tx *Tx) ZRangeByLex(db int, m *Meta, r ZLexRange, rev bool, fn func(member []byte, score float64) bool) error {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return err
	}
	it, err := tx.iter(z.slo, z.shi)
	if err != nil {
		return err
	}
	defer it.Close()
	if !rev {
		valid := it.First()
		if valid && r.Min.Inf == 0 {
			score := it.Key()[len(z.slo) : len(z.slo)+8]
			valid = it.SeekGE(cat(cat(z.slo, score), r.Min.Val))
		}
		started := false
		for ; valid; valid = it.Next() {
			mem := z.entryOf(it.Key())
			if !started {
				if !r.gteMin(mem) {
					continue
				}
				started = true
			}
			if !r.lteMax(mem) || !fn(mem, valScore(it.Value())) {
				break
			}
		}
	} else {
		valid := it.Last()
		if valid && r.Max.Inf == 0 {
			score := it.Key()[len(z.slo) : len(z.slo)+8]
			valid = it.SeekLT(append(cat(cat(z.slo, score), r.Max.Val), 0))
		}
		started := false
		for ; valid; valid = it.Prev() {
			mem := z.entryOf(it.Key())
			if !started {
				if !r.lteMax(mem) {
					continue
				}
				started = true
			}
			if !r.gteMin(mem) || !fn(mem, valScore(it.Value())) {
				break
			}
		}
	}
	return it.Error()
}

// ZForEach calls fn for every entry in score order until it returns false.
func (tx *Tx) ZForEach(db int, m *Meta, fn func(member []byte, score float64) bool) error {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return err
	}
	it, err := tx.iter(z.slo, z.shi)
	if err != nil {
		return err
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		if !fn(z.entryOf(it.Key()), valScore(it.Value())) {
			break
		}
	}
	return it.Error()
}

// ZScan returns about count member,score pairs (scores as raw 8-byte bits
// converted by conv) from cursor in hash order, and the next cursor.
func (tx *Tx) ZScan(db int, m *Meta, cursor uint64, count int, conv func(score float64) []byte) (uint64, [][]byte, error) {
	return tx.hashScan(db, m.KeyID, zMemberTag, cursor, count, func(v []byte) []byte { return conv(valScore(v)) })
}

// ZRandom returns a random member of the zset m: one random seek in the
// member index (hash order), wrapping.
func (tx *Tx) ZRandom(db int, m *Meta, h uint32) ([]byte, float64, error) {
	z, err := tx.zkeys(db, m)
	if err != nil {
		return nil, 0, err
	}
	it, err := tx.iter(z.mlo, z.mhi)
	if err != nil {
		return nil, 0, err
	}
	defer it.Close()
	if !it.SeekGE(appendU32(bytes.Clone(z.mlo), h)) {
		it.First()
	}
	if !it.Valid() {
		return nil, 0, it.Error()
	}
	return bytes.Clone(it.Key()[len(z.mlo)+4:]), valScore(it.Value()), nil
}
