package rdb

import "encoding/binary"

// streamListpackMaxSize is STREAM_LISTPACK_MAX_SIZE.
const streamListpackMaxSize = 1 << 30

// streamPacker decides stream node boundaries as streamAppendItem (Redis
// 7.0) does when entries are added in ID order, and tracks the current
// node's listpack size.
type streamPacker struct {
	lim      Limits
	nodes    uint64
	count    int64    // entries in the current node
	master   [][]byte // current node's master fields (copies)
	masterSz int      // bytes of the master entry without its count
	bodySz   int      // bytes of the entries after the master entry
	masterID StreamID
	started  bool
}

func fieldsEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			return false
		}
	}
	return true
}

// lpBytes is the current node's listpack size.
func (p *streamPacker) lpBytes() int {
	return lpHeaderSize + 1 + lpIntEntrySize(p.count) + p.masterSz + p.bodySz
}

// entrySize is the listpack bytes of an entry relative to the node master.
func (p *streamPacker) entrySize(id StreamID, fields [][]byte, same bool) int {
	n := lpIntEntrySize(int64(id.Ms - p.masterID.Ms))
	n += lpIntEntrySize(int64(id.Seq - p.masterID.Seq))
	n += lpIntEntrySize(0) // flags
	nf := len(fields) / 2
	if same {
		for i := 1; i < len(fields); i += 2 {
			n += lpEntrySize(fields[i])
		}
		return n + lpIntEntrySize(int64(nf+3))
	}
	n += lpIntEntrySize(int64(nf))
	for _, f := range fields {
		n += lpEntrySize(f)
	}
	return n + lpIntEntrySize(int64(2*nf+4))
}

// add accounts for an entry (fields alternates field, value) and reports
// whether it starts a new node, and whether it uses the master fields.
func (p *streamPacker) add(id StreamID, fields [][]byte) (newNode, same bool) {
	newNode = p.wouldStart(fields)
	if newNode {
		p.nodes++
		p.started = true
		p.count = 0
		p.masterID = id
		p.master = p.master[:0]
		p.masterSz = lpIntEntrySize(0) + lpIntEntrySize(int64(len(fields)/2)) + lpIntEntrySize(0)
		for i := 0; i < len(fields); i += 2 {
			p.master = append(p.master, append([]byte(nil), fields[i]...))
			p.masterSz += lpEntrySize(fields[i])
		}
		p.bodySz = 0
	}
	same = len(fields)/2 == len(p.master)
	for i := 0; same && i < len(p.master); i++ {
		same = string(fields[2*i]) == string(p.master[i])
	}
	p.bodySz += p.entrySize(id, fields, same)
	p.count++
	return newNode, same
}

// wouldStart reports whether an entry with these fields starts a new node.
func (p *streamPacker) wouldStart(fields [][]byte) bool {
	if !p.started {
		return true
	}
	total := 0
	for _, f := range fields {
		total += len(f)
	}
	maxBytes := p.lim.StreamNodeMaxBytes
	if maxBytes == 0 || maxBytes > streamListpackMaxSize {
		maxBytes = streamListpackMaxSize
	}
	return p.lpBytes()+total >= maxBytes ||
		p.lim.StreamNodeMaxEntries > 0 && p.count >= int64(p.lim.StreamNodeMaxEntries)
}

// StreamPlan counts the listpack nodes a stream's entries need, which the
// RDB format writes before them. Feed it every live entry in ID order, then
// pass it to StartStream and write the same entries.
type StreamPlan struct {
	p       streamPacker
	entries uint64
}

// NewStreamPlan returns an empty plan for streams packed with lim.
func NewStreamPlan(lim Limits) *StreamPlan {
	return &StreamPlan{p: streamPacker{lim: lim}}
}

// Add accounts for the next entry; fields alternates field, value.
func (sp *StreamPlan) Add(id StreamID, fields [][]byte) {
	sp.p.add(id, fields)
	sp.entries++
}

// Len is the number of entries added.
func (sp *StreamPlan) Len() uint64 { return sp.entries }

// Nodes is the number of listpack nodes.
func (sp *StreamPlan) Nodes() uint64 { return sp.p.nodes }

// streamWriterState is the progress through a stream value.
type streamWriterState struct {
	pack      streamPacker
	body      lpBuilder // entries of the current node
	lastID    StreamID
	haveLast  bool
	groups    uint64 // groups still expected
	consumers uint64 // consumers of the current group still expected
	pelIDs    map[StreamID]bool
}

