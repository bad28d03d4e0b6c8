package server

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
)

// Pub/Sub (issue 5): SUBSCRIBE and friends, PUBLISH, PUBSUB, and the
// connection mode they need.
//
// A connection that subscribes leaves the connection loop (Detach) on its first
// (P|S)SUBSCRIBE and is served from then on by two goroutines of its own: a
// reader that runs its commands (psServe) and a writer that copies its
// Outbox to the socket (Outbox.Run). Everything the connection is sent —
// command replies and published messages — goes through the Outbox, so a
// publisher only ever appends to a buffer (never touches a socket, never
// waits for a slow reader), and a subscriber that does not read is cut off
// at client-output-buffer-limit pubsub with its memory released.
//
// Ordering: while a command runs, the reader holds the Outbox (Hold), so a
// message published by someone else meanwhile is parked and queued after
// the reply (Release). Frames the client causes itself — confirmations of
// its own (un)subscriptions, messages it publishes to itself, keyspace events
// of its own writes — go through pubsub.Replier into the reply being built,
// where Redis puts them (inside an EXEC array, before PUBLISH's integer).

// psState is the server's pub/sub state.
type psState struct {
	hub     *pubsub.Hub
	flags   atomic.Int64 // notify-keyspace-events as pubsub.NotifyFlags
	normal  atomic.Pointer[pubsub.Limits]
	pubsub  atomic.Pointer[pubsub.Limits]
	replica atomic.Pointer[pubsub.Limits]

	mu    sync.Mutex // guards conns
	conns map[*psConn]struct{}
}

// psConn is a subscribed (detached) connection: the pubsub.Subscriber the
// Hub knows it by.
type psConn struct {
	c     *Client
	out   *pubsub.Outbox
	proto atomic.Int32
	// insertAt is where Reply puts frames into c.out: -1 appends; onCommit
	// sets it to the offset a keyspace event of the client's own write was
	// recorded at.
	insertAt int
	nc       net.Conn
	ncp      atomic.Pointer[net.Conn] // nc, for cut from other goroutines
	direct   atomic.Pointer[nbWriter] // nc's non-blocking writer, for Wake (nil until detached, and for TLS)
	cutDone  atomic.Bool
	wdone    chan struct{} // closed when the writer goroutine ends
	dc       *conn         // set by psDetach for psStartServe
	once     sync.Once
	pubsubCl bool // the outbox enforces the pubsub class (else normal)
}

// Deliver queues a published frame. Over the limit, the connection is
// closed at once, as Redis frees such a client: its writer may be stuck in a
// write to a peer that does not read.
func (p *psConn) Deliver(frame []byte) bool {
	if p.out.Append(frame) {
		return true
	}
	p.cut()
	return false
}

// DeliverLater queues a frame of a pipeline of PUBLISH without waking the
// writer (pubsub.Waker); Wake wakes it once for the lot.
func (p *psConn) DeliverLater(frame []byte) (ok, wake bool) {
	if ok, wake = p.out.AppendLater(frame); !ok {
		p.cut()
	}
	return ok, wake
}

// Wake wakes the writer; direct (few recipients), it first tries a
// non-blocking write of the pending bytes on the publisher's goroutine.
func (p *psConn) Wake(direct bool) {
	if w := p.direct.Load(); direct && w != nil {
		p.out.WakeWrite(w.write)
		return
	}
	p.out.Wake()
}

// nbWriter writes to a socket without ever waiting for it to become
// writable: what the kernel does not take at once is left to the writer
// goroutine (pubsub.Outbox.WakeWrite).
type nbWriter struct {
	rc syscall.RawConn
	s  *Server
}

func newNBWriter(nc net.Conn, s *Server) *nbWriter {
	if g, ok := nc.(*resp.Guard); ok {
		nc = g.Unwrap()
	}
	sc, ok := nc.(syscall.Conn) // TCP and unix sockets; not TLS
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &nbWriter{rc: rc, s: s}
}

func (w *nbWriter) write(bufs [][]byte) (int, error) {
	n := 0
	var werr error
	err := w.rc.Write(func(fd uintptr) bool {
		for _, b := range bufs {
			for len(b) > 0 {
				m, e := syscall.Write(int(fd), b)
				if m > 0 {
					n += m
					b = b[m:]
				}
				if e == syscall.EINTR {
					continue
				}
				if e != nil && e != syscall.EAGAIN {
					werr = e
				}
				if e != nil || m <= 0 {
					return true // the socket is full (or broken): never wait for it
				}
			}
		}
		return true
	})
	w.s.netOut.Add(int64(n))
	if werr == nil {
		werr = err
	}
	return n, werr
}

