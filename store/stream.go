package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"
)

// Streams (DESIGN.md §3.3). The metadata's Size is the stream length and its
// Extra tail holds the stream-wide ids and counters:
//
//	last id (ms u64, seq u64) | first id | max deleted id | entries added u64 | first node id | has nodes u8
//
// The first node id lets trimming and node scans start at the oldest live
// node, past the tombstones and old versions that trimmed nodes leave in
// pebble until compaction.
//
// (The group count is not kept there: creating a group must not rewrite the
// metadata, which would count as a modification of the key for WATCH.)
//
// Subkeys after the collection prefix:
//
//	'e' ms seq                          -> entry: uvarint n, then n × (uvarint len, bytes) alternating field, value
//	'n' ms seq                          -> node (see below), keyed by its master id
//	'g' group                           -> last delivered id (16) | entries read i64
//	'c' u32 len(group) group consumer   -> seen time i64
//	'p' u32 len(group) group ms seq     -> u32 len(consumer) consumer | delivery time i64 | delivery count u64
//	'q' u32 len(group) group u32 len(consumer) consumer ms seq -> "" (the consumer's own PEL)
//
// Nodes emulate Redis's radix tree of listpacks: Redis trims with `~` only
// whole nodes, closes a node after stream-node-max-entries entries (live and
// deleted) or when its listpack would reach stream-node-max-bytes, and
// reports the node count in XINFO STREAM. A node records its live and
// deleted entry counts, the listpack size Redis would have (computed from
// listpack's element encodings), the id of its last entry (deleted or not)
// and its master fields (which decide Redis's SAMEFIELDS compression and so
// the node's size):
//
//	count u64 | deleted u64 | body bytes u64 | last id (16) | uvarint nfields, fields as in entries
//
// "body bytes" is the listpack size without the two counter elements, whose
// sizes change as they are rewritten.

const (
	subEntry    = 'e'
	subNode     = 'n'
	subGroup    = 'g'
	subConsumer = 'c'
	subPEL      = 'p'
	subCPEL     = 'q'
)

// StreamInvalidEntriesRead is a group's entries-read when unknown (Redis's
// SCG_INVALID_ENTRIES_READ).
const StreamInvalidEntriesRead = -1

