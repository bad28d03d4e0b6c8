package replication

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redpebble/redpebble/store"
)

// The Core is the replica side of Redis's replication protocol as a pure
// state machine: it owns no socket, goroutine or clock. The shell (Replica)
// feeds it events (connected, a reply line, the end of an RDB load, a stream
// command, a tick, the link going down) with the current time, and executes
// the Actions it returns in order (connect, send, read a line, load an RDB,
// start streaming, apply a batch, close). Everything the protocol decides —
// the handshake in Redis's order, PSYNC arguments, offsets, MULTI grouping,
// GETACK answers, timeouts and reconnect backoff — is here, so tests can
// script whole sessions without a network.

// State is the link state as ROLE names it.
type State int

// Link states (ROLE's "none", "connect", "connecting", "handshake", "sync",
// "connected").
const (
	StateNone State = iota
	StateConnect
	StateConnecting
	StateHandshake
	StateSync
	StateConnected
)

var stateNames = [...]string{"none", "connect", "connecting", "handshake", "sync", "connected"}

func (s State) String() string { return stateNames[s] }

// ActionKind says what an Action asks the shell to do.
type ActionKind int

// Actions.
const (
	// ActConnect: dial Host:Port (timeout Config.Timeout), then call Connected
	// or LinkDown.
	ActConnect ActionKind = iota + 1
	// ActSend: write Cmds (each a command's arguments) to the master.
	ActSend
	// ActSendRaw: write Raw as is (a keep-alive newline).
	ActSendRaw
	// ActReadLine: read one reply line and call Line.
	ActReadLine
	// ActLoad: receive the RDB payload (Size bytes, or up to Mark when Mark
	// is set) into a new keyspace copy, commit it with Repl, and call
	// Loaded.
	ActLoad
	// ActStream: from now on read commands and call Command for each.
	ActStream
	// ActApply: apply Batch (one store transaction), then call Applied.
	ActApply
	// ActClose: close the connection (no LinkDown call follows for it).
	ActClose
	// ActLog: log Text at Level.
	ActLog
)

// Log levels of ActLog, as Redis's.
const (
	LogVerbose = iota
	LogNotice
	LogWarning
)

// Action is one step for the shell.
type Action struct {
	Kind  ActionKind
	Host  string
	Port  int
	Cmds  [][][]byte
	Raw   []byte
	Size  int64  // ActLoad: payload length, -1 with Mark
	Mark  []byte // ActLoad: the EOF mark of a diskless transfer
	Repl  store.ReplState
	Batch *Batch
	Level int
	Text  string
}

// Unit is one atomic piece of the stream: a single command, or the commands
// between a master's MULTI and EXEC.
type Unit struct {
	Cmds [][][]byte
}

// Batch is a run of stream units applied in one store transaction. Its end
// position (Repl, with the db selected at its end filled in by the Applier)
// is committed in the same batch as the data.
type Batch struct {
	// DB is the db selected in the stream when the batch starts.
	DB    int
	Units []Unit
	// Repl is the position after the batch; the Applier sets Repl.DB.
	Repl store.ReplState
	// Raw is the stream's bytes the batch covers, verbatim (RawOK false
	// when the shell could not tell them), for a chained replica's own
	// replicas.
	Raw   []byte
	RawOK bool
	ncmd  int
}

