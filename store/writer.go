package store

import (
	"encoding/binary"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// keyIDBlock is how far ahead of use the keyid high-water mark is persisted,
// so that ids are never reused after a crash.
const keyIDBlock = 1 << 20

// KeyRef names a key of a logical db.
type KeyRef struct {
	DB  int
	Key []byte
}

// Events are what a committed group changed, handed to the OnCommit hook.
type Events struct {
	// Touched lists every key written or deleted (for WATCH and blocked clients).
	Touched []KeyRef
	// Expired lists keys deleted because their TTL passed (to propagate as DEL
	// and notify as "expired").
	Expired []KeyRef
	// Flushed lists logical dbs emptied or swapped (FLUSHDB, FLUSHALL, SWAPDB).
	Flushed []int
	// Notes are what the group's requests queued with Tx.Note, in order.
	Notes []Note
}

func (e *Events) reset() {
	e.Touched = e.Touched[:0]
	e.Expired = e.Expired[:0]
	e.Flushed = e.Flushed[:0]
	clear(e.Notes)
	e.Notes = e.Notes[:0]
}

type request struct {
	fn   func(tx *Tx) error
	err  error
	done chan struct{}
	// load is set for a Load.UpdateFresh: a group of only such requests of
	// one load hands its load-keyspace records to the load's pending batch
	// (load.go) instead of committing them.
	load *Load
}

// Update runs fn on the writer goroutine with a write Tx. Requests queued
// together are applied in order into one indexed batch and committed at once
// (group commit); Update returns after the commit, so the effects are visible
// to every reader. fn must not write and then fail: a request's partial
// writes are committed with its group. fn must not retain the Tx.
func (d *DB) Update(fn func(tx *Tx) error) error {
	return d.update(&request{fn: fn, done: make(chan struct{})})
}

func (d *DB) update(r *request) error {
	d.closeMu.RLock()
	if d.closed {
		d.closeMu.RUnlock()
		return ErrClosed
	}
	d.reqs <- r
	d.closeMu.RUnlock()
	<-r.done
	return r.err
}

// View runs fn with a read-only Tx. When consistent is true every read of fn
// sees one point in time (a pebble snapshot); otherwise each read sees the
// latest commit, which is enough for commands that read one record.
func (d *DB) View(consistent bool, fn func(tx *Tx) error) error {
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	if d.pdb == nil {
		return ErrUnavailable
	}
	if consistent {
		s := d.NewSnapshot()
		defer s.Close()
		return s.View(fn)
	}
	tx := d.getReadTx()
	tx.r = d.pdb
	err := fn(tx)
	d.putReadTx(tx)
	return err
}

func (d *DB) writer() {
	defer close(d.stopped)
	tx := &Tx{d: d}
	var ev Events
	tx.ev = &ev
	group := make([]*request, 0, d.opts.MaxGroup)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		var first *request
		select {
		case first = <-d.reqs:
		case <-ticker.C:
			if d.Failed() != nil {
				d.tryRecover()
				continue
			}
			if d.unsynced && Sync(d.sync.Load()) == SyncEverysec {
				if err := d.guard(func() error { return d.pdb.LogData(nil, pebble.Sync) }); err == nil {
					d.unsynced = false
					d.lastSync = time.Now()
					d.durable.Store(d.repl.Load())
				} else {
					d.setFailed(diskError(err))
				}
			}
			continue
		case <-d.stop:
			// Drain requests that raced with Close.
			for {
				select {
				case r := <-d.reqs:
					r.err = ErrClosed
					close(r.done)
				default:
					return
				}
			}
		}
		if ferr := d.Failed(); ferr != nil {
			// Stopped applying: refuse the queued writes without running them.
			d.refuse(first, ferr)
			continue
		}
		b := d.pdb.NewIndexedBatch()
		tx.beginWrite(b)
		ev.reset()
		group = append(group[:0], first)
		first.err = tx.run(first.fn)
		load := first.load
	fill:
		for len(group) < d.opts.MaxGroup {
			select {
			case r := <-d.reqs:
				group = append(group, r)
				r.err = tx.run(r.fn)
				if r.load != load {
					load = nil
				}
			default:
				break fill
			}
		}
		if d.beforeCommit != nil {
			d.beforeCommit(tx)
		}
		err := tx.flushMeta()
		if err == nil {
			err = d.commit(tx, b, load)
		}
		if err != nil {
			for _, r := range group {
				if r.err == nil {
					r.err = err
				}
			}
		}
		tx.endWrite()
		b.Close()
		if err == nil && d.onCommit != nil {
			d.onCommit(&ev)
		}
		for _, r := range group {
			close(r.done)
		}
	}
}

