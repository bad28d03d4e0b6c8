package rdb

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Version10 is the RDB version Redis 7.0 writes and the one this encoder
// produces: files start with "REDIS0010" and DUMP payloads carry 10 in
// their footer.
const Version10 = 10

// ErrEncode marks a misuse of the encoder: an element count that does not
// match what was announced, a call out of order, a NaN score, a set member
// that is not an integer in an intset.
var ErrEncode = errors.New("rdb: encoder misuse")

// Limits are the encoding thresholds of Redis's configuration, used to pick
// compact or plain encodings and to pack list and stream nodes as Redis
// would. Use DefaultLimits and change what the configuration changes.
type Limits struct {
	ListMaxListpackSize    int // list-max-listpack-size (-2: 8 KB nodes)
	ListPackedThreshold    int // elements of at least this many bytes get a PLAIN node (1 GB in 7.0)
	HashMaxListpackEntries int // hash-max-listpack-entries
	HashMaxListpackValue   int // hash-max-listpack-value
	ZSetMaxListpackEntries int // zset-max-listpack-entries
	ZSetMaxListpackValue   int // zset-max-listpack-value
	SetMaxIntsetEntries    int // set-max-intset-entries
	StreamNodeMaxEntries   int // stream-node-max-entries (0: no limit)
	StreamNodeMaxBytes     int // stream-node-max-bytes (0: 1 GB)
}

// DefaultLimits are Redis 7.0's built-in defaults (config.c; note
// hash-max-listpack-entries is 512 there, 128 only in the sample redis.conf).
func DefaultLimits() Limits {
	return Limits{
		ListMaxListpackSize:    -2,
		ListPackedThreshold:    1 << 30,
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		StreamNodeMaxEntries:   100,
		StreamNodeMaxBytes:     4096,
	}
}

// SmallHash reports whether a hash of n fields whose longest field or value
// has maxLen bytes is listpack-encoded (RDB_TYPE_HASH_LISTPACK).
func (l Limits) SmallHash(n, maxLen int) bool {
	return n <= l.HashMaxListpackEntries && maxLen <= l.HashMaxListpackValue
}

// SmallZSet reports whether a sorted set of n members whose longest member
// has maxLen bytes is listpack-encoded (RDB_TYPE_ZSET_LISTPACK).
func (l Limits) SmallZSet(n, maxLen int) bool {
	return n <= l.ZSetMaxListpackEntries && maxLen <= l.ZSetMaxListpackValue
}

// IntsetSet reports whether a set of n members, all integers when allInts,
// is intset-encoded (RDB_TYPE_SET_INTSET).
func (l Limits) IntsetSet(n int, allInts bool) bool {
	return allInts && n <= l.SetMaxIntsetEntries
}

// IsSetInt reports whether a set member is stored in an intset: the
// canonical decimal text of an int64 (string2ll).
func IsSetInt(member []byte) bool {
	_, ok := parseCanonicalInt(member)
	return ok
}

// EncodeOptions tunes an encoder. The zero value is not useful: start from
// DefaultEncodeOptions.
type EncodeOptions struct {
	Limits Limits
	// NoCompression disables LZF (rdbcompression no).
	NoCompression bool
}

// DefaultEncodeOptions are Redis 7.0's defaults (rdbcompression yes).
func DefaultEncodeOptions() EncodeOptions {
	return EncodeOptions{Limits: DefaultLimits()}
}

// flushSize is how much output the encoder buffers before writing it.
const flushSize = 64 << 10

type objState uint8

const (
	stIdle objState = iota
	stList
	stSet
	stIntset
	stHash
	stHashLP
	stZSet
	stZSetLP
	stStreamEntries
	stStreamMeta
	stStreamGroups
	stStreamPEL
	stStreamConsumers
	stStreamConsumerPEL
)