// cut closes the socket of a connection over its output limit (once; from
// any goroutine, without blocking the caller).
func (p *psConn) cut() {
	if p.cutDone.CompareAndSwap(false, true) {
		if nc := p.ncp.Load(); nc != nil {
			go (*nc).Close()
		}
	}
}
func (p *psConn) Proto() int { return int(p.proto.Load()) }

// Reply puts a frame the client caused itself into the reply being built.
// It runs on the goroutine running the client's command (or on the writer
// during onCommit while the client waits for its commit).
func (p *psConn) Reply(frame []byte) bool {
	c := p.c
	if p.insertAt >= 0 && p.insertAt <= len(c.out) {
		c.out = slices.Insert(c.out, p.insertAt, frame...)
		p.insertAt += len(frame)
		return true
	}
	c.out = append(c.out, frame...)
	return true
}

func (s *Server) initPubsub() {
	s.ps.hub = pubsub.NewHub()
	s.ps.conns = map[*psConn]struct{}{}
	s.updateNotifyFlags()
	s.updateOBL()
	s.cfg.OnChange("notify-keyspace-events", func(string) error { s.updateNotifyFlags(); return nil })
	s.cfg.OnChange("client-output-buffer-limit", func(string) error { s.updateOBL(); return nil })
}

func (s *Server) updateNotifyFlags() {
	n := s.cfg.KeyspaceEvents()
	s.ps.flags.Store(int64(n))
	s.db.SetNoteNewKeys(n&pubsub.NotifyNew != 0 && n&(pubsub.NotifyKeyspace|pubsub.NotifyKeyevent) != 0)
}

// notifying reports whether events of class are published at all.
func (c *Client) notifying(class pubsub.NotifyFlags) bool {
	f := pubsub.NotifyFlags(c.s.ps.flags.Load())
	return f&class != 0 && f&(pubsub.NotifyKeyspace|pubsub.NotifyKeyevent) != 0
}

func (s *Server) oblClass(class string) *pubsub.Limits {
	hard, soft, secs := s.cfg.ClientOutputBufferLimit(class)
	return &pubsub.Limits{Hard: hard, Soft: soft, SoftSeconds: int64(secs)}
}

// updateOBL reloads client-output-buffer-limit and applies it to every
// detached connection.
func (s *Server) updateOBL() {
	s.ps.normal.Store(s.oblClass("normal"))
	s.ps.pubsub.Store(s.oblClass("pubsub"))
	s.ps.replica.Store(s.oblClass("replica"))
	s.ps.mu.Lock()
	for p := range s.ps.conns {
		p.out.SetLimits(*s.limitsFor(p.pubsubCl))
	}
	s.ps.mu.Unlock()
}

func (s *Server) limitsFor(pubsubClass bool) *pubsub.Limits {
	if pubsubClass {
		return s.ps.pubsub.Load()
	}
	return s.ps.normal.Load()
}

// psSelf is c as a Subscriber, or nil when c never subscribed.
func (c *Client) psSelf() pubsub.Subscriber {
	if c.psc == nil {
		return nil
	}
	return c.psc
}

// psEnsure makes c a pub/sub connection. The detach itself happens when the
// command returns to handle (on the connection's goroutine); until then the
// held Outbox buffers what is published to c.
func (c *Client) psEnsure() *psConn {
	if c.psc == nil {
		p := &psConn{c: c, out: pubsub.NewOutbox(*c.s.ps.pubsub.Load()), insertAt: -1, pubsubCl: true,
			wdone: make(chan struct{})}
		p.proto.Store(int32(c.proto))
		p.out.Hold()
		c.psc = p
		c.pscShared.Store(p)
	}
	return c.psc
}

// subscribed reports Redis's CLIENT_PUBSUB: any channel, pattern or shard
// channel subscription.
func (p *psConn) subscribed(h *pubsub.Hub) bool {
	ch, pat, sh := h.Count(p)
	return ch+pat+sh > 0
}

// psSubscribedRESP2 reports whether c is in RESP2 subscribed mode, where only
// a few commands are allowed.
func (c *Client) psSubscribedRESP2() bool {
	return c.psc != nil && c.proto == resp.RESP2 && c.psc.subscribed(c.s.ps.hub)
}

