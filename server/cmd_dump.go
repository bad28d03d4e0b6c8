package server

import (
	"bytes"
	"errors"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// DUMP and RESTORE (cluster.c). DUMP serializes a key with the RDB encoder,
// picking the encodings the key has (OBJECT ENCODING) so that the payload is
// the one redis-server would produce wherever that is order-deterministic.
// RESTORE verifies the footer, decodes the value once to validate it whole,
// then builds the key through the type stores' APIs in a second pass, so a
// bad payload never leaves a partial key behind.

func (s *Server) registerDump() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "dump", cmdDump).consistent = true
	t.add(rc, "restore", cmdRestore)
}

func cmdDump(c *Client) {
	key := c.args[1]
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil {
		c.fail(err)
		return
	}
	if !found {
		c.null()
		return
	}
	o := c.s.encodeOptions()
	d := rdb.NewDump(o)
	if err := writeValue(c.tx, c.db, key, &m, &d.ObjectWriter, o.Limits); err != nil {
		c.fail(err)
		return
	}
	p, err := d.Payload()
	if err != nil {
		c.fail(err)
		return
	}
	c.bulk(p)
}

// restoreTypeOK reports whether Redis 7.0 (RDB 10) knows RDB object type t
// (rdbIsObjectType, modules excluded: none is loaded).
func restoreTypeOK(t byte) bool { return t <= 5 || (t >= 9 && t <= 19) }

