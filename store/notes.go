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