// ObjectWriter encodes Redis values in the RDB object format: a type byte,
// the key when one was set (RDB files), then the value. Collections are
// written element by element between StartXxx and EndXxx; only compact
// encodings (a listpack, an intset, one list node, one stream node) are
// assembled in memory, and those are bounded by the Limits.
//
// Errors are sticky: after the first one every method returns it.
type ObjectWriter struct {
	w       io.Writer // nil: accumulate everything in out
	out     []byte
	crc     uint64
	err     error
	opts    EncodeOptions
	key     []byte
	hasKey  bool
	needKey bool  // in an RDB file every object needs a key
	dump    *Dump // the Dump embedding this writer, if any

	st        objState
	remaining uint64 // elements still expected
	lp        lpBuilder
	scratch   []byte
	ints      []int64
	zs        []zsetPair
	lpArena   []byte
	lzf       *lzfTable
	list      listPacker
	planNodes uint64 // list or stream nodes announced
	stream    streamWriterState
}

type zsetPair struct {
	off, n int // member in lpArena
	score  float64
}

func (w *ObjectWriter) misuse(format string, args ...any) error {
	if w.err == nil {
		w.err = fmt.Errorf("rdb: encode: "+format+": %w", append(args, ErrEncode)...)
	}
	return w.err
}

// sealed reports a finished Dump.
func (w *ObjectWriter) sealed() bool { return w.dump != nil && w.dump.payload > 0 }

// Err returns the first error the writer met.
func (w *ObjectWriter) Err() error { return w.err }

// Flush writes out buffered bytes.
func (w *ObjectWriter) Flush() error {
	if w.err != nil || w.w == nil || len(w.out) == 0 {
		return w.err
	}
	w.crc = CRC64(w.crc, w.out)
	if _, err := w.w.Write(w.out); err != nil {
		w.err = err
		return err
	}
	w.out = w.out[:0]
	return nil
}

func (w *ObjectWriter) maybeFlush() {
	if w.w != nil && len(w.out) >= flushSize {
		_ = w.Flush()
	}
}

// writeBig writes p, bypassing the buffer when it is large.
func (w *ObjectWriter) writeBig(p []byte) {
	if w.w == nil || len(p) < flushSize {
		w.out = append(w.out, p...)
		w.maybeFlush()
		return
	}
	if w.Flush() != nil {
		return
	}
	w.crc = CRC64(w.crc, p)
	if _, err := w.w.Write(p); err != nil {
		w.err = err
	}
}

func appendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, len32Bit), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, len64Bit), n)
}

func (w *ObjectWriter) writeLen(n uint64) { w.out = appendLen(w.out, n) }

func (w *ObjectWriter) writeUint64LE(v uint64) {
	w.out = binary.LittleEndian.AppendUint64(w.out, v)
}

// writeString writes an RDB string as rdbSaveRawString does: integer
// encoded when it is a canonical integer that fits 32 bits, LZF when longer
// than 20 bytes and compression saves at least 4 bytes, raw otherwise.
func (w *ObjectWriter) writeString(s []byte) {
	if len(s) <= 11 {
		if v, ok := parseCanonicalInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				w.out = append(w.out, lenEnc<<6|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				w.out = binary.LittleEndian.AppendUint16(append(w.out, lenEnc<<6|encInt16), uint16(v))
			default:
				w.out = binary.LittleEndian.AppendUint32(append(w.out, lenEnc<<6|encInt32), uint32(v))
			}
			w.maybeFlush()
			return
		}
	}
	if !w.opts.NoCompression && len(s) > 20 {
		if w.lzf == nil {
			w.lzf = new(lzfTable)
		}
		var ok bool
		var comp []byte
		if comp, ok = lzfCompressRedis(w.scratch, s, len(s)-4, w.lzf); ok {
			w.scratch = comp
			w.out = append(w.out, lenEnc<<6|encLZF)
			w.writeLen(uint64(len(w.scratch)))
			w.writeLen(uint64(len(s)))
			w.writeBig(w.scratch)
			return
		}
	}
	w.writeLen(uint64(len(s)))
	w.writeBig(s)
}

// writeRawString writes s as a length-prefixed raw string (no integer or
// LZF encoding), as Redis does for stream node keys.
func (w *ObjectWriter) writeRawString(s []byte) {
	w.writeLen(uint64(len(s)))
	w.writeBig(s)
}

// begin starts an object of RDB type typ: the type byte and the key.
func (w *ObjectWriter) begin(typ byte) error {
	if w.err != nil {
		return w.err
	}
	if w.sealed() {
		return w.misuse("second value in a Dump (Reset it first)")
	}
	if w.st != stIdle {
		return w.misuse("object of type %d started inside another object", typ)
	}
	if w.needKey && !w.hasKey {
		return w.misuse("object of type %d without a Key", typ)
	}
	w.out = append(w.out, typ)
	if w.hasKey {
		w.writeString(w.key)
		w.hasKey = false
	}
	return w.err
}

