package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

type countDelta struct{ keys, expires int64 }

// Tx is one command's (or one group's) view of the store. A read Tx comes
// from View; a write Tx from Update and reads its own writes. Slices returned
// by a Tx alias pebble memory and are valid until the Tx ends.
type Tx struct {
	d       *DB
	r       pebble.Reader
	b       *pebble.Batch // nil for a read Tx
	closers []io.Closer
	now     int64
	// keepExpired makes writes see keys whose TTL passed as still present, as
	// a replica does for its master's commands.
	keepExpired bool
	// noteCtx, when set for the running request, gives the Ctx of the notes
	// the store queues itself (notes.go).
	noteCtx func() any

	// Write Tx state, published after commit.
	deltas     map[uint32]*countDelta
	dbmap      []uint32
	dbmapDirty bool
	dropped    []uint32
	repl       *ReplState
	ev         *Events

	// expiredSeen lists the logically expired keys a read Tx hid, so that a
	// master can delete them as Redis's lazy expiry does.
	expiredSeen []KeyRef

	kbuf []byte

	// snapGen is, for a read Tx on a snapshot, the cacheGen the snapshot
	// was taken at (0 otherwise).
	snapGen uint64
	// snapMap is, for a read Tx on a snapshot, the dbmap in effect when it
	// was taken (nil otherwise: the latest one).
	snapMap []uint32
	// A write Tx keeps the last record its batch wrote for each metadata
	// key (metaDirty: the overlay), so that reading back what the group
	// wrote is a map lookup, not an indexed-batch Get (which merges the
	// batch with every memtable and level). Once it deleted a range that
	// may hold metadata (metaRange, at write number metaRangeSeq) the
	// entries written before read the batch, as do the keys the overlay
	// lacks; the others read the cache (cache.go).
	metaDirty    map[string]wrote
	metaRange    bool
	metaRangeSeq uint32
	// Likewise for sub-records (isSubPointKey): the overlay (subDirty), the
	// collections whose subkeys it deleted (subGone, with the write number
	// of the last such delete), or whether it deleted a range that may
	// hold other ones (subRange, subRangeSeq).
	subDirty    map[string]wrote
	subGone     map[collID]uint32
	subRange    bool
	subRangeSeq uint32
	// seq numbers the overlay's writes and the range deletes between them.
	seq uint32
	// Put's metadata records wait in the overlay (pending) and reach the
	// batch once per key, before anything reads metadata from the batch
	// (flushMeta): a -P 16 pipeline of HSET on one hash puts its record in
	// the memtable once, not sixteen times. pendKeys lists them; deferred
	// and flushed count those writes for WriteCount.
	pendKeys []string
	deferred uint32
	flushed  uint32
	// arena holds the overlay's values: appended to, never changed, so a
	// value stays valid when the arena grows (until the Tx ends).
	arena []byte
	// freshIDs are the keyids this write group allocated outside a load:
	// the sub-record cache holds those collections whole (markComplete).
	freshIDs map[uint64]struct{}
	// zmemo holds, in a write Tx, the rank directories of the zsets the
	// group changed (zset.go), by their boundary prefix.
	zmemo map[string]*zMemo
}

var readTxPool = sync.Pool{New: func() any { return &Tx{} }}

func (d *DB) getReadTx() *Tx {
	tx := readTxPool.Get().(*Tx)
	tx.d = d
	tx.now = time.Now().UnixMilli()
	return tx
}

func (d *DB) putReadTx(tx *Tx) {
	tx.release()
	clear(tx.expiredSeen)
	tx.expiredSeen = tx.expiredSeen[:0]
	tx.r = nil
	tx.d = nil
	tx.snapGen = 0
	tx.snapMap = nil
	readTxPool.Put(tx)
}

func (tx *Tx) beginWrite(b *pebble.Batch) {
	tx.r = b
	tx.b = b
	tx.now = time.Now().UnixMilli()
	if tx.deltas == nil {
		tx.deltas = map[uint32]*countDelta{}
	}
	tx.dbmap = append(tx.dbmap[:0], *tx.d.dbmap.Load()...)
}

