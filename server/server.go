package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/server/config"
	"github.com/redpebble/redpebble/store"
)

// Version is the Redis version redpebble reports (the command set and reply
// shapes it follows).
const Version = "7.0.15"

// Server is one redpebble node: listeners, clients, the command table and
// the store.
type Server struct {
	cfg   *config.Config
	db    *store.DB
	cmds  commandTable
	rcmds map[string]*redisCommand
	log   *log.Logger

	listeners []net.Listener
	addrs     []net.Addr

	mu      sync.Mutex // guards clients
	clients map[int64]*Client
	nextID  atomic.Int64

	limits atomic.Pointer[resp.Limits]

	watchMu    sync.Mutex // guards watchers
	watchers   map[watchKey]map[*Client]struct{}
	watchCount atomic.Int64

	statsMu sync.Mutex // guards command stats and errorstats
	errs    map[string]int64

	start          time.Time
	totalConns     atomic.Int64
	totalCmds      atomic.Int64
	rejectedConns  atomic.Int64
	expiredKeys    atomic.Int64
	lastSave       atomic.Int64
	netIn, netOut  atomic.Int64
	dirty          atomic.Int64
	monitorsMu     sync.Mutex
	monitors       map[*monitor]struct{}
	hasMonitors    atomic.Bool
	shutdownOnce   sync.Once
	done           chan struct{}
	closeErr       error
	activeExpireOn atomic.Bool
	runID          string
	blocked        blockers
	scripting      scripting
	ps             psState // pub/sub and keyspace notifications (pubsub.go)
	repl           replicaState
	acl            *acl
	tlsCfg         atomic.Pointer[tls.Config]

	// master is the master side of replication (master.go).
	master masterState
}

// New opens the store in the configured dir and builds the server. Call
// Listen to start serving.
func New(cfg *config.Config, logger *log.Logger) (*Server, error) {
	if logger == nil {
		logger = log.New(os.Stderr, "", log.LstdFlags)
	}
	o := store.DefaultOptions()
	o.Databases = cfg.Int("databases")
	o.CacheSize = cfg.Memory("pebble-cache-size")
	o.MemTableSize = uint64(cfg.Memory("pebble-memtable-size"))
	o.Sync = syncMode(cfg.String("appendfsync"))
	dir := filepath.Join(cfg.String("dir"), "redpebble.db")
	storeOptions(&o, logger)
	db, err := store.Open(dir, o)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, log: logger, clients: map[int64]*Client{}, watchers: map[watchKey]map[*Client]struct{}{}, errs: map[string]int64{},
		start: time.Now(), done: make(chan struct{}), monitors: map[*monitor]struct{}{}, runID: newRunID()}
	s.blocked.keys = map[watchKey][]*Client{}
	s.lastSave.Store(time.Now().Unix())
	s.rcmds = loadRedisCommands()
	s.cmds = commandTable{}
	s.registerAll()
	if err := s.initACL(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadFunctions(); err != nil {
		db.Close()
		return nil, err
	}
	s.updateLimits()
	s.hookConfig()
	s.initPubsub() // loads client-output-buffer-limit (outlimit.go uses its normal class)
	db.SetOnCommit(s.onCommit)
	db.SetBeforeCommit(s.masterBeforeCommit)
	db.SetOnReopen(s.onStoreReopen)
	s.masterRestore()
	s.activeExpireOn.Store(true)
	go s.cron()
	go s.masterCron() // not in registerMaster: tests build command tables without a config
	s.startReplication()
	return s, nil
}

func syncMode(v string) store.Sync {
	switch v {
	case "always":
		return store.SyncAlways
	case "no":
		return store.SyncNo
	}
	return store.SyncEverysec
}

func newRunID() string {
	b := make([]byte, 20)
	if f, err := os.Open("/dev/urandom"); err == nil {
		f.Read(b)
		f.Close()
	}
	return fmt.Sprintf("%x", b)
}

