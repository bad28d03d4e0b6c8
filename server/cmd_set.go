package server

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// Set encodings in Meta.Enc, as OBJECT ENCODING names them in Redis 7.0
// (which has no listpack sets): a set starts as an intset when its members
// are integers and becomes a hashtable at its first non-integer member or
// when it outgrows set-max-intset-entries; it never converts back.
const (
	setEncIntset    uint8 = 0
	setEncHashtable uint8 = 1
)

func (s *Server) registerSets() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "sadd", cmdSadd)
	t.add(rc, "srem", cmdSrem)
	t.add(rc, "scard", cmdScard)
	t.add(rc, "sismember", cmdSismember)
	t.add(rc, "smismember", cmdSmismember).consistent = true
	t.add(rc, "smembers", cmdSmembers).consistent = true
	t.add(rc, "srandmember", cmdSrandmember).consistent = true
	t.add(rc, "spop", cmdSpop)
	t.add(rc, "smove", cmdSmove)
	t.add(rc, "sinter", func(c *Client) { sinterGeneric(c, c.args[1:], nil, false, 0) }).consistent = true
	t.add(rc, "sintercard", cmdSintercard).consistent = true
	t.add(rc, "sinterstore", func(c *Client) { sinterGeneric(c, c.args[2:], c.args[1], false, 0) })
	t.add(rc, "sunion", func(c *Client) { sunionDiff(c, c.args[1:], nil, false) }).consistent = true
	t.add(rc, "sunionstore", func(c *Client) { sunionDiff(c, c.args[2:], c.args[1], false) })
	t.add(rc, "sdiff", func(c *Client) { sunionDiff(c, c.args[1:], nil, true) }).consistent = true
	t.add(rc, "sdiffstore", func(c *Client) { sunionDiff(c, c.args[2:], c.args[1], true) })
	t.add(rc, "sscan", cmdSscan).consistent = true
	encoders[store.TypeSet] = func(tx *store.Tx, db int, m *store.Meta) string {
		if m.Enc == setEncIntset {
			return "intset"
		}
		return "hashtable"
	}
	digesters[store.TypeSet] = func(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
		return tx.SetForEach(db, m, func(member []byte) bool {
			xorDigest(d, member)
			return true
		})
	}
}

// lookupSet finds key as a set; on WRONGTYPE or an error it replies and
// returns ok false.
func (c *Client) lookupSet(key []byte) (m store.Meta, found bool, ok bool) {
	m, found, err := c.tx.LookupType(c.db, key, store.TypeSet)
	if err != nil {
		c.fail(err)
		return m, false, false
	}
	return m, found, true
}

func isIntMember(b []byte) bool {
	_, ok := parseLL(b)
	return ok
}

// putCollection writes m after its elements changed: it deletes the key
// when m is empty. old is the metadata before the change (nil: new key).
func (c *Client) putCollection(key []byte, old *store.Meta, m *store.Meta) error {
	if m.Size == 0 {
		if old != nil {
			_, err := c.tx.Del(c.db, key)
			return err
		}
		return nil
	}
	return c.tx.Put(c.db, key, old, m)
}

// setAddMembers adds members to the set m, converting an intset as Redis's
// setTypeAdd does; it returns how many were new.
func (c *Client) setAddMembers(m *store.Meta, members [][]byte) (int64, error) {
	maxIntset := c.s.cfg.Int64("set-max-intset-entries")
	var added int64
	for _, mem := range members {
		ok, err := c.tx.SetAdd(c.db, m, mem)
		if err != nil {
			return added, err
		}
		if ok {
			added++
			if m.Enc == setEncIntset && (!isIntMember(mem) || int64(m.Size) > maxIntset) {
				m.Enc = setEncHashtable
			}
		}
	}
	return added, nil
}

