package server

import (
	"strconv"
	"strings"
	"time"
)

// monitor is a client in MONITOR mode: detached from the connection loop, fed
// through a bounded channel by the goroutines running commands, written by
// its own goroutine (no socket write ever happens on a command's path).
type monitor struct {
	dc    *conn
	lines chan []byte
}

func cmdMonitor(c *Client) {
	if c.multi {
		c.errReply("ERR MONITOR isn't allowed for DISCARD/MULTI/EXEC")
		return
	}
	s := c.s
	c.ok()
	c.conn.WriteRaw(c.out)
	c.out = c.out[:0]
	dc := c.conn.Detach()
	m := &monitor{dc: dc, lines: make(chan []byte, 4096)}
	s.monitorsMu.Lock()
	s.monitors[m] = struct{}{}
	s.hasMonitors.Store(true)
	s.monitorsMu.Unlock()
	stop := make(chan struct{})
	go func() {
		// Only QUIT and RESET mean something to a monitor; anything else
		// is ignored, as Redis does.
		for {
			cmd, err := dc.ReadCommand()
			if err != nil {
				break
			}
			name := strings.ToLower(string(cmd.Args[0]))
			if name == "quit" || name == "reset" {
				break
			}
		}
		close(stop)
	}()
	go func() {
		defer func() {
			s.monitorsMu.Lock()
			delete(s.monitors, m)
			s.hasMonitors.Store(len(s.monitors) > 0)
			s.monitorsMu.Unlock()
			dc.nc.Close()
		}()
		dc.wait()
		if err := dc.Flush(); err != nil {
			return
		}
		for {
			select {
			case <-stop:
				return
			case <-s.done:
				return
			case line := <-m.lines:
				dc.WriteRaw(line)
				for more := true; more; {
					select {
					case l := <-m.lines:
						dc.WriteRaw(l)
					default:
						more = false
					}
				}
				if err := dc.Flush(); err != nil {
					return
				}
			}
		}
	}()
}

// feedMonitors sends one command line to every monitor, as
// replicationFeedMonitors formats it. A monitor that cannot keep up loses
// lines rather than slowing commands down.
func (s *Server) feedMonitors(c *Client, args [][]byte) {
	now := time.Now()
	b := make([]byte, 0, 64)
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	us := strconv.Itoa(now.Nanosecond() / 1000)
	b = append(b, strings.Repeat("0", 6-len(us))...)
	b = append(b, us...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(c.db), 10)
	b = append(b, ' ')
	if strings.HasPrefix(c.addr, "/") {
		b = append(b, "unix:"...)
		b = append(b, c.s.cfg.String("unixsocket")...)
	} else {
		b = append(b, c.addr...)
	}
	b = append(b, ']')
	for _, a := range args {
		b = append(b, " \""...)
		b = appendRepr(b, a)
		b = append(b, '"')
	}
	b = append(b, "\r\n"...)
	s.monitorsMu.Lock()
	for m := range s.monitors {
		select {
		case m.lines <- b:
		default:
		}
	}
	s.monitorsMu.Unlock()
}

// appendRepr escapes p as sdscatrepr does.
func appendRepr(b []byte, p []byte) []byte {
	const hexd = "0123456789abcdef"
	for _, ch := range p {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hexd[ch>>4], hexd[ch&15])
			}
		}
	}
	return b
}