// StreamID is a stream entry id.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the largest id (Redis's "+").
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Cmp compares a and b: -1, 0 or 1.
func (a StreamID) Cmp(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// IsZero reports whether id is 0-0.
func (a StreamID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the successor of a; ok is false when a is the largest id (the
// result wraps to 0-0), as streamIncrID.
func (a StreamID) Incr() (StreamID, bool) {
	if a.Seq == math.MaxUint64 {
		if a.Ms == math.MaxUint64 {
			return StreamID{}, false
		}
		return StreamID{a.Ms + 1, 0}, true
	}
	return StreamID{a.Ms, a.Seq + 1}, true
}

// Decr returns the predecessor of a; ok is false for 0-0 (the result wraps
// to the largest id), as streamDecrID.
func (a StreamID) Decr() (StreamID, bool) {
	if a.Seq == 0 {
		if a.Ms == 0 {
			return MaxStreamID, false
		}
		return StreamID{a.Ms - 1, math.MaxUint64}, true
	}
	return StreamID{a.Ms, a.Seq - 1}, true
}

// String formats a as Redis does: ms-seq.
func (a StreamID) String() string { return fmt.Sprintf("%d-%d", a.Ms, a.Seq) }

func appendID(b []byte, id StreamID) []byte {
	b = binary.BigEndian.AppendUint64(b, id.Ms)
	return binary.BigEndian.AppendUint64(b, id.Seq)
}

func readID(b []byte) StreamID {
	return StreamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// StreamLimits are the node limits of the emulated radix tree.
type StreamLimits struct {
	MaxEntries int64 // stream-node-max-entries
	MaxBytes   int64 // stream-node-max-bytes
}

// Stream is one stream opened in a Tx. Changes to the metadata fields are
// written by Save.
type Stream struct {
	tx     *Tx
	db     int
	key    []byte
	exists bool
	old    Meta
	m      Meta
	prefix []byte

	Last, First, MaxDeleted StreamID
	EntriesAdded            uint64

	firstNode    StreamID
	hasFirstNode bool
}

const streamExtraLen = 16*3 + 8 + 16 + 1

// OpenStream opens the stream at key: ok false when the key is absent,
// ErrWrongType when it holds another type.
func (tx *Tx) OpenStream(db int, key []byte) (*Stream, bool, error) {
	m, ok, err := tx.LookupType(db, key, TypeStream)
	if err != nil || !ok {
		return nil, false, err
	}
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return nil, false, err
	}
	s := &Stream{tx: tx, db: db, key: bytes.Clone(key), exists: true, old: m, m: m, prefix: p}
	s.old.Extra = bytes.Clone(m.Extra)
	s.m.Extra = nil
	if e := m.Extra; len(e) >= streamExtraLen {
		s.Last, s.First, s.MaxDeleted = readID(e), readID(e[16:]), readID(e[32:])
		s.EntriesAdded = binary.BigEndian.Uint64(e[48:])
		s.firstNode, s.hasFirstNode = readID(e[56:]), e[72] == 1
	}
	return s, true, nil
}

// CreateStream makes a new empty stream at key (absent before); Save
// writes it.
func (tx *Tx) CreateStream(db int, key []byte) (*Stream, error) {
	m := Meta{Type: TypeStream, KeyID: tx.NewKeyID()}
	p, err := tx.SubPrefix(db, m.KeyID)
	if err != nil {
		return nil, err
	}
	return &Stream{tx: tx, db: db, key: bytes.Clone(key), m: m, prefix: p}, nil
}

// Len is the number of entries.
func (s *Stream) Len() uint64 { return s.m.Size }

// Save writes the stream's metadata.
func (s *Stream) Save() error {
	e := make([]byte, 0, streamExtraLen)
	e = appendID(e, s.Last)
	e = appendID(e, s.First)
	e = appendID(e, s.MaxDeleted)
	e = binary.BigEndian.AppendUint64(e, s.EntriesAdded)
	e = appendID(e, s.firstNode)
	if s.hasFirstNode {
		e = append(e, 1)
	} else {
		e = append(e, 0)
	}
	s.m.Extra = e
	var old *Meta
	if s.exists {
		old = &s.old
	}
	if err := s.tx.Put(s.db, s.key, old, &s.m); err != nil {
		return err
	}
	s.old = s.m
	s.exists = true
	return nil
}

func (s *Stream) sub(tag byte, extra ...[]byte) []byte {
	k := make([]byte, 0, len(s.prefix)+40)
	k = append(append(k, s.prefix...), tag)
	for _, x := range extra {
		k = append(k, x...)
	}
	return k
}

func idBytes(id StreamID) []byte { return appendID(nil, id) }

func lenPrefixed(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(b)), uint32(len(b)))
	return append(out, b...)
}

// prefixEnd returns the smallest key after every key starting with p.
func prefixEnd(p []byte) []byte {
	e := bytes.Clone(p)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] != 0xff {
			e[i]++
			return e[:i+1]
		}
	}
	return nil
}

func (s *Stream) iter(lo, hi []byte) (*pebble.Iterator, error) { return s.tx.NewIter(lo, hi) }

// --- entries -------------------------------------------------------------

// StreamEntry is one entry: FV alternates fields and values.
type StreamEntry struct {
	ID StreamID
	FV [][]byte
}

func encodeFV(fv [][]byte) []byte {
	n := binary.MaxVarintLen64
	for _, x := range fv {
		n += len(x) + binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = binary.AppendUvarint(b, uint64(len(fv)))
	for _, x := range fv {
		b = binary.AppendUvarint(b, uint64(len(x)))
		b = append(b, x...)
	}
	return b
}

var errCorruptStream = fmt.Errorf("%w: stream record", ErrCorrupt)

func decodeFV(b []byte) ([][]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errCorruptStream
	}
	b = b[k:]
	out := make([][]byte, n)
	for i := range out {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, errCorruptStream
		}
		out[i] = bytes.Clone(b[k : k+int(l)])
		b = b[k+int(l):]
	}
	return out, nil
}