func cmdSadd(c *Client) {
	key := c.args[1]
	m, found, ok := c.lookupSet(key)
	if !ok {
		return
	}
	old := m
	if !found {
		m = store.Meta{Type: store.TypeSet, KeyID: c.tx.NewKeyID()}
		if !isIntMember(c.args[2]) {
			m.Enc = setEncHashtable
		}
	}
	added, err := c.setAddMembers(&m, c.args[2:])
	if err == nil && (added > 0 || !found) {
		err = c.tx.Put(c.db, key, optMeta(&old, found), &m)
	}
	if err != nil {
		c.fail(err)
		return
	}
	if added > 0 {
		c.notify(pubsub.NotifySet, "sadd", key)
	}
	c.integer(added)
}

func optMeta(m *store.Meta, found bool) *store.Meta {
	if found {
		return m
	}
	return nil
}

func cmdSrem(c *Client) {
	key := c.args[1]
	m, found, ok := c.lookupSet(key)
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	old := m
	var removed int64
	for _, mem := range c.args[2:] {
		ok, err := c.tx.SetRem(c.db, &m, mem)
		if err != nil {
			c.fail(err)
			return
		}
		if ok {
			removed++
			if m.Size == 0 {
				break
			}
		}
	}
	if removed > 0 {
		if err := c.putCollection(key, &old, &m); err != nil {
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifySet, "srem", key)
		if m.Size == 0 {
			c.notify(pubsub.NotifyGeneric, "del", key)
		}
	}
	c.integer(removed)
}

func cmdScard(c *Client) {
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	c.integer(int64(m.Size))
}

func cmdSismember(c *Client) {
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	has, err := c.tx.SetHas(c.db, &m, c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	c.integer(b2i(has))
}

func cmdSmismember(c *Client) {
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	c.arrayLen(len(c.args) - 2)
	for _, mem := range c.args[2:] {
		has := false
		if found {
			var err error
			if has, err = c.tx.SetHas(c.db, &m, mem); err != nil {
				c.fail(err)
				return
			}
		}
		c.integer(b2i(has))
	}
}

// setMembers returns every member of m, in ascending numeric order for an
// intset (its order in Redis), else in hash order.
func (c *Client) setMembers(m *store.Meta) ([][]byte, error) {
	mem, err := c.tx.SetMembers(c.db, m)
	if err != nil {
		return nil, err
	}
	if m.Enc == setEncIntset {
		sortIntMembers(mem)
	}
	return mem, nil
}

func sortIntMembers(mem [][]byte) {
	sort.Slice(mem, func(i, j int) bool {
		a, _ := parseLL(mem[i])
		b, _ := parseLL(mem[j])
		return a < b
	})
}

func (c *Client) replySet(mem [][]byte) {
	c.setLen(len(mem))
	for _, b := range mem {
		c.bulk(b)
	}
}

func cmdSmembers(c *Client) {
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.setLen(0)
		return
	}
	mem, err := c.setMembers(&m)
	if err != nil {
		c.fail(err)
		return
	}
	c.replySet(mem)
}

