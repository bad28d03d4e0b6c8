package server

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpebble/redpebble/replication"
	"github.com/redpebble/redpebble/store"
)

// The follower side of replication: REPLICAOF, the applier that runs the
// master's stream and full-sync loads through the command table, and the
// replica's INFO/ROLE. The protocol itself lives in package replication.

const (
	errReadOnly   = "READONLY You can't write against a read only replica."
	errMasterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
)

// replicaState is the server's follower. mu serializes REPLICAOF calls; r
// is nil on a master. r stays set while an old replica stops, so that the
// commands it still applies run as a replica's.
type replicaState struct {
	mu  sync.Mutex
	r   atomic.Pointer[replication.Replica]
	app *masterApplier
}

func (s *Server) replState() *replicaState { return &s.repl }

func (s *Server) replica() *replication.Replica { return s.repl.r.Load() }

// isReplica reports whether the node follows a master (expiry is then the
// master's job).
func (s *Server) isReplica() bool { return s.replica() != nil }

func (s *Server) role() string {
	if s.isReplica() {
		return "slave"
	}
	return "master"
}

// replicaCheck is processCommand's READONLY and MASTERDOWN checks for a
// client command on a replica; it returns the error text or "".
func (s *Server) replicaCheck(c *Client, cmd *command) string {
	if c.fromMaster {
		return ""
	}
	r := s.replica()
	if r == nil {
		return ""
	}
	if cmd.has(flagWrite) && s.cfg.Bool("replica-read-only") {
		return errReadOnly
	}
	if !cmd.has(flagStale) && !s.cfg.Bool("replica-serve-stale-data") && r.Status().State != replication.StateConnected {
		return errMasterDown
	}
	return ""
}

func (s *Server) replLog(level int, format string, args ...any) {
	if level == replication.LogVerbose {
		if lv := s.cfg.String("loglevel"); lv != "verbose" && lv != "debug" {
			return
		}
	}
	s.log.Printf(format, args...)
}

// startReplica (re)starts following host:port.
func (s *Server) startReplica(host string, port int) {
	st := s.replState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if old := st.r.Load(); old != nil {
		old.Stop()
	}
	s.activeExpireOn.Store(false)
	if st.app == nil {
		st.app = newMasterApplier(s)
	}
	// MONITOR shows the master's commands with the master's address.
	st.app.c.addr = net.JoinHostPort(host, strconv.Itoa(port))
	cfg := replication.Config{Host: host, Port: port}
	s.replConfig(&cfg)
	st.r.Store(replication.Start(replication.Options{Config: cfg, DB: s.db, Applier: st.app, Logf: s.replLog}))
}

// replConfig fills the handshake settings of cfg from the configuration.
func (s *Server) replConfig(cfg *replication.Config) {
	lport := s.cfg.Int("replica-announce-port")
	if lport == 0 && s.cfg.Bool("tls-replication") && s.cfg.Int("tls-port") != 0 {
		lport = s.cfg.Int("tls-port") // the port our own replicas reach over TLS, as Redis
	}
	if lport == 0 {
		lport = s.cfg.Int("port")
	}
	cfg.MasterUser = s.cfg.String("masteruser")
	cfg.MasterAuth = s.cfg.String("masterauth")
	cfg.ListeningPort = lport
	cfg.AnnounceIP = s.cfg.String("replica-announce-ip")
	cfg.Timeout = time.Duration(s.cfg.Int("repl-timeout")) * time.Second
	cfg.Dial = s.dialMaster // TLS under tls-replication yes, decided at each connection
}

// hookReplConfig makes CONFIG SET of the handshake settings apply from the
// next connection to the master, as in Redis.
func (s *Server) hookReplConfig() {
	for _, name := range []string{"masterauth", "masteruser", "replica-announce-ip", "replica-announce-port", "repl-timeout"} {
		s.cfg.OnChange(name, func(string) error {
			if r := s.replica(); r != nil {
				r.Reconfigure(s.replConfig)
			}
			return nil
		})
	}
}

