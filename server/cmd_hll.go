package server

import (
	"encoding/binary"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// HyperLogLog commands (hyperloglog.c); the format is in hll.go.

func (s *Server) registerHLL() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "pfadd", cmdPfadd)
	// PFCOUNT is a read command in Redis (replicas serve it too), but with
	// one key it stores the cardinality it computed in the value (and
	// Redis propagates that), so it runs on the writer.
	t.add(rc, "pfcount", cmdPfcount).onWriter = true
	t.add(rc, "pfmerge", cmdPfmerge)
}

func (c *Client) hllMaxBytes() int64 { return c.s.cfg.Memory("hll-sparse-max-bytes") }

// lookupHLL finds key and checks it holds an HLL (isHLLObjectOrReply);
// replies and returns ok false otherwise.
func (c *Client) lookupHLL(key []byte) (m store.Meta, found, ok bool) {
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil {
		c.fail(err)
		return m, false, false
	}
	if !found {
		return m, false, true
	}
	if m.Type != store.TypeString {
		c.errReply(errWrongType)
		return m, false, false
	}
	if !isHLL(m.Value) {
		c.errReply(errNotHLL)
		return m, false, false
	}
	return m, true, true
}

func cmdPfadd(c *Client) {
	key := c.args[1]
	m, found, ok := c.lookupHLL(key)
	if !ok {
		return
	}
	var h *hll
	updated := 0
	if found {
		h = loadHLL(m.Value, c.hllMaxBytes())
	} else {
		h = newHLL(c.hllMaxBytes())
		updated++
	}
	corrupt := false
	for _, ele := range c.args[2:] {
		switch h.add(ele) {
		case 1:
			updated++
		case -1:
			corrupt = true
		}
		if corrupt {
			break
		}
	}
	if updated > 0 && !corrupt {
		h.invalidate()
	}
	// Redis unshares the value (making it "raw") before adding, and
	// signals the key only when it reaches the end with a change.
	switch {
	case updated > 0 && !corrupt:
		if !c.putString(key, &m, found, h.value(), store.StrEncRaw, m.ExpireAt) {
			return
		}
	case updated > 0 || m.Enc != store.StrEncRaw:
		nm := store.Meta{Type: store.TypeString, Enc: store.StrEncRaw, ExpireAt: m.ExpireAt, Value: h.value()}
		if err := c.tx.PutUntouched(c.db, key, metaOrNil(&m, found), &nm); err != nil {
			c.fail(err)
			return
		}
	}
	if corrupt {
		c.errReply(errInvalidHLL)
		return
	}
	if updated > 0 {
		c.notify(pubsub.NotifyString, "pfadd", key)
		c.integer(1)
	} else {
		c.integer(0)
	}
}

func cmdPfcount(c *Client) {
	if len(c.args) > 2 {
		regs := make([]uint8, hllRegisters)
		for _, k := range c.args[1:] {
			m, found, ok := c.lookupHLL(k)
			if !ok {
				return
			}
			if found && !hllMergeInto(regs, m.Value) {
				c.errReply(errInvalidHLL)
				return
			}
		}
		c.integer(int64(hllCountRaw(regs)))
		return
	}
	key := c.args[1]
	m, found, ok := c.lookupHLL(key)
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	v := m.Value
	if v[15]&0x80 == 0 {
		if !c.rawQuietly(key, &m) {
			return
		}
		c.integer(int64(binary.LittleEndian.Uint64(v[8:16])))
		return
	}
	card, valid := hllCount(v)
	if !valid {
		if c.rawQuietly(key, &m) {
			c.errReply(errInvalidHLL)
		}
		return
	}
	nv := make([]byte, len(v))
	copy(nv, v)
	binary.LittleEndian.PutUint64(nv[8:16], card)
	if c.putString(key, &m, true, nv, store.StrEncRaw, m.ExpireAt) {
		c.integer(int64(card))
	}
}

func cmdPfmerge(c *Client) {
	regs := make([]uint8, hllRegisters)
	useDense := false
	for _, k := range c.args[1:] {
		m, found, ok := c.lookupHLL(k)
		if !ok {
			return
		}
		if !found {
			continue
		}
		if m.Value[4] == hllDense {
			useDense = true
		}
		if !hllMergeInto(regs, m.Value) {
			c.errReply(errInvalidHLL)
			return
		}
	}
	key := c.args[1]
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil {
		c.fail(err)
		return
	}
	var h *hll
	if found {
		h = loadHLL(m.Value, c.hllMaxBytes())
	} else {
		h = newHLL(c.hllMaxBytes())
	}
	if useDense && !h.toDense() {
		c.errReply(errInvalidHLL)
		return
	}
	for j, r := range regs {
		if r != 0 {
			h.set(j, r)
		}
	}
	h.invalidate()
	if c.putString(key, &m, found, h.value(), store.StrEncRaw, m.ExpireAt) {
		c.notify(pubsub.NotifyString, "pfadd", key)
		c.ok()
	}
}