// randomMembers picks count distinct members of m (count < m.Size).
func (c *Client) randomMembers(m *store.Meta, count int64) ([][]byte, error) {
	if m.Size <= 4096 || uint64(count)*3 > m.Size {
		all, err := c.setMembers(m)
		if err != nil {
			return nil, err
		}
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:count], nil
	}
	seen := map[string]bool{}
	var out [][]byte
	for int64(len(out)) < count {
		b, err := c.tx.SetRandom(c.db, m)
		if err != nil {
			return nil, err
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	return out, nil
}

func cmdSrandmember(c *Client) {
	if len(c.args) > 3 {
		c.errReply(errSyntax)
		return
	}
	var count int64
	withCount := len(c.args) == 3
	if withCount {
		v, ok := parseLL(c.args[2])
		if !ok {
			c.errReply(errNotInt)
			return
		}
		if v == -1<<63 {
			c.errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
			return
		}
		count = v
	}
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	if !withCount {
		if !found {
			c.null()
			return
		}
		b, err := c.tx.SetRandom(c.db, &m)
		if err != nil {
			c.fail(err)
			return
		}
		c.bulk(b)
		return
	}
	if !found || count == 0 {
		c.arrayLen(0)
		return
	}
	if count < 0 {
		n := -count
		var all [][]byte
		if m.Size <= 4096 {
			var err error
			if all, err = c.setMembers(&m); err != nil {
				c.fail(err)
				return
			}
		}
		c.arrayLen(int(n))
		for i := int64(0); i < n; i++ {
			if all != nil {
				c.bulk(all[rand.IntN(len(all))])
				continue
			}
			b, err := c.tx.SetRandom(c.db, &m)
			if err != nil {
				c.fail(err)
				return
			}
			c.bulk(b)
		}
		return
	}
	var mem [][]byte
	var err error
	if uint64(count) >= m.Size {
		mem, err = c.setMembers(&m)
	} else {
		mem, err = c.randomMembers(&m, count)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.arrayLen(len(mem))
	for _, b := range mem {
		c.bulk(b)
	}
}

func cmdSpop(c *Client) {
	if len(c.args) > 3 {
		c.errReply(errSyntax)
		return
	}
	key := c.args[1]
	count := int64(-1)
	if len(c.args) == 3 {
		v, ok := parseLL(c.args[2])
		if !ok || v < 0 {
			c.errReply("ERR value is out of range, must be positive")
			return
		}
		count = v
	}
	m, found, ok := c.lookupSet(key)
	if !ok {
		return
	}
	if !found {
		if count < 0 {
			c.null()
		} else {
			c.setLen(0)
		}
		return
	}
	if count == 0 {
		c.setLen(0)
		return
	}
	var mem [][]byte
	var err error
	switch {
	case count < 0:
		var b []byte
		b, err = c.tx.SetRandom(c.db, &m)
		mem = [][]byte{b}
	case uint64(count) >= m.Size:
		mem, err = c.setMembers(&m)
	default:
		mem, err = c.randomMembers(&m, count)
	}
	if err != nil {
		c.fail(err)
		return
	}
	old := m
	for _, b := range mem {
		if _, err := c.tx.SetRem(c.db, &m, b); err != nil {
			c.fail(err)
			return
		}
	}
	if count > 0 && m.Size > 0 && m.Size*5 <= uint64(count) {
		// Redis pops most of the set by moving the few remaining members
		// into a new set, whose encoding is chosen afresh.
		enc := setEncIntset
		if int64(m.Size) > c.s.cfg.Int64("set-max-intset-entries") {
			enc = setEncHashtable
		}
		err := c.tx.SetForEach(c.db, &m, func(b []byte) bool {
			if !isIntMember(b) {
				enc = setEncHashtable
				return false
			}
			return true
		})
		if err != nil {
			c.fail(err)
			return
		}
		m.Enc = enc
	}
	if err := c.putCollection(key, &old, &m); err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifySet, "spop", key)
	if m.Size == 0 {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	if count < 0 {
		c.bulk(mem[0])
		return
	}
	c.replySet(mem)
}

func cmdSmove(c *Client) {
	src, dst, mem := c.args[1], c.args[2], c.args[3]
	sm, sfound, ok := c.lookupSet(src)
	if !ok {
		return
	}
	dm, dfound, err := c.tx.LookupType(c.db, dst, store.TypeSet)
	if !sfound {
		c.integer(0)
		return
	}
	if err != nil {
		c.fail(err)
		return
	}
	if bytes.Equal(src, dst) {
		has, err := c.tx.SetHas(c.db, &sm, mem)
		if err != nil {
			c.fail(err)
			return
		}
		c.integer(b2i(has))
		return
	}
	sold := sm
	removed, err := c.tx.SetRem(c.db, &sm, mem)
	if err != nil {
		c.fail(err)
		return
	}
	if !removed {
		c.integer(0)
		return
	}
	if err := c.putCollection(src, &sold, &sm); err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifySet, "srem", src)
	if sm.Size == 0 {
		c.notify(pubsub.NotifyGeneric, "del", src)
	}
	dold := dm
	if !dfound {
		dm = store.Meta{Type: store.TypeSet, KeyID: c.tx.NewKeyID()}
		if !isIntMember(mem) {
			dm.Enc = setEncHashtable
		}
	}
	added, err := c.setAddMembers(&dm, [][]byte{mem})
	if err == nil && (added > 0 || !dfound) {
		err = c.tx.Put(c.db, dst, optMeta(&dold, dfound), &dm)
	}
	if err != nil {
		c.fail(err)
		return
	}
	if added > 0 {
		c.notify(pubsub.NotifySet, "sadd", dst)
	}
	c.integer(1)
}

// loadSets looks up keys as sets: metas (found false for missing keys), or
// ok false after replying WRONGTYPE.
func (c *Client) loadSets(keys [][]byte) ([]store.Meta, []bool, bool) {
	metas := make([]store.Meta, len(keys))
	found := make([]bool, len(keys))
	for i, k := range keys {
		m, f, ok := c.lookupSet(k)
		if !ok {
			return nil, nil, false
		}
		metas[i], found[i] = m, f
	}
	return metas, found, true
}

// storeSet replaces dst with a new set of members (deleting dst when there
// are none) and notifies event.
func (c *Client) storeSet(dst []byte, mem [][]byte, event string) {
	if len(mem) == 0 {
		del, err := c.tx.Del(c.db, dst)
		if err != nil {
			c.fail(err)
			return
		}
		if del {
			c.notify(pubsub.NotifyGeneric, "del", dst)
		}
		c.integer(0)
		return
	}
	old, exists, err := c.tx.Lookup(c.db, dst)
	if err != nil {
		c.fail(err)
		return
	}
	nm := store.Meta{Type: store.TypeSet, KeyID: c.tx.NewKeyID()}
	if _, err := c.setAddMembers(&nm, mem); err != nil {
		c.fail(err)
		return
	}
	if err := c.tx.Put(c.db, dst, optMeta(&old, exists), &nm); err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifySet, event, dst)
	c.integer(int64(nm.Size))
}

