package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/replication"
	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// The master side of replication: SYNC/PSYNC/REPLCONF from replicas, the
// RDB of a full sync written from a store snapshot taken between two group
// commits (so it is exactly at the offset announced in +FULLRESYNC), the
// replication backlog and each replica's output buffer.
//
// The stream is built on the writer goroutine: a master appends each
// write's argv (with SELECT when the db changes) as it runs; a chained
// replica appends the raw bytes it applied from its own master, so replid
// and offsets are the same along the chain. onCommit moves the group's
// bytes to the backlog and to every replica, so only committed writes are
// propagated and in commit order.

const (
	slaveWaitBgsave int32 = iota
	slaveSendBulk
	slaveOnline
)

var slaveStates = [...]string{"wait_bgsave", "send_bulk", "online"}

// replInfo is what REPLCONF told about a connection before its PSYNC.
type replInfo struct {
	port    int
	ip      string
	capaEOF bool
	psync2  bool
	slave   *slave
}

// slave is one connected replica.
type slave struct {
	s       *Server
	c       *Client
	nc      net.Conn
	dc      *conn
	ip      string
	port    int
	capaEOF bool
	state   atomic.Int32
	ackOff  atomic.Int64
	ackTime atomic.Int64 // unix nanos
	gotAck  chan struct{}
	ackOnce sync.Once
	si      *snapInfo // full sync to send, nil for a partial one
	sync    bool      // old SYNC: no offsets

	mu        sync.Mutex
	cond      *sync.Cond
	buf       []byte
	inFlight  int       // bytes run took from buf and is writing
	softSince time.Time // since when buf has been over the soft limit
	cut       bool      // over its output limit, being closed
	closed    bool
}

type syncReq struct {
	info   *replInfo
	c      *Client
	id     string
	off    int64
	old    bool // SYNC
	done   chan struct{}
	reply  string
	errMsg string
	sl     *slave
}

type masterState struct {
	mu              sync.Mutex
	on              bool // a backlog exists (a replica asked once)
	replID, replID2 string
	offset, offset2 int64
	backlog         []byte
	slaves          map[*slave]struct{}
	reqs            []*syncReq

	// Writer goroutine only.
	seldb      int
	pending    []byte
	committing []byte  // pending moved by masterBeforeCommit
	chunks     []int64 // first offsets of the backlog chunks on disk
	clearDisk  bool    // the disk may hold chunks of another history
	inExec     bool
	execCmd    []propCmd

	lastPing      time.Time
	freeing       atomic.Bool // masterFreeBacklog's group is committing
	noSlavesSince time.Time   // masterCron only

	// INFO stats.
	syncFull, syncPartialOK, syncPartialErr atomic.Int64
}

type propCmd struct {
	db   int
	argv [][]byte
}

func (s *Server) ms() *masterState { return &s.master }

// feedPending moves the group's stream bytes to the backlog and replicas.
func (ms *masterState) feed(s *Server, p []byte) {
	if len(p) == 0 {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.offset += int64(len(p))
	ms.backlog = append(ms.backlog, p...)
	if size := int(s.cfg.Memory("repl-backlog-size")); len(ms.backlog) > 2*size {
		ms.backlog = append([]byte(nil), ms.backlog[len(ms.backlog)-size:]...)
	}
	limit := s.ps.replica.Load()
	now := time.Now()
	for sl := range ms.slaves {
		sl.push(p, limit, now)
	}
}

// push queues stream bytes for the replica; one that holds more than
// client-output-buffer-limit replica allows (the hard limit, or the soft
// one for longer than its seconds) is disconnected, as Redis's
// checkClientOutputBufferLimits. Its pending bytes count what it has not
// taken yet: the RDB transfer's wait included.
func (sl *slave) push(p []byte, l *pubsub.Limits, now time.Time) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.closed || sl.cut {
		return
	}
	sl.buf = append(sl.buf, p...)
	if l != nil && overLimit(l, int64(len(sl.buf)+sl.inFlight), &sl.softSince, now) {
		sl.s.log.Printf("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", sl.c.id, sl.c.addr)
		sl.buf, sl.cut = nil, true
		go sl.close()
		return
	}
	sl.cond.Signal()
}

