package server

import (
	"time"

	"github.com/redpebble/redpebble/pubsub"
)

// The output limit of normal clients (client-output-buffer-limit normal,
// issue 7) is one mechanism, all of it here.
//
// A normal client's output is what the server holds for it that its socket
// has not taken yet: the reply being built (c.out) and the replies queued in
// the connection's write buffer (outputPending). It is checked after every command
// (checkOutput), as Redis's checkClientOutputBufferLimits: at or over the
// hard limit the client is closed at once, its output dropped; at or over
// the soft limit for longer than soft-seconds, likewise.
//
// Once outFlushChunk bytes are queued the connection hands them to the
// socket before it runs another command (flushOutput), so a client that
// does not read holds at most outFlushChunk plus one reply in the server:
// memory stays bounded whatever the limits. While that write blocks the
// connection takes no more commands; in Redis each of them would add to the
// output, so a blocked write counts as output over the limits: over the soft
// limit (its soft-seconds timer starts, or goes on, from softLimitSince) and,
// with a hard limit, over it once hardLimitGrace has passed (the time a
// reading client takes to drain a chunk on any link). A write that does not
// finish by then closes the client, with the same log line. With no limit
// (Redis's default "normal 0 0 0") the write waits as Redis keeps such a
// client forever; the server still holds only the chunk.

// outFlushChunk is how much reply data a connection holds before it flushes
// it itself instead of waiting for the end of its read's pipeline.
const outFlushChunk = 256 << 10

// hardLimitGrace is how long a blocked write may last under a hard limit
// (and at least under a soft one).
const hardLimitGrace = time.Second

// normalLimits is the normal class of client-output-buffer-limit (loaded by
// updateOBL), or nil when no limit is set.
func (s *Server) normalLimits() *pubsub.Limits {
	l := s.ps.normal.Load()
	if l == nil || (l.Hard <= 0 && l.Soft <= 0) {
		return nil
	}
	return l
}

// softApplies reports whether l's soft limit can be reached before its hard
// one.
func softApplies(l *pubsub.Limits) bool {
	return l.Soft > 0 && (l.Hard <= 0 || l.Soft < l.Hard)
}

// outputPending is the output c holds that its socket has not taken.
func outputPending(c *Client) int64 {
	used := int64(len(c.out))
	if c.conn != nil {
		used += int64(len(c.conn.Buffer()))
	}
	return used
}

// overLimit is checkClientOutputBufferLimits' rule: over the hard limit, or
// over the soft one for longer than its seconds (since holds when it
// started, zero while under it).
func overLimit(l *pubsub.Limits, pending int64, since *time.Time, now time.Time) bool {
	if l.Hard > 0 && pending >= l.Hard {
		return true
	}
	if !softApplies(l) || pending < l.Soft {
		*since = time.Time{}
		return false
	}
	if since.IsZero() {
		*since = now
		return false
	}
	return now.Sub(*since) > time.Duration(l.SoftSeconds)*time.Second
}

// checkOutput runs after every command: a client over its limit is closed,
// its pending output dropped (closeClientOnOutputBufferLimitReached).
func (s *Server) checkOutput(c *Client) {
	if c.closing {
		return
	}
	l := s.normalLimits()
	if l == nil || !overLimit(l, outputPending(c), &c.softLimitSince, time.Now()) {
		return
	}
	s.logOutputLimit(c)
	c.out = c.out[:0]
	if c.conn != nil {
		c.conn.DropBuffer()
	}
	c.closing = true
}

func (s *Server) logOutputLimit(c *Client) {
	s.log.Printf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.info(time.Now()))
}

// flushOutput runs after handle queued n reply bytes on conn: past
// outFlushChunk it writes them out, within the time the limits allow a
// blocked write (see above).
func (s *Server) flushOutput(conn *conn, c *Client, n int) {
	c.unflushed += n
	if c.unflushed < outFlushChunk {
		return
	}
	c.unflushed = 0
	l := s.normalLimits()
	if l == nil {
		if err := conn.Flush(); err != nil {
			c.closing = true
			conn.Close()
		}
		return
	}
	now := time.Now()
	startedSoft := false
	var deadline time.Time
	if softApplies(l) {
		if c.softLimitSince.IsZero() {
			c.softLimitSince, startedSoft = now, true
		}
		// Redis counts soft-seconds in whole seconds from the second the
		// limit was reached: soft-seconds 0 still allows the rest of it.
		deadline = c.softLimitSince.Add(max(time.Duration(l.SoftSeconds)*time.Second, hardLimitGrace))
	}
	if l.Hard > 0 {
		if hd := now.Add(hardLimitGrace); deadline.IsZero() || hd.Before(deadline) {
			deadline = hd
		}
	}
	nc := conn.NetConn()
	nc.SetWriteDeadline(deadline)
	err := conn.Flush()
	nc.SetWriteDeadline(time.Time{})
	if err == nil {
		if startedSoft {
			c.softLimitSince = time.Time{} // it read: the write was no time over the limit
		}
		return
	}
	s.logOutputLimit(c)
	c.closing = true
	conn.Close()
}

// waitParked is waitBlocked with c marked as blocked for the idle timeout.
func (s *Server) waitParked(c *Client) bool {
	c.parked.Store(true)
	defer c.parked.Store(false)
	return s.waitBlocked(c)
}