// Range calls fn for the entries with start <= id <= end, ascending (or
// descending with rev), until fn returns false.
func (s *Stream) Range(start, end StreamID, rev bool, fn func(e StreamEntry) bool) error {
	// No live entry is older than First: starting there skips the
	// tombstones of deleted entries.
	if s.m.Size > 0 && start.Cmp(s.First) < 0 {
		start = s.First
	}
	if start.Cmp(end) > 0 {
		return nil
	}
	lo := s.sub(subEntry, idBytes(start))
	hi := append(s.sub(subEntry, idBytes(end)), 0)
	it, err := s.iter(lo, hi)
	if err != nil {
		return err
	}
	defer it.Close()
	pl := len(s.prefix) + 1
	step := it.Next
	ok := it.First()
	if rev {
		ok = it.Last()
		step = it.Prev
	}
	for ; ok; ok = step() {
		k := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		fv, err := decodeFV(v)
		if err != nil {
			return err
		}
		if !fn(StreamEntry{readID(k[pl:]), fv}) {
			break
		}
	}
	return it.Error()
}

// Entry reads the entry id.
func (s *Stream) Entry(id StreamID) (StreamEntry, bool, error) {
	v, ok, err := s.tx.Get(s.sub(subEntry, idBytes(id)))
	if err != nil || !ok {
		return StreamEntry{}, false, err
	}
	fv, err := decodeFV(v)
	return StreamEntry{id, fv}, err == nil, err
}

// edge returns the first (or last) live entry id.
func (s *Stream) edge(last bool) (StreamID, bool, error) {
	var id StreamID
	found := false
	err := s.Range(StreamID{}, MaxStreamID, last, func(e StreamEntry) bool {
		id, found = e.ID, true
		return false
	})
	return id, found, err
}

// LastValid is the id of the last live entry (streamLastValidID).
func (s *Stream) LastValid() (StreamID, bool, error) { return s.edge(true) }

// FirstValid is the id of the first live entry.
func (s *Stream) FirstValid() (StreamID, bool, error) { return s.edge(false) }

// --- nodes -----------------------------------------------------------------

type streamNode struct {
	master  StreamID
	count   uint64
	deleted uint64
	body    int64
	last    StreamID
	fields  [][]byte
}

func (n *streamNode) encode() []byte {
	b := make([]byte, 0, 64)
	b = binary.BigEndian.AppendUint64(b, n.count)
	b = binary.BigEndian.AppendUint64(b, n.deleted)
	b = binary.BigEndian.AppendUint64(b, uint64(n.body))
	b = appendID(b, n.last)
	return append(b, encodeFV(n.fields)...)
}

func decodeNode(master StreamID, v []byte) (*streamNode, error) {
	if len(v) < 40 {
		return nil, errCorruptStream
	}
	n := &streamNode{master: master, count: binary.BigEndian.Uint64(v), deleted: binary.BigEndian.Uint64(v[8:]),
		body: int64(binary.BigEndian.Uint64(v[16:])), last: readID(v[24:])}
	f, err := decodeFV(v[40:])
	n.fields = f
	return n, err
}

// lpBytes is the size of the node's listpack in Redis.
func (n *streamNode) lpBytes() int64 {
	return n.body + lpIntSize(int64(n.count)) + lpIntSize(int64(n.deleted))
}

func (s *Stream) putNode(n *streamNode) error {
	return s.tx.Set(s.sub(subNode, idBytes(n.master)), n.encode())
}

func (s *Stream) delNode(n *streamNode) error {
	return s.tx.Delete(s.sub(subNode, idBytes(n.master)))
}

// nodesLower is the lower bound of node scans: the first node.
func (s *Stream) nodesLower() []byte {
	if s.hasFirstNode {
		return s.sub(subNode, idBytes(s.firstNode))
	}
	return s.sub(subNode)
}

// nodeAfter returns the first node with a master id above id, or nil.
func (s *Stream) nodeAfter(id StreamID) (*streamNode, error) {
	p := s.sub(subNode)
	it, err := s.iter(append(s.sub(subNode, idBytes(id)), 0), prefixEnd(p))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.First() {
		return nil, it.Error()
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, err
	}
	return decodeNode(readID(it.Key()[len(p):]), v)
}

// setFirstNode records n (nil: no nodes) as the first node.
func (s *Stream) setFirstNode(n *streamNode) {
	if n == nil {
		s.firstNode, s.hasFirstNode = StreamID{}, false
		return
	}
	s.firstNode, s.hasFirstNode = n.master, true
}