func (tx *Tx) endWrite() {
	tx.release()
	clear(tx.deltas)
	tx.dbmapDirty = false
	tx.dropped = tx.dropped[:0]
	tx.repl = nil
	tx.keepExpired = false
	tx.r, tx.b = nil, nil
	clear(tx.metaDirty)
	tx.metaRange = false
	clear(tx.subDirty)
	clear(tx.subGone)
	tx.subRange = false
	tx.seq, tx.metaRangeSeq, tx.subRangeSeq = 0, 0, 0
	clear(tx.freshIDs)
	clear(tx.pendKeys)
	tx.pendKeys = tx.pendKeys[:0]
	tx.deferred, tx.flushed = 0, 0
	if cap(tx.arena) > 4<<20 {
		tx.arena = nil
	} else {
		tx.arena = tx.arena[:0]
	}
	clear(tx.zmemo)
}

// wrote is an overlay entry: the record a write Tx's batch last wrote for a
// key (live false: it deleted the key), and the write's number.
type wrote struct {
	v       []byte
	live    bool
	pending bool // a Put's record not yet in the batch
	seq     uint32
}

// keep copies v into the arena; the copy is never nil.
func (tx *Tx) keep(v []byte) []byte {
	n := tx.arenaMark()
	tx.arena = append(tx.arena, v...)
	return tx.arenaSince(n)
}

// arenaMark is where the next bytes appended to the arena start.
func (tx *Tx) arenaMark() int {
	if tx.arena == nil {
		tx.arena = make([]byte, 0, 64<<10)
	}
	return len(tx.arena)
}

// arenaSince is what was appended to the arena since mark n.
func (tx *Tx) arenaSince(n int) []byte { return tx.arena[n:len(tx.arena):len(tx.arena)] }

// wroteMeta records that the batch wrote v to metadata key k (live false:
// deleted k).
func (tx *Tx) wroteMeta(k, v []byte, live bool) {
	if tx.d.cache == nil {
		// Without the cache every read goes to pebble (the tests'
		// reference store).
		return
	}
	if !tx.overlayOn() {
		tx.recordMeta(k, nil, live, false) // only that k is dirty
		return
	}
	if live {
		v = tx.keep(v)
	}
	tx.recordMeta(k, v, live, false)
}

// overlayOn reports whether the overlay keeps values: in a write Tx with
// the cache, except in a full sync's load (its fresh reader reads the
// batch; each key is loaded once, so an overlay would only cost memory).
func (tx *Tx) overlayOn() bool {
	return tx.d.cache != nil && tx.r == pebble.Reader(tx.b)
}

// recordMeta puts k's overlay entry; v is already kept (in the arena).
// A pending entry is written to the batch by flushMeta; otherwise the
// caller writes the batch itself (and an earlier pending record of k is
// superseded).
func (tx *Tx) recordMeta(k, v []byte, live, pending bool) {
	if tx.metaDirty == nil {
		tx.metaDirty = map[string]wrote{}
	}
	tx.seq++
	if pending {
		tx.deferred++
		if old := tx.metaDirty[string(k)]; !old.pending { // else already listed
			tx.pendKeys = append(tx.pendKeys, string(k))
		}
	}
	tx.metaDirty[string(k)] = wrote{v: v, live: live, pending: pending, seq: tx.seq}
}

// flushMeta writes the pending metadata records to the batch. It runs
// before the batch is read for metadata (a raw get of a metadata key, an
// iterator or range delete that may cover some) and before the commit.
func (tx *Tx) flushMeta() error {
	if len(tx.pendKeys) == 0 {
		return nil
	}
	var err error
	for i, k := range tx.pendKeys {
		w, ok := tx.metaDirty[k]
		if ok && w.pending {
			w.pending = false
			tx.metaDirty[k] = w
			tx.flushed++
			if e := tx.b.Set([]byte(k), w.v, nil); e != nil && err == nil {
				err = e
			}
		}
		tx.pendKeys[i] = ""
	}
	tx.pendKeys = tx.pendKeys[:0]
	return err
}