// masterOnCommit runs on the writer goroutine after each group commit.
func (s *Server) masterOnCommit(ev *store.Events) {
	ms := s.ms()
	if ms.freeing.CompareAndSwap(true, false) {
		ms.mu.Lock()
		ms.on = false
		ms.backlog, ms.pending, ms.committing, ms.chunks = nil, nil, nil, nil
		ms.mu.Unlock()
	}
	if !ms.on {
		ms.mu.Lock()
		n := len(ms.reqs)
		ms.mu.Unlock()
		if n == 0 {
			ms.pending = ms.pending[:0]
			return
		}
		// The history starts after this group: its bytes are not part of it.
		s.masterInit()
		ms.pending = nil
	}
	p := ms.committing
	ms.committing = nil
	ms.feed(s, p)
	s.masterCheckPosition()
	ms.mu.Lock()
	reqs := ms.reqs
	ms.reqs = nil
	ms.mu.Unlock()
	for _, r := range reqs {
		s.serveSync(r)
		close(r.done)
	}
}

// masterInit creates the backlog at the store's position.
func (s *Server) masterInit() {
	ms := s.ms()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.on = true
	ms.seldb = -1
	ms.backlog = nil
	ms.clearDisk = true
	ms.replID, ms.offset, ms.replID2, ms.offset2 = newRunID(), 0, replication.ZeroID, -1
	if rs := s.db.Repl(); rs != nil && len(rs.ReplID) == 40 {
		ms.replID, ms.offset = rs.ReplID, rs.Offset
		if len(rs.ReplID2) == 40 {
			ms.replID2, ms.offset2 = rs.ReplID2, rs.Offset2
		}
	}
	if ms.slaves == nil {
		ms.slaves = map[*slave]struct{}{}
	}
}

