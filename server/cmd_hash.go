package server

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Hash commands (t_hash.c of Redis 7.0). Hashes are store.Hash: one subkey
// per field, ordered by field hash, so HSCAN cursors are stateless.

func (s *Server) registerHashes() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "hset", func(c *Client) { cmdHset(c, false) })
	t.add(rc, "hmset", func(c *Client) { cmdHset(c, true) })
	t.add(rc, "hsetnx", cmdHsetnx)
	t.add(rc, "hget", cmdHget).consistent = true
	t.add(rc, "hmget", cmdHmget).consistent = true
	t.add(rc, "hgetall", func(c *Client) { cmdHgetall(c, true, true) }).consistent = true
	t.add(rc, "hkeys", func(c *Client) { cmdHgetall(c, true, false) }).consistent = true
	t.add(rc, "hvals", func(c *Client) { cmdHgetall(c, false, true) }).consistent = true
	t.add(rc, "hdel", cmdHdel)
	t.add(rc, "hlen", cmdHlen)
	t.add(rc, "hstrlen", cmdHstrlen).consistent = true
	t.add(rc, "hexists", cmdHexists).consistent = true
	t.add(rc, "hincrby", cmdHincrby)
	t.add(rc, "hincrbyfloat", cmdHincrbyfloat)
	t.add(rc, "hrandfield", cmdHrandfield).consistent = true
	t.add(rc, "hscan", cmdHscan).consistent = true
}

func init() {
	encoders[store.TypeHash] = func(tx *store.Tx, db int, m *store.Meta) string {
		if m.Enc == store.HashEncHashtable {
			return "hashtable"
		}
		return "listpack"
	}
	digesters[store.TypeHash] = digestHash
}

// digestHash xors in, per field, the SHA1 of the digest of field then
// value, as xorObjectDigest.
func digestHash(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
	h, _, err := tx.OpenHash(db, key)
	if err != nil {
		return err
	}
	return h.ForEach(func(f, v []byte) bool {
		var e [20]byte
		mixDigest(&e, f)
		mixDigest(&e, v)
		xorDigest(d, e[:])
		return true
	})
}

func (c *Client) openHash(key []byte) (*store.Hash, bool) {
	h, _, err := c.tx.OpenHash(c.db, key)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return h, true
}

// hashSet sets one field and converts the encoding as hashTypeSet and
// hashTypeTryConversion do: a field or value longer than
// hash-max-listpack-value, or more fields than hash-max-listpack-entries,
// make it a hashtable for good.
func (c *Client) hashSet(h *store.Hash, f, v []byte) (bool, error) {
	created, err := h.Set(f, v)
	if err != nil {
		return false, err
	}
	m := h.Meta()
	if m.Enc == store.HashEncListpack {
		maxv := c.s.cfg.Memory("hash-max-listpack-value")
		if int64(len(f)) > maxv || int64(len(v)) > maxv || h.Len() > c.s.cfg.Int64("hash-max-listpack-entries") {
			m.Enc = store.HashEncHashtable
		}
	}
	return created, nil
}