// nodes returns every node in id order.
func (s *Stream) nodes() ([]*streamNode, error) {
	lo := s.sub(subNode)
	it, err := s.iter(s.nodesLower(), prefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*streamNode
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		n, err := decodeNode(readID(it.Key()[len(lo):]), v)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, it.Error()
}

// nodeAtOrBefore returns the node whose master id is the largest <= id (the
// node holding id), or nil.
func (s *Stream) nodeAtOrBefore(id StreamID) (*streamNode, error) {
	lo := s.sub(subNode)
	hi := append(s.sub(subNode, idBytes(id)), 0)
	it, err := s.iter(lo, hi)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.Last() {
		return nil, it.Error()
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, err
	}
	return decodeNode(readID(it.Key()[len(lo):]), v)
}

// NodeCount is XINFO STREAM's radix-tree-keys; RaxNodes its radix-tree-nodes:
// the node count of a rax holding the 16-byte master ids.
func (s *Stream) NodeCount() (keys int, raxNodes int, err error) {
	ns, err := s.nodes()
	if err != nil {
		return 0, 0, err
	}
	ks := make([][]byte, len(ns))
	for i, n := range ns {
		ks[i] = idBytes(n.master)
	}
	return len(ks), raxCount(ks), nil
}

// raxCount counts the nodes of a compressed radix tree (rax.c) holding the
// sorted, distinct, equal-length keys ks.
func raxCount(ks [][]byte) int {
	if len(ks) == 0 {
		return 1
	}
	if len(ks[0]) == 0 {
		return 1 // a key node without children
	}
	if len(ks) == 1 {
		return 2 // one compressed node and the key leaf
	}
	// Common prefix of the sorted keys = common prefix of first and last.
	a, b := ks[0], ks[len(ks)-1]
	l := 0
	for l < len(a) && a[l] == b[l] {
		l++
	}
	if l > 0 {
		rest := make([][]byte, len(ks))
		for i, k := range ks {
			rest[i] = k[l:]
		}
		return 1 + raxCount(rest)
	}
	n := 1
	for i := 0; i < len(ks); {
		j := i
		for j < len(ks) && ks[j][0] == ks[i][0] {
			j++
		}
		rest := make([][]byte, j-i)
		for x := i; x < j; x++ {
			rest[x-i] = ks[x][1:]
		}
		n += raxCount(rest)
		i = j
	}
	return n
}

// Listpack sizes (listpack.c): lpIntSize and lpElemSize include the
// element's backlen.

func lpBacklen(l int64) int64 {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func lpIntSize(v int64) int64 {
	var l int64
	switch {
	case v >= 0 && v <= 127:
		l = 1
	case v >= -4096 && v <= 4095:
		l = 2
	case v >= -32768 && v <= 32767:
		l = 3
	case v >= -8388608 && v <= 8388607:
		l = 4
	case v >= -2147483648 && v <= 2147483647:
		l = 5
	default:
		l = 9
	}
	return l + lpBacklen(l)
}

// lpStringToInt64 is listpack's integer test of a string element.
func lpStringToInt64(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n >= 21 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg, i = true, 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

func lpElemSize(s []byte) int64 {
	if v, ok := lpStringToInt64(s); ok {
		return lpIntSize(v)
	}
	n := int64(len(s))
	var l int64
	switch {
	case n < 64:
		l = 1 + n
	case n < 4096:
		l = 2 + n
	default:
		l = 5 + n
	}
	return l + lpBacklen(l)
}

// ErrStreamIDTooSmall: the id given to Append is not above the last id.
var ErrStreamIDTooSmall = errors.New("ERR The ID specified in XADD is equal or smaller than the target stream top item")

// ErrStreamTooLarge: the entry cannot be stored (as Redis's listpack limit).
var ErrStreamTooLarge = errors.New("ERR Elements are too large to be stored")

const streamListpackMaxSize = 1 << 30

// Append adds an entry with id (which must be above Last) and its field
// value pairs, placing it into Redis's node layout (streamAppendItem).
func (s *Stream) Append(id StreamID, fv [][]byte, lim StreamLimits) error {
	if id.Cmp(s.Last) <= 0 {
		return ErrStreamIDTooSmall
	}
	var tot int64
	for _, x := range fv {
		tot += int64(len(x))
	}
	if tot > streamListpackMaxSize {
		return ErrStreamTooLarge
	}
	nf := len(fv) / 2
	tail, err := s.nodeAtOrBefore(MaxStreamID)
	if err != nil {
		return err
	}
	noNodes := tail == nil
	if tail != nil {
		maxBytes := lim.MaxBytes
		if maxBytes == 0 || maxBytes > streamListpackMaxSize {
			maxBytes = streamListpackMaxSize
		}
		if tail.lpBytes()+tot >= maxBytes {
			tail = nil
		} else if lim.MaxEntries != 0 && int64(tail.count+tail.deleted) >= lim.MaxEntries {
			tail = nil
		}
	}
	same := false
	if tail == nil {
		tail = &streamNode{master: id, body: 6 + 1}
		tail.body += lpIntSize(int64(nf))
		for i := 0; i < nf; i++ {
			f := bytes.Clone(fv[2*i])
			tail.fields = append(tail.fields, f)
			tail.body += lpElemSize(f)
		}
		tail.body += lpIntSize(0)
		same = true
		if noNodes {
			s.setFirstNode(tail)
		}
	} else if len(tail.fields) == nf {
		same = true
		for i := 0; i < nf; i++ {
			if !bytes.Equal(tail.fields[i], fv[2*i]) {
				same = false
				break
			}
		}
	}
	flags := int64(0)
	if same {
		flags = 2
	}
	sz := lpIntSize(flags) + lpIntSize(int64(id.Ms-tail.master.Ms)) + lpIntSize(int64(id.Seq-tail.master.Seq))
	lpCount := int64(nf) + 3
	if !same {
		sz += lpIntSize(int64(nf))
		lpCount += int64(nf) + 1
	}
	for i := 0; i < nf; i++ {
		if !same {
			sz += lpElemSize(fv[2*i])
		}
		sz += lpElemSize(fv[2*i+1])
	}
	sz += lpIntSize(lpCount)
	tail.body += sz
	tail.count++
	tail.last = id
	if err := s.putNode(tail); err != nil {
		return err
	}
	if err := s.tx.Set(s.sub(subEntry, idBytes(id)), encodeFV(fv)); err != nil {
		return err
	}
	s.m.Size++
	s.EntriesAdded++
	s.Last = id
	if s.m.Size == 1 {
		s.First = id
	}
	return nil
}

// Delete removes entry id (XDEL); false when it does not exist.
func (s *Stream) Delete(id StreamID) (bool, error) {
	k := s.sub(subEntry, idBytes(id))
	_, ok, err := s.tx.Get(k)
	if err != nil || !ok {
		return false, err
	}
	n, err := s.nodeAtOrBefore(id)
	if err != nil {
		return false, err
	}
	if n == nil {
		return false, errCorruptStream
	}
	if err := s.tx.Delete(k); err != nil {
		return false, err
	}
	if n.count == 1 {
		if err = s.delNode(n); err == nil && s.hasFirstNode && n.master == s.firstNode {
			var next *streamNode
			if next, err = s.nodeAfter(n.master); err == nil {
				s.setFirstNode(next)
			}
		}
	} else {
		n.count--
		n.deleted++
		err = s.putNode(n)
	}
	if err != nil {
		return false, err
	}
	s.m.Size--
	return true, nil
}

// Trim strategies.
const (
	TrimNone = iota
	TrimMaxLen
	TrimMinID
)

// TrimArgs are XADD/XTRIM's trimming options.
type TrimArgs struct {
	Strategy int
	Approx   bool
	Limit    int64 // 0: none
	MaxLen   int64
	MinID    StreamID
}

// Trim trims the stream as streamTrim and returns how many entries it
// removed.
func (s *Stream) Trim(a TrimArgs) (deleted int64, err error) {
	if a.Strategy == TrimNone {
		return 0, nil
	}
	// Walk the nodes from the oldest; the loop stops at the first node it
	// cannot remove whole, so a trim reads only the nodes it touches.
	lo := s.sub(subNode)
	it, err := s.iter(s.nodesLower(), prefixEnd(lo))
	if err != nil {
		return 0, err
	}
	defer it.Close()
	maxlen := uint64(a.MaxLen)
	var lastRemoved *streamNode
	defer func() {
		if lastRemoved != nil && err == nil {
			var next *streamNode
			if next, err = s.nodeAfter(lastRemoved.master); err == nil {
				s.setFirstNode(next)
			}
		}
	}()
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return deleted, err
		}
		n, err := decodeNode(readID(it.Key()[len(lo):]), v)
		if err != nil {
			return deleted, err
		}
		if a.Strategy == TrimMaxLen && s.m.Size <= maxlen {
			break
		}
		entries := int64(n.count)
		if a.Limit != 0 && deleted+entries > a.Limit {
			break
		}
		var remove bool
		if a.Strategy == TrimMaxLen {
			remove = s.m.Size-n.count >= maxlen
		} else {
			remove = n.last.Cmp(a.MinID) < 0
		}
		if remove {
			if err := s.delNode(n); err != nil {
				return deleted, err
			}
			end, _ := n.last.Incr()
			lo := s.sub(subEntry, idBytes(n.master))
			hi := s.sub(subEntry, idBytes(end))
			if n.last == MaxStreamID {
				hi = prefixEnd(s.sub(subEntry))
			}
			if err := s.tx.DeleteRange(lo, hi); err != nil {
				return deleted, err
			}
			s.m.Size -= n.count
			deleted += entries
			lastRemoved = n
			continue
		}
		if a.Approx {
			break
		}
		var ids []StreamID
		err = s.Range(n.master, n.last, false, func(e StreamEntry) bool {
			if a.Strategy == TrimMaxLen {
				if s.m.Size-uint64(len(ids)) <= maxlen {
					return false
				}
			} else if e.ID.Cmp(a.MinID) >= 0 {
				return false
			}
			ids = append(ids, e.ID)
			return true
		})
		if err != nil {
			return deleted, err
		}
		for _, id := range ids {
			if err := s.tx.Delete(s.sub(subEntry, idBytes(id))); err != nil {
				return deleted, err
			}
		}
		d := uint64(len(ids))
		n.count -= d
		n.deleted += d
		s.m.Size -= d
		deleted += int64(d)
		if err := s.putNode(n); err != nil {
			return deleted, err
		}
		break
	}
	if s.m.Size == 0 {
		s.First = StreamID{}
	} else if deleted > 0 {
		f, _, err := s.FirstValid()
		if err != nil {
			return deleted, err
		}
		s.First = f
	}
	return deleted, nil
}

// --- consumer groups ---------------------------------------------------------

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        []byte
	Last        StreamID
	EntriesRead int64
}

