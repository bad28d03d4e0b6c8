package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Errors returned by the store.
var (
	ErrCorrupt   = errors.New("store: corrupt record")
	ErrWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")
	ErrClosed    = errors.New("store: closed")
	ErrNoDB      = errors.New("ERR DB index is out of range")
)

// formatVersion is written in the 00 'F' record of a new store.
const formatVersion = 1

// Sync says when a commit waits for the WAL fsync, as appendfsync.
type Sync int32

// appendfsync modes.
const (
	SyncEverysec Sync = iota // NoSync commits, plus a synced one at most a second later
	SyncAlways               // every group commit waits for fsync
	SyncNo                   // never sync explicitly
)

// Options configure Open.
type Options struct {
	Databases    int    // number of logical dbs (databases directive)
	CacheSize    int64  // pebble block cache bytes
	MemTableSize uint64 // pebble memtable bytes
	Sync         Sync
	FS           vfs.FS // nil: the OS file system; vfs.NewMem() in tests
	Logger       pebble.Logger
	// MaxGroup bounds how many write requests one group commit holds.
	MaxGroup int
	// Logf, when set, receives the store's own warnings (disk faults).
	Logf func(format string, args ...any)
	// MetaCacheSize bounds the in-memory cache of metadata records and
	// small strings (cache.go): 0 means 64 MB, negative turns it off.
	MetaCacheSize int64
}

