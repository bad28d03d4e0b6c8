package replication

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Options configure a Replica.
type Options struct {
	Config  Config
	DB      *store.DB
	Applier Applier
	// Logf logs one line at a LogXxx level.
	Logf func(level int, format string, args ...any)
	// OnLoad, when set, runs on each full-sync load batch (tests slow it down).
	OnLoad func()
}

// Replica is the shell around Core: one goroutine that owns the master
// connection and executes the core's actions, and while streaming a second
// goroutine that reads commands. Apart from Status and Progress, all of it
// runs on the replica's own goroutine.
type Replica struct {
	o    Options
	mu   sync.Mutex // guards core
	core *Core

	stop   chan struct{}
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc

	conn   net.Conn
	rd     *resp.Reader
	wmu    sync.Mutex // guards writes to conn
	gen    int
	events chan streamEvent

	// Raw stream bytes not yet handed to a batch, from offset rawStart.
	rawBuf   []byte
	rawStart int64

	// Full-sync progress, for INFO.
	syncing    atomic.Bool
	syncTotal  atomic.Int64
	syncRead   atomic.Int64
	syncLastIO atomic.Int64 // unix nanos
	syncStart  atomic.Int64 // unix seconds
	syncKeys   atomic.Int64
	lastIO     atomic.Int64 // unix nanos of the last byte from the master
}

type streamEvent struct {
	gen  int
	args [][]byte
	raw  []byte
	n    int64
	err  error
}

// Start begins following the master described by o.Config from the
// committed position of o.DB.
func Start(o Options) *Replica {
	if o.Logf == nil {
		o.Logf = func(int, string, ...any) {}
	}
	if o.Config.Timeout <= 0 {
		o.Config.Timeout = 60 * time.Second
	}
	r := &Replica{o: o, core: NewCore(o.Config, o.DB.Repl()), stop: make(chan struct{}), done: make(chan struct{}),
		events: make(chan streamEvent, 4096)}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.run()
	return r
}

// Stop disconnects and waits for the replica's goroutines to end.
func (r *Replica) Stop() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
		r.cancel()
		// Interrupt a read in progress (a long load, a handshake reply).
		r.wmu.Lock()
		if r.conn != nil {
			r.conn.Close()
		}
		r.wmu.Unlock()
	}
	<-r.done
}

// Status returns the link's state.
func (r *Replica) Status() Status {
	r.mu.Lock()
	st := r.core.Status()
	r.mu.Unlock()
	if ns := r.lastIO.Load(); ns > 0 {
		st.LastIO = time.Unix(0, ns)
	}
	return st
}

// DropLink closes the connection to the master, if any (CLIENT KILL TYPE
// master); the replica then reconnects as after any link failure.
func (r *Replica) DropLink() bool {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.conn == nil {
		return false
	}
	r.conn.Close()
	return true
}

// Progress is the state of a running full sync.
type Progress struct {
	Active    bool
	Total     int64 // payload bytes, 0 for a diskless transfer, -1 before the header
	Read      int64
	LastIO    time.Time
	StartTime int64 // unix seconds
	Keys      int64
}

// Progress returns the full-sync progress.
func (r *Replica) Progress() Progress {
	return Progress{Active: r.syncing.Load(), Total: r.syncTotal.Load(), Read: r.syncRead.Load(),
		LastIO: time.Unix(0, r.syncLastIO.Load()), StartTime: r.syncStart.Load(), Keys: r.syncKeys.Load()}
}

// Reconfigure changes the handshake settings (masterauth, masteruser,
// replica-announce-ip/port, repl-timeout) for the next connection; the
// master's address cannot change (start a new Replica).
func (r *Replica) Reconfigure(fn func(c *Config)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := r.core.cfg
	fn(&cfg)
	cfg.Host, cfg.Port = r.core.cfg.Host, r.core.cfg.Port
	if cfg.Timeout <= 0 {
		cfg.Timeout = r.core.cfg.Timeout
	}
	r.core.cfg = cfg
}

func (r *Replica) timeout() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.core.cfg.Timeout
}

// Host and Port of the master.
func (r *Replica) Host() string { return r.o.Config.Host }

// Port of the master.
func (r *Replica) Port() int { return r.o.Config.Port }

func (r *Replica) call(fn func(c *Core) []Action) {
	r.mu.Lock()
	acts := fn(r.core)
	r.mu.Unlock()
	r.exec(acts)
}

func (r *Replica) durable() int64 {
	rs := r.o.DB.DurableRepl()
	if rs == nil {
		return 0
	}
	st := r.core.Status()
	if rs.ReplID != st.ReplID {
		return 0
	}
	return rs.Offset
}

func (r *Replica) run() {
	defer close(r.done)
	defer r.closeConn()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	r.call(func(c *Core) []Action { return c.Start(time.Now()) })
	for {
		select {
		case <-r.stop:
			r.call(func(c *Core) []Action { return c.Stop() })
			return
		case <-t.C:
			r.call(func(c *Core) []Action { return c.Tick(time.Now(), r.durable()) })
		case ev := <-r.events:
			r.stream(ev)
		}
	}
}