func (s *Stream) groupKey(name []byte) []byte { return s.sub(subGroup, name) }

// Group reads group name.
func (s *Stream) Group(name []byte) (*StreamGroup, bool, error) {
	v, ok, err := s.tx.Get(s.groupKey(name))
	if err != nil || !ok {
		return nil, false, err
	}
	if len(v) < 24 {
		return nil, false, errCorruptStream
	}
	return &StreamGroup{Name: bytes.Clone(name), Last: readID(v), EntriesRead: int64(binary.BigEndian.Uint64(v[16:]))}, true, nil
}

// PutGroup writes g.
func (s *Stream) PutGroup(g *StreamGroup) error {
	v := appendID(make([]byte, 0, 24), g.Last)
	v = binary.BigEndian.AppendUint64(v, uint64(g.EntriesRead))
	return s.tx.Set(s.groupKey(g.Name), v)
}

// DelGroup deletes group name with its consumers and PEL.
func (s *Stream) DelGroup(name []byte) error {
	if err := s.tx.Delete(s.groupKey(name)); err != nil {
		return err
	}
	g := lenPrefixed(name)
	for _, tag := range []byte{subConsumer, subPEL, subCPEL} {
		p := s.sub(tag, g)
		if err := s.tx.DeleteRange(p, prefixEnd(p)); err != nil {
			return err
		}
	}
	return nil
}

