package pubsub

import (
	"bytes"
	"sort"
	"sync"
)

// Subscriber is implemented by the server's client connection.
//
// Implementations must be comparable (in practice a pointer): the Hub uses them as map keys.
type Subscriber interface {
	// Deliver appends one already-encoded frame to the subscriber's own bounded output buffer and wakes its
	// writer; it must not block and must not write to a socket. It returns false if the subscriber is over its
	// limit and must be dropped (the hub then unsubscribes it from everything).
	//
	// frame is only valid for the duration of the call: the Hub encodes each frame once per publish into a reused
	// buffer and hands the same bytes to every recipient, so Deliver must copy it (Outbox.Append does). Deliver is
	// called with the Hub's lock held and must not call back into the Hub.
	Deliver(frame []byte) bool
	// Proto is 2 or 3: RESP2 arrays or RESP3 push frames. It must not change while the subscriber is subscribed.
	Proto() int
}

// Replier is an optional interface of a Subscriber: frames the subscriber causes itself — the confirmations of
// its own (un)subscriptions, and messages it publishes to itself through PublishFrom — go to Reply instead of
// Deliver, so the server can put them into the reply it is building, in the place Redis would (inside an EXEC
// array, before a PUBLISH's integer reply). Reply is called on the goroutine that called the Hub, with the Hub's
// lock held; it must copy frame and must not call back into the Hub. It returns false like Deliver.
type Replier interface {
	Reply(frame []byte) bool
}

// deliverOwn hands a frame that s caused itself to s: to Reply when s is a Replier, else to Deliver.
func deliverOwn(s Subscriber, frame []byte) bool {
	if r, ok := s.(Replier); ok {
		return r.Reply(frame)
	}
	return s.Deliver(frame)
}

// Waker is an optional interface of a Subscriber whose writer can be woken separately from the appending of a
// frame: DeliverLater is Deliver without the wakeup (ok as Deliver's result; wake reports that Wake must be
// called once, later — the first frame held back since the last Wake), and Wake wakes the writer for everything
// DeliverLater queued. Outbox.AppendLater and Outbox.Wake implement it. DeliverLater is called with the Hub's
// lock held, Wake without it; neither may call back into the Hub.
type Waker interface {
	DeliverLater(frame []byte) (ok, wake bool)
	// Wake wakes the writer. direct says the run of publishes had few recipients: the subscriber may then write
	// its pending bytes on the caller's goroutine if that cannot wait for the peer (Outbox.WakeWrite), which
	// costs less than waking its writer; with many recipients their writers run in parallel instead.
	Wake(direct bool)
}

// Batch holds the wakeups of a run of publishes by one client, as Redis writes each client's output once per
// event-loop turn rather than once per message: with PublishBatch, frames are appended to their subscribers at
// once, in order, but the subscribers' writers are woken only by Flush, so a pipeline of PUBLISH costs each
// subscriber one wakeup and one socket write instead of one per message. The publisher must call Flush before it
// does anything that may wait (reading the next command from the network, blocking, running anything but another
// publish). A Batch belongs to one goroutine; the zero value is ready to use.
type Batch struct {
	wake []Waker
}

// Pending reports whether Flush has wakeups to do.
func (b *Batch) Pending() bool { return len(b.wake) > 0 }

// DirectMax is the most subscribers a Batch lets write on the publisher's goroutine (Waker.Wake's direct): one
// or two non-blocking writes cost the publisher less than the wakeups of their writers, but many would
// serialise on its goroutine what the writers do on every core.
const DirectMax = 2

// Flush wakes every writer the publishes since the last Flush held back.
func (b *Batch) Flush() {
	direct := len(b.wake) <= DirectMax
	for i, w := range b.wake {
		w.Wake(direct)
		b.wake[i] = nil
	}
	if cap(b.wake) > 1024 {
		b.wake = nil
	} else {
		b.wake = b.wake[:0]
	}
}

// Confirm is one unsubscribe confirmation: the channel or pattern named in the reply and the client's running
// count after it. Name is nil when an unsubscribe-all found nothing to drop, which Redis replies with a null.
type Confirm struct {
	Name  []byte
	Count int
}

// mode selects one of the three subscription spaces, as pubsubtype does in pubsub.c.
type mode uint8

const (
	modeChannel mode = iota
	modePattern
	modeShard
)