// masterCheckPosition follows the store's replication position: a
// chained replica's stream comes from upstream (a full sync or an id change
// there resets ours); a promotion shifts the id.
func (s *Server) masterCheckPosition() {
	ms := s.ms()
	rs := s.db.Repl()
	if rs == nil || len(rs.ReplID) != 40 {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if rs.ReplID == ms.replID && (rs.Offset == ms.offset || !s.isReplica()) {
		return
	}
	if rs.ReplID2 == ms.replID && rs.ReplID != ms.replID {
		// Promotion, or upstream continued with a new id: same history.
		ms.replID2, ms.offset2 = ms.replID, ms.offset+1
		ms.replID = rs.ReplID
		s.dropSlavesLocked()
		return
	}
	if !s.isReplica() {
		return
	}
	// A new history from upstream (full sync) or bytes we could not track.
	s.log.Printf("Replication position changed to %s:%d: disconnecting replicas, backlog reset", rs.ReplID, rs.Offset)
	ms.replID, ms.offset = rs.ReplID, rs.Offset
	ms.replID2, ms.offset2 = replication.ZeroID, -1
	if len(rs.ReplID2) == 40 {
		ms.replID2, ms.offset2 = rs.ReplID2, rs.Offset2
	}
	ms.backlog = nil
	s.dropSlavesLocked()
}

func (s *Server) dropSlavesLocked() {
	for sl := range s.ms().slaves {
		go sl.close()
	}
}

// dropSlaves disconnects every replica (the node starts following a master).
func (s *Server) dropSlaves() {
	ms := s.ms()
	ms.mu.Lock()
	s.dropSlavesLocked()
	ms.mu.Unlock()
}

// serveSync decides a PSYNC on the writer goroutine, where the backlog,
// the offset and the store agree.
func (s *Server) serveSync(r *syncReq) {
	ms := s.ms()
	if rep := s.replica(); rep != nil && rep.Status().State != replication.StateConnected {
		r.errMsg = "NOMASTERLINK Can't SYNC while not connected with my master"
		return
	}
	sl := &slave{s: s, c: r.c, ip: r.info.ip, port: r.info.port, capaEOF: r.info.capaEOF, gotAck: make(chan struct{}), sync: r.old}
	sl.cond = sync.NewCond(&sl.mu)
	if sl.ip == "" {
		if h, _, err := net.SplitHostPort(r.c.addr); err == nil {
			sl.ip = h
		}
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	first := ms.offset - int64(len(ms.backlog)) + 1
	if !r.old && (r.id == ms.replID || (r.id == ms.replID2 && r.off <= ms.offset2)) && r.off >= first && r.off <= ms.offset+1 {
		sl.buf = append([]byte(nil), ms.backlog[r.off-first:]...)
		sl.state.Store(slaveOnline)
		sl.ackOff.Store(r.off - 1)
		sl.ackTime.Store(time.Now().UnixNano())
		if r.info.psync2 {
			r.reply = "+CONTINUE " + ms.replID + "\r\n"
		} else {
			r.reply = "+CONTINUE\r\n"
		}
		ms.slaves[sl] = struct{}{}
		r.sl = sl
		ms.syncPartialOK.Add(1)
		s.log.Printf("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", r.c.addr, len(sl.buf), r.off)
		return
	}
	ms.syncFull.Add(1)
	if r.id != "?" && !r.old {
		ms.syncPartialErr.Add(1)
		s.log.Printf("Partial resynchronization not accepted: Replication ID mismatch or offset out of range (Replica asked for '%s', my replication IDs are '%s' and '%s')", r.id, ms.replID, ms.replID2)
	} else {
		s.log.Printf("Full resync requested by replica %s", r.c.addr)
	}
	n := s.db.Databases()
	si := &snapInfo{snap: s.db.NewSnapshot(), keys: make([]int64, n), expires: make([]int64, n)}
	for i := 0; i < n; i++ {
		si.keys[i], si.expires[i] = s.db.DBSize(i), s.db.Expires(i)
	}
	streamDB := 0
	if s.isReplica() {
		if rs := s.db.Repl(); rs != nil {
			streamDB = rs.DB
		}
	} else {
		if ms.seldb >= 0 {
			streamDB = ms.seldb
		}
		ms.seldb = -1 // the next command selects its db
	}
	si.aux = rdb.AuxInfo{CTime: time.Now().Unix(), Repl: true, ReplStreamDB: streamDB, ReplID: ms.replID, ReplOffset: ms.offset}
	sl.si = si
	sl.state.Store(slaveWaitBgsave)
	sl.ackTime.Store(time.Now().UnixNano())
	ms.slaves[sl] = struct{}{}
	r.sl = sl
	if !r.old {
		r.reply = fmt.Sprintf("+FULLRESYNC %s %d\r\n", ms.replID, ms.offset)
	}
	s.log.Printf("Starting BGSAVE for SYNC with target: %s", map[bool]string{true: "replicas sockets", false: "disk"}[sl.diskless()])
}

func (sl *slave) diskless() bool { return sl.capaEOF && sl.s.cfg.Bool("repl-diskless-sync") }

// propagate appends a command to the stream (writer goroutine, as a master).
func (s *Server) propagate(db int, argv [][]byte) {
	ms := s.ms()
	if ms.inExec {
		ms.execCmd = append(ms.execCmd, propCmd{db, cloneArgs(argv)})
		return
	}
	s.propagateNow(db, argv)
}

func (s *Server) propagateNow(db int, argv [][]byte) {
	ms := s.ms()
	if db >= 0 && db != ms.seldb {
		ms.pending = resp.AppendArrayLen(ms.pending, 2)
		ms.pending = resp.AppendBulkString(ms.pending, "SELECT")
		ms.pending = resp.AppendBulkString(ms.pending, strconv.Itoa(db))
		ms.seldb = db
	}
	ms.pending = resp.AppendArrayLen(ms.pending, len(argv))
	for _, a := range argv {
		ms.pending = resp.AppendBulk(ms.pending, a)
	}
}

// propMark is the Tx's state before a command.
type propMark struct {
	writes  uint32
	expired int
	on      bool
}

func (s *Server) propBegin(c *Client, tx *store.Tx) propMark {
	c.propOn, c.propOverride, c.propForce, c.propCmds = false, false, false, nil
	if !s.ms().on || c.fromMaster || s.isReplica() {
		return propMark{}
	}
	c.propOn = true
	return propMark{writes: tx.WriteCount(), expired: len(tx.ExpiredSoFar()), on: true}
}

// propEnd propagates the command c just ran if it changed the dataset:
// first the keys it found expired (as DEL), then its argv, rewritten where
// the effect is not deterministic. reply is the command's reply.
func (s *Server) propEnd(c *Client, tx *store.Tx, m propMark, reply []byte) {
	c.propOn = false
	force := c.propForce
	c.propForce = false
	if !m.on || (tx.WriteCount() == m.writes && !force) {
		return
	}
	type one struct {
		db   int
		argv [][]byte
	}
	var cmds []one
	if exp := tx.ExpiredSoFar(); len(exp) > m.expired {
		for _, k := range exp[m.expired:] {
			cmds = append(cmds, one{k.DB, [][]byte{[]byte("DEL"), k.Key}})
		}
	}
	rw := c.propCmds
	if !c.propOverride {
		rw = rewriteForPropagation(c, tx, reply)
	}
	for _, argv := range rw {
		cmds = append(cmds, one{c.db, argv})
	}
	c.propOverride, c.propCmds = false, nil
	// More than one command for one call: MULTI/EXEC around them, as
	// Redis 7.0's propagatePendingCommands (EXEC wraps its own).
	wrap := len(cmds) > 1 && !s.ms().inExec
	for i, pc := range cmds {
		if wrap && i == 0 {
			s.propagate(pc.db, [][]byte{[]byte("MULTI")})
		}
		s.propagate(pc.db, pc.argv)
	}
	if wrap {
		s.propagate(-1, [][]byte{[]byte("EXEC")})
	}
}

// propXclaim records the XCLAIM that replays a consumer group delivery or
// claim on a replica (Redis's streamPropagateXCLAIM).
func (c *Client) propXclaim(key, group []byte, n *store.StreamNACK, last store.StreamID) {
	if !c.propOn {
		return
	}
	c.propOverride = true
	c.propCmds = append(c.propCmds, [][]byte{[]byte("XCLAIM"), key, group, bytes.Clone(n.Consumer), []byte("0"),
		[]byte(n.ID.String()), []byte("TIME"), []byte(strconv.FormatInt(n.DeliveryTime, 10)),
		[]byte("RETRYCOUNT"), []byte(strconv.FormatUint(n.DeliveryCount, 10)), []byte("FORCE"), []byte("JUSTID"),
		[]byte("LASTID"), []byte(last.String())})
}

// propAlways propagates c's command even when it changed nothing, as
// Redis's commands that count a change unconditionally (server.dirty++).
func (c *Client) propAlways() {
	if c.propOn {
		c.propForce = true
	}
}

// propOwn marks the running command as propagating only what its handler
// lists with propXclaim/propAlso (possibly nothing).
func (c *Client) propOwn() {
	if c.propOn {
		c.propOverride = true
	}
}

// propAlso adds a command to the running command's own propagation list.
func (c *Client) propAlso(argv ...[]byte) {
	if c.propOn {
		c.propOverride = true
		c.propCmds = append(c.propCmds, argv)
	}
}

// propExpired propagates keys a cycle deleted as expired (from index n).
func (s *Server) propExpired(tx *store.Tx, n int) {
	if !s.ms().on || s.isReplica() {
		return
	}
	if exp := tx.ExpiredSoFar(); len(exp) > n {
		for _, k := range exp[n:] {
			s.propagate(k.DB, [][]byte{[]byte("DEL"), k.Key})
		}
	}
}

// execBegin/execEnd wrap a transaction's propagated commands in MULTI/EXEC
// when there is more than one.
func (s *Server) execBegin() {
	ms := s.ms()
	if !ms.on {
		return
	}
	ms.inExec = true
	ms.execCmd = ms.execCmd[:0]
}

func (s *Server) execEnd() {
	ms := s.ms()
	if !ms.inExec {
		return
	}
	ms.inExec = false
	cmds := ms.execCmd
	ms.execCmd = nil
	if len(cmds) == 1 {
		s.propagateNow(cmds[0].db, cmds[0].argv)
		return
	}
	if len(cmds) == 0 {
		return
	}
	s.propagateNow(cmds[0].db, [][]byte{[]byte("MULTI")})
	for _, pc := range cmds {
		s.propagateNow(pc.db, pc.argv)
	}
	s.propagateNow(-1, [][]byte{[]byte("EXEC")})
}

// feedUpstream forwards what a chained replica applied, verbatim.
func (s *Server) feedUpstream(b *replication.Batch) {
	ms := s.ms()
	if ms.on && b.RawOK {
		ms.pending = append(ms.pending, b.Raw...)
	}
}

// Commands.

func (s *Server) registerMaster() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "replconf", cmdReplconf)
	t.add(rc, "psync", cmdPsync)
	t.add(rc, "sync", cmdPsync)
	t.add(rc, "wait", cmdWait)
}