// sinterGeneric is SINTER, SINTERSTORE (dst non-nil) and SINTERCARD (card,
// with limit, 0 meaning none).
func sinterGeneric(c *Client, keys [][]byte, dst []byte, card bool, limit int64) {
	metas, found, ok := c.loadSets(keys)
	if !ok {
		return
	}
	if slices.Contains(found, false) {
		switch {
		case dst != nil:
			c.storeSet(dst, nil, "")
		case card:
			c.integer(0)
		default:
			c.setLen(0)
		}
		return
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return metas[order[a]].Size < metas[order[b]].Size })
	first, err := c.setMembers(&metas[order[0]])
	if err != nil {
		c.fail(err)
		return
	}
	var out [][]byte
	for _, mem := range first {
		in := true
		for _, j := range order[1:] {
			has, err := c.tx.SetHas(c.db, &metas[j], mem)
			if err != nil {
				c.fail(err)
				return
			}
			if !has {
				in = false
				break
			}
		}
		if in {
			out = append(out, mem)
			if card && limit > 0 && int64(len(out)) >= limit {
				break
			}
		}
	}
	switch {
	case dst != nil:
		c.storeSet(dst, out, "sinterstore")
	case card:
		c.integer(int64(len(out)))
	default:
		c.replySet(out)
	}
}

// parseNumkeys parses a numkeys argument as SINTERCARD/ZINTERCARD/ZMPOP do.
func (c *Client) parseNumkeys(i int) (int, bool) {
	n, ok := parseLL(c.args[i])
	if !ok || n <= 0 {
		c.errReply("ERR numkeys should be greater than 0")
		return 0, false
	}
	if n > int64(len(c.args)-i-1) {
		c.errReply("ERR Number of keys can't be greater than number of args")
		return 0, false
	}
	return int(n), true
}

func cmdSintercard(c *Client) {
	n, ok := c.parseNumkeys(1)
	if !ok {
		return
	}
	var limit int64
	for j := 2 + n; j < len(c.args); j++ {
		if strings.EqualFold(string(c.args[j]), "LIMIT") && j+1 < len(c.args) {
			v, ok := parseLL(c.args[j+1])
			if !ok || v < 0 {
				c.errReply("ERR LIMIT can't be negative")
				return
			}
			limit = v
			j++
			continue
		}
		c.errReply(errSyntax)
		return
	}
	sinterGeneric(c, c.args[2:2+n], nil, true, limit)
}