func (w *ObjectWriter) expect(st objState, what string) error {
	if w.err != nil {
		return w.err
	}
	if w.st != st {
		return w.misuse("%s outside its object", what)
	}
	if w.remaining == 0 {
		return w.misuse("%s beyond the announced count", what)
	}
	w.remaining--
	return nil
}

func (w *ObjectWriter) end(what string, states ...objState) error {
	if w.err != nil {
		return w.err
	}
	if !slices.Contains(states, w.st) {
		return w.misuse("%s without its start", what)
	}
	if w.remaining != 0 {
		return w.misuse("%s with %d elements missing", what, w.remaining)
	}
	w.st = stIdle
	w.maybeFlush()
	return w.err
}

// String writes a string value (RDB_TYPE_STRING).
func (w *ObjectWriter) String(v []byte) error {
	if w.begin(typeString) != nil {
		return w.err
	}
	w.writeString(v)
	w.maybeFlush()
	return w.err
}

// StartSet starts a set of n members. When intset is true (see
// Limits.IntsetSet) every member must be an integer (IsSetInt) and the set
// is written as RDB_TYPE_SET_INTSET, sorted, once EndSet is called;
// otherwise it is RDB_TYPE_SET, streamed.
func (w *ObjectWriter) StartSet(n uint64, intset bool) error {
	if n == 0 {
		return w.misuse("empty collection (Redis refuses to load one)")
	}
	typ := byte(typeSet)
	if intset {
		typ = typeSetIntset
	}
	if w.begin(typ) != nil {
		return w.err
	}
	w.remaining = n
	if intset {
		w.st = stIntset
		w.ints = w.ints[:0]
		return nil
	}
	w.st = stSet
	w.writeLen(n)
	return nil
}

// SetMember writes the next member.
func (w *ObjectWriter) SetMember(m []byte) error {
	if w.st == stIntset {
		if w.expect(stIntset, "SetMember") != nil {
			return w.err
		}
		v, ok := parseCanonicalInt(m)
		if !ok {
			return w.misuse("intset member %q is not an integer", m)
		}
		w.ints = append(w.ints, v)
		return nil
	}
	if w.expect(stSet, "SetMember") != nil {
		return w.err
	}
	w.writeString(m)
	w.maybeFlush()
	return w.err
}

// EndSet ends the set.
func (w *ObjectWriter) EndSet() error {
	if w.st == stIntset && w.err == nil && w.remaining == 0 {
		slices.Sort(w.ints)
		width := 2
		for i, v := range w.ints {
			if i > 0 && v == w.ints[i-1] {
				return w.misuse("duplicate intset member %d", v)
			}
			switch {
			case v < math.MinInt32 || v > math.MaxInt32:
				width = 8
			case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
				width = 4
			}
		}
		b := w.scratch[:0]
		b = binary.LittleEndian.AppendUint32(b, uint32(width))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(w.ints)))
		for _, v := range w.ints {
			switch width {
			case 2:
				b = binary.LittleEndian.AppendUint16(b, uint16(v))
			case 4:
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			default:
				b = binary.LittleEndian.AppendUint64(b, uint64(v))
			}
		}
		w.lpArena = append(w.lpArena[:0], b...) // writeString reuses scratch for LZF
		w.scratch = b
		w.writeString(w.lpArena)
	}
	return w.end("EndSet", stSet, stIntset)
}

// StartHash starts a hash of n fields: RDB_TYPE_HASH_LISTPACK when small
// (see Limits.SmallHash), assembled in memory until EndHash, else
// RDB_TYPE_HASH, streamed.
func (w *ObjectWriter) StartHash(n uint64, small bool) error {
	if n == 0 {
		return w.misuse("empty collection (Redis refuses to load one)")
	}
	typ := byte(typeHash)
	if small {
		typ = typeHashListpack
	}
	if w.begin(typ) != nil {
		return w.err
	}
	w.remaining = n
	if small {
		w.st = stHashLP
		w.lp.reset()
		return nil
	}
	w.st = stHash
	w.writeLen(n)
	return nil
}