// stream feeds ev and everything queued behind it to the core, then
// flushes one batch: commands that arrived together commit together.
func (r *Replica) stream(ev streamEvent) {
	for i := 0; ; i++ {
		if ev.gen == r.gen {
			if ev.err != nil {
				r.call(func(c *Core) []Action { return c.LinkDown(time.Now(), ev.err) })
			} else {
				r.rawBuf = append(r.rawBuf, ev.raw...)
				r.call(func(c *Core) []Action { return c.Command(time.Now(), ev.args, ev.n) })
			}
		}
		if i >= 4096 {
			break
		}
		select {
		case ev = <-r.events:
			continue
		default:
		}
		break
	}
	r.call(func(c *Core) []Action { return c.Flush() })
}

func (r *Replica) exec(acts []Action) {
	for i := 0; i < len(acts); i++ {
		select {
		case <-r.stop:
			return
		default:
		}
		a := acts[i]
		var next []Action
		switch a.Kind {
		case ActLog:
			r.o.Logf(a.Level, "%s", a.Text)
		case ActConnect:
			next = r.connect(a)
		case ActSend:
			next = r.send(a)
		case ActSendRaw:
			r.write(a.Raw)
		case ActReadLine:
			next = r.readLine()
		case ActLoad:
			db, err := r.load(a)
			r.mu.Lock()
			next = r.core.Loaded(time.Now(), err, db)
			r.mu.Unlock()
		case ActStream:
			r.rawBuf = r.rawBuf[:0]
			r.rawStart = r.Status().Offset
			go r.reader(r.gen, r.rd)
		case ActApply:
			r.attachRaw(a.Batch)
			db, err := r.o.Applier.Apply(a.Batch)
			r.mu.Lock()
			next = r.core.Applied(time.Now(), a.Batch, db, err)
			r.mu.Unlock()
		case ActClose:
			r.closeConn()
		}
		if len(next) > 0 {
			// Run the follow-up actions before the rest of this list.
			acts = append(append(append([]Action(nil), acts[:i+1]...), next...), acts[i+1:]...)
		}
	}
}

func (r *Replica) closeConn() {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.conn != nil {
		r.conn.Close()
		r.conn = nil
		r.rd = nil
		r.gen++
	}
}

// deadlineConn arms a read deadline of timeout before every read and
// records the time of the last byte.
type deadlineConn struct {
	net.Conn
	r       *Replica
	timeout time.Duration
}

func (d *deadlineConn) Read(p []byte) (int, error) {
	d.Conn.SetReadDeadline(time.Now().Add(d.timeout))
	n, err := d.Conn.Read(p)
	if n > 0 {
		d.r.lastIO.Store(time.Now().UnixNano())
	}
	return n, err
}

func (r *Replica) connect(a Action) []Action {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	r.mu.Lock()
	timeout, dial := r.core.cfg.Timeout, r.core.cfg.Dial
	r.mu.Unlock()
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	ctx, cancel := context.WithTimeout(r.ctx, timeout)
	conn, err := dial(ctx, "tcp", addr)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return r.core.LinkDown(time.Now(), err)
	}
	r.wmu.Lock()
	r.conn = conn
	r.gen++
	r.wmu.Unlock()
	r.rd = resp.NewReader(&deadlineConn{Conn: conn, r: r, timeout: timeout})
	return r.core.Connected(time.Now())
}

func (r *Replica) write(p []byte) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.conn == nil {
		return net.ErrClosed
	}
	r.conn.SetWriteDeadline(time.Now().Add(r.timeout()))
	_, err := r.conn.Write(p)
	return err
}

func (r *Replica) send(a Action) []Action {
	var buf []byte
	for _, c := range a.Cmds {
		buf = resp.AppendArrayLen(buf, len(c))
		for _, arg := range c {
			buf = resp.AppendBulk(buf, arg)
		}
	}
	if err := r.write(buf); err != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.core.LinkDown(time.Now(), err)
	}
	return nil
}

func (r *Replica) readLine() []Action {
	if r.rd == nil {
		return nil
	}
	line, err := r.rd.ReadLine()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return r.core.LinkDown(time.Now(), err)
	}
	return r.core.Line(time.Now(), line)
}

// reader reads the command stream of connection gen into events.
func (r *Replica) reader(gen int, rd *resp.Reader) {
	if rd == nil {
		return
	}
	for {
		args, raw, err := rd.ReadCommandRaw()
		n := int64(len(raw))
		if err != nil {
			select {
			case r.events <- streamEvent{gen: gen, err: err}:
			case <-r.stop:
			}
			return
		}
		var own [][]byte
		if len(args) > 0 {
			own = cloneArgs(args)
		}
		select {
		case r.events <- streamEvent{gen: gen, args: own, raw: raw, n: n}:
		case <-r.stop:
			return
		}
	}
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
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// countReader counts payload bytes for INFO's master_sync_* fields.
type countReader struct {
	r io.Reader
	p *Replica
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.p.syncRead.Add(int64(n))
		c.p.syncLastIO.Store(time.Now().UnixNano())
	}
	return n, err
}