// getMeta reads metadata record k, through the cache when it holds the
// record as this Tx sees it.
func (tx *Tx) getMeta(k []byte) ([]byte, bool, error) {
	if tx.b == nil {
		return tx.getCached(k, false)
	}
	w, dirty := tx.metaDirty[string(k)]
	if dirty && w.seq > tx.metaRangeSeq && tx.overlayOn() {
		if !w.live {
			return nil, false, nil
		}
		return w.v, true, nil
	}
	return tx.getCached(k, dirty || tx.metaRange)
}

// getCached reads k through the cache. In a write Tx, batchWins says the
// batch may hold k (it wrote k, or deleted a range that may cover it): then
// the batch is read.
func (tx *Tx) getCached(k []byte, batchWins bool) ([]byte, bool, error) {
	d := tx.d
	if d.cache == nil {
		return tx.get(k)
	}
	r, gen := tx.r, tx.snapGen
	if tx.b != nil {
		if batchWins {
			return tx.get(k)
		}
		// The batch has not written k: the committed state is what it
		// reads, and only this goroutine commits.
		r, gen = d.pdb, 0
	}
	if v, ok, err := d.cachedGet(r, k, gen); err != errCacheStale {
		return v, ok, err
	}
	return tx.get(k)
}

// wroteSub records that the batch wrote v to k (live false: deleted k)
// when k is a sub-record key.
func (tx *Tx) wroteSub(k, v []byte, live bool) {
	if !isSubPointKey(k) || !tx.overlayOn() {
		return // a load's getSub reads its fresh reader anyway
	}
	if tx.subDirty == nil {
		tx.subDirty = map[string]wrote{}
	}
	w := wrote{live: live}
	if live {
		w.v = tx.keep(v)
	}
	tx.seq++
	w.seq = tx.seq
	tx.subDirty[string(k)] = w
}

// deleteRange deletes [lo, hi) in the batch, recording it for the overlay
// and the caches' lookups.
func (tx *Tx) deleteRange(lo, hi []byte) error {
	tx.seq++
	if rangeMayCoverMeta(lo, hi) {
		// The delete must come after the pending records it covers.
		if err := tx.flushMeta(); err != nil {
			return err
		}
		tx.metaRange = true
		tx.metaRangeSeq = tx.seq
	}
	switch id, coll, may := rangeSub(lo, hi); {
	case coll:
		if tx.subGone == nil {
			tx.subGone = map[collID]uint32{}
		}
		tx.subGone[id] = tx.seq
	case may:
		tx.subRange = true
		tx.subRangeSeq = tx.seq
	}
	return tx.b.DeleteRange(lo, hi, nil)
}

// getSub reads sub-record k (isSubPointKey: a hash field, a zset member),
// through the cache when it holds the record as this Tx sees it.
func (tx *Tx) getSub(k []byte) ([]byte, bool, error) {
	if tx.b == nil {
		return tx.getCached(k, false)
	}
	if tx.r != pebble.Reader(tx.b) {
		// A load's fresh reader reads its own keyspace differently.
		return tx.get(k)
	}
	w, dirty := tx.subDirty[string(k)]
	var goneAt uint32
	gone := false
	if len(tx.subGone) > 0 {
		goneAt, gone = tx.subGone[subColl(k)]
	}
	if dirty && w.seq > tx.subRangeSeq && (!gone || w.seq > goneAt) {
		// Written after any range delete that may cover it.
		if !w.live {
			return nil, false, nil
		}
		return w.v, true, nil
	}
	if tx.subRange {
		return tx.get(k)
	}
	return tx.getCached(k, dirty || gone)
}

func (tx *Tx) run(fn func(*Tx) error) error {
	tx.now = time.Now().UnixMilli()
	tx.keepExpired = false
	tx.noteCtx = nil
	return fn(tx)
}