// HashField writes the next field and its value.
func (w *ObjectWriter) HashField(field, value []byte) error {
	if w.st == stHashLP {
		if w.expect(stHashLP, "HashField") != nil {
			return w.err
		}
		w.lp.appendString(field)
		w.lp.appendString(value)
		return nil
	}
	if w.expect(stHash, "HashField") != nil {
		return w.err
	}
	w.writeString(field)
	w.writeString(value)
	w.maybeFlush()
	return w.err
}

// EndHash ends the hash.
func (w *ObjectWriter) EndHash() error {
	if w.st == stHashLP && w.err == nil && w.remaining == 0 {
		w.writeString(w.lp.finish())
	}
	return w.end("EndHash", stHash, stHashLP)
}

// StartZSet starts a sorted set of n members: RDB_TYPE_ZSET_LISTPACK when
// small (see Limits.SmallZSet), sorted by score then member as Redis keeps
// it, until EndZSet, else RDB_TYPE_ZSET_2 (binary scores), streamed.
func (w *ObjectWriter) StartZSet(n uint64, small bool) error {
	if n == 0 {
		return w.misuse("empty collection (Redis refuses to load one)")
	}
	typ := byte(typeZSet2)
	if small {
		typ = typeZSetListpack
	}
	if w.begin(typ) != nil {
		return w.err
	}
	w.remaining = n
	if small {
		w.st = stZSetLP
		w.zs = w.zs[:0]
		w.lpArena = w.lpArena[:0]
		return nil
	}
	w.st = stZSet
	w.writeLen(n)
	return nil
}

// ZSetMember writes the next member and its score, which must not be NaN.
func (w *ObjectWriter) ZSetMember(member []byte, score float64) error {
	if math.IsNaN(score) {
		return w.misuse("NaN score for member %q", member)
	}
	if w.st == stZSetLP {
		if w.expect(stZSetLP, "ZSetMember") != nil {
			return w.err
		}
		w.zs = append(w.zs, zsetPair{off: len(w.lpArena), n: len(member), score: score})
		w.lpArena = append(w.lpArena, member...)
		return nil
	}
	if w.expect(stZSet, "ZSetMember") != nil {
		return w.err
	}
	w.writeString(member)
	w.writeUint64LE(math.Float64bits(score))
	w.maybeFlush()
	return w.err
}

// EndZSet ends the sorted set.
func (w *ObjectWriter) EndZSet() error {
	if w.st == stZSetLP && w.err == nil && w.remaining == 0 {
		a := w.lpArena
		slices.SortFunc(w.zs, func(x, y zsetPair) int {
			if c := cmp.Compare(x.score, y.score); c != 0 {
				return c
			}
			return bytes.Compare(a[x.off:x.off+x.n], a[y.off:y.off+y.n])
		})
		w.lp.reset()
		for i, p := range w.zs {
			m := a[p.off : p.off+p.n]
			if i > 0 {
				q := w.zs[i-1]
				if bytes.Equal(m, a[q.off:q.off+q.n]) {
					return w.misuse("duplicate zset member %q", m)
				}
			}
			w.lp.appendString(m)
			w.scratch = appendScore(w.scratch[:0], p.score)
			w.lp.appendString(w.scratch)
		}
		w.writeString(w.lp.finish())
	}
	return w.end("EndZSet", stZSet, stZSetLP)
}