// stopReplica stops following; with promote the node becomes a master
// with a new replication id (the old one becomes replid2), as Redis's
// shiftReplicationId.
func (s *Server) stopReplica(promote bool) {
	st := s.replState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if r := st.r.Load(); r != nil {
		r.Stop()
	}
	st.r.Store(nil)
	if promote {
		s.shiftReplID()
	}
	s.activeExpireOn.Store(true)
}

func (s *Server) shiftReplID() {
	rs := s.db.Repl()
	if rs == nil || rs.ReplID == "" {
		return
	}
	nrs := store.ReplState{ReplID: newRunID(), Offset: rs.Offset, ReplID2: rs.ReplID, Offset2: rs.Offset + 1, DB: rs.DB}
	if err := s.db.Update(func(tx *store.Tx) error { tx.SetRepl(nrs); return nil }); err != nil {
		s.log.Printf("Failed storing the new replication ID: %v", err)
		return
	}
	s.log.Printf("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s", rs.ReplID, rs.Offset+1, nrs.ReplID)
}

// startReplication runs at start-up: follow the configured master, or, as
// a master, make sure a replication id left by an earlier life as a
// replica cannot be continued after local writes.
func (s *Server) startReplication() {
	s.hookReplConfig()
	if host, port, ok := s.cfg.Replicaof(); ok {
		if rs := s.db.Repl(); rs != nil && rs.ReplID != "" {
			s.log.Printf("Restored replication position %s:%d (db %d) from the store", rs.ReplID, rs.Offset, rs.DB)
		}
		s.startReplica(host, port)
		return
	}
	s.shiftReplID()
}

// masterApplier runs the master's commands through the command table.
type masterApplier struct {
	s      *Server
	c      *Client // the master's client (stream)
	lc     *Client // the loader's client (full sync)
	mu     sync.Mutex
	logged map[string]bool
}

func newMasterApplier(s *Server) *masterApplier {
	mk := func() *Client {
		return &Client{s: s, id: s.nextID.Add(1), addr: "master", proto: 2, created: time.Now(), user: "default",
			authed: true, fromMaster: true}
	}
	return &masterApplier{s: s, c: mk(), lc: mk(), logged: map[string]bool{}}
}

// Apply implements replication.Applier.
func (a *masterApplier) Apply(b *replication.Batch) (int, error) {
	c := a.c
	db := b.DB
	n := 0
	err := a.s.db.Update(func(tx *store.Tx) error {
		tx.SetKeepExpired(true)
		c.db = b.DB
		for _, u := range b.Units {
			for _, args := range u.Cmds {
				a.run(c, tx, args)
				n++
			}
		}
		rs := b.Repl
		rs.DB = c.db
		tx.SetRepl(rs)
		a.s.feedUpstream(b)
		db = c.db
		return nil
	})
	if err != nil {
		return b.DB, err
	}
	if n > 0 {
		a.s.dirty.Add(int64(n))
	}
	return db, nil
}

// LoadApply implements replication.Applier.
func (a *masterApplier) LoadApply(tx *store.Tx, db int, cmds [][][]byte) error {
	c := a.lc
	c.db = db
	tx.SetKeepExpired(true)
	for _, args := range cmds {
		a.run(c, tx, args)
	}
	return nil
}

func (a *masterApplier) once(key, format string, args ...any) {
	a.mu.Lock()
	seen := a.logged[key]
	a.logged[key] = true
	a.mu.Unlock()
	if !seen {
		a.s.log.Printf(format, args...)
	}
}