func (m mode) kinds() (sub, unsub string) {
	switch m {
	case modePattern:
		return KindPSubscribe, KindPUnsubscribe
	case modeShard:
		return KindSSubscribe, KindSUnsubscribe
	}
	return KindSubscribe, KindUnsubscribe
}

// Hub routes published messages to subscribers. The zero value is not usable; call NewHub. A Hub is safe for
// concurrent use.
type Hub struct {
	// mu guards every field below. Publish holds it for reading while it works out recipients and calls their
	// Deliver; (un)subscribe hold it for writing, and deliver their confirmations before releasing it, so a client
	// never sees a message on a channel before the confirmation of its subscription.
	mu       sync.RWMutex
	channels map[string]*subList // exact channel -> subscribers (server.pubsub_channels)
	shard    map[string]*subList // shard channel -> subscribers (server.pubsubshard_channels)
	patterns map[string]*patEntry
	patList  []*patEntry // the same entries as patterns, for Publish to walk without a map iteration
	clients  map[Subscriber]*client
	scratch  []byte // confirmation frames, reused under the write lock
}

// client is what one subscriber is subscribed to (c->pubsub_channels, c->pubsub_patterns, c->pubsubshard_channels).
type client struct {
	sets [3]nameSet // indexed by mode
}

// count is the number Redis puts in a confirmation: channels+patterns for SUBSCRIBE and PSUBSCRIBE
// (clientSubscriptionsCount), shard channels only for SSUBSCRIBE (clientShardSubscriptionsCount).
func (c *client) count(m mode) int {
	if c == nil {
		return 0
	}
	if m == modeShard {
		return c.sets[modeShard].len()
	}
	return c.sets[modeChannel].len() + c.sets[modePattern].len()
}

func (c *client) empty() bool {
	return c.sets[0].len() == 0 && c.sets[1].len() == 0 && c.sets[2].len() == 0
}

// nameSet is a set of names kept in a slice as well, so unsubscribe-all can walk it in a deterministic order.
// Removal swaps with the last name; Redis's dict has no order either.
type nameSet struct {
	names []string
	idx   map[string]int
}

func (s *nameSet) len() int { return len(s.names) }

func (s *nameSet) add(name string) bool {
	if _, ok := s.idx[name]; ok {
		return false
	}
	if s.idx == nil {
		s.idx = make(map[string]int)
	}
	s.idx[name] = len(s.names)
	s.names = append(s.names, name)
	return true
}

func (s *nameSet) remove(name string) bool {
	i, ok := s.idx[name]
	if !ok {
		return false
	}
	last := len(s.names) - 1
	s.names[i] = s.names[last]
	s.idx[s.names[i]] = i
	s.names = s.names[:last]
	delete(s.idx, name)
	return true
}

// subList is the subscribers of one channel or pattern. Removal swaps with the last element, so order is
// subscription order until someone leaves (Redis keeps these in a dict, with no order at all).
type subList struct {
	subs []Subscriber
	idx  map[Subscriber]int
}

func newSubList() *subList { return &subList{idx: make(map[Subscriber]int)} }

func (l *subList) add(s Subscriber) {
	l.idx[s] = len(l.subs)
	l.subs = append(l.subs, s)
}

func (l *subList) remove(s Subscriber) {
	i, ok := l.idx[s]
	if !ok {
		return
	}
	last := len(l.subs) - 1
	l.subs[i] = l.subs[last]
	l.idx[l.subs[i]] = i
	l.subs[last] = nil
	l.subs = l.subs[:last]
	delete(l.idx, s)
}

type patEntry struct {
	pat  []byte
	subs *subList
	pos  int // index in Hub.patList
}

// NewHub returns an empty Hub.
func NewHub() *Hub {
	return &Hub{
		channels: make(map[string]*subList),
		shard:    make(map[string]*subList),
		patterns: make(map[string]*patEntry),
		clients:  make(map[Subscriber]*client),
	}
}

// Subscribe subscribes s to each channel in turn (SUBSCRIBE) and returns the running count after each, which is
// the client's channels plus patterns. Subscribing twice to one channel is not an error and does not add to the
// count, as pubsubSubscribeChannel. The confirmation frames are delivered to s before Subscribe returns, under the
// Hub's lock; the caller must not write them again.
func (h *Hub) Subscribe(s Subscriber, channels ...[]byte) []int {
	return h.subscribe(s, modeChannel, channels)
}