func (tx *Tx) release() {
	for _, c := range tx.closers {
		c.Close()
	}
	clear(tx.closers)
	tx.closers = tx.closers[:0]
}

// ExpiredSeen returns the keys whose TTL had passed that this read Tx treated
// as absent. The slice is valid until the Tx ends.
func (tx *Tx) ExpiredSeen() []KeyRef { return tx.expiredSeen }

// Writable reports whether tx may write.
func (tx *Tx) Writable() bool { return tx.b != nil }

// Now is the command's clock in unix milliseconds.
func (tx *Tx) Now() int64 { return tx.now }

// SetNow fixes the clock of the following reads and writes (replication
// applies a command at the time it arrives; tests inject time).
func (tx *Tx) SetNow(ms int64) { tx.now = ms }

// SetKeepExpired makes this Tx treat keys whose TTL passed as present, as a
// Redis replica does for the commands of its master.
func (tx *Tx) SetKeepExpired(v bool) { tx.keepExpired = v }

// SetRepl records the replication position committed with this group.
func (tx *Tx) SetRepl(rs ReplState) { tx.repl = &rs }

// ksid returns the keyspace id of logical db n.
func (tx *Tx) ksid(n int) (uint32, error) {
	var m []uint32
	switch {
	case tx.b != nil:
		m = tx.dbmap
	case tx.snapMap != nil:
		m = tx.snapMap
	default:
		m = *tx.d.dbmap.Load()
	}
	if n < 0 || n >= len(m) {
		return 0, ErrNoDB
	}
	return m[n], nil
}

func (tx *Tx) delta(ks uint32) *countDelta {
	c := tx.deltas[ks]
	if c == nil {
		c = &countDelta{}
		tx.deltas[ks] = c
	}
	return c
}

// get reads k; the value is valid until the Tx ends.
func (tx *Tx) get(k []byte) ([]byte, bool, error) {
	if len(tx.pendKeys) > 0 && isMetaKey(k) {
		if err := tx.flushMeta(); err != nil {
			return nil, false, err
		}
	}
	v, c, err := tx.r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	tx.closers = append(tx.closers, c)
	return v, true, nil
}

// Get reads a raw record (type code builds subkeys with SubPrefix).
func (tx *Tx) Get(k []byte) ([]byte, bool, error) { return tx.get(k) }

// Set writes a raw record.
func (tx *Tx) Set(k, v []byte) error {
	if isMetaKey(k) {
		tx.wroteMeta(k, v, true)
	}
	tx.wroteSub(k, v, true)
	return tx.b.Set(k, v, nil)
}

// Delete deletes a raw record.
func (tx *Tx) Delete(k []byte) error {
	if isMetaKey(k) {
		tx.wroteMeta(k, nil, false)
	}
	tx.wroteSub(k, nil, false)
	return tx.b.Delete(k, nil)
}

// DeleteRange deletes raw records in [lo, hi).
func (tx *Tx) DeleteRange(lo, hi []byte) error { return tx.deleteRange(lo, hi) }

// NewIter opens an iterator over [lo, hi) that sees this Tx's writes; the
// caller closes it.
func (tx *Tx) NewIter(lo, hi []byte) (*pebble.Iterator, error) {
	if rangeMayCoverMeta(lo, hi) {
		if err := tx.flushMeta(); err != nil {
			return nil, err
		}
	}
	return tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
}

// Lookup returns the metadata of key in db. A key whose TTL has passed is
// absent; in a write Tx it is deleted (and reported in Events.Expired) unless
// SetKeepExpired is on.
func (tx *Tx) Lookup(db int, key []byte) (Meta, bool, error) {
	ks, err := tx.ksid(db)
	if err != nil {
		return Meta{}, false, err
	}
	tx.kbuf = metaKey(tx.kbuf[:0], ks, key)
	v, ok, err := tx.getMeta(tx.kbuf)
	if err != nil || !ok {
		return Meta{}, false, err
	}
	m, err := decodeMeta(v)
	if err != nil {
		return Meta{}, false, err
	}
	if m.ExpireAt != 0 && m.ExpireAt <= tx.now {
		if tx.b == nil {
			tx.expiredSeen = append(tx.expiredSeen, KeyRef{db, bytes.Clone(key)})
			return Meta{}, false, nil
		}
		if !tx.keepExpired {
			if err := tx.deleteMeta(db, ks, key, &m); err != nil {
				return Meta{}, false, err
			}
			tx.ev.Expired = append(tx.ev.Expired, KeyRef{db, bytes.Clone(key)})
			return Meta{}, false, nil
		}
	}
	return m, true, nil
}

