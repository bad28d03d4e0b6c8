package store

import "bytes"

// Note is a value a request queued with its group for the OnCommit hook (the
// server's keyspace notifications, published only once the group committed).
type Note struct {
	Value any
	// ExpiredBefore is how many keys Events.Expired listed when the note was
	// queued, so the hook can interleave "expired" events in order.
	ExpiredBefore int
	// Ctx is what the request's SetNoteContext function returned, for notes
	// the store queues itself (NewKey); nil otherwise.
	Ctx any
}

// SetNoteContext sets, for the rest of the running request, a function whose
// result the store attaches to the notes it queues itself (the server passes
// who is writing and where its reply stands). Each request starts without one.
func (tx *Tx) SetNoteContext(fn func() any) { tx.noteCtx = fn }

func (tx *Tx) noteNewKey(db int, key []byte) {
	if tx.ev == nil || tx.b == nil {
		return
	}
	n := Note{Value: NewKey{DB: db, Key: bytes.Clone(key)}, ExpiredBefore: len(tx.ev.Expired)}
	if tx.noteCtx != nil {
		n.Ctx = tx.noteCtx()
	}
	tx.ev.Notes = append(tx.ev.Notes, n)
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