// PSubscribe is Subscribe for patterns (PSUBSCRIBE); counts are channels plus patterns.
func (h *Hub) PSubscribe(s Subscriber, patterns ...[]byte) []int {
	return h.subscribe(s, modePattern, patterns)
}

// SSubscribe is Subscribe for shard channels (SSUBSCRIBE); counts are the client's shard channels only.
func (h *Hub) SSubscribe(s Subscriber, channels ...[]byte) []int {
	return h.subscribe(s, modeShard, channels)
}

// Unsubscribe removes s from the named channels, or from all its channels when none are named (UNSUBSCRIBE), and
// returns one Confirm per confirmation frame delivered to s. Naming a channel s is not subscribed to still
// produces a confirmation; an unsubscribe-all with nothing to drop produces one with a nil Name. Returned names
// alias the arguments or are fresh copies.
func (h *Hub) Unsubscribe(s Subscriber, channels ...[]byte) []Confirm {
	return h.unsubscribe(s, modeChannel, channels)
}

// PUnsubscribe is Unsubscribe for patterns (PUNSUBSCRIBE).
func (h *Hub) PUnsubscribe(s Subscriber, patterns ...[]byte) []Confirm {
	return h.unsubscribe(s, modePattern, patterns)
}

// SUnsubscribe is Unsubscribe for shard channels (SUNSUBSCRIBE); counts are shard channels only.
func (h *Hub) SUnsubscribe(s Subscriber, channels ...[]byte) []Confirm {
	return h.unsubscribe(s, modeShard, channels)
}

func (h *Hub) subscribe(s Subscriber, m mode, names [][]byte) []int {
	if len(names) == 0 {
		return nil // SUBSCRIBE and friends need at least one name (arity -2)
	}
	counts := make([]int, 0, len(names))
	subKind, _ := m.kinds()
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	if c == nil {
		c = &client{}
		h.clients[s] = c
	}
	ok := true
	for _, name := range names {
		if c.sets[m].add(string(name)) {
			h.addLocked(s, m, name)
		}
		n := c.count(m)
		counts = append(counts, n)
		if ok {
			h.scratch = AppendConfirm(h.scratch[:0], s.Proto(), subKind, name, n)
			ok = deliverOwn(s, h.scratch)
		}
	}
	if !ok {
		h.removeAllLocked(s)
	}
	return counts
}

func (h *Hub) unsubscribe(s Subscriber, m mode, names [][]byte) []Confirm {
	_, unsubKind := m.kinds()
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	if len(names) == 0 && c != nil {
		for _, n := range c.sets[m].names {
			names = append(names, []byte(n))
		}
	}
	var out []Confirm
	if len(names) == 0 {
		out = []Confirm{{Name: nil, Count: c.count(m)}}
	} else {
		out = make([]Confirm, 0, len(names))
		for _, name := range names {
			if c != nil && c.sets[m].remove(string(name)) {
				h.removeLocked(s, m, string(name))
			}
			out = append(out, Confirm{Name: name, Count: c.count(m)})
		}
	}
	ok := true
	for _, cf := range out {
		h.scratch = AppendConfirm(h.scratch[:0], s.Proto(), unsubKind, cf.Name, cf.Count)
		if ok = deliverOwn(s, h.scratch); !ok {
			break
		}
	}
	if !ok {
		h.removeAllLocked(s)
	} else if c != nil && c.empty() {
		delete(h.clients, s)
	}
	return out
}

// addLocked records s in the server-side table for name. h.mu must be held for writing.
func (h *Hub) addLocked(s Subscriber, m mode, name []byte) {
	switch m {
	case modePattern:
		e := h.patterns[string(name)]
		if e == nil {
			e = &patEntry{pat: bytes.Clone(name), subs: newSubList(), pos: len(h.patList)}
			h.patterns[string(name)] = e
			h.patList = append(h.patList, e)
		}
		e.subs.add(s)
	default:
		table := h.table(m)
		l := table[string(name)]
		if l == nil {
			l = newSubList()
			table[string(name)] = l
		}
		l.add(s)
	}
}