func cmdRestore(c *Client) {
	key := c.args[1]
	replace, absttl := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(c.args); j++ {
		more := len(c.args) - j - 1
		switch opt := strings.ToLower(string(c.args[j])); {
		case opt == "replace":
			replace = true
		case opt == "absttl":
			absttl = true
		case opt == "idletime" && more >= 1 && freq == -1:
			v, ok := parseLL(c.args[j+1])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if v < 0 {
				c.errReply("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = v
			j++
		case opt == "freq" && more >= 1 && idle == -1:
			v, ok := parseLL(c.args[j+1])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if v < 0 || v > 255 {
				c.errReply("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = v
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	_, exists, err := c.tx.Lookup(c.db, key)
	if err != nil {
		c.fail(err)
		return
	}
	if !replace && exists {
		c.errReply("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := parseLL(c.args[2])
	if !ok {
		c.errReply(errNotInt)
		return
	}
	if ttl < 0 {
		c.errReply("ERR Invalid TTL value, must be >= 0")
		return
	}
	typ, _, ver, err := rdb.VerifyDumpPayloadFor(c.args[3], rdb.Version10)
	if err != nil {
		c.errReply("ERR DUMP payload version or checksum are wrong")
		return
	}
	if !restoreTypeOK(typ) {
		c.errReply("ERR Bad data format")
		return
	}
	// Redis reads the object from the whole payload, footer included, and
	// ignores what follows it.
	body := c.args[3][1:]
	// Pass 1: validate the whole value without writing anything.
	v := &restoreCheck{}
	info := rdb.KeyInfo{Idle: -1, Freq: -1}
	if err := rdb.DecodeValuePrefix(bytes.NewReader(body), ver, typ, key, info, v); err != nil || !v.started {
		c.errReply("ERR Bad data format")
		return
	}
	if replace && exists {
		if _, err := c.tx.Del(c.db, key); err != nil {
			c.fail(err)
			return
		}
	}
	if ttl != 0 && !absttl {
		ttl += c.tx.Now()
	}
	if ttl != 0 && ttl <= c.tx.Now() && !c.fromMaster {
		if replace && exists {
			c.notify(pubsub.NotifyGeneric, "del", key)
		}
		c.ok()
		return
	}
	// Pass 2: build the key.
	b := &restoreBuilder{c: c, expireAt: ttl, zn: v.zn, zmax: v.zmax}
	if err := rdb.DecodeValuePrefix(bytes.NewReader(body), ver, typ, key, info, b); err != nil {
		var se storeErr
		if errors.As(err, &se) {
			c.fail(se.err)
		} else {
			c.errReply("ERR Bad data format")
		}
		return
	}
	c.notify(pubsub.NotifyGeneric, "restore", key)
	c.ok()
}

// storeErr marks an error of the store (not of the payload) in pass 2.
type storeErr struct{ err error }

func (e storeErr) Error() string { return e.err.Error() }

func wrapStore(err error) error {
	if err == nil {
		return nil
	}
	return storeErr{err}
}

var errBadPayload = errors.New("bad payload")

// restoreCheck validates what the decoder cannot: that a value was there
// (empty collections are refused), and the stream invariants Redis checks
// on load (consumer PEL entries present in the group PEL, no duplicate
// groups, consumers or PEL entries, entries in ID order).
type restoreCheck struct {
	rdb.NopHandler
	started  bool
	last     rdb.StreamID
	entries  uint64
	groups   map[string]bool
	pel      map[rdb.StreamID]bool
	owned    map[rdb.StreamID]bool
	cons     map[string]bool
	hasLast  bool
	zn, zmax int // sorted set members and longest member
}

func (v *restoreCheck) ZSetMember(member []byte, _ float64) error {
	v.zn++
	v.zmax = max(v.zmax, len(member))
	return nil
}

func (v *restoreCheck) String([]byte, rdb.KeyInfo, []byte) error { v.started = true; return nil }
func (v *restoreCheck) StartList([]byte, rdb.KeyInfo) error      { v.started = true; return nil }
func (v *restoreCheck) StartSet([]byte, rdb.KeyInfo) error       { v.started = true; return nil }
func (v *restoreCheck) StartZSet([]byte, rdb.KeyInfo) error      { v.started = true; return nil }
func (v *restoreCheck) StartHash([]byte, rdb.KeyInfo) error      { v.started = true; return nil }

func (v *restoreCheck) StartStream([]byte, rdb.KeyInfo) error {
	v.started = true
	v.groups = map[string]bool{}
	return nil
}

func cmpRID(a, b rdb.StreamID) int {
	switch {
	case a.Ms != b.Ms:
		if a.Ms < b.Ms {
			return -1
		}
		return 1
	case a.Seq != b.Seq:
		if a.Seq < b.Seq {
			return -1
		}
		return 1
	}
	return 0
}

func (v *restoreCheck) StreamEntry(id rdb.StreamID, fields [][]byte) error {
	if (v.hasLast && cmpRID(id, v.last) <= 0) || len(fields) == 0 || len(fields)%2 != 0 {
		return errBadPayload
	}
	v.last, v.hasLast = id, true
	v.entries++
	return nil
}

func (v *restoreCheck) StreamMeta(m rdb.StreamMeta) error {
	if m.Length != v.entries || (v.hasLast && cmpRID(m.LastID, v.last) < 0) {
		return errBadPayload
	}
	return nil
}

func (v *restoreCheck) StreamGroup(g rdb.StreamGroup) error {
	if v.groups[string(g.Name)] {
		return errBadPayload
	}
	v.groups[string(g.Name)] = true
	v.pel = map[rdb.StreamID]bool{}
	v.owned = map[rdb.StreamID]bool{}
	v.cons = map[string]bool{}
	return nil
}

func (v *restoreCheck) StreamPendingEntry(p rdb.StreamPendingEntry) error {
	if v.pel[p.ID] {
		return errBadPayload
	}
	v.pel[p.ID] = true
	return nil
}

func (v *restoreCheck) StreamConsumer(cn rdb.StreamConsumer) error {
	if v.cons[string(cn.Name)] {
		return errBadPayload
	}
	v.cons[string(cn.Name)] = true
	return nil
}

func (v *restoreCheck) StreamConsumerPending(id rdb.StreamID) error {
	if !v.pel[id] || v.owned[id] {
		return errBadPayload
	}
	v.owned[id] = true
	return nil
}

// restoreBuilder writes the validated value into the store, choosing the
// encodings the commands would (and Redis's rdbLoadObject does for a
// payload made under the same limits).
type restoreBuilder struct {
	rdb.NopHandler
	c        *Client
	expireAt int64

	list   *store.List
	hash   *store.Hash
	meta   store.Meta
	packed bool // the payload's encoding is a listpack/ziplist
	zn     int  // sorted set size and longest member, from pass 1
	zmax   int
	zsmall bool // the sorted set ends up a listpack

	stream  *store.Stream
	group   []byte
	pel     map[rdb.StreamID]rdb.StreamPendingEntry
	cons    []byte
	entries uint64
}

func (b *restoreBuilder) String(key []byte, _ rdb.KeyInfo, value []byte) error {
	m := store.Meta{Type: store.TypeString, Enc: store.StrEncAuto, ExpireAt: b.expireAt, Value: bytes.Clone(value)}
	return wrapStore(b.c.tx.Put(b.c.db, key, nil, &m))
}

func (b *restoreBuilder) StartList(key []byte, _ rdb.KeyInfo) error {
	l, _, err := b.c.tx.OpenList(b.c.db, key)
	b.list = l
	return wrapStore(err)
}

func (b *restoreBuilder) ListItem(item []byte) error {
	return wrapStore(b.list.Push(false, bytes.Clone(item)))
}

func (b *restoreBuilder) EndList([]byte) error {
	b.list.Meta().ExpireAt = b.expireAt
	_, err := b.list.Save()
	return wrapStore(err)
}

func (b *restoreBuilder) StartSet([]byte, rdb.KeyInfo) error {
	b.meta = store.Meta{Type: store.TypeSet, KeyID: b.c.tx.NewKeyID(), Enc: setEncIntset, ExpireAt: b.expireAt}
	return nil
}

func (b *restoreBuilder) SetMember(member []byte) error {
	_, err := b.c.setAddMembers(&b.meta, [][]byte{bytes.Clone(member)})
	return wrapStore(err)
}

func (b *restoreBuilder) EndSet(key []byte) error {
	return wrapStore(b.c.tx.Put(b.c.db, key, nil, &b.meta))
}

func (b *restoreBuilder) StartZSet(_ []byte, info rdb.KeyInfo) error {
	b.meta = store.Meta{Type: store.TypeZSet, KeyID: b.c.tx.NewKeyID(), Enc: zsetEncListpack, ExpireAt: b.expireAt}
	// A listpack (or ziplist) payload becomes a skiplist only when it has
	// too many members; a skiplist one becomes a listpack when small enough.
	b.packed = info.Encoding == 17 || info.Encoding == 12
	cfg := b.c.s.cfg
	b.zsmall = int64(b.zn) <= cfg.Int64("zset-max-listpack-entries") &&
		(b.packed || int64(b.zmax) <= cfg.Memory("zset-max-listpack-value"))
	if !b.zsmall {
		b.meta.Enc = zsetEncSkiplist
	}
	return nil
}

func (b *restoreBuilder) ZSetMember(member []byte, score float64) error {
	if b.zsmall && score == 0 {
		score = 0 // a listpack stores -0 as "0"
	}
	_, _, err := b.c.tx.ZSet(b.c.db, &b.meta, bytes.Clone(member), score)
	return wrapStore(err)
}

func (b *restoreBuilder) EndZSet(key []byte) error {
	return wrapStore(b.c.tx.Put(b.c.db, key, nil, &b.meta))
}

func (b *restoreBuilder) StartHash(key []byte, info rdb.KeyInfo) error {
	h, _, err := b.c.tx.OpenHash(b.c.db, key)
	b.hash = h
	// A listpack (or ziplist) payload stays listpack unless it has too many
	// fields (rdbLoadObject); a hashtable one is loaded as HSET would.
	b.packed = info.Encoding == 16 || info.Encoding == 13
	return wrapStore(err)
}

func (b *restoreBuilder) HashField(f, v []byte, _ int64) error {
	if b.packed {
		_, err := b.hash.Set(bytes.Clone(f), bytes.Clone(v))
		return wrapStore(err)
	}
	_, err := b.c.hashSet(b.hash, bytes.Clone(f), bytes.Clone(v))
	return wrapStore(err)
}

func (b *restoreBuilder) EndHash([]byte) error {
	if b.packed && b.hash.Len() > b.c.s.cfg.Int64("hash-max-listpack-entries") {
		b.hash.Meta().Enc = store.HashEncHashtable
	}
	b.hash.Meta().ExpireAt = b.expireAt
	_, err := b.hash.Save()
	return wrapStore(err)
}

func sid(id rdb.StreamID) store.StreamID { return store.StreamID{Ms: id.Ms, Seq: id.Seq} }

func (b *restoreBuilder) StartStream(key []byte, _ rdb.KeyInfo) error {
	s, err := b.c.tx.CreateStream(b.c.db, key)
	b.stream = s
	return wrapStore(err)
}

func (b *restoreBuilder) StreamEntry(id rdb.StreamID, fields [][]byte) error {
	fv := make([][]byte, len(fields))
	for i, f := range fields {
		fv[i] = bytes.Clone(f)
	}
	b.entries++
	return wrapStore(b.stream.Append(sid(id), fv, b.c.streamLimits()))
}

func (b *restoreBuilder) StreamMeta(m rdb.StreamMeta) error {
	s := b.stream
	s.Last = sid(m.LastID)
	if m.HasV2Fields {
		s.First, s.MaxDeleted, s.EntriesAdded = sid(m.FirstID), sid(m.MaxDeletedID), m.EntriesAdded
	} else {
		s.EntriesAdded = b.entries
	}
	return nil
}

func (b *restoreBuilder) StreamGroup(g rdb.StreamGroup) error {
	b.group = bytes.Clone(g.Name)
	b.pel = map[rdb.StreamID]rdb.StreamPendingEntry{}
	return wrapStore(b.stream.PutGroup(&store.StreamGroup{Name: b.group, Last: sid(g.LastID), EntriesRead: g.EntriesRead}))
}

func (b *restoreBuilder) StreamPendingEntry(p rdb.StreamPendingEntry) error {
	b.pel[p.ID] = p
	return nil
}

func (b *restoreBuilder) StreamConsumer(cn rdb.StreamConsumer) error {
	b.cons = bytes.Clone(cn.Name)
	return wrapStore(b.stream.PutConsumer(b.group, &store.StreamConsumer{Name: b.cons, SeenTime: cn.SeenTime}))
}

func (b *restoreBuilder) StreamConsumerPending(id rdb.StreamID) error {
	p := b.pel[id]
	return wrapStore(b.stream.PutNACK(b.group, &store.StreamNACK{ID: sid(id), Consumer: b.cons,
		DeliveryTime: p.DeliveryTime, DeliveryCount: p.DeliveryCount}, nil))
}

func (b *restoreBuilder) EndStream([]byte) error {
	b.stream.SetExpireAt(b.expireAt)
	return wrapStore(b.stream.Save())
}