func cmdReplconf(c *Client) {
	if len(c.args)%2 == 0 {
		c.errReply(errSyntax)
		return
	}
	if c.repl == nil {
		c.repl = &replInfo{}
	}
	for i := 1; i < len(c.args); i += 2 {
		opt, val := strings.ToLower(string(c.args[i])), string(c.args[i+1])
		switch opt {
		case "listening-port":
			p, err := strconv.Atoi(val)
			if err != nil {
				c.errReply("ERR value is not an integer or out of range")
				return
			}
			c.repl.port = p
		case "ip-address":
			if len(val) >= 256 {
				c.errReply(fmt.Sprintf("ERR REPLCONF ip-address provided by replica instance is too long: %d bytes", len(val)))
				return
			}
			c.repl.ip = val
		case "capa":
			switch strings.ToLower(val) {
			case "eof":
				c.repl.capaEOF = true
			case "psync2":
				c.repl.psync2 = true
			}
		case "ack", "getack":
			return // no reply, as Redis
		case "rdb-only", "rdb-filter-only":
		default:
			c.errReply("ERR Unrecognized REPLCONF option: " + string(c.args[i]))
			return
		}
	}
	c.ok()
}

func cmdPsync(c *Client) {
	s := c.s
	if c.repl != nil && c.repl.slave != nil {
		return // already a replica: ignored, as Redis
	}
	if c.multi {
		c.errReply("ERR Command not allowed inside a transaction")
		return
	}
	if c.repl == nil {
		c.repl = &replInfo{}
	}
	r := &syncReq{info: c.repl, c: c, done: make(chan struct{})}
	if strings.EqualFold(string(c.args[0]), "sync") {
		r.old = true
	} else {
		if len(c.args) != 3 {
			c.errReply(fmt.Sprintf("ERR wrong number of arguments for '%s' command", "psync"))
			return
		}
		r.id = string(c.args[1])
		off, err := strconv.ParseInt(string(c.args[2]), 10, 64)
		if err != nil {
			c.errReply("ERR value is not an integer or out of range")
			return
		}
		r.off = off
	}
	ms := s.ms()
	ms.mu.Lock()
	ms.reqs = append(ms.reqs, r)
	ms.mu.Unlock()
	// Any group commit serves the request; make sure there is one.
	if err := s.db.Update(func(*store.Tx) error { return nil }); err != nil {
		c.fail(err)
		return
	}
	<-r.done
	if r.errMsg != "" {
		c.errReply(r.errMsg)
		return
	}
	c.out = append(c.out, r.reply...)
	c.repl.slave = r.sl
	r.sl.c = c
}