// psAllowed is the list processCommand lets through in RESP2 subscribed mode.
func psAllowed(name string) bool {
	switch name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// psReject reports (and answers) a command refused in RESP2 subscribed mode.
func (s *Server) psReject(c *Client, cmd *command) bool {
	if c.psc == nil || psAllowed(cmd.name) || !c.psSubscribedRESP2() {
		return false
	}
	text := fmt.Sprintf("Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.name)
	if cmd.name == "exec" {
		// rejectCommand aborts a transaction through execCommandAbort.
		c.multi, c.multiErr, c.queue = false, false, nil
		s.unwatchAll(c)
		s.reject(c, cmd, "EXECABORT Transaction discarded because of: "+text)
		return true
	}
	s.reject(c, cmd, "ERR "+text)
	return true
}

// psPing answers PING in RESP2 subscribed mode, as pingCommand: a
// two-element array "pong" and the argument (empty by default).
func (c *Client) psPing() bool {
	if len(c.args) > 2 || !c.psSubscribedRESP2() {
		return false
	}
	c.arrayLen(2)
	c.bulkString("pong")
	if len(c.args) == 2 {
		c.bulk(c.args[1])
	} else {
		c.bulkString("")
	}
	return true
}

// psReset drops every subscription without confirmations (RESET).
func (c *Client) psReset() {
	if c.psc != nil {
		c.s.ps.hub.RemoveAll(c.psc)
	}
}

// replyBytes applies CLIENT REPLY to the reply built and returns what to send.
func (c *Client) replyBytes() []byte {
	if len(c.out) == 0 {
		return nil
	}
	switch c.replyMode {
	case replyOn:
		return c.out
	case replySkipNext:
		c.replyMode = replyOn
	case replySkip:
		c.replyMode = replySkipNext
	}
	return nil
}

// countingWriter writes a detached connection's Outbox to its socket,
// several chunks at a time (writev) where the socket allows, and counts
// the bytes.
type countingWriter struct {
	w    net.Conn
	raw  net.Conn // w without the resp.Guard, for net.Buffers' writev
	s    *Server
	bufs net.Buffers
}

func newCountingWriter(nc net.Conn, s *Server) *countingWriter {
	raw := nc
	if g, ok := nc.(*resp.Guard); ok {
		raw = g.Unwrap()
	}
	return &countingWriter{w: nc, raw: raw, s: s}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.s.netOut.Add(int64(n))
	return n, err
}

// WriteBuffers is pubsub.BuffersWriter.
func (w *countingWriter) WriteBuffers(bufs [][]byte) (int64, error) {
	b := append(w.bufs[:0], bufs...) // WriteTo consumes its slice: keep the caller's intact
	w.bufs = b
	n, err := b.WriteTo(w.raw)
	clear(w.bufs)
	w.s.netOut.Add(n)
	return n, err
}

// psDetach takes c out of the connection loop after the command that made it a
// pub/sub connection, on the connection's goroutine.
func (s *Server) psDetach(conn *conn, c *Client) {
	p := c.psc
	reply := c.replyBytes()
	// Replies to the commands before this one in the same pipeline are still
	// in the connection's buffer: send them first.
	ferr := conn.Flush()
	dc := conn.Detach()
	p.nc = conn.NetConn()
	p.ncp.Store(&p.nc)
	if w := newNBWriter(p.nc, s); w != nil {
		p.direct.Store(w)
	}
	s.ps.mu.Lock()
	s.ps.conns[p] = struct{}{}
	s.ps.mu.Unlock()
	go func() {
		defer close(p.wdone)
		if err := p.out.Run(newCountingWriter(p.nc, s)); err != nil {
			p.nc.Close() // cut off or write error: the reader sees the socket go
		}
	}()
	go func() {
		select {
		case <-s.done: // the loop no longer knows the connection: close it on shutdown
			p.nc.Close()
		case <-p.wdone:
		}
	}()
	ok := p.out.Release(reply)
	if cap(c.out) > 64<<10 {
		c.out = nil
	}
	if ferr != nil || !ok || c.closing || c.killed.Load() {
		s.psCleanup(c)
		return
	}
	// The loop still reads the connection's state after this handler
	// returns: the reader starts from its closed hook (psStartServe).
	p.dc = dc
}

// psStartServe starts the reader of a connection psDetach took out of
// the loop, from its closed hook, once the loop no longer touches it.
func (s *Server) psStartServe(c *Client) {
	p := c.psc
	if p.dc != nil {
		dc := p.dc
		p.dc = nil
		go s.psServe(c, dc)
	}
}

// psServe is the reader loop of a detached connection.
func (s *Server) psServe(c *Client, dc *conn) {
	p := c.psc
	handedOver := false
	defer func() {
		if !handedOver {
			s.psCleanup(c)
		}
	}()
	for {
		cmd, err := dc.ReadCommand()
		if err != nil {
			if !isNetErr(err) {
				p.out.Append([]byte("-ERR " + err.Error() + "\r\n"))
			}
			return
		}
		if c.killed.Load() {
			return
		}
		s.netIn.Add(int64(cmd.Raw))
		c.args = cmd.Args
		c.out = c.out[:0]
		p.out.Hold()
		s.call(c)
		if c.cmd != nil && c.cmd.name == "monitor" && len(c.out) == 0 && !c.closing {
			// MONITOR took the connection over (monitor.go): hand it on.
			handedOver = true
			s.psHandOver(c)
			return
		}
		p.proto.Store(int32(c.proto))
		ok := p.out.Release(c.replyBytes())
		if cap(c.out) > 64<<10 {
			c.out = nil
		}
		// A client with no subscription left is a normal client again for
		// client-output-buffer-limit.
		if sub := p.subscribed(s.ps.hub); sub != p.pubsubCl {
			s.ps.mu.Lock()
			p.pubsubCl = sub
			p.out.SetLimits(*s.limitsFor(sub))
			s.ps.mu.Unlock()
		}
		if !ok || c.closing {
			return
		}
	}
}

func isNetErr(err error) bool {
	if _, ok := err.(net.Error); ok {
		return true
	}
	msg := err.Error()
	return msg == "EOF" || strings.Contains(msg, "use of closed network connection") || strings.Contains(msg, "connection reset")
}

// psCleanup ends a detached connection: unsubscribe, let the writer send
// what is pending (QUIT's +OK), close the socket and forget the client.
func (s *Server) psCleanup(c *Client) {
	p := c.psc
	p.once.Do(func() {
		s.ps.hub.RemoveAll(p)
		if c.closing {
			// QUIT: the writer sends what is pending (+OK), within reason.
			p.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		} else {
			p.nc.Close()
		}
		p.out.Close()
		<-p.wdone
		p.nc.Close()
		s.ps.mu.Lock()
		delete(s.ps.conns, p)
		s.ps.mu.Unlock()
		s.mu.Lock()
		delete(s.clients, c.id)
		s.mu.Unlock()
		s.unwatchAll(c)
	})
}

// psHandOver stops serving a detached connection that MONITOR took over:
// its subscriptions and writer end, the monitor's goroutines own the socket.
func (s *Server) psHandOver(c *Client) {
	p := c.psc
	p.once.Do(func() {
		s.ps.hub.RemoveAll(p)
		p.out.Release(nil)
		p.out.Close()
		<-p.wdone
		s.ps.mu.Lock()
		delete(s.ps.conns, p)
		s.ps.mu.Unlock()
		s.mu.Lock()
		delete(s.clients, c.id) // as for any monitor (the loop's closed hook)
		s.mu.Unlock()
		s.unwatchAll(c)
	})
}

func (s *Server) registerPubsub() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "subscribe", func(c *Client) { c.s.ps.hub.Subscribe(c.psEnsure(), c.args[1:]...) })
	t.add(rc, "psubscribe", func(c *Client) { c.s.ps.hub.PSubscribe(c.psEnsure(), c.args[1:]...) })
	t.add(rc, "ssubscribe", func(c *Client) { c.s.ps.hub.SSubscribe(c.psEnsure(), c.args[1:]...) })
	t.add(rc, "unsubscribe", func(c *Client) { psUnsubscribe(c, pubsub.KindUnsubscribe, c.s.ps.hub.Unsubscribe) })
	t.add(rc, "punsubscribe", func(c *Client) { psUnsubscribe(c, pubsub.KindPUnsubscribe, c.s.ps.hub.PUnsubscribe) })
	t.add(rc, "sunsubscribe", func(c *Client) { psUnsubscribe(c, pubsub.KindSUnsubscribe, c.s.ps.hub.SUnsubscribe) })
	t.add(rc, "publish", func(c *Client) {
		c.integer(int64(c.s.ps.hub.PublishBatch(c.psBatch(), c.psSelf(), c.args[1], c.args[2])))
		c.s.propagateForced(c)
	})
	t.add(rc, "spublish", func(c *Client) {
		c.integer(int64(c.s.ps.hub.SPublishBatch(c.psBatch(), c.psSelf(), c.args[1], c.args[2])))
		c.s.propagateForced(c)
	})
	t.add(rc, "pubsub|channels", func(c *Client) { psChannels(c, c.s.ps.hub.Channels) })
	t.add(rc, "pubsub|shardchannels", func(c *Client) { psChannels(c, c.s.ps.hub.ShardChannels) })
	t.add(rc, "pubsub|numsub", func(c *Client) { psNumSub(c, c.s.ps.hub.NumSub) })
	t.add(rc, "pubsub|shardnumsub", func(c *Client) { psNumSub(c, c.s.ps.hub.ShardNumSub) })
	t.add(rc, "pubsub|numpat", func(c *Client) { c.integer(int64(c.s.ps.hub.NumPat())) })
	t.add(rc, "pubsub|help", func(c *Client) { helpReply(c, "PUBSUB", pubsubHelp) })
}