// load receives the RDB payload into a new keyspace copy and commits it
// with the position of a; on any failure the old copy stays.
func (r *Replica) load(a Action) (streamDB int, err error) {
	start := time.Now()
	r.syncTotal.Store(max(a.Size, 0))
	r.syncRead.Store(0)
	r.syncKeys.Store(0)
	r.syncStart.Store(start.Unix())
	r.syncLastIO.Store(start.UnixNano())
	r.syncing.Store(true)
	defer r.syncing.Store(false)
	if r.rd == nil {
		return 0, net.ErrClosed
	}
	// Keep the master's view of us fresh while a long load runs, as Redis's
	// replica does from rdbLoadProgressCallback: a bare newline a second.
	stopKA := make(chan struct{})
	var kaWG sync.WaitGroup
	kaWG.Add(1)
	go func() {
		defer kaWG.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopKA:
				return
			case <-t.C:
				r.write([]byte("\n"))
			}
		}
	}()
	defer func() { close(stopKA); kaWG.Wait() }()

	var payload io.Reader
	if a.Mark != nil {
		payload = resp.NewEOFMarkReader(r.rd, a.Mark)
	} else {
		payload = io.LimitReader(r.rd, a.Size)
	}
	src := &countReader{r: payload, p: r}
	defer loadGC()()
	l, err := r.o.DB.BeginLoad()
	if err != nil {
		return 0, err
	}
	r.o.Logf(LogNotice, "MASTER <-> REPLICA sync: Loading DB in memory")
	h := newLoader(func(db int, cmds [][][]byte, fresh bool) error {
		if r.o.OnLoad != nil {
			r.o.OnLoad()
		}
		update := l.Update
		if fresh {
			update = l.UpdateFresh
		}
		return update(func(tx *store.Tx) error {
			tx.SetKeepExpired(true)
			return r.o.Applier.LoadApply(tx, db, cmds)
		})
	}, r.o.Logf)
	br := bufio.NewReaderSize(src, 64<<10)
	lastLog := start
	h.progress = func() {
		r.syncKeys.Store(h.keys)
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			r.o.Logf(LogNotice, "MASTER <-> REPLICA sync: loaded %d keys, %d bytes so far", h.keys, r.syncRead.Load())
		}
	}
	err = rdb.Decode(br, h)
	if err == nil {
		err = h.flush()
	}
	if err == nil {
		// The rest of the payload (nothing for a well-formed RDB; the EOF
		// mark for a diskless one) must be consumed before the stream.
		var extra int64
		extra, err = io.Copy(io.Discard, br)
		if err == nil && extra > 0 {
			r.o.Logf(LogWarning, "MASTER <-> REPLICA sync: %d bytes after the RDB's end ignored", extra)
		}
	}
	if err != nil {
		if aerr := l.Abort(); aerr != nil && !errors.Is(aerr, store.ErrLoadDone) {
			r.o.Logf(LogWarning, "Aborting the load: %v", aerr)
		}
		r.o.Logf(LogWarning, "MASTER <-> REPLICA sync: the transfer failed, keeping the old data: %v", err)
		return 0, err
	}
	rs := a.Repl
	rs.DB = h.streamDB
	if err := l.Commit(rs); err != nil {
		return 0, fmt.Errorf("committing the loaded copy: %w", err)
	}
	r.o.Logf(LogNotice, "MASTER <-> REPLICA sync: loaded %d keys (%d bytes) in %.3f seconds, switched to the new data set",
		h.keys, r.syncRead.Load(), time.Since(start).Seconds())
	return h.streamDB, nil
}

// attachRaw hands b the raw stream bytes it covers (those up to its end
// offset), for a chained replica's own replicas.
func (r *Replica) attachRaw(b *Batch) {
	need := b.Repl.Offset - r.rawStart
	if need < 0 || need > int64(len(r.rawBuf)) {
		b.Raw = nil
		return
	}
	b.Raw = append([]byte(nil), r.rawBuf[:need]...)
	r.rawBuf = append(r.rawBuf[:0], r.rawBuf[need:]...)
	r.rawStart = b.Repl.Offset
	b.RawOK = true
}

// loadGCPercent is the Go GC target while a full sync loads: the load
// allocates fast and pebble's memtable arenas count as live heap, so the
// default GOGC=100 would let garbage grow by as much again before a
// collection; a load is not latency-bound, and the collector's extra work
// is small beside the store's.
const loadGCPercent = 25

var (
	loadGCMu    sync.Mutex
	loadGCUsers int
	loadGCSaved int
)

// loadGC lowers the GC target for a load; the returned func restores it
// when the last running load ends.
func loadGC() func() {
	loadGCMu.Lock()
	defer loadGCMu.Unlock()
	if loadGCUsers == 0 {
		loadGCSaved = debug.SetGCPercent(loadGCPercent)
		if loadGCSaved >= 0 && loadGCSaved < loadGCPercent {
			debug.SetGCPercent(loadGCSaved)
		}
	}
	loadGCUsers++
	return func() {
		loadGCMu.Lock()
		defer loadGCMu.Unlock()
		loadGCUsers--
		if loadGCUsers == 0 {
			debug.SetGCPercent(loadGCSaved)
		}
	}
}
