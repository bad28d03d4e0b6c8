package replication

import (
	"bytes"
	"hash/maphash"
	"math"
	"strconv"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// Applier runs write commands through the server's command table. The
// replication package never builds keys itself: the stream's commands and
// the commands an RDB translates into go through the same handlers as
// clients' writes, so every data type the server supports replicates.
type Applier interface {
	// Apply runs b's units in one store transaction with the master's
	// client (fromMaster set, expired keys kept), its db starting at b.DB,
	// and commits b.Repl in the same batch with Repl.DB set to the db
	// selected at the end, which it returns.
	Apply(b *Batch) (db int, err error)
	// LoadApply runs cmds, built from an RDB, in tx (a transaction of a
	// store.Load) with db selected. Command errors are the Applier's to
	// report; only store failures are returned.
	LoadApply(tx *store.Tx, db int, cmds [][][]byte) error
}

// Commands per RDB-load transaction and elements per collection command.
// A batch is cut between keys once it holds loadBatchCmds commands or
// loadBatchBytes bytes, and inside a key (a big collection) only at four
// times that.
const (
	loadBatchCmds  = 512
	loadBatchBytes = 4 << 20
	elemsPerCmd    = 128
)

// loader turns a decoded RDB into write commands, applied in batches into
// a store.Load. Expiry is set last with PEXPIREAT (kept even when already
// past: only the master's DEL removes such a key).
type loader struct {
	rdb.NopHandler
	// apply runs one batch; fresh says that every key the batch writes is
	// wholly inside it and new to the load, so its reads of the loaded
	// keyspace need not look past the batch (store.Load.UpdateFresh).
	apply    func(db int, cmds [][][]byte, fresh bool) error
	logf     func(level int, format string, args ...any)
	progress func()

	db       int
	streamDB int
	cmds     [][][]byte
	size     int
	keys     int64

	// inKey is set between a key's first command and its last; notFresh
	// marks the pending batch as continuing a key cut by the previous flush
	// or holding a key that may have been seen before (a duplicate key in
	// the RDB, or a false positive of seen).
	inKey    bool
	notFresh bool
	seen     keyFilter

	// The collection being built.
	key    []byte
	expire int64
	cur    [][]byte
	curLen int
	prefix [][]byte

	// Streams.
	entries int
	group   []byte
	pel     map[rdb.StreamID]rdb.StreamPendingEntry
	cons    []byte
}

func newLoader(apply func(db int, cmds [][][]byte, fresh bool) error, logf func(int, string, ...any)) *loader {
	return &loader{apply: apply, logf: logf}
}

func cp(b []byte) []byte { return append([]byte(nil), b...) }

func (l *loader) add(args [][]byte) error {
	l.cmds = append(l.cmds, args)
	for _, a := range args {
		l.size += len(a)
	}
	limit := 1
	if l.inKey {
		limit = 4
	}
	if len(l.cmds) >= limit*loadBatchCmds || l.size >= limit*loadBatchBytes {
		return l.flush()
	}
	return nil
}

// full reports whether the pending batch should be cut before the next key.
func (l *loader) full() bool { return len(l.cmds) >= loadBatchCmds || l.size >= loadBatchBytes }

// beginKey starts the commands of one key of the RDB.
func (l *loader) beginKey(key []byte) error {
	if l.full() {
		if err := l.flush(); err != nil {
			return err
		}
	}
	l.keys++
	if l.seen.testAndAdd(l.db, key) {
		l.notFresh = true
	}
	l.inKey = true
	return nil
}

// endKey ends the commands of the current key.
func (l *loader) endKey() error {
	l.inKey = false
	if l.full() {
		return l.flush()
	}
	return nil
}

func (l *loader) flush() error {
	if len(l.cmds) == 0 {
		return nil
	}
	cmds := l.cmds
	fresh := !l.notFresh
	l.cmds, l.size = nil, 0
	// A flush inside a key leaves the rest of it to a batch that must see
	// this one's writes.
	l.notFresh = l.inKey
	if l.progress != nil {
		l.progress()
	}
	return l.apply(l.db, cmds, fresh)
}

// ResizeDB sizes the filter of seen keys from the RDB's hint.
func (l *loader) ResizeDB(size, expires uint64) error {
	l.seen.reserve(size)
	return nil
}

// Aux notes repl-stream-db.
func (l *loader) Aux(key, val []byte) error {
	if string(key) == "repl-stream-db" {
		if n, err := strconv.Atoi(string(val)); err == nil {
			l.streamDB = n
		}
	}
	return nil
}

// SelectDB switches the db of the following commands.
func (l *loader) SelectDB(db int) error {
	if err := l.flush(); err != nil {
		return err
	}
	l.db = db
	return nil
}

// Function loads a function library.
func (l *loader) Function(code []byte) error {
	return l.add([][]byte{[]byte("FUNCTION"), []byte("LOAD"), []byte("REPLACE"), cp(code)})
}

// Module keys cannot be rebuilt from commands.
func (l *loader) Module(key []byte, info rdb.KeyInfo, m rdb.ModuleType) error {
	l.logf(LogWarning, "Skipping key '%s' of module type %s: modules are not supported", key, m.Name)
	return nil
}

func (l *loader) expireCmd(key []byte, at int64) error {
	if at == 0 {
		return nil
	}
	return l.add([][]byte{[]byte("PEXPIREAT"), cp(key), []byte(strconv.FormatInt(at, 10))})
}

// String is SET (+ PEXPIREAT).
func (l *loader) String(key []byte, info rdb.KeyInfo, value []byte) error {
	if err := l.beginKey(key); err != nil {
		return err
	}
	if err := l.add([][]byte{[]byte("SET"), cp(key), cp(value)}); err != nil {
		return err
	}
	if err := l.expireCmd(key, info.Expire); err != nil {
		return err
	}
	return l.endKey()
}

func (l *loader) start(key []byte, info rdb.KeyInfo, prefix ...string) error {
	if err := l.beginKey(key); err != nil {
		return err
	}
	l.key = cp(key)
	l.expire = info.Expire
	l.prefix = l.prefix[:0]
	for _, p := range prefix {
		l.prefix = append(l.prefix, []byte(p))
	}
	l.prefix = append(l.prefix, l.key)
	l.cur = nil
	l.curLen = 0
	return nil
}

// elem adds one element (one or more arguments) to the current command,
// cutting it every elemsPerCmd elements.
func (l *loader) elem(parts ...[]byte) error {
	if l.cur == nil {
		l.cur = append(make([][]byte, 0, len(l.prefix)+elemsPerCmd*len(parts)), l.prefix...)
	}
	for _, p := range parts {
		l.cur = append(l.cur, cp(p))
	}
	l.curLen++
	if l.curLen >= elemsPerCmd {
		return l.cut()
	}
	return nil
}

func (l *loader) cut() error {
	if l.cur == nil {
		return nil
	}
	c := l.cur
	l.cur, l.curLen = nil, 0
	return l.add(c)
}

func (l *loader) end() error {
	if err := l.cut(); err != nil {
		return err
	}
	if err := l.expireCmd(l.key, l.expire); err != nil {
		return err
	}
	return l.endKey()
}

// StartList begins RPUSH commands.
func (l *loader) StartList(key []byte, info rdb.KeyInfo) error {
	return l.start(key, info, "RPUSH")
}

// ListItem is one RPUSH element.
func (l *loader) ListItem(item []byte) error { return l.elem(item) }

// EndList flushes the list.
func (l *loader) EndList(key []byte) error { return l.end() }

// StartSet begins SADD commands.
func (l *loader) StartSet(key []byte, info rdb.KeyInfo) error {
	return l.start(key, info, "SADD")
}

// SetMember is one SADD member.
func (l *loader) SetMember(m []byte) error { return l.elem(m) }

// EndSet flushes the set.
func (l *loader) EndSet(key []byte) error { return l.end() }

// StartZSet begins ZADD commands.
func (l *loader) StartZSet(key []byte, info rdb.KeyInfo) error {
	return l.start(key, info, "ZADD")
}

// FormatScore writes a score so that ZADD parses back the same double.
func FormatScore(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ZSetMember is one ZADD score/member pair.
func (l *loader) ZSetMember(m []byte, score float64) error {
	return l.elem([]byte(FormatScore(score)), m)
}

// EndZSet flushes the sorted set.
func (l *loader) EndZSet(key []byte) error { return l.end() }

// StartHash begins HSET commands.
func (l *loader) StartHash(key []byte, info rdb.KeyInfo) error {
	return l.start(key, info, "HSET")
}

// HashField is one HSET pair. Field TTLs (Redis 7.4) have no 7.0 command.
func (l *loader) HashField(f, v []byte, exp int64) error { return l.elem(f, v) }

// EndHash flushes the hash.
func (l *loader) EndHash(key []byte) error { return l.end() }

// StartStream begins XADD commands.
func (l *loader) StartStream(key []byte, info rdb.KeyInfo) error {
	l.entries = 0
	l.group = nil
	return l.start(key, info)
}

// StreamEntry is XADD key id field value...
func (l *loader) StreamEntry(id rdb.StreamID, fields [][]byte) error {
	l.entries++
	args := make([][]byte, 0, 3+len(fields))
	args = append(args, []byte("XADD"), l.key, []byte(id.String()))
	for _, f := range fields {
		args = append(args, cp(f))
	}
	if len(fields) == 0 {
		args = append(args, []byte(""), []byte(""))
	}
	return l.add(args)
}

// StreamMeta creates an empty stream if needed, then XSETID.
func (l *loader) StreamMeta(m rdb.StreamMeta) error {
	if l.entries == 0 {
		// XADD then trim to nothing: the stream exists, empty.
		if err := l.add([][]byte{[]byte("XADD"), l.key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("")}); err != nil {
			return err
		}
	}
	args := [][]byte{[]byte("XSETID"), l.key, []byte(m.LastID.String())}
	if m.HasV2Fields {
		args = append(args, []byte("ENTRIESADDED"), []byte(strconv.FormatUint(m.EntriesAdded, 10)),
			[]byte("MAXDELETEDID"), []byte(m.MaxDeletedID.String()))
	}
	return l.add(args)
}

// StreamGroup is XGROUP CREATE ... ENTRIESREAD.
func (l *loader) StreamGroup(g rdb.StreamGroup) error {
	l.group = cp(g.Name)
	l.pel = map[rdb.StreamID]rdb.StreamPendingEntry{}
	args := [][]byte{[]byte("XGROUP"), []byte("CREATE"), l.key, l.group, []byte(g.LastID.String())}
	if g.EntriesRead >= 0 {
		args = append(args, []byte("ENTRIESREAD"), []byte(strconv.FormatInt(g.EntriesRead, 10)))
	}
	return l.add(args)
}

// StreamPendingEntry is remembered until its owner is known.
func (l *loader) StreamPendingEntry(p rdb.StreamPendingEntry) error {
	l.pel[p.ID] = p
	return nil
}

// StreamConsumer is XGROUP CREATECONSUMER.
func (l *loader) StreamConsumer(c rdb.StreamConsumer) error {
	l.cons = cp(c.Name)
	return l.add([][]byte{[]byte("XGROUP"), []byte("CREATECONSUMER"), l.key, l.group, l.cons})
}

// StreamConsumerPending is an idempotent XCLAIM ... FORCE JUSTID, as a
// master propagates deliveries.
func (l *loader) StreamConsumerPending(id rdb.StreamID) error {
	p, ok := l.pel[id]
	if !ok {
		p = rdb.StreamPendingEntry{ID: id}
	}
	return l.add([][]byte{[]byte("XCLAIM"), l.key, l.group, l.cons, []byte("0"), []byte(id.String()),
		[]byte("TIME"), []byte(strconv.FormatInt(p.DeliveryTime, 10)),
		[]byte("RETRYCOUNT"), []byte(strconv.FormatUint(p.DeliveryCount, 10)), []byte("FORCE"), []byte("JUSTID")})
}

// EndStream sets the TTL.
func (l *loader) EndStream(key []byte) error {
	l.pel = nil
	if err := l.expireCmd(l.key, l.expire); err != nil {
		return err
	}
	return l.endKey()
}

var _ rdb.Handler = (*loader)(nil)

// isCmd reports whether args[0] is name, case-insensitively.
func isCmd(args [][]byte, name string) bool {
	return len(args) > 0 && bytes.EqualFold(args[0], []byte(name))
}

// keyFilter is a Bloom filter of the (db, key) pairs loaded so far, about
// 24 bits a key (false positives about 2e-5): a key it may have seen makes
// its batch read through to the earlier ones. It grows by chaining a new
// filter when the RDB holds more keys than its RESIZEDB hints said.
type keyFilter struct {
	seed    maphash.Seed
	filters []bloom
}

type bloom struct {
	bits     []uint64
	n, limit uint64
}

const (
	bloomBitsPerKey = 24
	bloomProbes     = 10
	bloomMinKeys    = 1 << 16
)

func newBloom(keys uint64) bloom {
	keys = max(keys, bloomMinKeys)
	return bloom{bits: make([]uint64, (keys*bloomBitsPerKey+63)/64), limit: keys}
}

func (f *keyFilter) reserve(keys uint64) {
	if len(f.filters) == 0 {
		f.seed = maphash.MakeSeed()
	}
	if len(f.filters) > 0 {
		last := &f.filters[len(f.filters)-1]
		if last.limit-last.n >= keys {
			return
		}
	}
	// Bounded so that a corrupt hint cannot allocate without limit.
	f.filters = append(f.filters, newBloom(min(keys, 1<<28)))
}

func (f *keyFilter) testAndAdd(db int, key []byte) bool {
	if len(f.filters) == 0 {
		f.reserve(bloomMinKeys)
	}
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(strconv.Itoa(db))
	h.WriteByte(0)
	h.Write(key)
	h1 := h.Sum64()
	h2 := h1>>33 | h1<<31 | 1
	seen := false
	for i := range f.filters {
		if f.filters[i].has(h1, h2) {
			seen = true
			break
		}
	}
	if last := f.filters[len(f.filters)-1]; last.n >= last.limit {
		f.reserve(2 * last.limit)
	}
	last := &f.filters[len(f.filters)-1]
	last.add(h1, h2)
	return seen
}

func (b *bloom) has(h1, h2 uint64) bool {
	m := uint64(len(b.bits)) * 64
	for i := uint64(0); i < bloomProbes; i++ {
		bit := (h1 + i*h2) % m
		if b.bits[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

func (b *bloom) add(h1, h2 uint64) {
	m := uint64(len(b.bits)) * 64
	for i := uint64(0); i < bloomProbes; i++ {
		bit := (h1 + i*h2) % m
		b.bits[bit/64] |= 1 << (bit % 64)
	}
	b.n++
}