func sunionDiff(c *Client, keys [][]byte, dst []byte, diff bool) {
	metas, found, ok := c.loadSets(keys)
	if !ok {
		return
	}
	var out [][]byte
	if !diff {
		seen := map[string]bool{}
		for i := range keys {
			if !found[i] {
				continue
			}
			mem, err := c.setMembers(&metas[i])
			if err != nil {
				c.fail(err)
				return
			}
			for _, b := range mem {
				if !seen[string(b)] {
					seen[string(b)] = true
					out = append(out, b)
				}
			}
		}
	} else if found[0] {
		mem, err := c.setMembers(&metas[0])
		if err != nil {
			c.fail(err)
			return
		}
		for _, b := range mem {
			in := false
			for j := 1; j < len(keys) && !in; j++ {
				if !found[j] {
					continue
				}
				if bytes.Equal(keys[j], keys[0]) {
					in = true
					break
				}
				has, err := c.tx.SetHas(c.db, &metas[j], b)
				if err != nil {
					c.fail(err)
					return
				}
				in = has
			}
			if !in {
				out = append(out, b)
			}
		}
	}
	if dst != nil {
		ev := "sunionstore"
		if diff {
			ev = "sdiffstore"
		}
		c.storeSet(dst, out, ev)
		return
	}
	c.replySet(out)
}

// scanOpts parses the MATCH/COUNT options of SSCAN, HSCAN and ZSCAN from
// args[3:].
func (c *Client) scanOpts() (pat []byte, count int64, ok bool) {
	count = 10
	for j := 3; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		more := len(c.args) - j - 1
		switch {
		case opt == "COUNT" && more >= 1:
			v, ok := c.argInt(j + 1)
			if !ok {
				return nil, 0, false
			}
			if v < 1 {
				c.errReply(errSyntax)
				return nil, 0, false
			}
			count = v
			j++
		case opt == "MATCH" && more >= 1:
			pat = c.args[j+1]
			j++
		default:
			c.errReply(errSyntax)
			return nil, 0, false
		}
	}
	if len(pat) == 1 && pat[0] == '*' {
		pat = nil
	}
	return pat, count, true
}

func (c *Client) replyScan(next uint64, items [][]byte) {
	c.arrayLen(2)
	c.bulkString(strconv.FormatUint(next, 10))
	c.arrayLen(len(items))
	for _, b := range items {
		c.bulk(b)
	}
}

// parseCollCursor parses an SSCAN/ZSCAN cursor as parseScanCursorOrReply
// (strtoul): the empty string is 0, a sign is allowed, no leading space.
func parseCollCursor(c *Client, a []byte) (uint64, bool) {
	s := string(a)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
		if s == "" {
			c.errReply("ERR invalid cursor")
			return 0, false
		}
	}
	if s == "" && len(a) == 0 {
		return 0, true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s[0] == '+' || s[0] == '-' {
		c.errReply("ERR invalid cursor")
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func cmdSscan(c *Client) {
	cursor, ok := parseCollCursor(c, c.args[2])
	if !ok {
		return
	}
	m, found, ok := c.lookupSet(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.replyScan(0, nil)
		return
	}
	pat, count, ok := c.scanOpts()
	if !ok {
		return
	}
	var items [][]byte
	var next uint64
	var err error
	if m.Enc == setEncIntset {
		// Redis returns a small encoding whole, with cursor 0.
		items, err = c.setMembers(&m)
	} else {
		next, items, err = c.tx.SetScan(c.db, &m, cursor, int(min(count, 1<<20)))
	}
	if err != nil {
		c.fail(err)
		return
	}
	if pat != nil {
		items = slices.DeleteFunc(items, func(b []byte) bool { return !glob(pat, b) })
	}
	c.replyScan(next, items)
}