// slaveDetach takes a connection that became a replica out of the
// connection loop (from handle, after the PSYNC reply was queued).
func (s *Server) slaveDetach(conn *conn, c *Client) {
	sl := c.repl.slave
	if len(c.out) > 0 {
		conn.WriteRaw(c.out)
		c.out = c.out[:0]
	}
	ferr := conn.Flush()
	sl.dc = conn.Detach()
	sl.nc = conn.NetConn()
	if ferr != nil {
		go sl.close()
		return
	}
	go sl.run()
	go func() {
		<-s.done
		sl.close()
	}()
}

// slaveStartReader starts reading ACKs, from the loop's closed hook once
// the loop no longer touches the connection.
func (s *Server) slaveStartReader(c *Client) {
	sl := c.repl.slave
	if sl.dc == nil {
		return
	}
	go sl.read()
}

func (sl *slave) close() {
	sl.mu.Lock()
	if sl.closed {
		sl.mu.Unlock()
		return
	}
	sl.closed = true
	sl.cond.Broadcast()
	sl.mu.Unlock()
	if sl.nc != nil {
		sl.nc.Close()
	}
	ms := sl.s.ms()
	ms.mu.Lock()
	delete(ms.slaves, sl)
	ms.mu.Unlock()
	sl.s.mu.Lock()
	delete(sl.s.clients, sl.c.id)
	sl.s.mu.Unlock()
	sl.s.log.Printf("Connection with replica %s:%d lost.", sl.ip, sl.port)
}

