package store

// Note is a value a request queued with its group for the OnCommit hook (the
// server's keyspace notifications, published only once the group committed).
type Note struct {
	Value any
	// ExpiredBefore is how many keys Events.Expired listed when the note was
	// queued, so the hook can interleave "expired" events in order.
	ExpiredBefore int
}

// Note queues v for the OnCommit hook of this write Tx's group. It does
// nothing in a read Tx.
func (tx *Tx) Note(v any) {
	if tx.ev == nil || tx.b == nil {
		return
	}
	tx.ev.Notes = append(tx.ev.Notes, Note{Value: v, ExpiredBefore: len(tx.ev.Expired)})
}

// NewKey is the note Put queues when it creates a key (Redis's dbAdd, which
// fires the "new" keyspace event), once SetNoteNewKeys(true) was called.
type NewKey struct {
	DB  int
	Key []byte
}

// SetNoteNewKeys turns NewKey notes on or off.
func (d *DB) SetNoteNewKeys(v bool) { d.noteNew.Store(v) }