// registerAll builds the command table.
func (s *Server) registerAll() {
	s.registerServer()
	s.registerStrings()
	s.registerKeys()
	s.registerScripting()
	s.registerLists()
	s.registerHashes()
	s.registerPubsub()
	s.registerStreams()
	s.registerReplica()
	s.registerMaster()
	s.registerSets()
	s.registerZsets()
	s.registerBitmaps()
	s.registerHLL()
	s.registerACL()
	s.registerGeo()
	s.registerSort()
	s.registerDump()
}

func (s *Server) updateLimits() {
	l := resp.DefaultLimits()
	l.MaxBulkLen = s.cfg.Memory("proto-max-bulk-len")
	l.MaxQueryBuffer = s.cfg.Memory("client-query-buffer-limit")
	s.limits.Store(&l)
	s.mu.Lock()
	for _, c := range s.clients {
		if c.guard != nil {
			c.guard.SetLimits(l)
		}
	}
	s.mu.Unlock()
}

func (s *Server) hookConfig() {
	for _, name := range []string{"proto-max-bulk-len", "client-query-buffer-limit"} {
		s.cfg.OnChange(name, func(string) error { s.updateLimits(); return nil })
	}
	s.cfg.OnChange("appendfsync", func(v string) error { s.db.SetSync(syncMode(v)); return nil })
}

// guardListener wraps every accepted connection in the RESP framing guard.
type guardListener struct {
	net.Listener
	s *Server
}

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.setKeepAlive(c)
	return resp.NewGuard(c, *l.s.limits.Load()), nil
}

// keepAliveListener sets tcp-keepalive on the TCP connections it accepts:
// under a TLS listener, whose connections guardListener sees as *tls.Conn.
type keepAliveListener struct {
	net.Listener
	s *Server
}

func (l keepAliveListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.setKeepAlive(c)
	}
	return c, err
}

// setKeepAlive applies tcp-keepalive (seconds, 0 = off) to a TCP connection,
// as Redis's anetKeepAlive.
func (s *Server) setKeepAlive(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		if ka := s.cfg.Int("tcp-keepalive"); ka > 0 {
			tc.SetKeepAlive(true)
			tc.SetKeepAlivePeriod(time.Duration(ka) * time.Second)
		}
	}
}

// Listen opens the configured TCP (bind, port) and unix socket listeners and
// serves them in the background.
func (s *Server) Listen() error {
	var lns []net.Listener
	port := s.cfg.Int("port")
	if port != 0 {
		for _, addr := range s.cfg.Strings("bind") {
			optional := strings.HasPrefix(addr, "-")
			addr = strings.TrimPrefix(addr, "-")
			ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
			if err != nil {
				if optional {
					continue
				}
				for _, l := range lns {
					l.Close()
				}
				return fmt.Errorf("Could not create server TCP listening socket %s:%d: %w", addr, port, err)
			}
			lns = append(lns, ln)
		}
	}
	tlsLns, err := s.listenTLS()
	if err != nil {
		for _, l := range lns {
			l.Close()
		}
		return err
	}
	lns = append(lns, tlsLns...)
	if path := s.cfg.String("unixsocket"); path != "" {
		os.Remove(path)
		ln, err := net.Listen("unix", path)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("Failed opening Unix socket %s: %w", path, err)
		}
		if perm := s.cfg.String("unixsocketperm"); perm != "" && perm != "0" {
			if p, err := strconv.ParseUint(perm, 8, 32); err == nil {
				os.Chmod(path, os.FileMode(p))
			}
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return errors.New("no listening socket configured (port 0 and no unixsocket)")
	}
	for _, ln := range lns {
		s.Serve(ln)
	}
	return nil
}

// Serve serves connections from ln in the background.
func (s *Server) Serve(ln net.Listener) {
	s.listeners = append(s.listeners, ln)
	s.addrs = append(s.addrs, ln.Addr())
	go s.acceptLoop(guardListener{ln, s})
}