func (o Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// DefaultOptions returns the options of a redis.conf with no directives.
func DefaultOptions() Options {
	return Options{Databases: 16, CacheSize: 256 << 20, MemTableSize: 64 << 20, Sync: SyncEverysec, MaxGroup: 1024}
}

// Validate checks o.
func (o Options) Validate() error {
	if o.Databases < 1 || o.Databases > 1<<20 {
		return fmt.Errorf("store: databases %d out of range", o.Databases)
	}
	return nil
}

// counter holds the published key and expire counts of one keyspace.
type counter struct {
	keys    atomic.Int64
	expires atomic.Int64
}

// DB is redpebble's keyspace: one pebble database holding every logical db.
// Reads run concurrently on any goroutine (View); writes are queued to one
// writer goroutine that applies them in order and commits them in groups
// (Update).
type DB struct {
	pdb  *pebble.DB
	opts Options
	sync atomic.Int32

	reqs    chan *request
	stop    chan struct{}
	stopped chan struct{}
	closeMu sync.RWMutex // guards closed against concurrent Update
	closed  bool

	// dbmap maps logical db n to its keyspace id; replaced by pointer after
	// each commit that changes it.
	dbmap atomic.Pointer[[]uint32]

	countersMu sync.Mutex // guards creation in counters
	counters   map[uint32]*counter

	// Writer-owned state.
	nextKeyID uint64
	keyIDMark uint64
	nextKsid  uint32
	lastSync  time.Time
	unsynced  bool

	repl atomic.Pointer[ReplState]
	// durable is repl as of the last commit known to be fsynced.
	durable atomic.Pointer[ReplState]

	// OnCommit, when set before the first Update, runs on the writer
	// goroutine after each successful group commit with the events of the
	// group (keys touched, expired keys).
	onCommit func(ev *Events)
	// beforeCommit runs with the group's Tx before its commit (backlog.go).
	beforeCommit func(tx *Tx)

	writeErr atomic.Pointer[error]

	noteNew atomic.Bool // Put queues a NewKey note for each key it creates (notes.go)

	// Disk faults (fault.go): pdb is swapped by a reopen under pmu.
	dir      string
	popts    *pebble.Options
	pmu      sync.RWMutex
	failed   atomic.Pointer[error]
	gen      atomic.Uint64
	onReopen func()

	// The metadata cache (cache.go). commitMu is held exclusively by the
	// writer across a commit and the cache update, shared by cache readers.
	cache    *metaCache
	commitMu sync.RWMutex
	cacheGen uint64 // guarded by commitMu; advanced by every commit
	// cacheBypass is set (under commitMu) while a synced commit runs
	// without commitMu: readers read pebble, not the cache.
	cacheBypass bool
}

// ReplState is the replication position committed with the data.
type ReplState struct {
	ReplID  string
	Offset  int64
	ReplID2 string
	Offset2 int64
	// DB is the logical db selected in the master's stream at Offset.
	DB int
}

// Open opens or creates the store in dir.
func Open(dir string, o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.MaxGroup <= 0 {
		o.MaxGroup = 1024
	}
	po := &pebble.Options{
		FS:                          o.FS,
		CacheSize:                   o.CacheSize,
		MemTableSize:                o.MemTableSize,
		MemTableStopWritesThreshold: 4,
		FormatMajorVersion:          pebble.FormatNewest,
		FlushDelayDeleteRange:       10 * time.Second,
		LBaseMaxBytes:               256 << 20,
		Logger:                      o.Logger,
		CompactionConcurrencyRange:  func() (int, int) { return 1, 2 },
	}
	if po.Logger == nil {
		po.Logger = quietLogger{}
	}
	po.Logger = fatalLogger{po.Logger}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if po.MemTableSize == 0 {
		po.MemTableSize = 64 << 20
	}
	pristine := po.Clone()
	pdb, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	d := &DB{pdb: pdb, opts: o, reqs: make(chan *request, 4096), stop: make(chan struct{}), stopped: make(chan struct{}),
		counters: map[uint32]*counter{}, lastSync: time.Now(), dir: dir, popts: pristine, cacheGen: 1}
	switch {
	case o.MetaCacheSize == 0:
		d.cache = newMetaCache(64 << 20)
	case o.MetaCacheSize > 0:
		d.cache = newMetaCache(o.MetaCacheSize)
	}
	d.sync.Store(int32(o.Sync))
	if err := d.load(); err != nil {
		pdb.Close()
		return nil, err
	}
	if d.cache != nil {
		if err := d.fillCache(d.cache.maxShard * cacheShards / 256); err != nil {
			pdb.Close()
			return nil, err
		}
	}
	go d.writer()
	return d, nil
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...interface{})  {}
func (quietLogger) Errorf(string, ...interface{}) {}
func (quietLogger) Fatalf(format string, args ...interface{}) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// load reads the system records, creating them on a new store.
func (d *DB) load() error {
	get := func(k []byte) ([]byte, bool, error) {
		v, c, err := d.pdb.Get(k)
		if errors.Is(err, pebble.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		out := append([]byte(nil), v...)
		c.Close()
		return out, true, nil
	}
	b := d.pdb.NewBatch()
	defer b.Close()
	fv, ok, err := get(sysKey(sysFormat))
	if err != nil {
		return err
	}
	if !ok {
		b.Set(sysKey(sysFormat), binary.BigEndian.AppendUint32(nil, formatVersion), nil)
	} else if len(fv) != 4 || binary.BigEndian.Uint32(fv) != formatVersion {
		return fmt.Errorf("%w: unknown store format %x", ErrCorrupt, fv)
	}
	if v, ok, err := get(sysKey(sysNextKS)); err != nil {
		return err
	} else if ok && len(v) == 4 {
		d.nextKsid = binary.BigEndian.Uint32(v)
	} else {
		d.nextKsid = 1
	}
	if v, ok, err := get(sysKey(sysKeyID)); err != nil {
		return err
	} else if ok && len(v) == 8 {
		d.nextKeyID = binary.BigEndian.Uint64(v)
		d.keyIDMark = d.nextKeyID
	} else {
		d.nextKeyID = 1
	}
	var dbmap []uint32
	if v, ok, err := get(sysKey(sysDBMap)); err != nil {
		return err
	} else if ok {
		for i := 0; i+4 <= len(v); i += 4 {
			dbmap = append(dbmap, binary.BigEndian.Uint32(v[i:]))
		}
	}
	for len(dbmap) < d.opts.Databases {
		dbmap = append(dbmap, d.nextKsid)
		d.nextKsid++
	}
	b.Set(sysKey(sysNextKS), appendU32(nil, d.nextKsid), nil)
	b.Set(sysKey(sysDBMap), encodeDBMap(dbmap), nil)
	d.dbmap.Store(&dbmap)
	for _, ks := range dbmap {
		c := d.counter(ks)
		if v, ok, err := get(sysKey(sysCounters, ks)); err != nil {
			return err
		} else if ok && len(v) == 16 {
			c.keys.Store(int64(binary.BigEndian.Uint64(v)))
			c.expires.Store(int64(binary.BigEndian.Uint64(v[8:])))
		}
	}
	if v, ok, err := get(sysKey(sysRepl)); err != nil {
		return err
	} else if ok {
		rs, err := decodeRepl(v)
		if err != nil {
			return err
		}
		d.repl.Store(&rs)
		d.durable.Store(&rs)
	}
	// Finish dropping keyspaces whose range delete was pending, and any
	// half-loaded copy from an interrupted full sync.
	if err := d.sweepDropped(b); err != nil {
		return err
	}
	if err := d.sweepLoad(b); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}

func (d *DB) sweepDropped(b *pebble.Batch) error {
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{tagSys, sysDrop}, UpperBound: []byte{tagSys, sysDrop + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != 6 {
			continue
		}
		ks := binary.BigEndian.Uint32(k[2:])
		b.DeleteRange(ksPrefix(nil, ks), ksPrefix(nil, ks+1), nil)
		b.Delete(append([]byte(nil), k...), nil)
	}
	return it.Error()
}

func encodeDBMap(m []uint32) []byte {
	b := make([]byte, 0, 4*len(m))
	for _, ks := range m {
		b = appendU32(b, ks)
	}
	return b
}

func (d *DB) counter(ksid uint32) *counter {
	d.countersMu.Lock()
	defer d.countersMu.Unlock()
	c := d.counters[ksid]
	if c == nil {
		c = &counter{}
		d.counters[ksid] = c
	}
	return c
}

// Databases returns the number of logical dbs.
func (d *DB) Databases() int { return d.opts.Databases }

// DBSize returns the number of keys in logical db n, counting keys that are
// logically expired but not yet deleted, as Redis does.
func (d *DB) DBSize(n int) int64 {
	m := *d.dbmap.Load()
	if n < 0 || n >= len(m) {
		return 0
	}
	return d.counter(m[n]).keys.Load()
}

// Expires returns the number of keys with a TTL in logical db n.
func (d *DB) Expires(n int) int64 {
	m := *d.dbmap.Load()
	if n < 0 || n >= len(m) {
		return 0
	}
	return d.counter(m[n]).expires.Load()
}

// SetSync changes the durability mode (CONFIG SET appendfsync).
func (d *DB) SetSync(s Sync) { d.sync.Store(int32(s)) }

// Repl returns the committed replication state, or nil when none was stored.
func (d *DB) Repl() *ReplState { return d.repl.Load() }

// DurableRepl returns the replication state of the last commit known to be
// fsynced (what survives a power loss), or nil.
func (d *DB) DurableRepl() *ReplState { return d.durable.Load() }

// WriteError returns the last commit error, or nil once a commit succeeded.
// While the store is failed (Failed) it is that error.
func (d *DB) WriteError() error {
	if p := d.failed.Load(); p != nil {
		return *p
	}
	if p := d.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// SetOnCommit installs the hook run after each successful group commit. It
// must be set before the first Update.
func (d *DB) SetOnCommit(fn func(ev *Events)) { d.onCommit = fn }

// Flush writes the memtable to an sstable (SAVE / BGSAVE).
func (d *DB) Flush() error {
	if err := d.Failed(); err != nil {
		return err
	}
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	return d.guard(d.pdb.Flush)
}

// Checkpoint writes a consistent openable copy of the store into dir.
func (d *DB) Checkpoint(dir string) error {
	if err := d.Failed(); err != nil {
		return err
	}
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	return d.guard(func() error { return d.pdb.Checkpoint(dir, pebble.WithFlushedWAL()) })
}

// Metrics returns pebble's metrics text for INFO.
func (d *DB) Metrics() *pebble.Metrics {
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	return d.pdb.Metrics()
}

// Close stops the writer, syncs and closes pebble.
func (d *DB) Close() error {
	d.closeMu.Lock()
	if d.closed {
		d.closeMu.Unlock()
		return nil
	}
	d.closed = true
	close(d.stop)
	d.closeMu.Unlock()
	<-d.stopped
	d.pmu.Lock()
	defer d.pmu.Unlock()
	if d.Failed() != nil {
		_ = d.guard(d.pdb.Close)
		return d.WriteError()
	}
	_ = d.guard(func() error { return d.pdb.LogData(nil, pebble.Sync) })
	return d.guard(d.pdb.Close)
}

func decodeRepl(v []byte) (ReplState, error) {
	var rs ReplState
	r := v
	str := func() (string, bool) {
		if len(r) < 1 || len(r) < 1+int(r[0]) {
			return "", false
		}
		s := string(r[1 : 1+r[0]])
		r = r[1+r[0]:]
		return s, true
	}
	num := func() (int64, bool) {
		if len(r) < 8 {
			return 0, false
		}
		n := int64(binary.BigEndian.Uint64(r))
		r = r[8:]
		return n, true
	}
	var ok1, ok2, ok3, ok4 bool
	rs.ReplID, ok1 = str()
	rs.Offset, ok2 = num()
	rs.ReplID2, ok3 = str()
	rs.Offset2, ok4 = num()
	if !(ok1 && ok2 && ok3 && ok4) {
		return rs, fmt.Errorf("%w: replication record", ErrCorrupt)
	}
	if n, ok := num(); ok {
		rs.DB = int(n)
	}
	return rs, nil
}

func encodeRepl(rs *ReplState) []byte {
	var b []byte
	b = append(b, byte(len(rs.ReplID)))
	b = append(b, rs.ReplID...)
	b = binary.BigEndian.AppendUint64(b, uint64(rs.Offset))
	b = append(b, byte(len(rs.ReplID2)))
	b = append(b, rs.ReplID2...)
	b = binary.BigEndian.AppendUint64(b, uint64(rs.Offset2))
	b = binary.BigEndian.AppendUint64(b, uint64(rs.DB))
	return b
}

// getCopy reads k from r and returns a copy of its value.
func getCopy(r pebble.Reader, k []byte) ([]byte, bool, error) {
	v, c, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append([]byte(nil), v...)
	c.Close()
	return out, true, nil
}

var _ io.Closer = (*pebble.Batch)(nil)
