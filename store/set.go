package store

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"

	"github.com/cockroachdb/pebble/v2"
)

// Sets: one subkey per member, SubPrefix|'f'|h32(member)|member -> "".
// Members are kept in hash order, so SSCAN cursors are stateless numbers
// (1 + the next hash to visit) and a random member is one seek. The caller
// owns Meta.Size and Meta.Enc and writes the metadata with Put.

const setMemberTag = 'f'

func setMemberKey(prefix []byte, member []byte) []byte {
	b := make([]byte, 0, len(prefix)+5+len(member))
	b = append(append(b, prefix...), setMemberTag)
	b = appendU32(b, KeyHash(member))
	return append(b, member...)
}

func (tx *Tx) setBounds(db int, m *Meta) (lo, hi []byte, err error) {
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return nil, nil, err
	}
	lo = append(append([]byte(nil), p...), setMemberTag)
	hi = append(append([]byte(nil), p...), setMemberTag+1)
	return lo, hi, nil
}

// SetHas reports whether member is in the set m of db.
func (tx *Tx) SetHas(db int, m *Meta, member []byte) (bool, error) {
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return false, err
	}
	_, ok, err := tx.get(setMemberKey(p, member))
	return ok, err
}

// SetAdd adds member to the set m and counts it in m.Size; false when it
// was there already.
func (tx *Tx) SetAdd(db int, m *Meta, member []byte) (bool, error) {
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return false, err
	}
	k := setMemberKey(p, member)
	_, ok, err := tx.get(k)
	if err != nil || ok {
		return false, err
	}
	m.Size++
	tx.wroteSub(k, nil, true)
	return true, tx.b.Set(k, nil, nil)
}

// SetRem removes member from the set m; false when it was not there.
func (tx *Tx) SetRem(db int, m *Meta, member []byte) (bool, error) {
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return false, err
	}
	k := setMemberKey(p, member)
	_, ok, err := tx.get(k)
	if err != nil || !ok {
		return false, err
	}
	m.Size--
	tx.wroteSub(k, nil, false)
	return true, tx.b.Delete(k, nil)
}

// SetForEach calls fn with every member of the set m (in hash order) until
// fn returns false. member is valid only during the call.
func (tx *Tx) SetForEach(db int, m *Meta, fn func(member []byte) bool) error {
	lo, hi, err := tx.setBounds(db, m)
	if err != nil {
		return err
	}
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if !fn(it.Key()[len(lo)+4:]) {
			break
		}
	}
	return it.Error()
}

// SetMembers returns copies of every member of the set m.
func (tx *Tx) SetMembers(db int, m *Meta) ([][]byte, error) {
	out := make([][]byte, 0, m.Size)
	err := tx.SetForEach(db, m, func(b []byte) bool {
		out = append(out, bytes.Clone(b))
		return true
	})
	return out, err
}

// SetScan returns about count members from cursor (0 starts), and the next
// cursor (0 when done), never stopping inside a group sharing a hash.
func (tx *Tx) SetScan(db int, m *Meta, cursor uint64, count int) (uint64, [][]byte, error) {
	return tx.hashScan(db, m.KeyID, setMemberTag, cursor, count, nil)
}

// hashScan walks subkeys tag|h32|member... of keyid from cursor; with val
// non-nil, each value is also passed to val and its result appended after
// the member.
func (tx *Tx) hashScan(db int, keyid uint64, tag byte, cursor uint64, count int, val func(v []byte) []byte) (uint64, [][]byte, error) {
	p, err := tx.SubPrefix(db, keyid)
	if err != nil {
		return 0, nil, err
	}
	if cursor > 1<<32 {
		return 0, nil, nil
	}
	lo := append(append([]byte(nil), p...), tag)
	hi := append(append([]byte(nil), p...), tag+1)
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	var from uint32
	if cursor > 0 {
		from = uint32(cursor - 1)
	}
	var out [][]byte
	seen := 0
	var last uint32
	for it.SeekGE(binary.BigEndian.AppendUint32(append([]byte(nil), lo...), from)); it.Valid(); it.Next() {
		k := it.Key()
		h := binary.BigEndian.Uint32(k[len(lo):])
		if seen >= count && h != last {
			return uint64(h) + 1, out, it.Error()
		}
		seen++
		last = h
		out = append(out, bytes.Clone(k[len(lo)+4:]))
		if val != nil {
			v, err := it.ValueAndErr()
			if err != nil {
				return 0, nil, err
			}
			out = append(out, val(v))
		}
	}
	return 0, out, it.Error()
}

// SetRandom returns one random member of the set m (a copy): a seek at a
// random hash, wrapping to the first member.
func (tx *Tx) SetRandom(db int, m *Meta) ([]byte, error) {
	lo, hi, err := tx.setBounds(db, m)
	if err != nil {
		return nil, err
	}
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.SeekGE(binary.BigEndian.AppendUint32(append([]byte(nil), lo...), rand.Uint32())) {
		it.First()
	}
	if !it.Valid() {
		return nil, it.Error()
	}
	return bytes.Clone(it.Key()[len(lo)+4:]), nil
}