func (sl *slave) read() {
	defer sl.close()
	for {
		cmd, err := sl.dc.ReadCommand()
		if err != nil {
			return
		}
		sl.ackTime.Store(time.Now().UnixNano())
		if len(cmd.Args) >= 3 && strings.EqualFold(string(cmd.Args[0]), "replconf") && strings.EqualFold(string(cmd.Args[1]), "ack") {
			if off, err := strconv.ParseInt(string(cmd.Args[2]), 10, 64); err == nil && off > sl.ackOff.Load() {
				sl.ackOff.Store(off)
			}
			sl.ackOnce.Do(func() { close(sl.gotAck) })
		}
	}
}

func (sl *slave) isClosed() bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.closed
}

// run sends the RDB of a full sync, then the stream.
func (sl *slave) run() {
	defer sl.close()
	s := sl.s
	if si := sl.si; si != nil {
		sl.si = nil
		err := sl.sendRDB(si)
		si.snap.Close()
		if err != nil {
			s.log.Printf("Sending the RDB to replica %s failed: %v", sl.c.addr, err)
			return
		}
		sl.state.Store(slaveOnline)
		if sl.diskless() {
			// Redis starts the stream at the replica's first ACK.
			select {
			case <-sl.gotAck:
			case <-s.done:
				return
			}
		}
		s.log.Printf("Synchronization with replica %s:%d succeeded", sl.ip, sl.port)
	}
	for {
		sl.mu.Lock()
		for len(sl.buf) == 0 && !sl.closed {
			sl.cond.Wait()
		}
		if sl.closed {
			sl.mu.Unlock()
			return
		}
		p := sl.buf
		sl.buf = nil
		sl.inFlight = len(p)
		sl.mu.Unlock()
		sl.nc.SetWriteDeadline(time.Now().Add(time.Duration(s.cfg.Int("repl-timeout")) * time.Second))
		_, err := sl.nc.Write(p)
		sl.mu.Lock()
		sl.inFlight = 0
		sl.mu.Unlock()
		if err != nil {
			return
		}
		s.netOut.Add(int64(len(p)))
	}
}

// timeoutWriter arms a write deadline before each write.
type timeoutWriter struct {
	nc net.Conn
	d  time.Duration
}

func (w timeoutWriter) Write(p []byte) (int, error) {
	w.nc.SetWriteDeadline(time.Now().Add(w.d))
	return w.nc.Write(p)
}

func (sl *slave) sendRDB(si *snapInfo) error {
	s := sl.s
	start := time.Now()
	tw := timeoutWriter{sl.nc, time.Duration(s.cfg.Int("repl-timeout")) * time.Second}
	sl.state.Store(slaveSendBulk)
	if sl.diskless() {
		var mb [20]byte
		_, _ = rand.Read(mb[:])
		mark := hex.EncodeToString(mb[:])
		bw := bufio.NewWriterSize(tw, 256<<10)
		bw.WriteString("$EOF:" + mark + "\r\n")
		if err := s.writeRDB(bw, si); err != nil {
			return err
		}
		bw.WriteString(mark)
		if err := bw.Flush(); err != nil {
			return err
		}
		s.log.Printf("Streamed RDB transfer with replica %s succeeded in %.3f s", sl.c.addr, time.Since(start).Seconds())
		return nil
	}
	f, err := os.CreateTemp(s.cfg.String("dir"), "temp-redpebble-sync-*.rdb")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := s.writeRDB(bw, si); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := tw.Write([]byte("$" + strconv.FormatInt(size, 10) + "\r\n")); err != nil {
		return err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return err
	}
	s.log.Printf("RDB of %d bytes (%s) sent to replica %s in %.3f s", size, filepath.Base(f.Name()), sl.c.addr, time.Since(start).Seconds())
	return nil
}

const getackCmd = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"

