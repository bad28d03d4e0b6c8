package server

import (
	"time"

	"github.com/tidwall/redcon"
)

// outputLimit is the "normal" class of client-output-buffer-limit.
type outputLimit struct {
	hard, soft int64
	secs       int
}

func (s *Server) loadOutputLimit() {
	h, so, secs := s.cfg.ClientOutputBufferLimit("normal")
	s.normalOBL.Store(&outputLimit{h, so, secs})
}

// overOutputLimit is checkClientOutputBufferLimits for a normal client: the
// reply bytes c holds that the socket has not taken yet: the current reply
// and what redcon buffered for the pipeline read so far. (Once a batch is
// handed to the socket, a client that does not read blocks its own
// connection goroutine, so only what one batch produces is ever held.)
func (s *Server) overOutputLimit(c *Client) bool {
	l := s.normalOBL.Load()
	if l == nil || (l.hard == 0 && l.soft == 0) {
		return false
	}
	used := int64(len(c.out))
	var w *redcon.Writer
	if c.conn != nil {
		w = redcon.BaseWriter(c.conn)
		used += int64(len(w.Buffer()))
	}
	hard := l.hard > 0 && used >= l.hard
	soft := l.soft > 0 && used >= l.soft
	if soft {
		now := time.Now()
		if c.softLimitSince.IsZero() {
			c.softLimitSince = now
			soft = false
		} else if now.Sub(c.softLimitSince) <= time.Duration(l.secs)*time.Second {
			soft = false
		}
	} else {
		c.softLimitSince = time.Time{}
	}
	return soft || hard
}

// enforceOutputLimit closes c (dropping its pending reply) when it went over
// the normal class's limits, as closeClientOnOutputBufferLimitReached.
func (s *Server) enforceOutputLimit(c *Client) {
	if c.closing || !s.overOutputLimit(c) {
		return
	}
	s.log.Printf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.info(time.Now()))
	c.out = c.out[:0]
	if c.conn != nil {
		w := redcon.BaseWriter(c.conn)
		w.SetBuffer(w.Buffer()[:0])
	}
	c.closing = true
}

// waitParked is waitBlocked with c marked as blocked for the idle timeout.
func (s *Server) waitParked(c *Client) bool {
	c.parked.Store(true)
	defer c.parked.Store(false)
	return s.waitBlocked(c)
}