// removeLocked drops s from the server-side table for name, deleting the entry once nobody is left, as
// pubsubUnsubscribeChannel does so that abandoned channels cost nothing. h.mu must be held for writing.
func (h *Hub) removeLocked(s Subscriber, m mode, name string) {
	switch m {
	case modePattern:
		e := h.patterns[name]
		if e == nil {
			return
		}
		e.subs.remove(s)
		if len(e.subs.subs) == 0 {
			delete(h.patterns, name)
			last := len(h.patList) - 1
			h.patList[e.pos] = h.patList[last]
			h.patList[e.pos].pos = e.pos
			h.patList[last] = nil
			h.patList = h.patList[:last]
		}
	default:
		table := h.table(m)
		l := table[name]
		if l == nil {
			return
		}
		l.remove(s)
		if len(l.subs) == 0 {
			delete(table, name)
		}
	}
}

func (h *Hub) table(m mode) map[string]*subList {
	if m == modeShard {
		return h.shard
	}
	return h.channels
}

// RemoveAll unsubscribes s from every channel, pattern and shard channel without sending confirmations, as Redis
// does when a client disconnects (freeClient). The Hub also calls it itself when Deliver reports s over its limit.
func (h *Hub) RemoveAll(s Subscriber) {
	h.mu.Lock()
	h.removeAllLocked(s)
	h.mu.Unlock()
}

func (h *Hub) removeAllLocked(s Subscriber) {
	c := h.clients[s]
	if c == nil {
		return
	}
	for m := range c.sets {
		for _, name := range c.sets[m].names {
			h.removeLocked(s, mode(m), name)
		}
	}
	delete(h.clients, s)
}

// Count returns how many channels, patterns and shard channels s is subscribed to.
func (h *Hub) Count(s Subscriber) (channels, patterns, shard int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	c := h.clients[s]
	if c == nil {
		return 0, 0, 0
	}
	return c.sets[modeChannel].len(), c.sets[modePattern].len(), c.sets[modeShard].len()
}

// frames is the per-publish scratch space: each distinct frame is encoded once per protocol and shared by every
// recipient. Deliver copies, so the buffers are recycled.
type frames struct {
	msg  [2][]byte // message/smessage frame for RESP2 and RESP3, encoded on first need
	pmsg [2][]byte // pmessage frame for the pattern being walked
}

var framePool = sync.Pool{New: func() any { return new(frames) }}

// protoIndex maps a subscriber's protocol to a frames slot: anything but 3 is treated as RESP2.
func protoIndex(proto int) int {
	if proto == 3 {
		return 1
	}
	return 0
}

// Publish delivers msg to the subscribers of channel and of every pattern that matches it (PUBLISH), and returns
// the receiver count as Redis does: one for each channel subscriber plus one for each (pattern, subscriber) pair
// that matched, so a client subscribed to the channel and to two matching patterns counts, and receives, three
// times. Subscribers over their limit still count, and are unsubscribed from everything before Publish returns.
// Publish does not allocate per recipient.
func (h *Hub) Publish(channel, msg []byte) int {
	return h.publish(nil, channel, msg, false)
}

// PublishFrom is Publish by a client that may itself be a subscriber: frames for self go to its Reply (when it
// is a Replier) rather than Deliver, so that a RESP3 client publishing to a channel it listens to gets the
// message before the PUBLISH reply, as Redis sends it. self may be nil.
func (h *Hub) PublishFrom(self Subscriber, channel, msg []byte) int {
	return h.publish(self, channel, msg, false)
}

// SPublishFrom is SPublish with PublishFrom's treatment of self.
func (h *Hub) SPublishFrom(self Subscriber, channel, msg []byte) int {
	return h.publish(self, channel, msg, true)
}

// SPublish delivers msg to the subscribers of shard channel (SPUBLISH) and returns how many there were. Patterns
// never see shard messages.
func (h *Hub) SPublish(channel, msg []byte) int {
	return h.publish(nil, channel, msg, true)
}

// PublishBatch is PublishFrom whose wakeups of the subscribers' writers wait in b until b.Flush (subscribers
// that are not Wakers are woken at once, by Deliver). b may be nil: then it is PublishFrom.
func (h *Hub) PublishBatch(b *Batch, self Subscriber, channel, msg []byte) int {
	return h.publishBatch(b, self, channel, msg, false)
}

// SPublishBatch is SPublishFrom with PublishBatch's treatment of wakeups.
func (h *Hub) SPublishBatch(b *Batch, self Subscriber, channel, msg []byte) int {
	return h.publishBatch(b, self, channel, msg, true)
}

func (h *Hub) publish(self Subscriber, channel, msg []byte, shard bool) int {
	return h.publishBatch(nil, self, channel, msg, shard)
}

