package server

import (
	"bytes"
	"math"
	"strings"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// List commands (t_list.c of Redis 7.0). Lists are store.List: dense
// positions, so LINDEX/LSET are point operations and pops, LTRIM and LMOVE
// delete contiguous ranges.

func (s *Server) registerLists() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "lpush", func(c *Client) { cmdPush(c, true, false) })
	t.add(rc, "rpush", func(c *Client) { cmdPush(c, false, false) })
	t.add(rc, "lpushx", func(c *Client) { cmdPush(c, true, true) })
	t.add(rc, "rpushx", func(c *Client) { cmdPush(c, false, true) })
	t.add(rc, "lpop", func(c *Client) { cmdPop(c, true) })
	t.add(rc, "rpop", func(c *Client) { cmdPop(c, false) })
	t.add(rc, "llen", cmdLlen)
	t.add(rc, "lrange", cmdLrange).consistent = true
	t.add(rc, "lindex", cmdLindex).consistent = true
	t.add(rc, "lset", cmdLset)
	t.add(rc, "linsert", cmdLinsert)
	t.add(rc, "lrem", cmdLrem)
	t.add(rc, "ltrim", cmdLtrim)
	t.add(rc, "lpos", cmdLpos).consistent = true
	t.add(rc, "lmove", func(c *Client) { cmdLmove(c, false, false) })
	t.add(rc, "rpoplpush", func(c *Client) { cmdLmove(c, true, false) })
	t.add(rc, "lmpop", func(c *Client) { cmdLmpop(c, false) })
	t.add(rc, "blpop", func(c *Client) { cmdBpop(c, true) })
	t.add(rc, "brpop", func(c *Client) { cmdBpop(c, false) })
	t.add(rc, "blmove", func(c *Client) { cmdLmove(c, false, true) })
	t.add(rc, "brpoplpush", func(c *Client) { cmdLmove(c, true, true) })
	t.add(rc, "blmpop", func(c *Client) { cmdLmpop(c, true) })
}

func init() {
	// Redis 7.0 always encodes lists as quicklists (listpack lists are 7.2).
	encoders[store.TypeList] = func(tx *store.Tx, db int, m *store.Meta) string { return "quicklist" }
	digesters[store.TypeList] = digestList
}

// digestList mixes every element in order, as xorObjectDigest.
func digestList(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
	l, _, err := tx.OpenList(db, key)
	if err != nil {
		return err
	}
	return l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool {
		mixDigest(d, v)
		return true
	})
}

// openList opens key as a list, replying on WRONGTYPE or an error.
func (c *Client) openList(key []byte) (*store.List, bool) {
	l, _, err := c.tx.OpenList(c.db, key)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return l, true
}