// Config is what the core needs from the configuration.
type Config struct {
	Host          string
	Port          int
	MasterUser    string
	MasterAuth    string
	ListeningPort int    // REPLCONF listening-port (replica-announce-port or port)
	AnnounceIP    string // REPLCONF ip-address when set
	Timeout       time.Duration
	// MaxBatch bounds the commands of one Batch (default 1024).
	MaxBatch int
	// Dial, when set, opens the connection to the master instead of a
	// plain TCP dial (the server's TLS link under tls-replication yes). It
	// must honour ctx, which carries the connect timeout. The core never
	// calls it; the Replica shell does.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Status is a snapshot for INFO and ROLE.
type Status struct {
	Host           string
	Port           int
	State          State
	ReplID         string
	ReplID2        string
	Offset         int64 // applied offset (slave_repl_offset)
	Offset2        int64
	ReadOffset     int64
	HasMaster      bool // a master client exists (link up or streaming)
	LastIO         time.Time
	DownSince      time.Time // zero: never connected
	SyncInProgress bool
	FullSyncs      int
	PartialSyncs   int
}

// Core is the protocol state machine. It is not safe for concurrent use.
type Core struct {
	cfg   Config
	state State

	// Position: what PSYNC asks for and what INFO shows.
	replID, replID2 string
	applied         int64 // end offset of the last applied batch
	offset2         int64
	known           bool // replID/applied name a position the master may continue
	db              int  // db selected at the end of the last applied batch
	read            int64

	// Handshake.
	expect  []string // replies still expected, by the command that asked
	fullID  string
	fullOff int64
	mark    bool

	// Stream.
	pending    *Batch
	queued     int64 // offset at the end of everything handed out or pending
	inMulti    bool
	multi      Unit
	multiBytes int64

	lastIO    time.Time
	lastAck   time.Time
	downSince time.Time
	backoff   time.Duration
	retryAt   time.Time
	fulls     int
	partials  int
}

// Backoff bounds for reconnecting.
const (
	minBackoff = 250 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// ZeroID is the unset replication id.
var ZeroID = strings.Repeat("0", 40)

// NewCore returns a core for cfg starting from the committed position rs
// (nil: nothing to continue, the first sync is full).
func NewCore(cfg Config, rs *store.ReplState) *Core {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1024
	}
	c := &Core{cfg: cfg, replID2: ZeroID, offset2: -1, replID: ZeroID}
	if rs != nil && len(rs.ReplID) == 40 && rs.ReplID != ZeroID {
		c.replID, c.applied, c.db, c.known = rs.ReplID, rs.Offset, rs.DB, true
		if rs.ReplID2 != "" {
			c.replID2, c.offset2 = rs.ReplID2, rs.Offset2
		}
	} else if rs != nil && rs.ReplID != "" {
		c.replID, c.applied = rs.ReplID, rs.Offset
	}
	c.read = c.applied
	c.queued = c.applied
	return c
}

// Status returns a snapshot of the link.
func (c *Core) Status() Status {
	return Status{Host: c.cfg.Host, Port: c.cfg.Port, State: c.state, ReplID: c.replID, ReplID2: c.replID2,
		Offset: c.applied, Offset2: c.offset2, ReadOffset: c.read, HasMaster: c.state == StateConnected,
		LastIO: c.lastIO, DownSince: c.downSince, SyncInProgress: c.state == StateSync,
		FullSyncs: c.fulls, PartialSyncs: c.partials}
}

func logf(level int, format string, args ...any) Action {
	return Action{Kind: ActLog, Level: level, Text: fmt.Sprintf(format, args...)}
}

func cmd(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// Start begins following the master.
func (c *Core) Start(now time.Time) []Action {
	c.state = StateConnect
	c.retryAt = now
	return c.Tick(now, 0)
}

func (c *Core) connect(now time.Time) []Action {
	c.state = StateConnecting
	c.lastIO = now
	return []Action{
		logf(LogNotice, "Connecting to MASTER %s:%d", c.cfg.Host, c.cfg.Port),
		{Kind: ActConnect, Host: c.cfg.Host, Port: c.cfg.Port},
	}
}

// Connected reports that the TCP connection is established.
func (c *Core) Connected(now time.Time) []Action {
	if c.state != StateConnecting {
		return nil
	}
	c.state = StateHandshake
	c.lastIO = now
	c.expect = []string{"ping"}
	return []Action{
		logf(LogNotice, "MASTER <-> REPLICA sync started"),
		logf(LogNotice, "Non blocking connect for SYNC fired the event."),
		{Kind: ActSend, Cmds: [][][]byte{cmd("PING")}},
		{Kind: ActReadLine},
	}
}

// fail closes the link and schedules a reconnect.
func (c *Core) fail(now time.Time, level int, format string, args ...any) []Action {
	acts := []Action{logf(level, format, args...), {Kind: ActClose}}
	return append(acts, c.down(now)...)
}

func (c *Core) down(now time.Time) []Action {
	wasUp := c.state == StateConnected
	c.state = StateConnect
	c.expect = nil
	c.pending = nil
	c.inMulti = false
	c.multi = Unit{}
	c.read = c.applied
	c.queued = c.applied
	if c.backoff == 0 {
		c.backoff = minBackoff
	} else if c.backoff *= 2; c.backoff > maxBackoff {
		c.backoff = maxBackoff
	}
	c.retryAt = now.Add(c.backoff)
	if wasUp {
		c.downSince = now
	}
	return nil
}

// LinkDown reports that the connection failed or closed.
func (c *Core) LinkDown(now time.Time, err error) []Action {
	if c.state == StateNone || c.state == StateConnect {
		return nil
	}
	level := LogWarning
	if c.state == StateConnected {
		acts := []Action{{Kind: ActClose}, logf(LogNotice, "Connection with master lost.")}
		if err != nil {
			acts = append(acts, logf(LogNotice, "Master link error: %v", err))
		}
		acts = append(acts, logf(LogNotice, "Caching the disconnected master state."))
		return append(acts, c.down(now)...)
	}
	acts := []Action{{Kind: ActClose}, logf(level, "Error condition on socket for SYNC: %v", err)}
	return append(acts, c.down(now)...)
}

// Stop stops following (REPLICAOF NO ONE or a new master).
func (c *Core) Stop() []Action {
	var acts []Action
	if c.state != StateConnect && c.state != StateNone {
		acts = append(acts, Action{Kind: ActClose})
	}
	c.state = StateNone
	c.pending = nil
	c.inMulti = false
	c.expect = nil
	return acts
}

// Line handles one reply line of the handshake or the payload header
// (without its line ending).
func (c *Core) Line(now time.Time, line []byte) []Action {
	c.lastIO = now
	if c.state != StateHandshake || len(c.expect) == 0 {
		return nil
	}
	what := c.expect[0]
	if len(line) == 0 {
		// A keep-alive newline: the master is preparing the payload.
		return []Action{{Kind: ActReadLine}}
	}
	switch what {
	case "ping":
		c.expect = nil
		if line[0] == '-' && !bytes.HasPrefix(line, []byte("-NOAUTH")) && !bytes.HasPrefix(line, []byte("-NOPERM")) &&
			!bytes.HasPrefix(line, []byte("-ERR operation not permitted")) {
			return c.fail(now, LogWarning, "Error reply to PING from master: '%s'", line)
		}
		acts := []Action{logf(LogNotice, "Master replied to PING, replication can continue...")}
		var cmds [][][]byte
		if c.cfg.MasterAuth != "" {
			if c.cfg.MasterUser != "" {
				cmds = append(cmds, cmd("AUTH", c.cfg.MasterUser, c.cfg.MasterAuth))
			} else {
				cmds = append(cmds, cmd("AUTH", c.cfg.MasterAuth))
			}
			c.expect = append(c.expect, "auth")
		}
		cmds = append(cmds, cmd("REPLCONF", "listening-port", strconv.Itoa(c.cfg.ListeningPort)))
		c.expect = append(c.expect, "port")
		if c.cfg.AnnounceIP != "" {
			cmds = append(cmds, cmd("REPLCONF", "ip-address", c.cfg.AnnounceIP))
			c.expect = append(c.expect, "ip")
		}
		cmds = append(cmds, cmd("REPLCONF", "capa", "eof", "capa", "psync2"))
		c.expect = append(c.expect, "capa")
		return append(acts, Action{Kind: ActSend, Cmds: cmds}, Action{Kind: ActReadLine})
	case "auth":
		if line[0] == '-' {
			return c.fail(now, LogWarning, "Unable to AUTH to MASTER: %s", line)
		}
	case "port":
		if line[0] == '-' {
			c.expect = c.expect[1:]
			return []Action{logf(LogNotice, "(Non critical) Master does not understand REPLCONF listening-port: %s", line), {Kind: ActReadLine}}
		}
	case "ip":
		if line[0] == '-' {
			c.expect = c.expect[1:]
			return []Action{logf(LogNotice, "(Non critical) Master does not understand REPLCONF ip-address: %s", line), {Kind: ActReadLine}}
		}
	case "capa":
		if line[0] == '-' {
			c.expect = c.expect[1:]
			return append([]Action{logf(LogNotice, "(Non critical) Master does not understand REPLCONF capa: %s", line)}, c.psync()...)
		}
	case "psync":
		return c.psyncReply(now, line)
	case "header":
		return c.header(now, line)
	}
	c.expect = c.expect[1:]
	if len(c.expect) == 0 && what == "capa" {
		return c.psync()
	}
	return []Action{{Kind: ActReadLine}}
}

func (c *Core) psync() []Action {
	c.expect = []string{"psync"}
	var p [][]byte
	var acts []Action
	if c.known {
		p = cmd("PSYNC", c.replID, strconv.FormatInt(c.applied+1, 10))
		acts = append(acts, logf(LogNotice, "Trying a partial resynchronization (request %s:%d).", c.replID, c.applied+1))
	} else {
		p = cmd("PSYNC", "?", "-1")
		acts = append(acts, logf(LogNotice, "Partial resynchronization not possible (no cached master)"))
	}
	return append(acts, Action{Kind: ActSend, Cmds: [][][]byte{p}}, Action{Kind: ActReadLine})
}

func (c *Core) psyncReply(now time.Time, line []byte) []Action {
	s := string(line)
	switch {
	case strings.HasPrefix(s, "+FULLRESYNC"):
		f := strings.Fields(s)
		id, off := "", int64(0)
		if len(f) >= 3 {
			id = f[1]
			off, _ = strconv.ParseInt(f[2], 10, 64)
		}
		if len(id) != 40 {
			// As Redis: sync anyway, but this id cannot be continued.
			id = ZeroID
		}
		c.fullID, c.fullOff = id, off
		c.expect = []string{"header"}
		return []Action{logf(LogNotice, "Full resync from master: %s:%d", id, off), {Kind: ActReadLine}}
	case strings.HasPrefix(s, "+CONTINUE"):
		newID := strings.TrimSpace(strings.TrimPrefix(s, "+CONTINUE"))
		acts := []Action{logf(LogNotice, "Successful partial resynchronization with master.")}
		c.partials++
		if newID != "" && newID != c.replID && len(newID) == 40 {
			acts = append(acts, logf(LogNotice, "Master replication ID changed to %s", newID))
			c.replID2, c.offset2 = c.replID, c.applied+1
			c.replID = newID
		}
		c.state = StateConnected
		c.expect = nil
		c.read = c.applied
		c.queued = c.applied
		c.backoff = 0
		c.lastAck = time.Time{}
		acts = append(acts, logf(LogNotice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."))
		// Persist a changed id at once (an empty batch commits the position).
		acts = append(acts, Action{Kind: ActStream})
		if newID != "" {
			acts = append(acts, c.emptyBatch()...)
		}
		return acts
	case strings.HasPrefix(s, "-NOMASTERLINK"), strings.HasPrefix(s, "-LOADING"):
		return c.fail(now, LogNotice, "Master is currently unable to PSYNC but should be in the future: %s", s)
	case strings.HasPrefix(s, "-"):
		return c.fail(now, LogWarning, "Unexpected reply to PSYNC from master: %s", s)
	}
	return c.fail(now, LogWarning, "Unexpected reply to PSYNC from master: %s", s)
}

func (c *Core) emptyBatch() []Action {
	b := &Batch{DB: c.db, Repl: c.pos(c.applied)}
	return []Action{{Kind: ActApply, Batch: b}}
}

func (c *Core) pos(off int64) store.ReplState {
	return store.ReplState{ReplID: c.replID, Offset: off, ReplID2: c.replID2, Offset2: c.offset2}
}

func (c *Core) header(now time.Time, line []byte) []Action {
	if line[0] == '-' {
		return c.fail(now, LogWarning, "MASTER aborted replication with an error: %s", line)
	}
	if line[0] != '$' {
		return c.fail(now, LogWarning, "Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line)
	}
	rs := store.ReplState{ReplID: c.fullID, Offset: c.fullOff, ReplID2: ZeroID, Offset2: -1}
	c.state = StateSync
	c.expect = nil
	if bytes.HasPrefix(line, []byte("$EOF:")) && len(line) >= 5+40 {
		mark := append([]byte(nil), line[5:5+40]...)
		c.mark = true
		return []Action{logf(LogNotice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"),
			{Kind: ActLoad, Size: -1, Mark: mark, Repl: rs}}
	}
	n, err := strconv.ParseInt(string(line[1:]), 10, 64)
	if err != nil || n < 0 {
		return c.fail(now, LogWarning, "Bad RDB payload length from MASTER: %s", line)
	}
	c.mark = false
	return []Action{logf(LogNotice, "MASTER <-> REPLICA sync: receiving %d bytes from master to disk", n),
		{Kind: ActLoad, Size: n, Repl: rs}}
}

// Loaded reports the end of a full-sync load: err nil means the copy was
// committed with the position of the ActLoad, and streamDB is the RDB's
// repl-stream-db (0 when absent).
func (c *Core) Loaded(now time.Time, err error, streamDB int) []Action {
	if c.state != StateSync {
		return nil
	}
	c.lastIO = now
	if err != nil {
		return c.fail(now, LogWarning, "Failed trying to load the MASTER synchronization DB from socket, check server logs: %v", err)
	}
	c.replID, c.applied, c.read, c.queued = c.fullID, c.fullOff, c.fullOff, c.fullOff
	c.replID2, c.offset2 = ZeroID, -1
	c.db = streamDB
	c.known = c.replID != ZeroID
	c.state = StateConnected
	c.backoff = 0
	c.fulls++
	acts := []Action{logf(LogNotice, "MASTER <-> REPLICA sync: Finished with success")}
	acts = append(acts, Action{Kind: ActStream})
	if c.mark {
		// The master starts the stream only after this first ACK.
		acts = append(acts, c.ack(now, 0))
	}
	return acts
}

func (c *Core) ack(now time.Time, durable int64) Action {
	c.lastAck = now
	args := cmd("REPLCONF", "ACK", strconv.FormatInt(c.applied, 10))
	if durable > 0 {
		args = append(args, []byte("FACK"), []byte(strconv.FormatInt(durable, 10)))
	}
	return Action{Kind: ActSend, Cmds: [][][]byte{args}}
}

// Command handles one command of the master's stream (args nil for a
// keep-alive newline) that took n bytes. Commands collect into a pending
// Batch; call Flush when no more input is buffered.
func (c *Core) Command(now time.Time, args [][]byte, n int64) []Action {
	if c.state != StateConnected {
		return nil
	}
	c.lastIO = now
	c.read += n
	if c.pending == nil {
		c.pending = &Batch{}
	}
	if len(args) == 0 {
		c.addBytes(n)
		return nil
	}
	name := strings.ToLower(string(args[0]))
	switch {
	case name == "multi" && !c.inMulti:
		c.inMulti = true
		c.multi = Unit{}
		c.multiBytes = n
		return nil
	case name == "exec" && c.inMulti:
		c.inMulti = false
		c.pending.Units = append(c.pending.Units, c.multi)
		c.pending.ncmd += len(c.multi.Cmds)
		c.queued += c.multiBytes + n
		c.multi = Unit{}
		return c.maybeFlush()
	case name == "discard" && c.inMulti:
		c.inMulti = false
		c.multi = Unit{}
		c.queued += c.multiBytes + n
		return nil
	case name == "replconf" && len(args) >= 2 && strings.EqualFold(string(args[1]), "getack"):
		// Answer with the offset before this GETACK, as Redis (the offset
		// moves after the command returns).
		acts := c.Flush()
		acts = append(acts, Action{Kind: ActSend, Cmds: [][][]byte{cmd("REPLCONF", "ACK", strconv.FormatInt(c.queued, 10))}})
		c.lastAck = now
		c.addBytes(n)
		return acts
	case name == "replconf":
		c.addBytes(n)
		return nil
	}
	if c.inMulti {
		c.multi.Cmds = append(c.multi.Cmds, args)
		c.multiBytes += n
		return nil
	}
	c.pending.Units = append(c.pending.Units, Unit{Cmds: [][][]byte{args}})
	c.pending.ncmd++
	c.queued += n
	return c.maybeFlush()
}

func (c *Core) addBytes(n int64) {
	if c.inMulti {
		c.multiBytes += n
		return
	}
	if c.pending == nil {
		c.pending = &Batch{}
	}
	c.queued += n
}

func (c *Core) maybeFlush() []Action {
	if c.pending.ncmd >= c.cfg.MaxBatch {
		return c.Flush()
	}
	return nil
}

// Flush hands the pending batch to the shell (ActApply). The shell applies
// it and calls Applied before feeding more commands.
func (c *Core) Flush() []Action {
	if c.pending == nil || c.state != StateConnected {
		return nil
	}
	if len(c.pending.Units) == 0 && c.queued == c.applied {
		c.pending = nil
		return nil
	}
	b := c.pending
	c.pending = nil
	b.DB = c.db
	b.Repl = c.pos(c.queued)
	return []Action{{Kind: ActApply, Batch: b}}
}

// Applied reports that b was committed; db is the stream's db after it. A
// store failure (err) drops the link: the master resends from the last
// committed offset.
func (c *Core) Applied(now time.Time, b *Batch, db int, err error) []Action {
	if err != nil {
		return c.fail(now, LogWarning, "Failed applying the master's stream: %v", err)
	}
	c.applied = b.Repl.Offset
	c.db = db
	return nil
}

// Tick runs the periodic work: reconnects, timeouts, and the once-a-second
// REPLCONF ACK (durable is the offset known to be fsynced, sent as FACK).
func (c *Core) Tick(now time.Time, durable int64) []Action {
	switch c.state {
	case StateConnect:
		if !now.Before(c.retryAt) {
			return c.connect(now)
		}
	case StateConnecting, StateHandshake:
		if now.Sub(c.lastIO) > c.cfg.Timeout {
			return c.fail(now, LogWarning, "Timeout connecting to the MASTER...")
		}
	case StateSync:
		// The shell enforces the transfer timeout on its reads.
	case StateConnected:
		if now.Sub(c.lastIO) > c.cfg.Timeout {
			return c.fail(now, LogWarning, "MASTER timeout: no data nor PING received...")
		}
		if now.Sub(c.lastAck) >= time.Second {
			if durable > c.applied {
				durable = c.applied
			}
			return []Action{c.ack(now, durable)}
		}
	}
	return nil
}