// acceptLoop serves each connection ln accepts on its own goroutine.
func (s *Server) acceptLoop(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // EMFILE and the like: try again
			continue
		}
		go s.serveConn(nc)
	}
}

// Addrs returns the addresses served.
func (s *Server) Addrs() []net.Addr { return s.addrs }

// Done is closed when the server has shut down (SHUTDOWN or Close).
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the listeners, disconnects clients and closes the store.
func (s *Server) Close() error {
	s.shutdownOnce.Do(func() {
		s.stopReplica(false)
		for _, l := range s.listeners {
			l.Close()
		}
		s.mu.Lock()
		for _, c := range s.clients {
			if c.conn != nil {
				c.conn.NetConn().Close()
			}
		}
		s.mu.Unlock()
		if p := s.cfg.String("unixsocket"); p != "" {
			os.Remove(p)
		}
		s.closeErr = s.db.Close()
		close(s.done)
	})
	return s.closeErr
}

func (s *Server) accept(conn *conn) bool {
	s.totalConns.Add(1)
	c := &Client{s: s, conn: conn, id: s.nextID.Add(1), addr: conn.RemoteAddr(), proto: resp.RESP2,
		created: time.Now(), user: "default", fd: 8}
	c.lastCmd.Store(time.Now().UnixNano())
	nc := conn.NetConn()
	if g, ok := nc.(*resp.Guard); ok {
		c.guard = g
		nc = g.Unwrap()
	}
	if la := nc.LocalAddr(); la != nil {
		c.laddr = la.String()
	}
	if nc.LocalAddr() != nil && nc.LocalAddr().Network() == "unix" {
		c.addr = "/unixsocket:0"
	}
	c.authed = !s.acl.defaultNeedsAuth()
	if !c.authed && c.guard != nil {
		// Redis 7.0 bounds what an unauthenticated client may send.
		c.guard.SetAuthRequired(true)
	}
	s.mu.Lock()
	if len(s.clients) >= s.cfg.Int("maxclients") {
		s.mu.Unlock()
		s.rejectedConns.Add(1)
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		return false
	}
	s.clients[c.id] = c
	s.mu.Unlock()
	if s.refuseProtected(c, nc) {
		s.mu.Lock()
		delete(s.clients, c.id)
		s.mu.Unlock()
		return false
	}
	conn.ctx = c
	return true
}

func (s *Server) closed(conn *conn, err error) {
	c := conn.ctx
	if c == nil {
		return
	}
	if c.psc != nil { // a detached pub/sub connection: the loop is done with it
		s.psStartServe(c)
		return
	}
	if c.repl != nil && c.repl.slave != nil {
		s.slaveStartReader(c)
		return
	}
	s.mu.Lock()
	delete(s.clients, c.id)
	s.mu.Unlock()
	s.unwatchAll(c)
}

// handle runs a command of the connection's last read, on its goroutine.
// It also takes the rest of the pipeline that read holds: runs of plain
// write commands in it share one store Update (one group commit instead of
// one per command), everything else runs one by one, in order.
func (s *Server) handle(conn *conn, rc rcmd) {
	c := conn.ctx
	if c.killed.Load() {
		c.psPending.Flush()
		conn.Close()
		return
	}
	c.out = c.out[:0]
	defer c.psEndCommand(conn)
	if pending := conn.PeekPipeline(); len(pending) == 0 || !s.batchable(c, rc.Args) || mayDetach(pending) {
		s.handleOne(c, rc)
		if c.psc != nil {
			// The client subscribed: its connection leaves the loop
			// (pubsub.go), with the rest of the pipeline.
			s.psDetach(conn, c)
			return
		}
		if c.repl != nil && c.repl.slave != nil {
			s.slaveDetach(conn, c) // PSYNC/SYNC made it a replica (master.go)
			return
		}
	} else {
		cmds := append(append(c.pipeline[:0], rc), conn.ReadPipeline()...)
		for i := 0; i < len(cmds) && !c.closing; {
			j := i
			for j < len(cmds) && s.batchable(c, cmds[j].Args) {
				j++
			}
			if j-i >= 2 {
				s.callGroup(c, cmds[i:j])
				s.checkOutput(c)
				i = j
				continue
			}
			s.handleOne(c, cmds[i])
			i++
		}
		clear(cmds)
		c.pipeline = cmds[:0]
	}
	if len(c.out) > 0 {
		conn.WriteRaw(c.out)
		s.netOut.Add(int64(len(c.out)))
		s.flushOutput(conn, c, len(c.out))
	}
	if cap(c.out) > 64<<10 {
		c.out = nil
	}
	if c.closing {
		conn.Close()
	}
}