func (h *Hub) publishBatch(b *Batch, self Subscriber, channel, msg []byte, shard bool) int {
	deliver := func(s Subscriber, frame []byte) bool {
		if self != nil && s == self {
			return deliverOwn(s, frame)
		}
		if b != nil {
			if w, ok := s.(Waker); ok {
				ok, wake := w.DeliverLater(frame)
				if wake {
					b.wake = append(b.wake, w)
				}
				return ok
			}
		}
		return s.Deliver(frame)
	}
	f := framePool.Get().(*frames)
	kind := KindMessage
	table := h.channels
	if shard {
		kind, table = KindSMessage, h.shard
	}
	var dropBuf [4]Subscriber
	drops := dropBuf[:0]
	n := 0

	h.mu.RLock()
	if l := table[string(channel)]; l != nil {
		for _, s := range l.subs {
			p := s.Proto()
			i := protoIndex(p)
			if len(f.msg[i]) == 0 {
				f.msg[i] = AppendMessage(f.msg[i], p, kind, channel, msg)
			}
			if !deliver(s, f.msg[i]) {
				drops = append(drops, s)
			}
			n++
		}
	}
	if !shard {
		for _, e := range h.patList {
			if !Match(e.pat, channel, false) {
				continue
			}
			f.pmsg[0], f.pmsg[1] = f.pmsg[0][:0], f.pmsg[1][:0]
			for _, s := range e.subs.subs {
				p := s.Proto()
				i := protoIndex(p)
				if len(f.pmsg[i]) == 0 {
					f.pmsg[i] = AppendPMessage(f.pmsg[i], p, e.pat, channel, msg)
				}
				if !deliver(s, f.pmsg[i]) {
					drops = append(drops, s)
				}
				n++
			}
		}
	}
	h.mu.RUnlock()

	for _, s := range drops {
		h.RemoveAll(s)
	}
	f.msg[0], f.msg[1] = recycle(f.msg[0]), recycle(f.msg[1])
	f.pmsg[0], f.pmsg[1] = recycle(f.pmsg[0]), recycle(f.pmsg[1])
	framePool.Put(f)
	return n
}

// recycle empties b for the next publish (an empty frame means "not encoded yet"), dropping buffers grown by one
// huge message so the pool does not pin them.
func recycle(b []byte) []byte {
	if cap(b) > 64<<10 {
		return nil
	}
	return b[:0]
}

// Channels lists the channels with at least one subscriber (PUBSUB CHANNELS), sorted. A nil pattern lists all of
// them; otherwise only those matching it (case-sensitively, with Match), so an empty non-nil pattern matches only
// the empty channel name.
func (h *Hub) Channels(pattern []byte) [][]byte {
	return h.list(h.channels, pattern)
}

// ShardChannels is Channels for shard channels (PUBSUB SHARDCHANNELS).
func (h *Hub) ShardChannels(pattern []byte) [][]byte {
	return h.list(h.shard, pattern)
}

func (h *Hub) list(table map[string]*subList, pattern []byte) [][]byte {
	h.mu.RLock()
	names := make([]string, 0, len(table))
	for name := range table {
		if pattern == nil || MatchString(string(pattern), name) {
			names = append(names, name)
		}
	}
	h.mu.RUnlock()
	sort.Strings(names)
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = []byte(n)
	}
	return out
}

// NumSub returns the number of subscribers of each channel (PUBSUB NUMSUB), zero for unknown ones.
func (h *Hub) NumSub(channels ...[]byte) []int {
	return h.numSub(h.channels, channels)
}

// ShardNumSub is NumSub for shard channels (PUBSUB SHARDNUMSUB).
func (h *Hub) ShardNumSub(channels ...[]byte) []int {
	return h.numSub(h.shard, channels)
}

func (h *Hub) numSub(table map[string]*subList, channels [][]byte) []int {
	out := make([]int, len(channels))
	h.mu.RLock()
	defer h.mu.RUnlock()
	for i, ch := range channels {
		if l := table[string(ch)]; l != nil {
			out[i] = len(l.subs)
		}
	}
	return out
}

// NumPat returns the number of distinct patterns with at least one subscriber (PUBSUB NUMPAT in Redis 7.0 counts
// patterns, not pattern subscriptions: two clients on "a*" count once).
func (h *Hub) NumPat() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.patList)
}