// run executes one command of the master on the writer goroutine, in tx.
func (a *masterApplier) run(c *Client, tx *store.Tx, args [][]byte) {
	s := a.s
	start := time.Now()
	s.totalCmds.Add(1)
	cmd, errText := s.cmds.lookup(args)
	if cmd == nil {
		a.once("unknown:"+strings.ToLower(string(args[0])), "Command from the master not applied (logged once per name): %s", errText)
		return
	}
	switch cmd.name {
	case "multi", "exec", "discard", "watch", "unwatch", "debug", "replicaof", "slaveof", "shutdown", "monitor", "quit", "reset":
		a.once("skip:"+cmd.name, "Command '%s' from the master ignored", cmd.name)
		return
	}
	if c == a.c && s.hasMonitors.Load() && !cmd.has(flagSkipMonitor) && !cmd.has(flagAdmin) {
		s.feedMonitors(c, args)
	}
	c.args = args
	c.cmd = cmd
	c.out = c.out[:0]
	if cmd.has(flagWrite) || cmd.has(flagReadonly) || cmd.has(flagBlocking) {
		c.tx = tx
	}
	cmd.fn(c)
	c.tx = nil
	c.endBlock()
	if len(c.out) > 0 && c.out[0] == '-' {
		msg := strings.TrimRight(string(c.out[1:]), "\r\n")
		if i := strings.Index(msg, "\r\n"); i >= 0 {
			msg = msg[:i]
		}
		a.once("err:"+cmd.name+":"+msg, "== CRITICAL == This replica is sending an error to its master: '%s' after processing the command '%s'", msg, cmd.name)
		s.countError(cmd, c.out[1:])
	}
	if cap(c.out) > 64<<10 {
		c.out = nil
	}
	s.recordCall(cmd, time.Since(start))
}

// killMasterLink is CLIENT KILL TYPE master: drop the link (the replica
// reconnects and continues with PSYNC).
func (s *Server) killMasterLink() int64 {
	if r := s.replica(); r != nil && r.DropLink() {
		return 1
	}
	return 0
}

// REPLICAOF host port | REPLICAOF NO ONE (also SLAVEOF).
func cmdReplicaof(c *Client) {
	s := c.s
	host, portArg := string(c.args[1]), string(c.args[2])
	if strings.EqualFold(host, "no") && strings.EqualFold(portArg, "one") {
		if s.isReplica() {
			s.stopReplica(true)
			s.log.Printf("MASTER MODE enabled (user request from '%s')", c.info(time.Now()))
		}
		_ = s.cfg.SetInternal("replicaof", "no one")
		c.ok()
		return
	}
	port, err := strconv.ParseInt(portArg, 10, 64)
	if err != nil || port < 0 || port > 65535 {
		c.errReply("ERR Invalid master port")
		return
	}
	if r := s.replica(); r != nil && strings.EqualFold(r.Host(), host) && r.Port() == int(port) {
		s.log.Printf("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		c.simple("OK Already connected to specified master")
		return
	}
	s.startReplica(host, int(port))
	_ = s.cfg.SetInternal("replicaof", host+" "+portArg)
	s.log.Printf("REPLICAOF %s:%d enabled (user request from '%s')", host, port, c.info(time.Now()))
	c.ok()
}

// ROLE.
func cmdRole(c *Client) {
	s := c.s
	r := s.replica()
	if r == nil {
		off := int64(0)
		if rs := s.db.Repl(); rs != nil {
			off = rs.Offset
		}
		if moff, on := s.masterOffset(); on {
			off = moff
		}
		c.arrayLen(3)
		c.bulkString("master")
		c.integer(off)
		s.roleSlaves(c)
		return
	}
	st := r.Status()
	c.arrayLen(5)
	c.bulkString("slave")
	c.bulkString(st.Host)
	c.integer(int64(st.Port))
	c.bulkString(st.State.String())
	off := int64(-1)
	if st.HasMaster {
		off = st.Offset
	}
	c.integer(off)
}

func (s *Server) registerReplica() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "replicaof", cmdReplicaof)
	t.add(rc, "slaveof", cmdReplicaof)
	t.add(rc, "role", cmdRole)
}