// mayDetach reports whether a pipeline holds a command that takes the
// connection out of the loop (a subscription or MONITOR): such a
// pipeline is run one command at a time, so Detach keeps the rest of it.
func mayDetach(cmds []rcmd) bool {
	for _, rc := range cmds {
		if len(rc.Args) == 0 {
			continue
		}
		switch n := rc.Args[0]; {
		case len(n) >= 7 && len(n) <= 10 && bytes.HasSuffix(bytes.ToLower(n), []byte("subscribe")),
			bytes.EqualFold(n, []byte("monitor")), bytes.EqualFold(n, []byte("psync")), bytes.EqualFold(n, []byte("sync")):
			return true
		}
	}
	return false
}

// handleOne runs one command and keeps its reply in c.out as CLIENT REPLY
// says.
func (s *Server) handleOne(c *Client, rc rcmd) {
	s.netIn.Add(int64(rc.Raw))
	c.args = rc.Args
	mark := len(c.out)
	s.call(c)
	s.checkOutput(c)
	if len(c.out) > mark {
		switch c.replyMode {
		case replyOn:
		case replySkipNext:
			c.replyMode = replyOn
			c.out = c.out[:mark]
		case replySkip:
			c.replyMode = replySkipNext
			c.out = c.out[:mark]
		default:
			c.out = c.out[:mark]
		}
	}
}

// batchable reports whether args is a plain write that may share a group
// commit with its neighbours in the pipeline: what call would run through
// exec's write path with nothing to do before or after it.
func (s *Server) batchable(c *Client, args [][]byte) bool {
	if c.multi || !c.authed || !c.aclFree() || c.replyMode != replyOn || s.hasMonitors.Load() || len(args) == 0 {
		return false
	}
	cmd, errText := s.cmds.lookup(args)
	return errText == "" && cmd.has(flagWrite) && !cmd.has(flagBlocking) && !cmd.has(flagAdmin) &&
		!cmd.has(flagNoscript) && !isMultiControl(cmd.name) && s.writeAllowed(c, cmd)
}

// callGroup runs plain write commands (batchable) in one store Update.
func (s *Server) callGroup(c *Client, cmds []rcmd) {
	start := len(c.out)
	now := time.Now()
	err := s.db.Update(func(tx *store.Tx) error {
		for _, rc := range cmds {
			s.netIn.Add(int64(rc.Raw))
			c.args = rc.Args
			cmd, _ := s.cmds.lookup(c.args)
			name := cmd.name
			c.cmdName.Store(&name)
			s.totalCmds.Add(1)
			c.cmd, c.tx = cmd, tx
			tx.SetNow(time.Now().UnixMilli())
			tx.SetNoteContext(c.noteContext())
			mark := len(c.out)
			pm := s.propBegin(c, tx)
			cmd.fn(c)
			s.propEnd(c, tx, pm, c.out[mark:])
			c.tx = nil
			if len(c.out) > mark && c.out[mark] == '-' {
				s.countError(cmd, c.out[mark+1:])
			}
		}
		return nil
	})
	c.lastCmd.Store(time.Now().UnixNano())
	per := time.Since(now) / time.Duration(len(cmds))
	for _, rc := range cmds {
		cmd, _ := s.cmds.lookup(rc.Args)
		s.recordCall(cmd, per)
	}
	if err != nil {
		c.out = c.out[:start]
		for range cmds {
			c.fail(err)
		}
		return
	}
	s.dirty.Add(int64(len(cmds)))
}

