package replication

import (
	"bytes"
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
	apply    func(db int, cmds [][][]byte) error
	logf     func(level int, format string, args ...any)
	progress func()

	db       int
	streamDB int
	cmds     [][][]byte
	size     int
	keys     int64

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

func newLoader(apply func(db int, cmds [][][]byte) error, logf func(int, string, ...any)) *loader {
	return &loader{apply: apply, logf: logf}
}

func cp(b []byte) []byte { return append([]byte(nil), b...) }

func (l *loader) add(args [][]byte) error {
	l.cmds = append(l.cmds, args)
	for _, a := range args {
		l.size += len(a)
	}
	if len(l.cmds) >= loadBatchCmds || l.size >= loadBatchBytes {
		return l.flush()
	}
	return nil
}

func (l *loader) flush() error {
	if len(l.cmds) == 0 {
		return nil
	}
	cmds := l.cmds
	l.cmds, l.size = nil, 0
	if l.progress != nil {
		l.progress()
	}
	return l.apply(l.db, cmds)
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
	l.keys++
	if err := l.add([][]byte{[]byte("SET"), cp(key), cp(value)}); err != nil {
		return err
	}
	return l.expireCmd(key, info.Expire)
}

func (l *loader) start(key []byte, info rdb.KeyInfo, prefix ...string) {
	l.keys++
	l.key = cp(key)
	l.expire = info.Expire
	l.prefix = l.prefix[:0]
	for _, p := range prefix {
		l.prefix = append(l.prefix, []byte(p))
	}
	l.prefix = append(l.prefix, l.key)
	l.cur = nil
	l.curLen = 0
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
	return l.expireCmd(l.key, l.expire)
}

// StartList begins RPUSH commands.
func (l *loader) StartList(key []byte, info rdb.KeyInfo) error {
	l.start(key, info, "RPUSH")
	return nil
}

// ListItem is one RPUSH element.
func (l *loader) ListItem(item []byte) error { return l.elem(item) }

// EndList flushes the list.
func (l *loader) EndList(key []byte) error { return l.end() }

// StartSet begins SADD commands.
func (l *loader) StartSet(key []byte, info rdb.KeyInfo) error {
	l.start(key, info, "SADD")
	return nil
}

// SetMember is one SADD member.
func (l *loader) SetMember(m []byte) error { return l.elem(m) }

// EndSet flushes the set.
func (l *loader) EndSet(key []byte) error { return l.end() }

// StartZSet begins ZADD commands.
func (l *loader) StartZSet(key []byte, info rdb.KeyInfo) error {
	l.start(key, info, "ZADD")
	return nil
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
	l.start(key, info, "HSET")
	return nil
}

// HashField is one HSET pair. Field TTLs (Redis 7.4) have no 7.0 command.
func (l *loader) HashField(f, v []byte, exp int64) error { return l.elem(f, v) }

// EndHash flushes the hash.
func (l *loader) EndHash(key []byte) error { return l.end() }

// StartStream begins XADD commands.
func (l *loader) StartStream(key []byte, info rdb.KeyInfo) error {
	l.start(key, info)
	l.entries = 0
	l.group = nil
	return nil
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
	return l.expireCmd(l.key, l.expire)
}

var _ rdb.Handler = (*loader)(nil)

// isCmd reports whether args[0] is name, case-insensitively.
func isCmd(args [][]byte, name string) bool {
	return len(args) > 0 && bytes.EqualFold(args[0], []byte(name))
}
