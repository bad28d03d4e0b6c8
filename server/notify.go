package server

import (
	"bytes"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// keyEvent is one keyspace notification queued by a write, published after
// the commit (publishEvents).
type keyEvent struct {
	class pubsub.NotifyFlags
	event string
	key   []byte
	db    int
	from  *psConn // the client whose write it is, if it is a pub/sub connection
	off   int     // len(c.out) when the event fired: where Redis would put a frame to itself
}

// notify fires the keyspace notification event of class for key in c.db, as
// notifyKeyspaceEvent in notify.c. Every write command calls it where Redis
// does, with Redis's event name ("lpush", "hset", "del", "expire"...), for
// client writes and writes applied from the master alike.
//
// Inside a write Tx the event is queued with the group and published by
// onCommit once the group committed, in the order the events fired; outside
// one (a read command's "keymiss") it is published at once.
func (c *Client) notify(class pubsub.NotifyFlags, event string, key []byte) {
	c.notifyDB(class, event, key, c.db)
}

// notifyDB is notify for a key of another db than c.db (COPY ... DB, MOVE).
func (c *Client) notifyDB(class pubsub.NotifyFlags, event string, key []byte, db int) {
	s := c.s
	flags := pubsub.NotifyFlags(s.ps.flags.Load())
	if flags&class == 0 || flags&(pubsub.NotifyKeyspace|pubsub.NotifyKeyevent) == 0 {
		return
	}
	if c.tx != nil && c.tx.Writable() {
		c.tx.Note(&keyEvent{class: class, event: event, key: bytes.Clone(key), db: db, from: c.psc, off: len(c.out)})
		return
	}
	s.ps.hub.NotifyFrom(c.psSelf(), flags, class, event, key, db)
}

// publishEvents publishes a committed group's keyspace events, on the writer
// after the commit: the queued events in order, with the "expired" events of
// keys the group found expired where they happened.
func (s *Server) publishEvents(ev *store.Events) {
	flags := pubsub.NotifyFlags(s.ps.flags.Load())
	if flags&(pubsub.NotifyKeyspace|pubsub.NotifyKeyevent) == 0 {
		return
	}
	hub := s.ps.hub
	exp := 0
	expired := func(upto int) {
		if flags&pubsub.NotifyExpired == 0 {
			exp = upto
			return
		}
		for ; exp < upto; exp++ {
			k := ev.Expired[exp]
			hub.Notify(flags, pubsub.NotifyExpired, "expired", k.Key, k.DB)
		}
	}
	var shift map[*psConn]int
	for _, n := range ev.Notes {
		var e *keyEvent
		switch v := n.Value.(type) {
		case *keyEvent:
			e = v
		case store.NewKey:
			e = &keyEvent{class: pubsub.NotifyNew, event: "new", key: v.Key, db: v.DB}
			if ctx, ok := n.Ctx.(noteCtx); ok {
				e.from, e.off = ctx.from, ctx.off
			}
		default:
			continue
		}
		expired(n.ExpiredBefore)
		if e.from == nil {
			hub.Notify(flags, e.class, e.event, e.key, e.db)
			continue
		}
		// The client waits for this commit with its reply still unsent: put
		// frames to itself where the event fired.
		if shift == nil {
			shift = map[*psConn]int{}
		}
		p := e.from
		at := e.off + shift[p]
		p.insertAt = at
		hub.NotifyFrom(p, flags, e.class, e.event, e.key, e.db)
		shift[p] += p.insertAt - at
		p.insertAt = -1
	}
	expired(len(ev.Expired))
}

// noteCtx is the store.Note Ctx of a NewKey note: the writing client, when
// it is a pub/sub connection, and where its reply stood.
type noteCtx struct {
	from *psConn
	off  int
}

// noteContext is the SetNoteContext function for a request of c: nil unless
// c is a pub/sub connection (only then does the position matter).
func (c *Client) noteContext() func() any {
	if c.psc == nil {
		return nil
	}
	if c.noteCtxFn == nil {
		c.noteCtxFn = func() any { return noteCtx{from: c.psc, off: len(c.out)} }
	}
	return c.noteCtxFn
}

// keymiss fires the "keymiss" event (class m) for a read lookup of key that
// found nothing, as lookupKeyRead does; found says it did find the key.
func (c *Client) keymiss(key []byte, found bool) {
	if !found {
		c.notify(pubsub.NotifyKeyMiss, "keymiss", key)
	}
}