// LookupType is Lookup that fails with ErrWrongType when the key exists with
// another type than t.
func (tx *Tx) LookupType(db int, key []byte, t Type) (Meta, bool, error) {
	m, ok, err := tx.Lookup(db, key)
	if err == nil && ok && m.Type != t {
		return m, ok, ErrWrongType
	}
	return m, ok, err
}

// Put writes the metadata of key; old is its current metadata (nil if the key
// is absent). Counters, the expiry index and, when a collection is replaced
// by another record, the old subkeys are maintained.
func (tx *Tx) Put(db int, key []byte, old *Meta, m *Meta) error {
	ks, err := tx.ksid(db)
	if err != nil {
		return err
	}
	dl := tx.delta(ks)
	if old == nil {
		dl.keys++
		if tx.d.noteNew.Load() {
			tx.noteNewKey(db, key)
		}
	} else {
		if old.ExpireAt != 0 && old.ExpireAt != m.ExpireAt {
			tx.b.Delete(expireKey(nil, ks, old.ExpireAt, key), nil)
			dl.expires--
		}
		if old.Type.IsCollection() && (old.Type != m.Type || old.KeyID != m.KeyID) {
			if err := tx.deleteRange(subBounds(ks, old.KeyID)); err != nil {
				return err
			}
		}
	}
	if m.ExpireAt != 0 && (old == nil || old.ExpireAt != m.ExpireAt) {
		tx.b.Set(expireKey(nil, ks, m.ExpireAt, key), nil, nil)
		dl.expires++
	}
	tx.kbuf = metaKey(tx.kbuf[:0], ks, key)
	var val []byte
	if tx.overlayOn() {
		// Encoded straight into the overlay's arena.
		n := tx.arenaMark()
		tx.arena = m.encode(tx.arena)
		val = tx.arenaSince(n)
		tx.recordMeta(tx.kbuf, val, true, true)
		tx.touch(db, key)
		return nil
	}
	val = m.encode(make([]byte, 0, metaHeaderLen+len(m.Value)+16+len(m.Extra)))
	if tx.d.cache != nil {
		tx.recordMeta(tx.kbuf, nil, true, false) // only that the key is dirty
	}
	tx.touch(db, key)
	return tx.b.Set(tx.kbuf, val, nil)
}

func (tx *Tx) touch(db int, key []byte) {
	tx.ev.Touched = append(tx.ev.Touched, KeyRef{db, bytes.Clone(key)})
}

// NewKeyID allocates a keyid for a new collection instance.
func (tx *Tx) NewKeyID() uint64 {
	id := tx.d.nextKeyID
	tx.d.nextKeyID++
	if tx.overlayOn() {
		if tx.freshIDs == nil {
			tx.freshIDs = map[uint64]struct{}{}
		}
		tx.freshIDs[id] = struct{}{}
	}
	return id
}

// SubPrefix returns the subkey prefix of a collection in db.
func (tx *Tx) SubPrefix(db int, keyid uint64) ([]byte, error) {
	ks, err := tx.ksid(db)
	if err != nil {
		return nil, err
	}
	return SubPrefix(nil, ks, keyid), nil
}

// Del deletes key from db and reports whether it existed (logically
// expired keys count as absent).
func (tx *Tx) Del(db int, key []byte) (bool, error) {
	m, ok, err := tx.Lookup(db, key)
	if err != nil || !ok {
		return false, err
	}
	ks, _ := tx.ksid(db)
	return true, tx.deleteMeta(db, ks, key, &m)
}