// masterCron pings the replicas every repl-ping-replica-period and drops
// those silent for longer than repl-timeout.
func (s *Server) masterCron() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		ms := s.ms()
		ms.mu.Lock()
		n, on := len(ms.slaves), ms.on
		var dead []*slave
		timeout := time.Duration(s.cfg.Int("repl-timeout")) * time.Second
		for sl := range ms.slaves {
			if sl.state.Load() == slaveOnline && time.Since(time.Unix(0, sl.ackTime.Load())) > timeout {
				dead = append(dead, sl)
			}
		}
		ms.mu.Unlock()
		for _, sl := range dead {
			s.log.Printf("Disconnecting timedout replica (streaming sync): %s:%d", sl.ip, sl.port)
			go sl.close()
		}
		if n > 0 {
			ms.noSlavesSince = time.Time{}
		} else if ms.noSlavesSince.IsZero() {
			ms.noSlavesSince = time.Now()
		}
		if n == 0 || s.isReplica() {
			if ttl := s.cfg.Int("repl-backlog-ttl"); n == 0 && on && ttl > 0 && time.Since(ms.noSlavesSince) > time.Duration(ttl)*time.Second {
				s.masterFreeBacklog(ttl)
			}
			continue
		}
		period := time.Duration(s.cfg.Int("repl-ping-replica-period")) * time.Second
		if time.Since(ms.lastPing) >= period {
			ms.lastPing = time.Now()
			_ = s.db.Update(func(*store.Tx) error {
				if ms.on {
					ms.pending = append(ms.pending, "*1\r\n$4\r\nping\r\n"...)
				}
				return nil
			})
		}
	}
}

// masterFreeBacklog drops the backlog of a master that has had no replica
// for repl-backlog-ttl seconds, in memory and on disk, under a new
// replication id so that no PSYNC of the old history can continue (Redis's
// replicationCron). A replica keeps its backlog: it may be promoted. The
// request only marks its group: masterBeforeCommit stores the new id and
// clears the chunks in that group's batch (whatever else the group holds),
// and masterOnCommit drops the memory backlog before it serves any PSYNC.
func (s *Server) masterFreeBacklog(ttl int) {
	ms := s.ms()
	err := s.db.Update(func(tx *store.Tx) error {
		ms.mu.Lock()
		defer ms.mu.Unlock()
		if ms.on && len(ms.slaves) == 0 && len(ms.reqs) == 0 && !s.isReplica() {
			ms.freeing.Store(true)
		}
		return nil
	})
	if err != nil {
		ms.freeing.Store(false) // not committed: the backlog stays
		return
	}
	s.log.Printf("Replication backlog freed after %d seconds without connected replicas.", ttl)
}

