package store

import "github.com/cockroachdb/pebble/v2"

// Snapshot is a point-in-time read view that outlives the call that took
// it: a master takes one on the writer goroutine between two group commits
// (so it matches a replication offset exactly) and streams an RDB from it on
// another goroutine.
type Snapshot struct {
	d    *DB
	snap *pebble.Snapshot
	gen  uint64   // the cacheGen when snap was taken
	dbs  []uint32 // the dbmap then
}

// NewSnapshot returns a snapshot of everything committed so far. Close it.
func (d *DB) NewSnapshot() *Snapshot {
	// As View(true): the snapshot and cacheGen are taken with no commit
	// between, so the metadata cache serves the snapshot's reads only until
	// the next commit, and a cache miss never fills it with a value the
	// snapshot has but the store no longer does.
	d.commitMu.RLock()
	defer d.commitMu.RUnlock()
	return &Snapshot{d: d, snap: d.pdb.NewSnapshot(), gen: d.cacheGen, dbs: *d.dbmap.Load()}
}

// View runs fn with a read Tx on the snapshot.
func (s *Snapshot) View(fn func(tx *Tx) error) error {
	tx := s.d.getReadTx()
	tx.r = s.snap
	tx.snapGen = s.gen
	tx.snapMap = s.dbs
	err := fn(tx)
	s.d.putReadTx(tx)
	return err
}

// Close releases the snapshot.
func (s *Snapshot) Close() error { return s.snap.Close() }

// WriteCount is the number of writes in a write Tx's batch so far (0 for a
// read Tx): a command that did not change it changed nothing.
func (tx *Tx) WriteCount() uint32 {
	if tx.b == nil {
		return 0
	}
	// Deferred metadata records count when Put makes them, not when they
	// reach the batch.
	return tx.b.Count() - tx.flushed + tx.deferred
}

// ExpiredSoFar lists the keys deleted as expired in this write Tx's group so
// far (a master propagates them as DEL before the command that found them).
func (tx *Tx) ExpiredSoFar() []KeyRef {
	if tx.ev == nil {
		return nil
	}
	return tx.ev.Expired
}