// CountGroups counts the consumer groups.
func (s *Stream) CountGroups() (int, error) {
	lo := s.sub(subGroup)
	it, err := s.iter(lo, prefixEnd(lo))
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n, it.Error()
}

// AllGroups lists the groups in name order.
func (s *Stream) AllGroups() ([]*StreamGroup, error) {
	lo := s.sub(subGroup)
	it, err := s.iter(lo, prefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*StreamGroup
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		if len(v) < 24 {
			return nil, errCorruptStream
		}
		out = append(out, &StreamGroup{Name: bytes.Clone(it.Key()[len(lo):]), Last: readID(v), EntriesRead: int64(binary.BigEndian.Uint64(v[16:]))})
	}
	return out, it.Error()
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	Name     []byte
	SeenTime int64
}

func (s *Stream) consumerKey(group, name []byte) []byte {
	return s.sub(subConsumer, lenPrefixed(group), name)
}

// Consumer reads consumer name of group.
func (s *Stream) Consumer(group, name []byte) (*StreamConsumer, bool, error) {
	v, ok, err := s.tx.Get(s.consumerKey(group, name))
	if err != nil || !ok {
		return nil, false, err
	}
	if len(v) < 8 {
		return nil, false, errCorruptStream
	}
	return &StreamConsumer{Name: bytes.Clone(name), SeenTime: int64(binary.BigEndian.Uint64(v))}, true, nil
}