// writeAllowed reports whether c may run the write cmd now (a read-only
// replica refuses clients' writes).
func (s *Server) writeAllowed(c *Client, cmd *command) bool {
	return s.replicaCheck(c, cmd) == "" && s.minReplicasCheck(c, cmd) == ""
}

// call runs one command for c, with Redis's checks in processCommand order.
func (s *Server) call(c *Client) {
	now := time.Now()
	c.lastCmd.Store(now.UnixNano())
	s.totalCmds.Add(1)
	cmd, errText := s.cmds.lookup(c.args)
	if cmd == nil {
		if c.multi {
			c.multiErr = true
		}
		s.reject(c, nil, errText)
		return
	}
	name := cmd.name
	c.cmdName.Store(&name)
	if s.authRequired(c) && !cmd.has(flagNoAuth) {
		s.reject(c, cmd, "NOAUTH Authentication required.")
		return
	}
	if !s.aclCheck(c, cmd) {
		return
	}
	if s.psReject(c, cmd) {
		return
	}
	if text := s.replicaCheck(c, cmd); text != "" {
		if c.multi {
			c.multiErr = true
		}
		s.reject(c, cmd, text)
		return
	}
	if text := s.diskErrorCheck(c, cmd); text != "" {
		if c.multi {
			c.multiErr = true
		}
		s.reject(c, cmd, text)
		return
	}
	if text := s.minReplicasCheck(c, cmd); text != "" {
		if c.multi && cmd.name == "exec" {
			// As Redis's execCommandAbort: the transaction is discarded.
			c.multi, c.multiErr, c.queue = false, false, nil
			s.unwatchAll(c)
			text = "EXECABORT Transaction discarded because of: " + text
		} else if c.multi {
			c.multiErr = true
		}
		s.reject(c, cmd, text)
		return
	}
	if c.multi && !isMultiControl(cmd.name) {
		c.queue = append(c.queue, queued{cmd, cloneArgs(c.args)})
		c.simple("QUEUED")
		return
	}
	if s.hasMonitors.Load() && !cmd.has(flagSkipMonitor) && !cmd.has(flagAdmin) {
		s.feedMonitors(c, redactArgs(cmd, c.args))
	}
	s.exec(c, cmd)
	s.recordCall(cmd, time.Since(now))
}

func isMultiControl(name string) bool {
	switch name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

func cloneArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a):]
	}
	return out
}

// exec runs cmd with the store access it needs: writes through the single
// writer (group commit), reads on the connection's goroutine.
func (s *Server) exec(c *Client, cmd *command) {
	c.cmd = cmd
	mark := len(c.out)
	for {
		s.exec1(c, cmd, mark)
		if !c.blocking || !s.waitParked(c) {
			break
		}
		c.args = c.blockArgs
		c.cmd = cmd
	}
	c.endBlock()
}

// exec1 runs cmd once. Blocking commands run on the writer even when they
// only read, so registering as a waiter is ordered with every write.
func (s *Server) exec1(c *Client, cmd *command, mark int) {
	var err error
	switch {
	case cmd.has(flagWrite) || cmd.has(flagBlocking) || cmd.onWriter:
		err = s.db.Update(func(tx *store.Tx) error {
			c.tx = tx
			tx.SetNoteContext(c.noteContext())
			pm := s.propBegin(c, tx)
			rmark := len(c.out)
			cmd.fn(c)
			s.propEnd(c, tx, pm, c.out[rmark:])
			c.tx = nil
			return nil
		})
		if err == nil {
			s.dirty.Add(1)
		}
	case cmd.has(flagReadonly):
		var expired []store.KeyRef
		err = s.db.View(cmd.consistent, func(tx *store.Tx) error {
			c.tx = tx
			cmd.fn(c)
			c.tx = nil
			if seen := tx.ExpiredSeen(); len(seen) > 0 && !s.isReplica() {
				expired = append(expired, seen...)
			}
			return nil
		})
		if len(expired) > 0 {
			s.expireLazily(expired)
		}
	default:
		cmd.fn(c)
	}
	if err != nil {
		c.out = c.out[:mark]
		c.fail(err)
	}
	if len(c.out) > mark && c.out[mark] == '-' {
		s.countError(cmd, c.out[mark+1:])
	}
}