func (c *Client) saveHash(h *store.Hash, key []byte) bool {
	deleted, err := h.Save()
	if err != nil {
		c.fail(err)
		return false
	}
	if deleted {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	return true
}

func wrongArity(c *Client) {
	c.errReply("ERR wrong number of arguments for '" + strings.ToLower(string(c.args[0])) + "' command")
}

func cmdHset(c *Client, hmset bool) {
	if len(c.args)%2 == 1 {
		wrongArity(c)
		return
	}
	key := c.args[1]
	h, ok := c.openHash(key)
	if !ok {
		return
	}
	created := 0
	for i := 2; i < len(c.args); i += 2 {
		n, err := c.hashSet(h, c.args[i], c.args[i+1])
		if err != nil {
			c.fail(err)
			return
		}
		if n {
			created++
		}
	}
	if !c.saveHash(h, key) {
		return
	}
	c.notify(pubsub.NotifyHash, "hset", key)
	if hmset {
		c.ok()
	} else {
		c.integer(int64(created))
	}
}

func cmdHsetnx(c *Client) {
	key := c.args[1]
	h, ok := c.openHash(key)
	if !ok {
		return
	}
	_, exists, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	if exists {
		c.integer(0)
		return
	}
	if _, err := c.hashSet(h, c.args[2], c.args[3]); err != nil {
		c.fail(err)
		return
	}
	if !c.saveHash(h, key) {
		return
	}
	c.notify(pubsub.NotifyHash, "hset", key)
	c.integer(1)
}

func cmdHget(c *Client) {
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	v, found, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	c.bulkOrNull(v, found)
}

func cmdHmget(c *Client) {
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	c.arrayLen(len(c.args) - 2)
	for _, f := range c.args[2:] {
		v, found, err := h.Get(f)
		if err != nil {
			c.fail(err)
			return
		}
		c.bulkOrNull(v, found)
	}
}

func cmdHgetall(c *Client, fields, values bool) {
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	n := int(h.Len())
	if fields && values {
		c.mapLen(n)
	} else {
		c.arrayLen(n)
	}
	if err := h.ForEach(func(f, v []byte) bool {
		if fields {
			c.bulk(f)
		}
		if values {
			c.bulk(v)
		}
		return true
	}); err != nil {
		c.fail(err)
	}
}

func cmdHdel(c *Client) {
	key := c.args[1]
	h, ok := c.openHash(key)
	if !ok {
		return
	}
	if !h.Exists() {
		c.integer(0)
		return
	}
	deleted := 0
	for _, f := range c.args[2:] {
		ok, err := h.Del(f)
		if err != nil {
			c.fail(err)
			return
		}
		if ok {
			deleted++
		}
		if h.Len() == 0 {
			break
		}
	}
	if deleted > 0 {
		removed, err := h.Save()
		if err != nil {
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifyHash, "hdel", key)
		if removed {
			c.notify(pubsub.NotifyGeneric, "del", key)
		}
	}
	c.integer(int64(deleted))
}

func cmdHlen(c *Client) {
	h, ok := c.openHash(c.args[1])
	if ok {
		c.integer(h.Len())
	}
}

func cmdHstrlen(c *Client) {
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	v, _, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	c.integer(int64(len(v)))
}

func cmdHexists(c *Client) {
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	_, found, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	if found {
		c.integer(1)
	} else {
		c.integer(0)
	}
}

func cmdHincrby(c *Client) {
	incr, ok := c.argInt(3)
	if !ok {
		return
	}
	key := c.args[1]
	h, ok := c.openHash(key)
	if !ok {
		return
	}
	cur, found, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	var v int64
	if found {
		if v, ok = parseLL(cur); !ok {
			c.errReply("ERR hash value is not an integer")
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.errReply(errOverflow)
		return
	}
	v += incr
	if _, err := c.hashSet(h, c.args[2], strconv.AppendInt(nil, v, 10)); err != nil {
		c.fail(err)
		return
	}
	if !c.saveHash(h, key) {
		return
	}
	c.notify(pubsub.NotifyHash, "hincrby", key)
	c.integer(v)
}

func cmdHincrbyfloat(c *Client) {
	incr, ok := resp.ParseLongDouble(c.args[3])
	if !ok {
		c.errReply(errNotFloat)
		return
	}
	if incr.IsInf() {
		c.errReply("ERR value is NaN or Infinity")
		return
	}
	key := c.args[1]
	h, ok := c.openHash(key)
	if !ok {
		return
	}
	cur, found, err := h.Get(c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	v := resp.LongDoubleFromInt(0)
	if found {
		if v, ok = resp.ParseLongDouble(cur); !ok {
			c.errReply("ERR hash value is not a float")
			return
		}
	}
	sum, ok := v.Add(incr)
	if !ok {
		c.errReply("ERR increment would produce NaN or Infinity")
		return
	}
	nv := []byte(sum.Format(true))
	if _, err := c.hashSet(h, c.args[2], nv); err != nil {
		c.fail(err)
		return
	}
	if !c.saveHash(h, key) {
		return
	}
	c.notify(pubsub.NotifyHash, "hincrbyfloat", key)
	c.bulk(nv)
}

// hrandSeekLimit: HRANDFIELD with repetitions reads a hash of at most this
// many fields whole and samples it in memory; larger ones get one random
// seek per pick.
const hrandSeekLimit = 64

func cmdHrandfield(c *Client) {
	if len(c.args) == 2 {
		h, ok := c.openHash(c.args[1])
		if !ok {
			return
		}
		f, _, found, err := h.Random(rand.Uint32())
		if err != nil {
			c.fail(err)
			return
		}
		c.bulkOrNull(f, found)
		return
	}
	l, ok := parseLL(c.args[2])
	if !ok {
		c.errReply(errNotInt)
		return
	}
	if l == math.MinInt64 {
		c.errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	withValues := false
	if len(c.args) > 4 || (len(c.args) == 4 && !strings.EqualFold(string(c.args[3]), "WITHVALUES")) {
		c.errReply(errSyntax)
		return
	}
	withValues = len(c.args) == 4
	count, uniq := l, true
	if l < 0 {
		count, uniq = -l, false
	}
	if withValues && (l > math.MaxInt64/2 || l < -math.MaxInt64/2) {
		c.errReply("ERR value is out of range")
		return
	}
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	if !h.Exists() || count == 0 {
		c.arrayLen(0)
		return
	}
	size := h.Len()
	pair := func(f, v []byte) {
		if withValues && c.proto == resp.RESP3 {
			c.arrayLen(2)
		}
		c.bulk(f)
		if withValues {
			c.bulk(v)
		}
	}
	replyLen := func(n int64) {
		if withValues && c.proto != resp.RESP3 {
			n *= 2
		}
		c.arrayLen(int(n))
	}
	// With repetitions (negative count), or a single field.
	if !uniq || count == 1 {
		replyLen(count)
		if size <= hrandSeekLimit {
			var fs, vs [][]byte
			_ = h.ForEach(func(f, v []byte) bool {
				fs, vs = append(fs, bytes.Clone(f)), append(vs, bytes.Clone(v))
				return true
			})
			for i := int64(0); i < count; i++ {
				j := rand.IntN(len(fs))
				pair(fs[j], vs[j])
			}
			return
		}
		for i := int64(0); i < count; i++ {
			f, v, _, err := h.Random(rand.Uint32())
			if err != nil {
				c.fail(err)
				return
			}
			pair(f, v)
		}
		return
	}
	// The whole hash.
	if count >= size {
		replyLen(size)
		if err := h.ForEach(func(f, v []byte) bool { pair(f, v); return true }); err != nil {
			c.fail(err)
		}
		return
	}
	// A few distinct fields of a large hash: random seeks.
	if count*4 <= size && size > hrandSeekLimit {
		seen := map[string]bool{}
		var fs, vs [][]byte
		for try := int64(0); int64(len(fs)) < count && try < count*32; try++ {
			f, v, _, err := h.Random(rand.Uint32())
			if err != nil {
				c.fail(err)
				return
			}
			if !seen[string(f)] {
				seen[string(f)] = true
				fs, vs = append(fs, f), append(vs, v)
			}
		}
		if int64(len(fs)) == count {
			replyLen(count)
			for i := range fs {
				pair(fs[i], vs[i])
			}
			return
		}
	}
	// Distinct fields: sample the whole hash in memory.
	var fs, vs [][]byte
	if err := h.ForEach(func(f, v []byte) bool {
		fs, vs = append(fs, bytes.Clone(f)), append(vs, bytes.Clone(v))
		return true
	}); err != nil {
		c.fail(err)
		return
	}
	rand.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i]; vs[i], vs[j] = vs[j], vs[i] })
	replyLen(count)
	for i := int64(0); i < count; i++ {
		pair(fs[i], vs[i])
	}
}

// parseScanCursor parses a cursor as 7.0's parseScanCursorOrReply does
// with strtoul: an optional sign ("-1" wraps to 2⁶⁴-1), no leading space,
// no trailing bytes, no overflow; "" is cursor 0.
func parseScanCursor(c *Client, a []byte) (uint64, bool) {
	s := string(a)
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
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

func cmdHscan(c *Client) {
	cursor, ok := parseScanCursor(c, c.args[2])
	if !ok {
		return
	}
	h, ok := c.openHash(c.args[1])
	if !ok {
		return
	}
	if !h.Exists() {
		c.arrayLen(2)
		c.bulkString("0")
		c.arrayLen(0)
		return
	}
	count := int64(10)
	var pat []byte
	for j := 3; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		more := len(c.args) - j - 1
		switch {
		case opt == "COUNT" && more >= 1:
			v, ok := c.argInt(j + 1)
			if !ok {
				return
			}
			if v < 1 {
				c.errReply(errSyntax)
				return
			}
			count = v
			j++
		case opt == "MATCH" && more >= 1:
			pat = c.args[j+1]
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	all := pat == nil || (len(pat) == 1 && pat[0] == '*')
	var out [][]byte
	emit := func(f, v []byte) {
		if all || glob(pat, f) {
			out = append(out, bytes.Clone(f), bytes.Clone(v))
		}
	}
	var next uint64
	var err error
	if h.Meta().Enc == store.HashEncListpack {
		// A listpack hash is returned whole, as Redis does.
		err = h.ForEach(func(f, v []byte) bool { emit(f, v); return true })
	} else {
		next, err = h.Scan(cursor, int(min(count, 1<<20)), emit)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.arrayLen(2)
	c.bulkString(strconv.FormatUint(next, 10))
	c.arrayLen(len(out))
	for _, b := range out {
		c.bulk(b)
	}
}