// PutConsumer writes consumer c of group.
func (s *Stream) PutConsumer(group []byte, c *StreamConsumer) error {
	return s.tx.Set(s.consumerKey(group, c.Name), binary.BigEndian.AppendUint64(nil, uint64(c.SeenTime)))
}

// Consumers lists the consumers of group in name order.
func (s *Stream) Consumers(group []byte) ([]*StreamConsumer, error) {
	lo := s.sub(subConsumer, lenPrefixed(group))
	it, err := s.iter(lo, prefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*StreamConsumer
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		if len(v) < 8 {
			return nil, errCorruptStream
		}
		out = append(out, &StreamConsumer{Name: bytes.Clone(it.Key()[len(lo):]), SeenTime: int64(binary.BigEndian.Uint64(v))})
	}
	return out, it.Error()
}

// DelConsumer deletes consumer name of group and its pending entries, and
// returns how many were pending.
func (s *Stream) DelConsumer(group, name []byte) (int, error) {
	ids, err := s.ConsumerPEL(group, name, StreamID{}, MaxStreamID, 0)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.tx.Delete(s.pelKey(group, id)); err != nil {
			return 0, err
		}
	}
	p := s.cpelPrefix(group, name)
	if err := s.tx.DeleteRange(p, prefixEnd(p)); err != nil {
		return 0, err
	}
	return len(ids), s.tx.Delete(s.consumerKey(group, name))
}

// StreamNACK is a pending entry of a group.
type StreamNACK struct {
	ID            StreamID
	Consumer      []byte
	DeliveryTime  int64
	DeliveryCount uint64
}

func (s *Stream) pelKey(group []byte, id StreamID) []byte {
	return s.sub(subPEL, lenPrefixed(group), idBytes(id))
}

func (s *Stream) cpelPrefix(group, consumer []byte) []byte {
	return s.sub(subCPEL, lenPrefixed(group), lenPrefixed(consumer))
}

func decodeNACK(id StreamID, v []byte) (*StreamNACK, error) {
	if len(v) < 4 {
		return nil, errCorruptStream
	}
	l := int(binary.BigEndian.Uint32(v))
	if len(v) < 4+l+16 {
		return nil, errCorruptStream
	}
	return &StreamNACK{ID: id, Consumer: bytes.Clone(v[4 : 4+l]),
		DeliveryTime: int64(binary.BigEndian.Uint64(v[4+l:])), DeliveryCount: binary.BigEndian.Uint64(v[12+l:])}, nil
}

// NACK reads the pending entry id of group.
func (s *Stream) NACK(group []byte, id StreamID) (*StreamNACK, bool, error) {
	v, ok, err := s.tx.Get(s.pelKey(group, id))
	if err != nil || !ok {
		return nil, false, err
	}
	n, err := decodeNACK(id, v)
	return n, err == nil, err
}

// PutNACK writes n into the group's PEL and its consumer's PEL; prev is the
// consumer that owned it before (nil when new or unchanged).
func (s *Stream) PutNACK(group []byte, n *StreamNACK, prev []byte) error {
	if prev != nil && !bytes.Equal(prev, n.Consumer) {
		if err := s.tx.Delete(append(s.cpelPrefix(group, prev), idBytes(n.ID)...)); err != nil {
			return err
		}
	}
	v := lenPrefixed(n.Consumer)
	v = binary.BigEndian.AppendUint64(v, uint64(n.DeliveryTime))
	v = binary.BigEndian.AppendUint64(v, n.DeliveryCount)
	if err := s.tx.Set(s.pelKey(group, n.ID), v); err != nil {
		return err
	}
	return s.tx.Set(append(s.cpelPrefix(group, n.Consumer), idBytes(n.ID)...), nil)
}

// DelNACK removes n from the group's and its consumer's PEL.
func (s *Stream) DelNACK(group []byte, n *StreamNACK) error {
	if err := s.tx.Delete(s.pelKey(group, n.ID)); err != nil {
		return err
	}
	return s.tx.Delete(append(s.cpelPrefix(group, n.Consumer), idBytes(n.ID)...))
}