// appendScore formats a score as Redis 7.0's d2string does for listpacks:
// integral values within 2^52 as integers (so -0 becomes "0", and a small
// sorted set loses the sign of a zero score, as in Redis), others %.17g.
func appendScore(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f > -4503599627370495 && f < 4503599627370496 && f == math.Trunc(f):
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// listPacker decides quicklist node boundaries as Redis 7.0's
// _quicklistNodeAllowInsert does when elements are pushed at the tail.
type listPacker struct {
	lim     Limits
	nodes   uint64
	count   int  // elements in the current node (0: none yet)
	sz      int  // listpack bytes of the current node
	plain   bool // current node is PLAIN
	started bool
}

var optimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// add accounts for element s and reports whether it starts a new node and
// whether that node is PLAIN.
func (p *listPacker) add(s []byte) (newNode, plain bool) {
	sz := len(s)
	if sz >= p.lim.ListPackedThreshold {
		p.nodes++
		p.started, p.plain, p.count, p.sz = true, true, 1, sz
		return true, true
	}
	if p.started && p.allowInsert(sz) {
		p.count++
		p.sz += lpEntrySize(s)
		return false, false
	}
	p.nodes++
	p.started, p.plain, p.count = true, false, 1
	p.sz = lpHeaderSize + 1 + lpEntrySize(s)
	return true, false
}

func (p *listPacker) allowInsert(sz int) bool {
	if p.plain {
		return false
	}
	newSz := p.sz + sz + 8 // SIZE_ESTIMATE_OVERHEAD
	fill := p.lim.ListMaxListpackSize
	if fill < 0 {
		if off := -fill - 1; off < len(optimizationLevel) && newSz <= optimizationLevel[off] {
			return true
		}
	}
	if newSz > 8192 {
		return false
	}
	return p.count < fill
}

// ListPlan counts the quicklist nodes a list will need, which the RDB
// format writes before the nodes. Feed it every element with Add (a first
// pass over the list), then pass it to StartList and write the same
// elements in the same order.
type ListPlan struct {
	p     listPacker
	items uint64
}

// NewListPlan returns an empty plan for lists packed with lim.
func NewListPlan(lim Limits) *ListPlan {
	return &ListPlan{p: listPacker{lim: lim}}
}

// Add accounts for the next element.
func (lp *ListPlan) Add(item []byte) {
	lp.p.add(item)
	lp.items++
}

// Len is the number of elements added.
func (lp *ListPlan) Len() uint64 { return lp.items }

// Nodes is the number of quicklist nodes.
func (lp *ListPlan) Nodes() uint64 { return lp.p.nodes }

// StartList starts a list (RDB_TYPE_LIST_QUICKLIST_2) whose elements were
// counted by plan, which must have been made with this writer's Limits.
// Each listpack node is assembled in memory (at most about 8 KB with
// list-max-listpack-size -2, or one element); PLAIN nodes are streamed.
func (w *ObjectWriter) StartList(plan *ListPlan) error {
	if plan.items == 0 {
		return w.misuse("empty collection (Redis refuses to load one)")
	}
	if w.begin(typeListQuicklist2) != nil {
		return w.err
	}
	if plan.p.lim != w.opts.Limits {
		return w.misuse("list plan made with other limits")
	}
	w.st = stList
	w.remaining = plan.items
	w.list = listPacker{lim: w.opts.Limits}
	w.planNodes = plan.p.nodes
	w.writeLen(plan.p.nodes)
	w.lp.reset()
	return w.err
}

func (w *ObjectWriter) flushListNode() {
	if w.lp.n > 0 {
		w.writeLen(2) // QUICKLIST_NODE_CONTAINER_PACKED
		w.writeString(w.lp.finish())
		w.lp.reset()
		w.maybeFlush()
	}
}

// ListItem writes the next element, head to tail.
func (w *ObjectWriter) ListItem(item []byte) error {
	if w.expect(stList, "ListItem") != nil {
		return w.err
	}
	newNode, plain := w.list.add(item)
	if newNode {
		if w.list.nodes > w.planNodes {
			return w.misuse("list elements differ from its plan")
		}
		w.flushListNode()
	}
	if plain {
		w.writeLen(1) // QUICKLIST_NODE_CONTAINER_PLAIN
		w.writeString(item)
		w.maybeFlush()
		return w.err
	}
	w.lp.appendString(item)
	return w.err
}

// EndList ends the list.
func (w *ObjectWriter) EndList() error {
	if w.st == stList && w.err == nil && w.remaining == 0 {
		w.flushListNode()
		if w.list.nodes != w.planNodes {
			return w.misuse("list elements differ from its plan")
		}
	}
	return w.end("EndList", stList)
}

// List writes a whole list held in memory.
func (w *ObjectWriter) List(items [][]byte) error {
	plan := NewListPlan(w.opts.Limits)
	for _, it := range items {
		plan.Add(it)
	}
	if w.StartList(plan) != nil {
		return w.err
	}
	for _, it := range items {
		if w.ListItem(it) != nil {
			return w.err
		}
	}
	return w.EndList()
}
