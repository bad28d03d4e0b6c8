package store

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

// The replication backlog on disk: 00|'P'|u64 offset of a chunk's first
// stream byte -> the chunk. The server writes each group's stream bytes from
// its BeforeCommit hook, into the same batch as the data and the replication
// position, so after any crash the chunks end exactly at the committed offset.

func backlogKey(first int64) []byte { return appendU64(sysKey(sysBacklog), uint64(first)) }

// PutBacklog stores the stream bytes p whose first byte is at offset first.
func (tx *Tx) PutBacklog(first int64, p []byte) error { return tx.b.Set(backlogKey(first), p, nil) }

// TrimBacklog deletes the chunks that start before offset before.
func (tx *Tx) TrimBacklog(before int64) error {
	return tx.b.DeleteRange(backlogKey(0), backlogKey(before), nil)
}

// ClearBacklog deletes every chunk.
func (tx *Tx) ClearBacklog() error {
	lo := sysKey(sysBacklog)
	return tx.b.DeleteRange(lo, prefixEnd(lo), nil)
}

// PendingRepl returns the replication position this group will commit, if
// one of its requests set it.
func (tx *Tx) PendingRepl() (ReplState, bool) {
	if tx.repl == nil {
		return ReplState{}, false
	}
	return *tx.repl, true
}

// SetBeforeCommit installs fn, run on the writer goroutine with the group's
// Tx just before each commit (its writes join the group's batch).
func (d *DB) SetBeforeCommit(fn func(tx *Tx)) { d.beforeCommit = fn }

// Backlog calls fn for every committed chunk in offset order; p is valid only
// during the call. fn returning false stops.
func (d *DB) Backlog(fn func(first int64, p []byte) bool) error {
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	if d.pdb == nil {
		return ErrUnavailable
	}
	lo := sysKey(sysBacklog)
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != len(lo)+8 {
			continue
		}
		if !fn(int64(binary.BigEndian.Uint64(k[len(lo):])), it.Value()) {
			break
		}
	}
	return it.Close()
}