// PEL returns up to max (0: all) pending entries of group with start <= id
// <= end, in id order.
func (s *Stream) PEL(group []byte, start, end StreamID, max int) ([]*StreamNACK, error) {
	if start.Cmp(end) > 0 {
		return nil, nil
	}
	p := s.sub(subPEL, lenPrefixed(group))
	lo := append(bytes.Clone(p), idBytes(start)...)
	hi := append(append(bytes.Clone(p), idBytes(end)...), 0)
	it, err := s.iter(lo, hi)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*StreamNACK
	for ok := it.First(); ok && (max == 0 || len(out) < max); ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		n, err := decodeNACK(readID(it.Key()[len(p):]), v)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, it.Error()
}

// ConsumerPEL returns up to max (0: all) ids pending for consumer of group
// with start <= id <= end.
func (s *Stream) ConsumerPEL(group, consumer []byte, start, end StreamID, max int) ([]StreamID, error) {
	if start.Cmp(end) > 0 {
		return nil, nil
	}
	p := s.cpelPrefix(group, consumer)
	lo := append(bytes.Clone(p), idBytes(start)...)
	hi := append(append(bytes.Clone(p), idBytes(end)...), 0)
	it, err := s.iter(lo, hi)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []StreamID
	for ok := it.First(); ok && (max == 0 || len(out) < max); ok = it.Next() {
		out = append(out, readID(it.Key()[len(p):]))
	}
	return out, it.Error()
}

// CountPrefix counts pending entries: of the group (consumer nil) or of one
// consumer.
func (s *Stream) CountPending(group, consumer []byte) (int, error) {
	var lo []byte
	if consumer == nil {
		lo = s.sub(subPEL, lenPrefixed(group))
	} else {
		lo = s.cpelPrefix(group, consumer)
	}
	it, err := s.iter(lo, prefixEnd(lo))
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n, it.Error()
}

// CountConsumers counts the consumers of group.
func (s *Stream) CountConsumers(group []byte) (int, error) {
	lo := s.sub(subConsumer, lenPrefixed(group))
	it, err := s.iter(lo, prefixEnd(lo))
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n, it.Error()
}

// RangeHasTombstones is streamRangeHasTombstones (end nil: to the end).
func (s *Stream) RangeHasTombstones(start StreamID, end *StreamID) bool {
	if s.m.Size == 0 || s.MaxDeleted.IsZero() {
		return false
	}
	if s.First.Cmp(s.MaxDeleted) > 0 {
		return false // the latest tombstone is before the first entry
	}
	e := MaxStreamID
	if end != nil {
		e = *end
	}
	return start.Cmp(s.MaxDeleted) <= 0 && s.MaxDeleted.Cmp(e) <= 0
}

// EstimateDistance is streamEstimateDistanceFromFirstEverEntry.
func (s *Stream) EstimateDistance(id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.m.Size == 0 && id.Cmp(s.Last) < 1 {
		return int64(s.EntriesAdded)
	}
	cmpLast := id.Cmp(s.Last)
	if cmpLast == 0 {
		return int64(s.EntriesAdded)
	} else if cmpLast > 0 {
		return StreamInvalidEntriesRead
	}
	cmpFirst := id.Cmp(s.First)
	cmpXdelFirst := s.MaxDeleted.Cmp(s.First)
	if s.MaxDeleted.IsZero() || cmpXdelFirst < 0 {
		if cmpFirst < 0 {
			return int64(s.EntriesAdded - s.m.Size)
		} else if cmpFirst == 0 {
			return int64(s.EntriesAdded - s.m.Size + 1)
		}
	}
	return StreamInvalidEntriesRead
}

// Lag is a group's lag for XINFO; ok false when unknown (streamReplyWithCGLag).
func (s *Stream) Lag(g *StreamGroup) (int64, bool) {
	switch {
	case s.EntriesAdded == 0:
		return 0, true
	case g.EntriesRead != StreamInvalidEntriesRead && !s.RangeHasTombstones(g.Last, nil):
		return int64(s.EntriesAdded) - g.EntriesRead, true
	}
	if er := s.EstimateDistance(g.Last); er != StreamInvalidEntriesRead {
		return int64(s.EntriesAdded) - er, true
	}
	return 0, false
}

// SetExpireAt sets the stream's absolute expiry (unix ms, 0 none), written
// by Save (RESTORE builds a stream with its TTL).
func (s *Stream) SetExpireAt(ms int64) { s.m.ExpireAt = ms }