func (tx *Tx) deleteMeta(db int, ks uint32, key []byte, m *Meta) error {
	dl := tx.delta(ks)
	dl.keys--
	if m.ExpireAt != 0 {
		dl.expires--
		tx.b.Delete(expireKey(nil, ks, m.ExpireAt, key), nil)
	}
	if m.Type.IsCollection() {
		if err := tx.deleteRange(subBounds(ks, m.KeyID)); err != nil {
			return err
		}
	}
	tx.touch(db, key)
	mk := metaKey(nil, ks, key)
	tx.wroteMeta(mk, nil, false)
	return tx.b.Delete(mk, nil)
}

// copySubkeys copies every subkey of keyid in ksid src to keyid2 in ksid dst.
func (tx *Tx) copySubkeys(src uint32, keyid uint64, dst uint32, keyid2 uint64) error {
	lo, hi := subBounds(src, keyid)
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	prefix := SubPrefix(nil, dst, keyid2)
	for it.First(); it.Valid(); it.Next() {
		k := append(append([]byte(nil), prefix...), it.Key()[len(lo):]...)
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		tx.wroteSub(k, v, true)
		if err := tx.b.Set(k, v, nil); err != nil {
			return err
		}
	}
	return it.Error()
}

// Copy copies src in db to dst in dstDB. With replace false an existing dst
// makes it return false. The copy keeps the TTL.
func (tx *Tx) Copy(db int, src []byte, dstDB int, dst []byte, replace bool) (bool, error) {
	m, ok, err := tx.Lookup(db, src)
	if err != nil || !ok {
		return false, err
	}
	old, exists, err := tx.Lookup(dstDB, dst)
	if err != nil {
		return false, err
	}
	if exists && !replace {
		return false, nil
	}
	nm := m
	nm.Value = bytes.Clone(m.Value)
	nm.Extra = bytes.Clone(m.Extra)
	if m.Type.IsCollection() {
		srcKs, _ := tx.ksid(db)
		dstKs, err := tx.ksid(dstDB)
		if err != nil {
			return false, err
		}
		nm.KeyID = tx.NewKeyID()
		if err := tx.copySubkeys(srcKs, m.KeyID, dstKs, nm.KeyID); err != nil {
			return false, err
		}
	}
	var op *Meta
	if exists {
		op = &old
	}
	return true, tx.Put(dstDB, dst, op, &nm)
}

// Rename moves src to dst in db (RENAME). It returns false when src is
// absent; with nx, an existing dst leaves everything as is and returns false.
// The metadata moves with its keyid, so renaming a collection is O(1).
func (tx *Tx) Rename(db int, src, dst []byte, nx bool) (found bool, done bool, err error) {
	m, ok, err := tx.Lookup(db, src)
	if err != nil || !ok {
		return false, false, err
	}
	if bytes.Equal(src, dst) {
		return true, !nx, nil
	}
	old, exists, err := tx.Lookup(db, dst)
	if err != nil {
		return true, false, err
	}
	if exists && nx {
		return true, false, nil
	}
	nm := m
	nm.Value = bytes.Clone(m.Value)
	nm.Extra = bytes.Clone(m.Extra)
	ks, _ := tx.ksid(db)
	// Remove src without dropping its subkeys: they now belong to dst.
	dl := tx.delta(ks)
	dl.keys--
	if m.ExpireAt != 0 {
		dl.expires--
		tx.b.Delete(expireKey(nil, ks, m.ExpireAt, src), nil)
	}
	tx.touch(db, src)
	smk := metaKey(nil, ks, src)
	tx.wroteMeta(smk, nil, false)
	if err := tx.b.Delete(smk, nil); err != nil {
		return true, false, err
	}
	var op *Meta
	if exists {
		op = &old
		if old.ExpireAt != 0 {
			// Put only drops the old expiry entry when the time differs.
			tx.b.Delete(expireKey(nil, ks, old.ExpireAt, dst), nil)
			dl.expires--
			op.ExpireAt = 0
		}
	}
	return true, true, tx.Put(db, dst, op, &nm)
}

