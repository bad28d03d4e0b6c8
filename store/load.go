package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// Load is a second copy of the whole keyspace being built beside the one
// that serves reads: a full resync loads the master's RDB into fresh keyspace
// ids, then Commit switches every logical db to them in one atomic batch
// together with the replication position, and drops the old copy. Until
// then readers keep seeing the old data; Abort (or a crash, see Open) throws
// the partial copy away.
type Load struct {
	d     *DB
	ksids []uint32
	done  bool
	gen   uint64 // the store's generation at BeginLoad
	// pending collects the load-keyspace records of UpdateFresh groups (an
	// unindexed batch: appending is a copy) until it is large enough for
	// pebble to commit it as a flushable batch, which becomes an sstable
	// without being inserted record by record into the memtable's skiplist
	// (a quarter of a full sync's CPU, and the memtable arenas most of its
	// RSS). Writer-owned. The records are invisible until committed, which
	// is fine: no one reads the load keyspace but the load, whose fresh
	// reads stay in their own batch and whose other requests commit pending
	// first.
	pending *pebble.Batch
	lo, hi  []byte
}

// ErrLoadLost is returned by a Load that a recovery from a disk fault
// discarded.
var ErrLoadLost = errors.New("store: load discarded by a recovery from a disk error")

// ErrLoadDone is returned by a Load used after Commit or Abort.
var ErrLoadDone = errors.New("store: load already finished")