// StreamEntries announces a stream (RDB_TYPE_STREAM_LISTPACKS_2) whose live
// entries were counted by plan (made with this writer's Limits). Write them
// with StreamEntry in ID order, then StreamMeta.
func (w *ObjectWriter) StartStream(plan *StreamPlan) error {
	if w.begin(typeStream2) != nil {
		return w.err
	}
	if plan.p.lim != w.opts.Limits {
		return w.misuse("stream plan made with other limits")
	}
	w.st = stStreamEntries
	w.remaining = plan.entries
	w.planNodes = plan.p.nodes
	w.stream.pack = streamPacker{lim: w.opts.Limits}
	w.stream.haveLast = false
	w.writeLen(plan.p.nodes)
	return w.err
}

func (w *ObjectWriter) flushStreamNode() {
	s := &w.stream
	if !s.pack.started || s.pack.count == 0 {
		return
	}
	var key [16]byte
	binary.BigEndian.PutUint64(key[:], s.pack.masterID.Ms)
	binary.BigEndian.PutUint64(key[8:], s.pack.masterID.Seq)
	w.writeRawString(key[:])
	// master entry: count | deleted | num_fields | fields... | 0, then the
	// entries already packed in s.body.
	w.lp.reset()
	w.lp.appendInt(s.pack.count)
	w.lp.appendInt(0)
	w.lp.appendInt(int64(len(s.pack.master)))
	for _, f := range s.pack.master {
		w.lp.appendString(f)
	}
	w.lp.appendInt(0)
	w.lp.b = append(w.lp.b, s.body.b[lpHeaderSize:]...)
	w.lp.n += s.body.n
	w.writeString(w.lp.finish())
	w.maybeFlush()
}

// StreamEntry writes the next live entry; fields alternates field, value.
func (w *ObjectWriter) StreamEntry(id StreamID, fields [][]byte) error {
	if w.expect(stStreamEntries, "StreamEntry") != nil {
		return w.err
	}
	s := &w.stream
	if len(fields) == 0 || len(fields)%2 != 0 {
		return w.misuse("stream entry %s with %d field strings", id, len(fields))
	}
	if s.haveLast && (id.Ms < s.lastID.Ms || id.Ms == s.lastID.Ms && id.Seq <= s.lastID.Seq) {
		return w.misuse("stream entry %s not after %s", id, s.lastID)
	}
	s.lastID, s.haveLast = id, true
	if s.pack.started && s.pack.wouldStart(fields) {
		w.flushStreamNode()
	}
	newNode, same := s.pack.add(id, fields)
	if newNode {
		if s.pack.nodes > w.planNodes {
			return w.misuse("stream entries differ from their plan")
		}
		s.body.reset()
	}
	flags := int64(0)
	if same {
		flags = streamItemSameFields
	}
	b := &s.body
	b.appendInt(flags)
	b.appendInt(int64(id.Ms - s.pack.masterID.Ms))
	b.appendInt(int64(id.Seq - s.pack.masterID.Seq))
	nf := len(fields) / 2
	if same {
		for i := 1; i < len(fields); i += 2 {
			b.appendString(fields[i])
		}
		b.appendInt(int64(nf + 3))
	} else {
		b.appendInt(int64(nf))
		for _, f := range fields {
			b.appendString(f)
		}
		b.appendInt(int64(2*nf + 4))
	}
	return w.err
}

// StreamMeta writes the stream's metadata after its entries and announces
// groups consumer groups. m.Length should be the number of entries written;
// FirstID, MaxDeletedID and EntriesAdded are written as given (7.0 layout).
func (w *ObjectWriter) StreamMeta(m StreamMeta, groups uint64) error {
	if w.err != nil {
		return w.err
	}
	if w.st != stStreamEntries || w.remaining != 0 {
		return w.misuse("StreamMeta before all entries")
	}
	w.flushStreamNode()
	if w.stream.pack.nodes != w.planNodes {
		return w.misuse("stream entries differ from their plan")
	}
	w.writeLen(m.Length)
	w.writeLen(m.LastID.Ms)
	w.writeLen(m.LastID.Seq)
	w.writeLen(m.FirstID.Ms)
	w.writeLen(m.FirstID.Seq)
	w.writeLen(m.MaxDeletedID.Ms)
	w.writeLen(m.MaxDeletedID.Seq)
	w.writeLen(m.EntriesAdded)
	w.writeLen(groups)
	w.stream.groups = groups
	w.st = stStreamGroups
	return w.err
}