// saveList saves l, replying on error; it fires "del" when l was emptied.
func (c *Client) saveList(l *store.List, key []byte) bool {
	deleted, err := l.Save()
	if err != nil {
		c.fail(err)
		return false
	}
	if deleted {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	return true
}

func popEvent(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

func cmdPush(c *Client, left, xx bool) {
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() && xx {
		c.integer(0)
		return
	}
	if err := l.Push(left, c.args[2:]...); err != nil {
		c.fail(err)
		return
	}
	if !c.saveList(l, key) {
		return
	}
	c.notify(pubsub.NotifyList, pushEvent(left), key)
	c.integer(l.Len())
}

// argPositive parses a non-negative count as getPositiveLongFromObjectOrReply:
// msg (default Redis's) answers both a non-integer and a negative value.
func (c *Client) argPositive(i int, msg string) (int64, bool) {
	if msg == "" {
		msg = "ERR value is out of range, must be positive"
	}
	v, ok := parseLL(c.args[i])
	if !ok || v < 0 {
		c.errReply(msg)
		return 0, false
	}
	return v, true
}

func cmdPop(c *Client, left bool) {
	if len(c.args) > 3 {
		c.errReply("ERR wrong number of arguments for '" + strings.ToLower(string(c.args[0])) + "' command")
		return
	}
	hasCount := len(c.args) == 3
	var count int64 = 1
	if hasCount {
		var ok bool
		if count, ok = c.argPositive(2, ""); !ok {
			return
		}
	}
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() {
		if hasCount {
			c.nullArray()
		} else {
			c.null()
		}
		return
	}
	if hasCount && count == 0 {
		c.arrayLen(0)
		return
	}
	vals, err := l.Pop(left, count)
	if err != nil {
		c.fail(err)
		return
	}
	if !c.saveListPopped(l, key, left) {
		return
	}
	if !hasCount {
		c.bulk(vals[0])
		return
	}
	c.arrayLen(len(vals))
	for _, v := range vals {
		c.bulk(v)
	}
}

// saveListPopped saves l after a pop, firing "lpop"/"rpop" and "del".
func (c *Client) saveListPopped(l *store.List, key []byte, left bool) bool {
	deleted, err := l.Save()
	if err != nil {
		c.fail(err)
		return false
	}
	c.notify(pubsub.NotifyList, popEvent(left), key)
	if deleted {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	return true
}

func cmdLlen(c *Client) {
	l, ok := c.openList(c.args[1])
	if ok {
		c.integer(l.Len())
	}
}

func cmdLrange(c *Client) {
	start, ok := c.argInt(2)
	if !ok {
		return
	}
	end, ok := c.argInt(3)
	if !ok {
		return
	}
	l, ok := c.openList(c.args[1])
	if !ok {
		return
	}
	ln := l.Len()
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		c.arrayLen(0)
		return
	}
	if end >= ln {
		end = ln - 1
	}
	c.arrayLen(int(end - start + 1))
	if err := l.Range(start, end, false, func(_ int64, v []byte) bool {
		c.bulk(v)
		return true
	}); err != nil {
		c.fail(err)
	}
}

func cmdLindex(c *Client) {
	l, ok := c.openList(c.args[1])
	if !ok {
		return
	}
	if !l.Exists() {
		c.null()
		return
	}
	i, ok := c.argInt(2)
	if !ok {
		return
	}
	if i < 0 {
		i += l.Len()
	}
	if i < 0 || i >= l.Len() {
		c.null()
		return
	}
	v, err := l.Index(i)
	if err != nil {
		c.fail(err)
		return
	}
	c.bulk(v)
}

func cmdLset(c *Client) {
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() {
		c.errReply(errNoSuchKey)
		return
	}
	i, ok := c.argInt(2)
	if !ok {
		return
	}
	if i < 0 {
		i += l.Len()
	}
	if i < 0 || i >= l.Len() {
		c.errReply("ERR index out of range")
		return
	}
	if err := l.Set(i, c.args[3]); err != nil {
		c.fail(err)
		return
	}
	if !c.saveList(l, key) {
		return
	}
	c.notify(pubsub.NotifyList, "lset", key)
	c.ok()
}

func cmdLinsert(c *Client) {
	var after bool
	switch strings.ToUpper(string(c.args[2])) {
	case "BEFORE":
	case "AFTER":
		after = true
	default:
		c.errReply(errSyntax)
		return
	}
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() {
		c.integer(0)
		return
	}
	pivot := c.args[3]
	at := int64(-1)
	if err := l.Range(0, l.Len()-1, false, func(i int64, v []byte) bool {
		if bytes.Equal(v, pivot) {
			at = i
			return false
		}
		return true
	}); err != nil {
		c.fail(err)
		return
	}
	if at < 0 {
		c.integer(-1)
		return
	}
	if after {
		at++
	}
	if err := l.Insert(at, c.args[4]); err != nil {
		c.fail(err)
		return
	}
	if !c.saveList(l, key) {
		return
	}
	c.notify(pubsub.NotifyList, "linsert", key)
	c.integer(l.Len())
}

func cmdLrem(c *Client) {
	count, ok := c.argInt(2)
	if !ok {
		return
	}
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() {
		c.integer(0)
		return
	}
	elem := c.args[3]
	var idx []int64
	limit := count
	if limit < 0 {
		limit = -limit
		if limit < 0 { // math.MinInt64
			limit = math.MaxInt64
		}
	}
	if err := l.Range(0, l.Len()-1, count < 0, func(i int64, v []byte) bool {
		if bytes.Equal(v, elem) {
			idx = append(idx, i)
			if count != 0 && int64(len(idx)) >= limit {
				return false
			}
		}
		return true
	}); err != nil {
		c.fail(err)
		return
	}
	if len(idx) == 0 {
		c.integer(0)
		return
	}
	if count < 0 {
		for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
			idx[i], idx[j] = idx[j], idx[i]
		}
	}
	if err := l.RemoveAt(idx); err != nil {
		c.fail(err)
		return
	}
	deleted, err := l.Save()
	if err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifyList, "lrem", key)
	if deleted {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	c.integer(int64(len(idx)))
}

func cmdLtrim(c *Client) {
	start, ok := c.argInt(2)
	if !ok {
		return
	}
	end, ok := c.argInt(3)
	if !ok {
		return
	}
	key := c.args[1]
	l, ok := c.openList(key)
	if !ok {
		return
	}
	if !l.Exists() {
		c.ok()
		return
	}
	ln := l.Len()
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		start, end = 1, 0
	} else if end >= ln {
		end = ln - 1
	}
	if err := l.Trim(start, end); err != nil {
		c.fail(err)
		return
	}
	deleted, err := l.Save()
	if err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifyList, "ltrim", key)
	if deleted {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	c.ok()
}