// WAIT numreplicas timeout.
func cmdWait(c *Client) {
	s := c.s
	if s.isReplica() {
		c.errReply("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	n, err1 := strconv.ParseInt(string(c.args[1]), 10, 64)
	tmo, err2 := strconv.ParseInt(string(c.args[2]), 10, 64)
	if err1 != nil || err2 != nil {
		c.errReply("ERR value is not an integer or out of range")
		return
	}
	if tmo < 0 {
		c.errReply("ERR timeout is negative")
		return
	}
	ms := s.ms()
	ms.mu.Lock()
	target := ms.offset
	ms.mu.Unlock()
	count := func() int64 {
		ms.mu.Lock()
		defer ms.mu.Unlock()
		k := int64(0)
		for sl := range ms.slaves {
			if sl.state.Load() == slaveOnline && sl.ackOff.Load() >= target {
				k++
			}
		}
		return k
	}
	got := count()
	if got >= n || c.multi || c.inExec {
		c.integer(got)
		return
	}
	_ = s.db.Update(func(*store.Tx) error {
		if ms.on {
			ms.pending = append(ms.pending, getackCmd...)
		}
		return nil
	})
	var deadline time.Time
	if tmo > 0 {
		deadline = time.Now().Add(time.Duration(tmo) * time.Millisecond)
	}
	for {
		if got = count(); got >= n {
			break
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		select {
		case <-s.done:
			c.integer(got)
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.integer(got)
}

// infoMaster writes INFO replication's master part.
func (s *Server) infoMaster(p func(format string, args ...any), id, id2 string, off, off2 int64) {
	ms := s.ms()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.on && !s.isReplica() {
		id, id2, off, off2 = ms.replID, ms.replID2, ms.offset, ms.offset2
	}
	p("connected_slaves:%d", len(ms.slaves))
	if s.cfg.Int("min-replicas-to-write") > 0 && s.cfg.Int("min-replicas-max-lag") > 0 {
		p("min_slaves_good_slaves:%d", s.goodReplicasLocked())
	}
	i := 0
	for _, sl := range ms.sortedSlaves() {
		lag := int64(0)
		st := sl.state.Load()
		if st == slaveOnline {
			lag = int64(time.Since(time.Unix(0, sl.ackTime.Load())) / time.Second)
		}
		p("slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d", i, sl.ip, sl.port, slaveStates[st], sl.ackOff.Load(), lag)
		i++
	}
	p("master_failover_state:no-failover")
	p("master_replid:%s", id)
	p("master_replid2:%s", id2)
	p("master_repl_offset:%d", off)
	p("second_repl_offset:%d", off2)
	p("repl_backlog_active:%d", b2i(ms.on))
	size := s.cfg.Memory("repl-backlog-size")
	p("repl_backlog_size:%d", size)
	hist := min(int64(len(ms.backlog)), size)
	first := int64(0)
	if ms.on {
		first = ms.offset - hist + 1
	}
	p("repl_backlog_first_byte_offset:%d", first)
	p("repl_backlog_histlen:%d", hist)
}

func (ms *masterState) sortedSlaves() []*slave {
	out := make([]*slave, 0, len(ms.slaves))
	for sl := range ms.slaves {
		out = append(out, sl)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].c.id < out[j-1].c.id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// roleSlaves is ROLE's replica list of a master.
func (s *Server) roleSlaves(c *Client) {
	ms := s.ms()
	ms.mu.Lock()
	var online []*slave
	for _, sl := range ms.sortedSlaves() {
		if sl.state.Load() == slaveOnline {
			online = append(online, sl)
		}
	}
	ms.mu.Unlock()
	c.arrayLen(len(online))
	for _, sl := range online {
		c.arrayLen(3)
		c.bulkString(sl.ip)
		c.bulkString(strconv.Itoa(sl.port))
		c.bulkString(strconv.FormatInt(sl.ackOff.Load(), 10))
	}
}

// masterOffset is master_repl_offset as a master.
func (s *Server) masterOffset() (int64, bool) {
	ms := s.ms()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.offset, ms.on
}

const errNoReplicas = "NOREPLICAS Not enough good replicas to write."

// goodReplicas counts the online replicas whose last ACK is at most
// min-replicas-max-lag seconds old (Redis's refreshGoodSlavesCount).
func (s *Server) goodReplicas() int {
	ms := s.ms()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return s.goodReplicasLocked()
}

func (s *Server) goodReplicasLocked() int {
	maxLag := int64(s.cfg.Int("min-replicas-max-lag"))
	now := time.Now().Unix()
	n := 0
	for sl := range s.ms().slaves {
		if sl.state.Load() == slaveOnline && now-time.Unix(0, sl.ackTime.Load()).Unix() <= maxLag {
			n++
		}
	}
	return n
}

// minReplicasOn reports whether min-replicas-to-write applies (a master
// with both settings non-zero).
func (s *Server) minReplicasOn() bool {
	return s.cfg.Int("min-replicas-to-write") > 0 && s.cfg.Int("min-replicas-max-lag") > 0 && !s.isReplica()
}

// minReplicasCheck is processCommand's NOREPLICAS check: a write command
// (or an EXEC of a transaction with writes) is refused on a master with
// fewer than min-replicas-to-write good replicas.
func (s *Server) minReplicasCheck(c *Client, cmd *command) string {
	if c.fromMaster {
		return ""
	}
	write := cmd.has(flagWrite)
	if cmd.name == "exec" && c.multi {
		for _, q := range c.queue {
			write = write || q.cmd.has(flagWrite)
		}
	}
	if !write || !s.minReplicasOn() || s.goodReplicas() >= s.cfg.Int("min-replicas-to-write") {
		return ""
	}
	return errNoReplicas
}

// propagateForced propagates c's command though it changed no data: PUBLISH
// and SPUBLISH reach the replicas' subscribers, as Redis's
// forceCommandPropagation(c, PROPAGATE_REPL). In a chain the upstream's
// PUBLISH is forwarded verbatim with the rest of the stream.
func (s *Server) propagateForced(c *Client) {
	if c.fromMaster || s.isReplica() {
		return
	}
	ms := s.ms()
	ms.mu.Lock()
	on := ms.on
	ms.mu.Unlock()
	if !on {
		return
	}
	if c.inExec && c.tx != nil { // inside EXEC, on the writer: with the transaction
		s.propagate(c.db, c.args)
		return
	}
	_ = s.db.Update(func(*store.Tx) error {
		s.propagate(c.db, c.args)
		return nil
	})
}