func (w *ObjectWriter) groupDone() bool {
	return w.st == stStreamGroups || (w.st == stStreamConsumers && w.stream.consumers == 0)
}

// StreamGroup starts a consumer group with pel pending entries and
// consumers consumers. EntriesRead -1 is SCG_INVALID_ENTRIES_READ. Write the
// group's pending entries with StreamPendingEntry, then each consumer with
// StreamConsumer and its pending IDs with StreamConsumerPending.
func (w *ObjectWriter) StreamGroup(g StreamGroup, pel, consumers uint64) error {
	if w.err != nil {
		return w.err
	}
	if !w.groupDone() || w.stream.groups == 0 || w.remaining != 0 {
		return w.misuse("StreamGroup out of order")
	}
	w.stream.groups--
	w.writeString(g.Name)
	w.writeLen(g.LastID.Ms)
	w.writeLen(g.LastID.Seq)
	w.writeLen(uint64(g.EntriesRead))
	w.writeLen(pel)
	w.stream.consumers = consumers
	if w.stream.pelIDs == nil {
		w.stream.pelIDs = map[StreamID]bool{}
	}
	clear(w.stream.pelIDs)
	w.remaining = pel
	w.st = stStreamPEL
	if pel == 0 {
		w.writeLen(consumers)
		w.st = stStreamConsumers
	}
	return w.err
}

func (w *ObjectWriter) writeRawID(id StreamID) {
	w.out = binary.BigEndian.AppendUint64(w.out, id.Ms)
	w.out = binary.BigEndian.AppendUint64(w.out, id.Seq)
}

// StreamPendingEntry writes the next entry of the group's PEL.
func (w *ObjectWriter) StreamPendingEntry(p StreamPendingEntry) error {
	if w.expect(stStreamPEL, "StreamPendingEntry") != nil {
		return w.err
	}
	if w.stream.pelIDs[p.ID] {
		return w.misuse("duplicate PEL entry %s", p.ID)
	}
	w.stream.pelIDs[p.ID] = false
	w.writeRawID(p.ID)
	w.writeUint64LE(uint64(p.DeliveryTime))
	w.writeLen(p.DeliveryCount)
	if w.remaining == 0 {
		w.writeLen(w.stream.consumers)
		w.st = stStreamConsumers
	}
	w.maybeFlush()
	return w.err
}

// StreamConsumer writes a consumer of the current group owning pending of
// the group's PEL entries, given next with StreamConsumerPending.
func (w *ObjectWriter) StreamConsumer(c StreamConsumer, pending uint64) error {
	if w.err != nil {
		return w.err
	}
	if (w.st != stStreamConsumers && w.st != stStreamConsumerPEL) || w.remaining != 0 || w.stream.consumers == 0 {
		return w.misuse("StreamConsumer out of order")
	}
	w.stream.consumers--
	w.writeString(c.Name)
	w.writeUint64LE(uint64(c.SeenTime))
	w.writeLen(pending)
	w.remaining = pending
	w.st = stStreamConsumerPEL
	if pending == 0 {
		w.st = stStreamConsumers
	}
	return w.err
}

// StreamConsumerPending writes the next PEL ID owned by the consumer; it
// must be in the group's PEL and not owned by another consumer.
func (w *ObjectWriter) StreamConsumerPending(id StreamID) error {
	if w.expect(stStreamConsumerPEL, "StreamConsumerPending") != nil {
		return w.err
	}
	owned, ok := w.stream.pelIDs[id]
	if !ok || owned {
		return w.misuse("consumer PEL id %s not in the group PEL or owned twice", id)
	}
	w.stream.pelIDs[id] = true
	w.writeRawID(id)
	if w.remaining == 0 {
		w.st = stStreamConsumers
	}
	w.maybeFlush()
	return w.err
}

// EndStream ends the stream.
func (w *ObjectWriter) EndStream() error {
	if w.err != nil {
		return w.err
	}
	if !w.groupDone() || w.stream.groups != 0 {
		return w.misuse("EndStream before all groups")
	}
	w.st = stIdle
	w.maybeFlush()
	return w.err
}

// StreamEntriesReadInvalid is SCG_INVALID_ENTRIES_READ for StreamGroup.EntriesRead.
const StreamEntriesReadInvalid = -1
