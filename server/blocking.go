package server

import (
	"errors"
	"math"
	"sync"
	"syscall"
	"time"

	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK...).
//
// A blocking command's handler runs on the store's writer like any write. When
// it finds nothing to serve and may block (c.mayBlock), it calls c.block with
// the keys it waits for, its deadline and its timeout reply, and returns
// without replying. exec then waits on the connection's own goroutine — never
// on the writer — until one of the keys is written (by a client or by the
// master's stream: every commit's Touched keys reach wakeBlocked), the
// deadline passes, or the client goes away, and runs the handler again. A
// waiter is registered while the handler runs on the writer, so no write
// committed after the attempt can be missed.

// blockState is the pending block request of one client.
type blockState struct {
	keys      []watchKey
	deadline  time.Time // zero: wait forever
	onTimeout func(c *Client)
	ch        chan struct{} // buffered 1: a key was touched
	seq       uint64        // order of the first block, for mustWait
	// registered: c is in the waiter lists of keys. It stays there from
	// its first block until its command finishes (also while a wakeup
	// re-runs the handler), so mustWait sees every earlier waiter.
	registered bool
}

// blockers holds the clients waiting for each key, in the order they blocked.
type blockers struct {
	mu    sync.Mutex // guards keys
	keys  map[watchKey][]*Client
	count int // clients blocked, for INFO blocked_clients
	seq   uint64
}

// mayBlock reports whether the running command may block: not inside
// MULTI/EXEC and not when applied from a master, where Redis answers at once
// as if the timeout had passed.
func (c *Client) mayBlock() bool { return !c.inExec && !c.fromMaster }

// parseBlockTimeout parses a blocking timeout in seconds (fractions allowed),
// as getTimeoutFromObjectOrReply; it replies the error and returns ok false
// on a bad value. Zero means forever.
func (c *Client) parseBlockTimeout(arg []byte) (time.Duration, bool) {
	// As 7.0: strtold, then (long long)(seconds*1000.0), which is
	// LLONG_MIN for values out of range (x86-64) and 0 (forever) for
	// tiny negative ones.
	ld, ok := resp.ParseLongDouble(arg)
	if !ok {
		c.errReply("ERR timeout is not a float or out of range")
		return 0, false
	}
	f := ld.Float64() * 1000
	ms := int64(math.MinInt64)
	if f > -9.223372036854775808e18 && f < 9.223372036854775808e18 {
		ms = int64(f)
	}
	if ms < 0 {
		c.errReply("ERR timeout is negative")
		return 0, false
	}
	if ms > math.MaxInt64-time.Now().UnixMilli() {
		c.errReply("ERR timeout is out of range")
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

// block asks exec to park c until one of keys (in c.db) is written, or until
// timeout (0: forever) has passed since the command first blocked; then the
// handler runs again. onTimeout writes the timeout reply. Call it only when
// c.mayBlock().
func (c *Client) block(keys [][]byte, timeout time.Duration, onTimeout func(c *Client)) {
	st := c.blk
	if st == nil {
		st = &blockState{ch: make(chan struct{}, 1)}
		if timeout > 0 {
			st.deadline = time.Now().Add(timeout)
		}
		c.blk = st
	}
	st.onTimeout = onTimeout
	b := &c.s.blocked
	b.mu.Lock()
	if st.registered {
		b.unblockLocked(c)
	}
	st.keys = st.keys[:0]
	for _, k := range keys {
		st.keys = append(st.keys, watchKey{c.db, string(k)})
	}
	st.registered = true
	if st.seq == 0 {
		b.seq++
		st.seq = b.seq
	}
	for _, k := range st.keys {
		b.keys[k] = append(b.keys[k], c)
	}
	b.count++
	b.mu.Unlock()
	c.blocking = true
	c.blockArgs = c.args
}

// unblockLocked removes c from the waiter lists of its keys.
func (b *blockers) unblockLocked(c *Client) {
	for _, k := range c.blk.keys {
		list := b.keys[k]
		for i, w := range list {
			if w == c {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(b.keys, k)
		} else {
			b.keys[k] = list
		}
	}
	b.count--
	c.blk.registered = false
}

// wakeBlocked signals the clients waiting on the written keys, and on every
// key of a flushed or swapped db. It runs on the writer after a commit.
func (s *Server) wakeBlocked(ev *store.Events) {
	b := &s.blocked
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.count == 0 {
		return
	}
	signal := func(list []*Client) {
		for _, c := range list {
			select {
			case c.blk.ch <- struct{}{}:
			default:
			}
		}
	}
	for _, k := range ev.Touched {
		signal(b.keys[watchKey{k.DB, string(k.Key)}])
	}
	for _, db := range ev.Flushed {
		for k, list := range b.keys {
			if k.db == db {
				signal(list)
			}
		}
	}
}

// blockedClients is INFO's blocked_clients.
func (s *Server) blockedClients() int {
	s.blocked.mu.Lock()
	defer s.blocked.mu.Unlock()
	return s.blocked.count
}

// waitBlocked parks c after its handler asked to block. It returns true when
// the handler should run again, false when the wait ended by timeout (the
// timeout reply has been written) or because the client or server went away.
func (s *Server) waitBlocked(c *Client) bool {
	st := c.blk
	c.blocking = false
	woken := false
	defer func() {
		if !woken {
			s.blocked.mu.Lock()
			s.blocked.unblockLocked(c)
			s.blocked.mu.Unlock()
		}
	}()
	var timer <-chan time.Time
	if !st.deadline.IsZero() {
		d := time.Until(st.deadline)
		if d <= 0 {
			d = 0
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	// A blocked client's goroutine does not read its socket; poll it so a
	// client that hangs up leaves nothing behind.
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-st.ch:
			woken = true // stays registered while the handler runs again
			return true
		case <-timer:
			st.onTimeout(c)
			return false
		case <-s.done:
			return false
		case <-poll.C:
			if c.killed.Load() || c.peerClosed() {
				c.closing = true
				return false
			}
		}
	}
}

// mustWait reports whether a blocking command of c must leave key to a
// client that blocked on it earlier (any blocked client, if c has not
// blocked yet): Redis serves blocked clients in the order they blocked,
// before any later command. The earlier client's own write (or its leaving
// without one) wakes c again.
func (c *Client) mustWait(key []byte) bool {
	if !c.mayBlock() {
		return false
	}
	b := &c.s.blocked
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, w := range b.keys[watchKey{c.db, string(key)}] {
		if w != c && (c.blk == nil || w.blk.seq < c.blk.seq) {
			return true
		}
	}
	return false
}

// endBlock forgets c's block request once its command has finished.
// Clients that left a key to c (mustWait) look again: c may have been
// served from another key, or not at all.
func (c *Client) endBlock() {
	if c.blk == nil {
		return
	}
	b := &c.s.blocked
	b.mu.Lock()
	if c.blk.registered {
		b.unblockLocked(c)
	}
	for _, k := range c.blk.keys {
		for _, w := range b.keys[k] {
			select {
			case w.blk.ch <- struct{}{}:
			default:
			}
		}
	}
	b.mu.Unlock()
	c.blk = nil
}

// peerClosed reports whether the client's socket reached EOF or failed,
// without consuming any pipelined input.
func (c *Client) peerClosed() bool {
	nc := c.conn.NetConn()
	if g := c.guard; g != nil {
		nc = g.Unwrap()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var buf [1]byte
	_ = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil && n == 0:
			closed = true
		case err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR):
			closed = true
		}
		return true
	})
	return closed
}