// psBatch is where a PUBLISH run by c may leave the wakeups of its
// subscribers' writers (pubsub.Batch), or nil when they must be woken at
// once: only a plain client in the connection loop defers them, and they
// are woken when the run of publishes ends (psEndCommand), or, when the run
// ends the read, right after the replies are written (serveConn). Redis
// likewise writes to subscribers once per event-loop turn, after the whole
// pipeline it read, not once per message.
func (c *Client) psBatch() *pubsub.Batch {
	if c.conn == nil || c.psc != nil || c.inExec || c.fromMaster {
		return nil
	}
	return &c.psPending
}

// psEndCommand runs after every command handle runs: unless the next
// command of the pipeline is another publish, it wakes the writers the
// publishes before held back, so nothing else (a read from the network, a
// blocking command, a slow one) can delay their messages.
func (c *Client) psEndCommand(conn *conn) {
	if !c.psPending.Pending() {
		return
	}
	next := conn.PeekPipeline()
	if len(next) == 0 {
		// The read's last command: serveConn wakes them right after it
		// wrote the replies, so the publisher has its replies first, as
		// Redis writes a publisher's replies before its subscribers'
		// messages (the newest client with output first).
		return
	}
	if len(next[0].Args) > 0 {
		if n := next[0].Args[0]; strings.EqualFold(string(n), "publish") || strings.EqualFold(string(n), "spublish") {
			return
		}
	}
	c.psPending.Flush()
}