// Move moves key from db to dstDB (MOVE): false when absent or when it
// exists in dstDB.
func (tx *Tx) Move(db int, key []byte, dstDB int) (bool, error) {
	ok, err := tx.Copy(db, key, dstDB, key, false)
	if err != nil || !ok {
		return false, err
	}
	_, err = tx.Del(db, key)
	return true, err
}

// SetExpire changes the TTL of an existing key (0 removes it).
func (tx *Tx) SetExpire(db int, key []byte, m *Meta, at int64) error {
	nm := *m
	nm.ExpireAt = at
	return tx.Put(db, key, m, &nm)
}

// FlushDB deletes every key of logical db n in O(1): one range delete.
func (tx *Tx) FlushDB(n int) error {
	ks, err := tx.ksid(n)
	if err != nil {
		return err
	}
	c := tx.d.counter(ks)
	dl := tx.delta(ks)
	dl.keys = -c.keys.Load()
	dl.expires = -c.expires.Load()
	tx.ev.Flushed = append(tx.ev.Flushed, n)
	if err := tx.flushMeta(); err != nil {
		return err
	}
	tx.seq++
	tx.metaRange, tx.metaRangeSeq = true, tx.seq
	tx.subRange, tx.subRangeSeq = true, tx.seq
	return tx.b.DeleteRange(ksPrefix(nil, ks), ksPrefix(nil, ks+1), nil)
}

// SwapDB swaps logical dbs a and b (SWAPDB) by swapping their keyspace ids.
func (tx *Tx) SwapDB(a, b int) error {
	if _, err := tx.ksid(a); err != nil {
		return err
	}
	if _, err := tx.ksid(b); err != nil {
		return err
	}
	tx.dbmap[a], tx.dbmap[b] = tx.dbmap[b], tx.dbmap[a]
	tx.dbmapDirty = true
	tx.ev.Flushed = append(tx.ev.Flushed, a, b)
	return nil
}

// ExpireCycle deletes up to limit keys of db whose TTL has passed, using the
// expiry index (the active expiry of a master). It returns how many it
// deleted; they are reported in Events.Expired.
func (tx *Tx) ExpireCycle(db int, limit int) (int, error) {
	ks, err := tx.ksid(db)
	if err != nil {
		return 0, err
	}
	lo := append(ksPrefix(nil, ks), kindExpire)
	hi := expireKey(nil, ks, tx.now+1, nil)
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return 0, err
	}
	type entry struct {
		at  int64
		key []byte
	}
	var due []entry
	for it.First(); it.Valid() && len(due) < limit; it.Next() {
		k := it.Key()
		due = append(due, entry{int64(binary.BigEndian.Uint64(k[len(lo):])), bytes.Clone(k[len(lo)+8:])})
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range due {
		v, ok, err := tx.get(metaKey(nil, ks, e.key))
		if err != nil {
			return n, err
		}
		var m Meta
		if ok {
			if m, err = decodeMeta(v); err != nil {
				return n, err
			}
		}
		if !ok || m.ExpireAt != e.at {
			// A stale index entry: drop it.
			tx.b.Delete(expireKey(nil, ks, e.at, e.key), nil)
			continue
		}
		if err := tx.deleteMeta(db, ks, e.key, &m); err != nil {
			return n, err
		}
		tx.ev.Expired = append(tx.ev.Expired, KeyRef{db, e.key})
		n++
	}
	return n, nil
}

// PutUntouched is Put without the touched-key event (WATCH, blocked
// clients): for writes Redis makes without signalModifiedKey, such as a bit
// command turning a string "raw" while leaving its bytes as they were.
func (tx *Tx) PutUntouched(db int, key []byte, old *Meta, m *Meta) error {
	n := len(tx.ev.Touched)
	err := tx.Put(db, key, old, m)
	tx.ev.Touched = tx.ev.Touched[:n]
	return err
}
