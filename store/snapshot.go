package store

import "github.com/cockroachdb/pebble/v2"

// Snapshot is a point-in-time read view that outlives the call that took
// it: a master takes one on the writer goroutine between two group commits
// (so it matches a replication offset exactly) and streams an RDB from it on
// another goroutine.
type Snapshot struct {
	d    *DB
	snap *pebble.Snapshot
}

// NewSnapshot returns a snapshot of everything committed so far. Close it.
func (d *DB) NewSnapshot() *Snapshot { return &Snapshot{d: d, snap: d.pdb.NewSnapshot()} }

// View runs fn with a read Tx on the snapshot.
func (s *Snapshot) View(fn func(tx *Tx) error) error {
	tx := s.d.getReadTx()
	tx.r = s.snap
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
	return tx.b.Count()
}

// ExpiredSoFar lists the keys deleted as expired in this write Tx's group so
// far (a master propagates them as DEL before the command that found them).
func (tx *Tx) ExpiredSoFar() []KeyRef {
	if tx.ev == nil {
		return nil
	}
	return tx.ev.Expired
}