func cmdLpos(c *Client) {
	var rank int64 = 1
	var count, maxlen int64
	hasCount := false
	for j := 3; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		more := j < len(c.args)-1
		switch {
		case opt == "RANK" && more:
			j++
			v, ok := parseLL(c.args[j])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			// LONG_MIN stays negative once negated, as in Redis, where it
			// then matches from the first hit at the tail.
			if v == 0 {
				c.errReply("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
			rank = v
		case opt == "COUNT" && more:
			j++
			v, ok := c.argPositive(j, "ERR COUNT can't be negative")
			if !ok {
				return
			}
			count, hasCount = v, true
		case opt == "MAXLEN" && more:
			j++
			v, ok := c.argPositive(j, "ERR MAXLEN can't be negative")
			if !ok {
				return
			}
			maxlen = v
		default:
			c.errReply(errSyntax)
			return
		}
	}
	l, ok := c.openList(c.args[1])
	if !ok {
		return
	}
	if !l.Exists() {
		if hasCount {
			c.arrayLen(0)
		} else {
			c.null()
		}
		return
	}
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	elem := c.args[2]
	var found []int64
	var matches, seen int64
	err := l.Range(0, l.Len()-1, reverse, func(i int64, v []byte) bool {
		if maxlen != 0 && seen >= maxlen {
			return false
		}
		seen++
		if bytes.Equal(v, elem) {
			matches++
			if matches >= rank {
				found = append(found, i)
				// Redis stops at matches-rank+1 >= count, which wraps
				// (never true) for RANK LONG_MIN: every match is returned.
				if !hasCount || count != 0 && matches-rank+1 >= count {
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		c.fail(err)
		return
	}
	if !hasCount {
		if len(found) == 0 {
			c.null()
		} else {
			c.integer(found[0])
		}
		return
	}
	c.arrayLen(len(found))
	for _, i := range found {
		c.integer(i)
	}
}

// parseWhere parses LEFT/RIGHT, replying a syntax error otherwise.
func (c *Client) parseWhere(i int) (left bool, ok bool) {
	switch strings.ToUpper(string(c.args[i])) {
	case "LEFT":
		return true, true
	case "RIGHT":
		return false, true
	}
	c.errReply(errSyntax)
	return false, false
}

// retrying reports whether the running blocking command is being re-run
// after it blocked: then a key of another type does not fail it (Redis
// serves blocked clients only from lists).
func (c *Client) retrying() bool { return c.blk != nil }

// cmdLmove is LMOVE, RPOPLPUSH, BLMOVE and BRPOPLPUSH.
func cmdLmove(c *Client, rpoplpush, blocking bool) {
	src, dst := c.args[1], c.args[2]
	from, to := false, true
	var timeout time.Duration
	ti := 3
	if !rpoplpush {
		var ok bool
		if from, ok = c.parseWhere(3); !ok {
			return
		}
		if to, ok = c.parseWhere(4); !ok {
			return
		}
		ti = 5
	}
	if blocking {
		var ok bool
		if timeout, ok = c.parseBlockTimeout(c.args[ti]); !ok {
			return
		}
	}
	sl, _, err := c.tx.OpenList(c.db, src)
	if err == store.ErrWrongType && c.retrying() {
		sl, err = nil, nil
	}
	if err != nil {
		c.fail(err)
		return
	}
	if sl == nil || !sl.Exists() || (blocking && c.mustWait(src)) {
		if blocking {
			if c.mayBlock() {
				c.block([][]byte{src}, timeout, func(c *Client) { c.nullArray() })
				return
			}
		}
		c.null()
		return
	}
	dl := sl
	if !bytes.Equal(src, dst) {
		var ok bool
		if dl, ok = c.openList(dst); !ok {
			return
		}
	}
	vals, err := sl.Pop(from, 1)
	if err != nil {
		c.fail(err)
		return
	}
	if err := dl.Push(to, vals[0]); err != nil {
		c.fail(err)
		return
	}
	if dl != sl {
		if _, err := dl.Save(); err != nil {
			c.fail(err)
			return
		}
	}
	c.notify(pubsub.NotifyList, pushEvent(to), dst)
	if !c.saveListPopped(sl, src, from) {
		return
	}
	c.bulk(vals[0])
}

// cmdLmpop is LMPOP and BLMPOP.
func cmdLmpop(c *Client, blocking bool) {
	ni := 1
	if blocking {
		ni = 2
	}
	n, ok := parseLL(c.args[ni])
	if !ok || n <= 0 {
		c.errReply("ERR numkeys should be greater than 0")
		return
	}
	if n > int64(len(c.args)-ni-1) {
		c.errReply(errSyntax)
		return
	}
	wi := ni + int(n) + 1
	if wi >= len(c.args) {
		c.errReply(errSyntax)
		return
	}
	left, ok := c.parseWhere(wi)
	if !ok {
		return
	}
	count := int64(-1)
	for j := wi + 1; j < len(c.args); j++ {
		if count == -1 && strings.EqualFold(string(c.args[j]), "COUNT") && j < len(c.args)-1 {
			j++
			v, ok := parseLL(c.args[j])
			if !ok || v <= 0 {
				c.errReply("ERR count should be greater than 0")
				return
			}
			count = v
			continue
		}
		c.errReply(errSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	var timeout time.Duration
	if blocking {
		if timeout, ok = c.parseBlockTimeout(c.args[1]); !ok {
			return
		}
	}
	keys := c.args[ni+1 : wi]
	if c.popFirst(keys, left, count, true, blocking) {
		return
	}
	if blocking && c.mayBlock() {
		c.block(keys, timeout, func(c *Client) { c.nullArray() })
		return
	}
	c.nullArray()
}

// popFirst pops up to count elements from the first non-empty list of keys
// and replies [key, elements] (mpop) or [key, element]. It returns false,
// without replying, when every key is missing; a key of another type fails
// the command (true, WRONGTYPE replied) unless the command is being retried
// after blocking.
func (c *Client) popFirst(keys [][]byte, left bool, count int64, mpop, block bool) bool {
	for _, key := range keys {
		l, _, err := c.tx.OpenList(c.db, key)
		if err == store.ErrWrongType && c.retrying() {
			continue
		}
		if err != nil {
			c.fail(err)
			return true
		}
		if !l.Exists() || (block && c.mustWait(key)) {
			continue
		}
		vals, err := l.Pop(left, count)
		if err != nil {
			c.fail(err)
			return true
		}
		if !c.saveListPopped(l, key, left) {
			return true
		}
		c.arrayLen(2)
		c.bulk(key)
		if mpop {
			c.arrayLen(len(vals))
		}
		for _, v := range vals {
			c.bulk(v)
		}
		return true
	}
	return false
}

// cmdBpop is BLPOP and BRPOP.
func cmdBpop(c *Client, left bool) {
	timeout, ok := c.parseBlockTimeout(c.args[len(c.args)-1])
	if !ok {
		return
	}
	keys := c.args[1 : len(c.args)-1]
	if c.popFirst(keys, left, 1, false, true) {
		return
	}
	if c.mayBlock() {
		c.block(keys, timeout, func(c *Client) { c.nullArray() })
		return
	}
	c.nullArray()
}