// commit writes the group's counters and system records into b, commits it
// and publishes the in-memory state.
func (d *DB) commit(tx *Tx, b *pebble.Batch, load *Load) error {
	for ks, delta := range tx.deltas {
		c := d.counter(ks)
		keys, exp := c.keys.Load()+delta.keys, c.expires.Load()+delta.expires
		v := binary.BigEndian.AppendUint64(nil, uint64(keys))
		v = binary.BigEndian.AppendUint64(v, uint64(exp))
		b.Set(sysKey(sysCounters, ks), v, nil)
	}
	if d.nextKeyID > d.keyIDMark {
		d.keyIDMark = d.nextKeyID + keyIDBlock
		b.Set(sysKey(sysKeyID), appendU64(nil, d.keyIDMark), nil)
	}
	if tx.dbmapDirty {
		b.Set(sysKey(sysDBMap), encodeDBMap(tx.dbmap), nil)
		b.Set(sysKey(sysNextKS), appendU32(nil, d.nextKsid), nil)
	}
	if tx.repl != nil {
		b.Set(sysKey(sysRepl), encodeRepl(tx.repl), nil)
	}
	if b.Empty() {
		return nil
	}
	opt := pebble.NoSync
	switch Sync(d.sync.Load()) {
	case SyncAlways:
		opt = pebble.Sync
	case SyncEverysec:
		if time.Since(d.lastSync) >= time.Second {
			opt = pebble.Sync
		}
	}
	r := b.Reader()
	if opt == pebble.Sync {
		// Readers must not wait for the fsync: while it runs they bypass
		// the cache (pebble shows the batch atomically, whenever it does).
		d.commitMu.Lock()
		d.cacheBypass = true
		d.cacheGen++
		d.commitMu.Unlock()
	}
	commit := func() error {
		if load != nil {
			return load.commitGroup(b, opt)
		}
		return b.Commit(opt)
	}
	var err error
	if opt == pebble.Sync {
		err = d.guard(commit)
		d.commitMu.Lock()
	} else {
		d.commitMu.Lock()
		err = d.guard(commit)
	}
	d.cacheBypass = false
	if d.cache != nil {
		if err == nil {
			if load == nil && len(tx.freshIDs) > 0 {
				d.cache.sub.markComplete(tx.freshIDs)
			}
			d.cache.apply(r)
		} else {
			d.cache.clear()
		}
	}
	if err == nil && tx.dbmapDirty {
		// Under commitMu, so that a snapshot taken with its dbmap
		// (NewSnapshot, View) sees both from the same side of the commit.
		m := append([]uint32(nil), tx.dbmap...)
		d.dbmap.Store(&m)
	}
	d.cacheGen++
	d.commitMu.Unlock()
	if err != nil {
		err = diskError(err)
		d.writeErr.Store(&err)
		d.setFailed(err)
		return err
	}
	if opt == pebble.Sync {
		d.lastSync = time.Now()
		d.unsynced = false
	} else {
		d.unsynced = true
	}
	d.writeErr.Store(nil)
	for ks, delta := range tx.deltas {
		c := d.counter(ks)
		c.keys.Add(delta.keys)
		c.expires.Add(delta.expires)
	}
	if tx.repl != nil {
		rs := *tx.repl
		d.repl.Store(&rs)
	}
	if opt == pebble.Sync {
		d.durable.Store(d.repl.Load())
	}
	for _, ks := range tx.dropped {
		d.countersMu.Lock()
		delete(d.counters, ks)
		d.countersMu.Unlock()
		// The keyspace is unreachable now: delete its data in the background
		// of pebble's compactions, then its drop marker.
		db := d.pdb.NewBatch()
		db.DeleteRange(ksPrefix(nil, ks), ksPrefix(nil, ks+1), nil)
		db.Delete(sysKey(sysDrop, ks), nil)
		db.Delete(sysKey(sysCounters, ks), nil)
		if err := d.guard(func() error { return db.Commit(pebble.NoSync) }); err != nil {
			d.setFailed(err)
		}
		db.Close()
		d.dropKeyspaceCache(ks)
	}
	return nil
}