// BeginLoad allocates fresh keyspace ids for every logical db and records
// them durably, so that a crash in the middle of the load can be cleaned up.
func (d *DB) BeginLoad() (*Load, error) {
	l := &Load{d: d}
	err := d.Update(func(tx *Tx) error {
		l.gen = d.gen.Load()
		l.ksids = make([]uint32, len(tx.dbmap))
		for i := range l.ksids {
			l.ksids[i] = d.nextKsid
			d.nextKsid++
		}
		tx.b.Set(sysKey(sysNextKS), appendU32(nil, d.nextKsid), nil)
		tx.b.Set(sysKey(sysLoad), encodeDBMap(l.ksids), nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := d.syncWAL(); err != nil {
		return nil, err
	}
	return l, nil
}

// Update runs fn on the writer with a Tx whose logical dbs are the load's
// new keyspaces. Several Updates may be queued; each commits as usual.
func (l *Load) Update(fn func(tx *Tx) error) error {
	if l.done {
		return ErrLoadDone
	}
	return l.d.Update(func(tx *Tx) error {
		if l.d.gen.Load() != l.gen {
			return ErrLoadLost
		}
		// Its reads go through the DB: the pending records must be there.
		if err := l.commitPending(); err != nil {
			return err
		}
		saved := tx.dbmap
		tx.dbmap = l.ksids
		defer func() { tx.dbmap = saved }()
		return fn(tx)
	})
}

// Commit makes the loaded copy the live one and stores rs with it, in one
// synced batch; the old keyspaces are then range-deleted.
func (l *Load) Commit(rs ReplState) error {
	if l.done {
		return ErrLoadDone
	}
	l.done = true
	d := l.d
	err := d.Update(func(tx *Tx) error {
		if d.gen.Load() != l.gen {
			return ErrLoadLost
		}
		// The loaded records before the switch (synced with it below).
		if err := l.commitPending(); err != nil {
			return err
		}
		old := append([]uint32(nil), tx.dbmap...)
		copy(tx.dbmap, l.ksids)
		tx.dbmapDirty = true
		for _, ks := range old {
			tx.b.Set(sysKey(sysDrop, ks), nil, nil)
			tx.dropped = append(tx.dropped, ks)
		}
		tx.b.Delete(sysKey(sysLoad), nil)
		tx.SetRepl(rs)
		for n := range old {
			tx.ev.Flushed = append(tx.ev.Flushed, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := d.syncWAL(); err != nil {
		return err
	}
	d.durable.Store(d.repl.Load())
	return nil
}

// Abort drops the partial copy; the live keyspace is untouched.
func (l *Load) Abort() error {
	if l.done {
		return ErrLoadDone
	}
	l.done = true
	return l.d.Update(func(tx *Tx) error {
		l.dropPending()
		if l.d.gen.Load() != l.gen {
			return nil // the reopen swept the partial copy
		}
		for _, ks := range l.ksids {
			tx.b.Set(sysKey(sysDrop, ks), nil, nil)
			tx.dropped = append(tx.dropped, ks)
		}
		tx.b.Delete(sysKey(sysLoad), nil)
		return nil
	})
}

// sweepLoad drops the keyspaces of a load interrupted by a crash.
func (d *DB) sweepLoad(b *pebble.Batch) error {
	v, ok, err := getCopy(d.pdb, sysKey(sysLoad))
	if err != nil || !ok {
		return err
	}
	if len(v)%4 != 0 {
		return fmt.Errorf("%w: load record of %d bytes", ErrCorrupt, len(v))
	}
	for i := 0; i+4 <= len(v); i += 4 {
		ks := binary.BigEndian.Uint32(v[i:])
		b.DeleteRange(ksPrefix(nil, ks), ksPrefix(nil, ks+1), nil)
		b.Delete(sysKey(sysCounters, ks), nil)
	}
	return b.Delete(sysKey(sysLoad), nil)
}

// UpdateFresh is Update for a caller that knows every record fn reads in
// the load's keyspaces was written by fn itself or by an earlier request of
// the same group commit: each key's commands are wholly inside one
// UpdateFresh, and no key of it was loaded by an earlier Update. The load
// keyspaces were empty at BeginLoad, so such reads are served from the
// group's batch alone, without descending into pebble's memtables and
// levels (a full sync's keys are all new: the per-key lookups of the
// commands would all miss, at the cost of a memtable seek each).
func (l *Load) UpdateFresh(fn func(tx *Tx) error) error {
	if l.done {
		return ErrLoadDone
	}
	if l.lo == nil {
		l.lo, l.hi = l.bounds()
	}
	lo, hi := l.lo, l.hi
	return l.d.update(&request{load: l, done: make(chan struct{}), fn: func(tx *Tx) error {
		if l.d.gen.Load() != l.gen {
			return ErrLoadLost
		}
		saved, savedR := tx.dbmap, tx.r
		fr := &freshReader{b: tx.b, lo: lo, hi: hi}
		tx.dbmap, tx.r = l.ksids, fr
		defer func() {
			tx.dbmap, tx.r = saved, savedR
			fr.close()
		}()
		return fn(tx)
	}})
}

// commitGroup commits a group batch b of UpdateFresh requests of l: its
// load-keyspace records go to l.pending, the rest (counters, keyid mark,
// anything else) is committed now with opt. It runs on the writer.
func (l *Load) commitGroup(b *pebble.Batch, opt *pebble.WriteOptions) error {
	d := l.d
	if d.gen.Load() != l.gen {
		// A reopen swept the load (its requests failed with ErrLoadLost
		// without writing): not a disk error, commit the group as usual.
		l.dropPending()
		return b.Commit(opt)
	}
	// Only kinds the copy below knows; anything else commits as before.
	for r := b.Reader(); ; {
		kind, _, _, ok, err := r.Next()
		if err != nil || !ok {
			break
		}
		switch kind {
		case pebble.InternalKeyKindSet, pebble.InternalKeyKindDelete, pebble.InternalKeyKindRangeDelete:
		default:
			if err := l.commitPending(); err != nil {
				return err
			}
			return b.Commit(opt)
		}
	}
	if l.pending == nil {
		l.pending = d.pdb.NewBatch()
	}
	rest := d.pdb.NewBatch()
	defer rest.Close()
	for r := b.Reader(); ; {
		kind, k, v, ok, err := r.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		dst := rest
		if bytes.Compare(k, l.lo) >= 0 && bytes.Compare(k, l.hi) < 0 {
			dst = l.pending
			if kind == pebble.InternalKeyKindRangeDelete && bytes.Compare(v, l.hi) > 0 {
				dst = rest // cannot happen: a load's range delete stays in its keyspace
			}
		}
		switch kind {
		case pebble.InternalKeyKindSet:
			err = dst.Set(k, v, nil)
		case pebble.InternalKeyKindDelete:
			err = dst.Delete(k, nil)
		case pebble.InternalKeyKindRangeDelete:
			err = dst.DeleteRange(k, v, nil)
		}
		if err != nil {
			return err
		}
	}
	if dst := rest; !dst.Empty() {
		if err := dst.Commit(opt); err != nil {
			return err
		}
	}
	if uint64(l.pending.Len()) >= d.popts.MemTableSize/2 {
		return l.commitPending()
	}
	return nil
}

// commitPending commits the pending records (on the writer goroutine).
func (l *Load) commitPending() error {
	if l.pending == nil {
		return nil
	}
	if l.d.gen.Load() != l.gen {
		l.dropPending()
		return ErrLoadLost
	}
	p := l.pending
	l.pending = nil
	defer p.Close()
	if p.Empty() {
		return nil
	}
	return l.d.guard(func() error { return p.Commit(pebble.NoSync) })
}

func (l *Load) dropPending() {
	if l.pending != nil {
		l.pending.Close()
		l.pending = nil
	}
}

// bounds returns the key range of the load's keyspaces (their ids are
// consecutive, see BeginLoad).
func (l *Load) bounds() (lo, hi []byte) {
	first, last := l.ksids[0], l.ksids[0]
	for _, ks := range l.ksids {
		first, last = min(first, ks), max(last, ks)
	}
	return ksPrefix(nil, first), ksPrefix(nil, last+1)
}

// freshReader reads keys in [lo, hi) from the batch b alone and everything
// else through b (batch over the DB). Its point reads share one batch-only
// iterator, re-bounded and refreshed for each (creating and closing an
// iterator per read cost as much as the rest of the load's commands), and
// return copies of the values, which stay valid after the iterator moves.
type freshReader struct {
	b      *pebble.Batch
	lo, hi []byte
	it     *pebble.Iterator
	bounds [2][]byte // alternate: pebble keeps the previous bounds until the next SetOptions
	cur    int
	vals   []byte
}

func (f *freshReader) inside(lo, hi []byte) bool {
	return lo != nil && hi != nil && bytes.Compare(lo, f.lo) >= 0 && bytes.Compare(hi, f.hi) <= 0
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (f *freshReader) Get(key []byte) ([]byte, io.Closer, error) {
	f.cur ^= 1
	buf := append(append(f.bounds[f.cur][:0], key...), 0)
	f.bounds[f.cur] = buf
	lo, hi := buf[:len(key)], buf
	if !f.inside(lo, hi) {
		return f.b.Get(key)
	}
	o := &pebble.IterOptions{LowerBound: lo, UpperBound: hi}
	if f.it == nil {
		it, err := f.b.NewBatchOnlyIter(context.Background(), o)
		if err != nil {
			return nil, nil, err
		}
		f.it = it
	} else {
		f.it.SetOptions(o)
	}
	if !f.it.First() {
		if err := f.it.Error(); err != nil {
			return nil, nil, err
		}
		return nil, nil, pebble.ErrNotFound
	}
	v, err := f.it.ValueAndErr()
	if err != nil {
		return nil, nil, err
	}
	if cap(f.vals)-len(f.vals) < len(v) {
		f.vals = make([]byte, 0, max(32<<10, len(v)))
	}
	n := len(f.vals)
	f.vals = append(f.vals, v...)
	return f.vals[n:len(f.vals):len(f.vals)], nopCloser{}, nil
}

func (f *freshReader) close() {
	if f.it != nil {
		f.it.Close()
		f.it = nil
	}
}

func (f *freshReader) NewIter(o *pebble.IterOptions) (*pebble.Iterator, error) {
	return f.NewIterWithContext(context.Background(), o)
}

func (f *freshReader) NewIterWithContext(ctx context.Context, o *pebble.IterOptions) (*pebble.Iterator, error) {
	if o != nil && f.inside(o.LowerBound, o.UpperBound) {
		return f.b.NewBatchOnlyIter(ctx, o)
	}
	return f.b.NewIterWithContext(ctx, o)
}

func (f *freshReader) Close() error { return nil }
