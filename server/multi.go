package server

import (
	"github.com/redpebble/redpebble/store"
)

// MULTI/EXEC: queued commands run in one write Tx, so they commit in one
// pebble batch and no reader sees half of them. WATCH marks a client whose
// watched key is written (by any client or the master stream) before EXEC.

func cmdMulti(c *Client) {
	if c.multi {
		c.errReply("ERR MULTI calls can not be nested")
		return
	}
	c.multi, c.multiErr, c.queue = true, false, nil
	c.ok()
}

func cmdDiscard(c *Client) {
	if !c.multi {
		c.errReply("ERR DISCARD without MULTI")
		return
	}
	c.multi, c.multiErr, c.queue = false, false, nil
	c.s.unwatchAll(c)
	c.ok()
}

func cmdExec(c *Client) {
	if !c.multi {
		c.errReply("ERR EXEC without MULTI")
		return
	}
	queue := c.queue
	c.multi, c.queue = false, nil
	if c.multiErr {
		c.multiErr = false
		c.s.unwatchAll(c)
		c.errReply("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	s := c.s
	mark := len(c.out)
	err := s.db.Update(func(tx *store.Tx) error {
		// WATCH is checked inside the writer: no write can slip between the
		// check and the transaction.
		if c.watchFail.Load() {
			c.nullArray()
			return nil
		}
		c.arrayLen(len(queue))
		c.inExec = true
		defer func() { c.inExec = false }()
		s.execBegin()
		defer s.execEnd()
		for _, q := range queue {
			c.args = q.args
			c.cmd = q.cmd
			c.tx = tx
			tx.SetNow(tx.Now())
			if !c.s.aclExecCheck(c) {
				continue
			}
			tx.SetNoteContext(c.noteContext())
			pm := s.propBegin(c, tx)
			rmark := len(c.out)
			q.cmd.fn(c)
			s.propEnd(c, tx, pm, c.out[rmark:])
		}
		c.tx = nil
		return nil
	})
	s.unwatchAll(c)
	if err != nil {
		c.out = c.out[:mark]
		c.fail(err)
	}
}

func cmdWatch(c *Client) {
	if c.multi {
		c.errReply("ERR WATCH inside MULTI is not allowed")
		return
	}
	s := c.s
	s.watchMu.Lock()
	if c.watched == nil {
		c.watched = map[watchKey]struct{}{}
	}
	for _, k := range c.args[1:] {
		wk := watchKey{c.db, string(k)}
		if _, ok := c.watched[wk]; ok {
			continue
		}
		c.watched[wk] = struct{}{}
		m := s.watchers[wk]
		if m == nil {
			m = map[*Client]struct{}{}
			s.watchers[wk] = m
		}
		m[c] = struct{}{}
	}
	s.watchCount.Store(int64(len(s.watchers)))
	s.watchMu.Unlock()
	c.ok()
}

func cmdUnwatch(c *Client) {
	c.s.unwatchAll(c)
	c.ok()
}

func (s *Server) unwatchAll(c *Client) {
	c.watchFail.Store(false)
	if len(c.watched) == 0 {
		return
	}
	s.watchMu.Lock()
	for wk := range c.watched {
		if m := s.watchers[wk]; m != nil {
			delete(m, c)
			if len(m) == 0 {
				delete(s.watchers, wk)
			}
		}
	}
	s.watchCount.Store(int64(len(s.watchers)))
	s.watchMu.Unlock()
	clear(c.watched)
}

// invalidateWatches marks the clients watching a key the group touched.
func (s *Server) invalidateWatches(ev *store.Events) {
	if s.watchCount.Load() == 0 {
		return
	}
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	for _, k := range ev.Touched {
		for c := range s.watchers[watchKey{k.DB, string(k.Key)}] {
			c.watchFail.Store(true)
		}
	}
	for _, k := range ev.Expired {
		for c := range s.watchers[watchKey{k.DB, string(k.Key)}] {
			c.watchFail.Store(true)
		}
	}
	if len(ev.Flushed) > 0 {
		for wk, m := range s.watchers {
			for _, db := range ev.Flushed {
				if wk.db == db {
					for c := range m {
						c.watchFail.Store(true)
					}
				}
			}
		}
	}
}