// infoReplication writes INFO's replication section.
func (s *Server) infoReplication(p func(format string, args ...any)) {
	now := time.Now()
	p("# Replication")
	rs := s.db.Repl()
	id, id2, off, off2 := replication.ZeroID, replication.ZeroID, int64(0), int64(-1)
	if rs != nil && rs.ReplID != "" {
		id, off = rs.ReplID, rs.Offset
		if rs.ReplID2 != "" {
			id2, off2 = rs.ReplID2, rs.Offset2
		}
	}
	r := s.replica()
	if r == nil {
		p("role:master")
	} else {
		st := r.Status()
		p("role:slave")
		p("master_host:%s", st.Host)
		p("master_port:%d", st.Port)
		link := "down"
		if st.State == replication.StateConnected {
			link = "up"
		}
		p("master_link_status:%s", link)
		lastIO := int64(-1)
		if st.HasMaster && !st.LastIO.IsZero() {
			lastIO = int64(now.Sub(st.LastIO) / time.Second)
		}
		p("master_last_io_seconds_ago:%d", lastIO)
		sync := 0
		if st.SyncInProgress {
			sync = 1
		}
		p("master_sync_in_progress:%d", sync)
		p("slave_read_repl_offset:%d", st.ReadOffset)
		p("slave_repl_offset:%d", st.Offset)
		if pr := r.Progress(); st.SyncInProgress {
			perc := 0.0
			left := int64(0)
			if pr.Total > 0 {
				perc = float64(pr.Read) * 100 / float64(pr.Total)
				left = pr.Total - pr.Read
			}
			p("master_sync_total_bytes:%d", pr.Total)
			p("master_sync_read_bytes:%d", pr.Read)
			p("master_sync_left_bytes:%d", left)
			p("master_sync_perc:%.2f", perc)
			p("master_sync_last_io_seconds_ago:%d", int64(now.Sub(pr.LastIO)/time.Second))
		}
		if link != "up" {
			down := int64(-1)
			if !st.DownSince.IsZero() {
				down = int64(now.Sub(st.DownSince) / time.Second)
			}
			p("master_link_down_since_seconds:%d", down)
		}
		p("slave_priority:%d", s.cfg.Int("replica-priority"))
		p("slave_read_only:%d", b2i(s.cfg.Bool("replica-read-only")))
		p("replica_announced:%d", b2i(s.cfg.Bool("replica-announced")))
		// The core's position is ahead of the store's by nothing: it is
		// updated after each commit; use it for the live values.
		id, off = st.ReplID, st.Offset
		id2, off2 = st.ReplID2, st.Offset2
	}
	s.infoMaster(p, id, id2, off, off2)
}

// infoLoading writes INFO persistence's loading fields: a full sync loads
// beside the served data, like Redis's async loading (repl-diskless-load
// swapdb).
func (s *Server) infoLoading(p func(format string, args ...any), loadingFields bool) {
	r := s.replica()
	var pr replication.Progress
	if r != nil {
		pr = r.Progress()
	}
	if !loadingFields {
		p("loading:0")
		p("async_loading:%d", b2i(pr.Active))
		return
	}
	if !pr.Active {
		return
	}
	elapsed := time.Now().Unix() - pr.StartTime
	perc := 0.0
	eta := int64(1)
	if pr.Total > 0 {
		perc = float64(pr.Read) * 100 / float64(pr.Total)
		if pr.Read > 0 && elapsed > 0 {
			eta = (pr.Total - pr.Read) / max(pr.Read/elapsed, 1)
		}
	}
	p("loading_start_time:%d", pr.StartTime)
	p("loading_total_bytes:%d", pr.Total)
	p("loading_rdb_used_mem:0")
	p("loading_loaded_bytes:%d", pr.Read)
	p("loading_loaded_perc:%.2f", perc)
	p("loading_eta_seconds:%d", eta)
	p("loading_loaded_keys:%d", pr.Keys)
}