// reject answers a command refused before it ran.
func (s *Server) reject(c *Client, cmd *command, text string) {
	c.errReply(text)
	s.countError(cmd, []byte(text))
	if cmd != nil {
		s.statsMu.Lock()
		cmd.rejected++
		s.statsMu.Unlock()
	}
}

func (s *Server) countError(cmd *command, text []byte) {
	code := "ERR"
	for i, ch := range text {
		if ch == ' ' || ch == '\r' {
			code = string(text[:i])
			break
		}
	}
	s.statsMu.Lock()
	s.errs[code]++
	if cmd != nil {
		cmd.failed++
	}
	s.statsMu.Unlock()
}

func (s *Server) recordCall(cmd *command, d time.Duration) {
	s.statsMu.Lock()
	cmd.calls++
	cmd.usec += int64(d / time.Microsecond)
	s.statsMu.Unlock()
}

// onCommit runs on the writer goroutine after each group commit.
func (s *Server) onCommit(ev *store.Events) {
	if n := len(ev.Expired); n > 0 {
		s.expiredKeys.Add(int64(n))
	}
	if len(ev.Touched) > 0 || len(ev.Flushed) > 0 {
		s.invalidateWatches(ev)
		s.wakeBlocked(ev)
	}
	s.publishEvents(ev)
	s.masterOnCommit(ev)
}

// cron runs the periodic jobs: active expiry (as a master) and idle-client
// timeouts.
func (s *Server) cron() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if s.activeExpireOn.Load() {
			s.activeExpire()
		}
		if timeout := s.cfg.Int("timeout"); timeout > 0 {
			s.closeIdle(time.Duration(timeout) * time.Second)
		}
	}
}

// activeExpire deletes keys whose TTL passed, a bounded number per db per
// tick, as Redis's activeExpireCycle does for a master.
func (s *Server) activeExpire() {
	for db := 0; db < s.db.Databases(); db++ {
		if s.db.Expires(db) == 0 {
			continue
		}
		_ = s.db.Update(func(tx *store.Tx) error {
			n := len(tx.ExpiredSoFar())
			_, err := tx.ExpireCycle(db, 200)
			s.propExpired(tx, n)
			return err
		})
	}
}

// expireLazily deletes keys a read found logically expired, before the
// reply is sent, as a master's lookupKeyRead does through expireIfNeeded: so
// DBSIZE, INFO keyspace and the expired_keys stat agree with Redis. A key
// written meanwhile is left alone (Lookup deletes only what is still due).
func (s *Server) expireLazily(keys []store.KeyRef) {
	_ = s.db.Update(func(tx *store.Tx) error {
		n := len(tx.ExpiredSoFar())
		defer s.propExpired(tx, n)
		for _, k := range keys {
			if _, _, err := tx.Lookup(k.DB, k.Key); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) closeIdle(limit time.Duration) {
	now := time.Now()
	s.mu.Lock()
	var idle []*Client
	for _, c := range s.clients {
		if now.Sub(time.Unix(0, c.lastCmd.Load())) > limit && !c.psSubscribed() && !c.parked.Load() {
			idle = append(idle, c)
		}
	}
	s.mu.Unlock()
	for _, c := range idle {
		c.kill()
	}
}

// kill disconnects c from another goroutine.
func (c *Client) kill() {
	c.killed.Store(true)
	if nc := c.conn.NetConn(); nc != nil {
		nc.Close()
	}
}

// glob matches s against a Redis glob pattern.
func glob(pattern, s []byte) bool { return pubsub.Match(pattern, s, false) }