// psUnsubscribe runs an unsubscribe. A client that never subscribed gets
// the confirmations Redis sends (count 0) without becoming a pub/sub
// connection.
func psUnsubscribe(c *Client, kind string, fn func(pubsub.Subscriber, ...[]byte) []pubsub.Confirm) {
	if c.psc != nil {
		fn(c.psc, c.args[1:]...)
		return
	}
	proto := int(c.proto)
	if len(c.args) == 1 {
		c.out = pubsub.AppendConfirm(c.out, proto, kind, nil, 0)
		return
	}
	for _, name := range c.args[1:] {
		c.out = pubsub.AppendConfirm(c.out, proto, kind, name, 0)
	}
}

func psChannels(c *Client, fn func([]byte) [][]byte) {
	if len(c.args) > 3 {
		c.errReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try PUBSUB HELP.", sanitize(string(c.args[1]))))
		return
	}
	var pat []byte
	if len(c.args) == 3 {
		pat = c.args[2]
	}
	names := fn(pat)
	c.arrayLen(len(names))
	for _, n := range names {
		c.bulk(n)
	}
}

func psNumSub(c *Client, fn func(...[]byte) []int) {
	chs := c.args[2:]
	counts := fn(chs...)
	c.arrayLen(2 * len(chs))
	for i, ch := range chs {
		c.bulk(ch)
		c.integer(int64(counts[i]))
	}
}

var pubsubHelp = []string{
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
}

// psCounts is CLIENT LIST's sub, psub and ssub. Any goroutine may call it.
func (c *Client) psCounts() (sub, psub, ssub int) {
	p := c.pscShared.Load()
	if p == nil {
		return 0, 0, 0
	}
	return c.s.ps.hub.Count(p)
}

// psSubscribed reports Redis's CLIENT_PUBSUB from any goroutine (the idle
// timeout does not apply to subscribers).
func (c *Client) psSubscribed() bool {
	sub, psub, ssub := c.psCounts()
	return sub+psub+ssub > 0
}
