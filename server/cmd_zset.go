package server

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Sorted-set encodings in Meta.Enc, as OBJECT ENCODING names them: a zset
// is a listpack while it has at most zset-max-listpack-entries members of at
// most zset-max-listpack-value bytes, then a skiplist for good. A listpack
// stores scores as text through d2string, which loses the sign of -0; we
// reproduce that by storing +0 while the zset is a listpack.
const (
	zsetEncListpack uint8 = 0
	zsetEncSkiplist uint8 = 1
)

const (
	errNotFloatRange = "ERR min or max is not a float"
	errNotLexRange   = "ERR min or max not valid string range item"
	errNaN           = "ERR resulting score is not a number (NaN)"
)

func (s *Server) registerZsets() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "zadd", func(c *Client) { zaddGeneric(c, false) })
	t.add(rc, "zincrby", func(c *Client) { zaddGeneric(c, true) })
	t.add(rc, "zrem", cmdZrem)
	t.add(rc, "zcard", cmdZcard)
	t.add(rc, "zscore", cmdZscore)
	t.add(rc, "zmscore", cmdZmscore).consistent = true
	t.add(rc, "zrank", func(c *Client) { zrankGeneric(c, false) }).consistent = true
	t.add(rc, "zrevrank", func(c *Client) { zrankGeneric(c, true) }).consistent = true
	t.add(rc, "zcount", cmdZcount).consistent = true
	t.add(rc, "zlexcount", cmdZlexcount).consistent = true
	t.add(rc, "zrange", func(c *Client) { zrangeGeneric(c, 1, nil, rangeAuto, false, false) }).consistent = true
	t.add(rc, "zrangestore", func(c *Client) { zrangeGeneric(c, 2, c.args[1], rangeAuto, false, false) })
	t.add(rc, "zrevrange", func(c *Client) { zrangeGeneric(c, 1, nil, rangeRank, true, true) }).consistent = true
	t.add(rc, "zrangebyscore", func(c *Client) { zrangeGeneric(c, 1, nil, rangeScore, false, true) }).consistent = true
	t.add(rc, "zrevrangebyscore", func(c *Client) { zrangeGeneric(c, 1, nil, rangeScore, true, true) }).consistent = true
	t.add(rc, "zrangebylex", func(c *Client) { zrangeGeneric(c, 1, nil, rangeLex, false, true) }).consistent = true
	t.add(rc, "zrevrangebylex", func(c *Client) { zrangeGeneric(c, 1, nil, rangeLex, true, true) }).consistent = true
	t.add(rc, "zremrangebyrank", func(c *Client) { zremrangeGeneric(c, rangeRank) })
	t.add(rc, "zremrangebyscore", func(c *Client) { zremrangeGeneric(c, rangeScore) })
	t.add(rc, "zremrangebylex", func(c *Client) { zremrangeGeneric(c, rangeLex) })
	t.add(rc, "zpopmin", func(c *Client) { zpopCommand(c, false) })
	t.add(rc, "zpopmax", func(c *Client) { zpopCommand(c, true) })
	t.add(rc, "zmpop", func(c *Client) { zmpopGeneric(c, 1, false) })
	t.add(rc, "bzpopmin", func(c *Client) { bzpopGeneric(c, false) })
	t.add(rc, "bzpopmax", func(c *Client) { bzpopGeneric(c, true) })
	t.add(rc, "bzmpop", func(c *Client) { zmpopGeneric(c, 2, true) })
	t.add(rc, "zrandmember", cmdZrandmember).consistent = true
	t.add(rc, "zunion", func(c *Client) { zsetOpGeneric(c, nil, 1, opUnion) }).consistent = true
	t.add(rc, "zinter", func(c *Client) { zsetOpGeneric(c, nil, 1, opInter) }).consistent = true
	t.add(rc, "zdiff", func(c *Client) { zsetOpGeneric(c, nil, 1, opDiff) }).consistent = true
	t.add(rc, "zunionstore", func(c *Client) { zsetOpGeneric(c, c.args[1], 2, opUnion) })
	t.add(rc, "zinterstore", func(c *Client) { zsetOpGeneric(c, c.args[1], 2, opInter) })
	t.add(rc, "zdiffstore", func(c *Client) { zsetOpGeneric(c, c.args[1], 2, opDiff) })
	t.add(rc, "zintercard", cmdZintercard).consistent = true
	t.add(rc, "zscan", cmdZscan).consistent = true
	encoders[store.TypeZSet] = func(tx *store.Tx, db int, m *store.Meta) string {
		if m.Enc == zsetEncListpack {
			return "listpack"
		}
		return "skiplist"
	}
	digesters[store.TypeZSet] = func(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
		var buf []byte
		return tx.ZForEach(db, m, func(member []byte, score float64) bool {
			var ed [20]byte
			mixDigest(&ed, member)
			buf = resp.AppendDoubleValue(buf[:0], score)
			mixDigest(&ed, buf)
			xorDigest(d, ed[:])
			return true
		})
	}
}

func isCSpace(b byte) bool { return b == ' ' || (b >= '\t' && b <= '\r') }

// strtod parses the whole of s as C's strtod would (after it skipped any
// leading white space), with overflow giving ±inf and underflow 0.
func strtod(s []byte) (float64, bool) {
	t := string(s)
	if t == "" || strings.ContainsAny(t, "_") {
		return 0, false
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 {
		return 0, false
	}
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		if len(body) == 2 {
			return 0, false
		}
		if !strings.ContainsAny(body, "pP") {
			t += "p0"
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// parseScore parses a score argument as getDoubleFromObject: no leading
// space, the whole string, no overflow or underflow to zero, no NaN.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	f, ok := strtod(b)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) && !isInfText(b) {
		return 0, false
	}
	if f == 0 && hasNonZeroDigit(b) {
		return 0, false
	}
	return f, true
}

func isInfText(b []byte) bool {
	s := strings.ToLower(strings.TrimLeft(string(b), "+-"))
	return s == "inf" || s == "infinity"
}

func hasNonZeroDigit(b []byte) bool {
	hex := bytes.Contains(bytes.ToLower(b), []byte("0x"))
	for i, ch := range b {
		if !hex && (ch == 'e' || ch == 'E') {
			return false
		}
		if hex && (ch == 'p' || ch == 'P') {
			return false
		}
		if hex && i > 0 && (b[i-1] == '0') && (ch == 'x' || ch == 'X') {
			continue
		}
		if (ch >= '1' && ch <= '9') || (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) {
			return true
		}
	}
	return false
}

// parseRangeFloat is strtod as zslParseRange uses it: leading white space
// allowed, the empty string is 0, only NaN refused; C stops at a NUL.
func parseRangeFloat(b []byte) (float64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, true
	}
	t := bytes.TrimLeftFunc(b, func(r rune) bool { return r < 128 && isCSpace(byte(r)) })
	if len(t) == 0 {
		return 0, false
	}
	f, ok := strtod(t)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func parseScoreRange(minArg, maxArg []byte) (store.ZScoreRange, bool) {
	var r store.ZScoreRange
	var ok bool
	parse := func(a []byte) (float64, bool, bool) {
		if len(a) > 0 && a[0] == '(' {
			f, ok := parseRangeFloat(a[1:])
			return f, true, ok
		}
		f, ok := parseRangeFloat(a)
		return f, false, ok
	}
	if r.Min, r.MinEx, ok = parse(minArg); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = parse(maxArg); !ok {
		return r, false
	}
	return r, true
}

func parseLexBound(a []byte) (store.ZLexBound, bool) {
	switch {
	case len(a) == 1 && a[0] == '+':
		return store.ZLexBound{Inf: 1}, true
	case len(a) == 1 && a[0] == '-':
		return store.ZLexBound{Inf: -1}, true
	case len(a) >= 1 && a[0] == '(':
		return store.ZLexBound{Val: a[1:], Ex: true}, true
	case len(a) >= 1 && a[0] == '[':
		return store.ZLexBound{Val: a[1:]}, true
	}
	return store.ZLexBound{}, false
}

func parseLexRange(minArg, maxArg []byte) (store.ZLexRange, bool) {
	lo, ok1 := parseLexBound(minArg)
	hi, ok2 := parseLexBound(maxArg)
	return store.ZLexRange{Min: lo, Max: hi}, ok1 && ok2
}

// emptyScoreRange reports a range no score can satisfy (zslIsInRange).
func emptyScoreRange(r *store.ZScoreRange) bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

func emptyLexRange(r *store.ZLexRange) bool {
	if r.Min.Inf == 1 || r.Max.Inf == -1 {
		return true
	}
	if r.Min.Inf != 0 || r.Max.Inf != 0 {
		return false
	}
	c := bytes.Compare(r.Min.Val, r.Max.Val)
	return c > 0 || (c == 0 && (r.Min.Ex || r.Max.Ex))
}

func (c *Client) lookupZset(key []byte) (m store.Meta, found bool, ok bool) {
	m, found, err := c.tx.LookupType(c.db, key, store.TypeZSet)
	if err != nil {
		c.fail(err)
		return m, false, false
	}
	return m, found, true
}

// newZset creates the metadata of a new zset sized for n members of at most
// maxlen bytes (zsetTypeCreate).
func (c *Client) newZset(n int, maxlen int) store.Meta {
	m := store.Meta{Type: store.TypeZSet, KeyID: c.tx.NewKeyID()}
	if int64(n) > c.s.cfg.Int64("zset-max-listpack-entries") || int64(maxlen) > c.s.cfg.Memory("zset-max-listpack-value") {
		m.Enc = zsetEncSkiplist
	}
	return m
}

// zsetPut sets member's score in m (exists says whether member is there),
// converting a listpack before a new member would outgrow it, as zsetAdd.
func (c *Client) zsetPut(m *store.Meta, member []byte, score float64, exists bool) error {
	return c.zsetPutKnown(m, member, score, exists, 0, false)
}

// zsetPutKnown is zsetPut; with known, exists and cur are the member's
// state just read with ZScore in this Tx, and the store does not look the
// member up again.
func (c *Client) zsetPutKnown(m *store.Meta, member []byte, score float64, exists bool, cur float64, known bool) error {
	if m.Enc == zsetEncListpack && !exists &&
		(int64(m.Size)+1 > c.s.cfg.Int64("zset-max-listpack-entries") || int64(len(member)) > c.s.cfg.Memory("zset-max-listpack-value")) {
		m.Enc = zsetEncSkiplist
	}
	if m.Enc == zsetEncListpack && score == 0 {
		score = 0 // d2string writes -0 as "0"
	}
	if known {
		return c.tx.ZSetKnown(c.db, m, member, score, exists, cur)
	}
	_, _, err := c.tx.ZSet(c.db, m, member, score)
	return err
}

func (c *Client) writeZset(key []byte, old *store.Meta, found bool, m *store.Meta) error {
	return c.putCollection(key, optMeta(old, found), m)
}

const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddCH
	zaddIncr
)

func zaddGeneric(c *Client, incrCmd bool) {
	key := c.args[1]
	flags := 0
	j := 2
	if incrCmd {
		flags = zaddIncr
	} else {
		for ; j < len(c.args); j++ {
			switch strings.ToUpper(string(c.args[j])) {
			case "NX":
				flags |= zaddNX
			case "XX":
				flags |= zaddXX
			case "GT":
				flags |= zaddGT
			case "LT":
				flags |= zaddLT
			case "CH":
				flags |= zaddCH
			case "INCR":
				flags |= zaddIncr
			default:
				goto done
			}
		}
	done:
	}
	elements := len(c.args) - j
	if elements%2 != 0 || elements == 0 {
		c.errReply(errSyntax)
		return
	}
	elements /= 2
	if flags&zaddNX != 0 && flags&zaddXX != 0 {
		c.errReply("ERR XX and NX options at the same time are not compatible")
		return
	}
	if (flags&zaddGT != 0 && flags&zaddNX != 0) || (flags&zaddLT != 0 && flags&zaddNX != 0) || (flags&zaddGT != 0 && flags&zaddLT != 0) {
		c.errReply("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	incr := flags&zaddIncr != 0
	if incr && elements > 1 {
		c.errReply("ERR INCR option supports a single increment-element pair")
		return
	}
	scores := make([]float64, elements)
	for i := range scores {
		f, ok := parseScore(c.args[j+2*i])
		if !ok {
			c.errReply(errNotFloat)
			return
		}
		scores[i] = f
	}
	m, found, ok := c.lookupZset(key)
	if !ok {
		return
	}
	old := m
	if !found {
		if flags&zaddXX != 0 {
			if incr {
				c.null()
			} else {
				c.integer(0)
			}
			return
		}
		// Redis 7.0 sizes a new zset by its first member only.
		m = c.newZset(1, len(c.args[j+1]))
	}
	var added, updated int64
	var newScore float64
	nop := false
	var failNaN bool
	for i := 0; i < elements; i++ {
		score, member := scores[i], c.args[j+2*i+1]
		cur, exists, err := c.tx.ZScore(c.db, &m, member)
		if err != nil {
			c.fail(err)
			return
		}
		nop = false
		if exists {
			if flags&zaddNX != 0 {
				nop = true
				continue
			}
			if incr {
				score += cur
				if math.IsNaN(score) {
					failNaN = true
					break
				}
			}
			if (flags&zaddLT != 0 && score >= cur) || (flags&zaddGT != 0 && score <= cur) {
				nop = true
				continue
			}
			newScore = score
			if score != cur {
				if err := c.zsetPutKnown(&m, member, score, true, cur, true); err != nil {
					c.fail(err)
					return
				}
				updated++
			}
		} else {
			if flags&zaddXX != 0 {
				nop = true
				continue
			}
			if err := c.zsetPutKnown(&m, member, score, false, 0, true); err != nil {
				c.fail(err)
				return
			}
			newScore = score
			added++
		}
	}
	if added+updated > 0 {
		if err := c.writeZset(key, &old, found, &m); err != nil {
			c.fail(err)
			return
		}
		ev := "zadd"
		if incr {
			ev = "zincr"
		}
		c.notify(pubsub.NotifyZset, ev, key)
	}
	switch {
	case failNaN:
		c.errReply(errNaN)
	case incr:
		if nop {
			c.null()
		} else {
			c.double(newScore)
		}
	case flags&zaddCH != 0:
		c.integer(added + updated)
	default:
		c.integer(added)
	}
}

func cmdZrem(c *Client) {
	key := c.args[1]
	m, found, ok := c.lookupZset(key)
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	old := m
	var n int64
	for _, mem := range c.args[2:] {
		del, err := c.tx.ZRem(c.db, &m, mem)
		if err != nil {
			c.fail(err)
			return
		}
		if del {
			n++
			if m.Size == 0 {
				break
			}
		}
	}
	if n > 0 {
		if err := c.writeZset(key, &old, true, &m); err != nil {
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifyZset, "zrem", key)
		if m.Size == 0 {
			c.notify(pubsub.NotifyGeneric, "del", key)
		}
	}
	c.integer(n)
}

func cmdZcard(c *Client) {
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	c.integer(int64(m.Size))
}

func cmdZscore(c *Client) {
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.null()
		return
	}
	f, has, err := c.tx.ZScore(c.db, &m, c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	if !has {
		c.null()
		return
	}
	c.double(f)
}

func cmdZmscore(c *Client) {
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	c.arrayLen(len(c.args) - 2)
	for _, mem := range c.args[2:] {
		if !found {
			c.null()
			continue
		}
		f, has, err := c.tx.ZScore(c.db, &m, mem)
		if err != nil {
			c.fail(err)
			return
		}
		if has {
			c.double(f)
		} else {
			c.null()
		}
	}
}

func zrankGeneric(c *Client, rev bool) {
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.null()
		return
	}
	r, has, err := c.tx.ZRank(c.db, &m, c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	if !has {
		c.null()
		return
	}
	if rev {
		r = int64(m.Size) - 1 - r
	}
	c.integer(r)
}

func cmdZcount(c *Client) {
	r, ok := parseScoreRange(c.args[2], c.args[3])
	if !ok {
		c.errReply(errNotFloatRange)
		return
	}
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	var n int64
	if found && !emptyScoreRange(&r) {
		if err := c.tx.ZRangeByScore(c.db, &m, r, false, func([]byte, float64) bool { n++; return true }); err != nil {
			c.fail(err)
			return
		}
	}
	c.integer(n)
}

func cmdZlexcount(c *Client) {
	r, ok := parseLexRange(c.args[2], c.args[3])
	if !ok {
		c.errReply(errNotLexRange)
		return
	}
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	var n int64
	if found && !emptyLexRange(&r) {
		if err := c.tx.ZRangeByLex(c.db, &m, r, false, func([]byte, float64) bool { n++; return true }); err != nil {
			c.fail(err)
			return
		}
	}
	c.integer(n)
}

type zrangeType int

const (
	rangeAuto zrangeType = iota
	rangeRank
	rangeScore
	rangeLex
)

type zElem struct {
	member []byte
	score  float64
}

// replyElems writes elements, with scores as pairs in RESP3 (or flat in
// RESP2) when withScores.
func (c *Client) replyElems(els []zElem, withScores bool) {
	if !withScores {
		c.arrayLen(len(els))
		for _, e := range els {
			c.bulk(e.member)
		}
		return
	}
	if c.proto == resp.RESP3 {
		c.arrayLen(len(els))
		for _, e := range els {
			c.arrayLen(2)
			c.bulk(e.member)
			c.double(e.score)
		}
		return
	}
	c.arrayLen(2 * len(els))
	for _, e := range els {
		c.bulk(e.member)
		c.double(e.score)
	}
}

// zrangeSelect collects the elements of a rank, score or lex range.
func (c *Client) zrangeSelect(m *store.Meta, typ zrangeType, rev bool, a1, a2 []byte, start, end int64, sr store.ZScoreRange, lr store.ZLexRange, offset, limit int64) ([]zElem, error) {
	var out []zElem
	collect := func(mem []byte, s float64) bool {
		if offset > 0 {
			offset--
			return true
		}
		if offset < 0 {
			return false
		}
		if limit == 0 {
			return false
		}
		out = append(out, zElem{bytes.Clone(mem), s})
		if limit > 0 {
			limit--
		}
		return limit != 0
	}
	switch typ {
	case rangeRank:
		llen := int64(m.Size)
		if start < 0 {
			start += llen
		}
		if end < 0 {
			end += llen
		}
		if start < 0 {
			start = 0
		}
		if start > end || start >= llen {
			return nil, nil
		}
		if end >= llen {
			end = llen - 1
		}
		lo, hi := start, end
		if rev {
			lo, hi = llen-1-end, llen-1-start
		}
		err := c.tx.ZRangeByRank(c.db, m, lo, hi, rev, func(mem []byte, s float64) bool {
			out = append(out, zElem{bytes.Clone(mem), s})
			return true
		})
		return out, err
	case rangeScore:
		if emptyScoreRange(&sr) || offset < 0 {
			return nil, nil
		}
		return out, c.tx.ZRangeByScore(c.db, m, sr, rev, collect)
	default:
		if emptyLexRange(&lr) || offset < 0 {
			return nil, nil
		}
		return out, c.tx.ZRangeByLex(c.db, m, lr, rev, collect)
	}
}

// zrangeGeneric is zrangeGenericCommand: ZRANGE, ZRANGESTORE (dst) and the
// legacy forms, whose range type and direction are fixed.
func zrangeGeneric(c *Client, argStart int, dst []byte, typ zrangeType, rev bool, fixedDir bool) {
	key := c.args[argStart]
	minIdx, maxIdx := argStart+1, argStart+2
	withScores := false
	offset, limit := int64(0), int64(-1)
	limitSet := false
	dirSet := fixedDir
	for j := argStart + 3; j < len(c.args); j++ {
		left := len(c.args) - j - 1
		opt := strings.ToUpper(string(c.args[j]))
		switch {
		case dst == nil && opt == "WITHSCORES":
			withScores = true
		case opt == "LIMIT" && left >= 2:
			o, ok1 := parseLL(c.args[j+1])
			if !ok1 {
				c.errReply(errNotInt)
				return
			}
			l, ok2 := parseLL(c.args[j+2])
			if !ok2 {
				c.errReply(errNotInt)
				return
			}
			offset, limit = o, l
			limitSet = true
			j += 2
		case !dirSet && opt == "REV":
			rev, dirSet = true, true
		case typ == rangeAuto && opt == "BYLEX":
			typ = rangeLex
		case typ == rangeAuto && opt == "BYSCORE":
			typ = rangeScore
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if typ == rangeAuto {
		typ = rangeRank
	}
	if limitSet && limit != -1 && typ == rangeRank {
		c.errReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withScores && typ == rangeLex {
		c.errReply("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	if rev && (typ == rangeScore || typ == rangeLex) {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var sr store.ZScoreRange
	var lr store.ZLexRange
	switch typ {
	case rangeRank:
		var ok bool
		if start, ok = c.argInt(minIdx); !ok {
			return
		}
		if end, ok = c.argInt(maxIdx); !ok {
			return
		}
	case rangeScore:
		var ok bool
		if sr, ok = parseScoreRange(c.args[minIdx], c.args[maxIdx]); !ok {
			c.errReply(errNotFloatRange)
			return
		}
	case rangeLex:
		var ok bool
		if lr, ok = parseLexRange(c.args[minIdx], c.args[maxIdx]); !ok {
			c.errReply(errNotLexRange)
			return
		}
	}
	m, found, ok := c.lookupZset(key)
	if !ok {
		return
	}
	var els []zElem
	if found {
		var err error
		if els, err = c.zrangeSelect(&m, typ, rev, nil, nil, start, end, sr, lr, offset, limit); err != nil {
			c.fail(err)
			return
		}
	}
	if dst == nil {
		c.replyElems(els, withScores)
		return
	}
	c.storeZset(dst, els, len(els), "zrangestore", false)
}

// storeZset replaces dst with els (deleting dst when empty) and replies the
// size. convert applies zsetConvertToListpackIfNeeded (the set-operation
// stores build a skiplist first); otherwise the zset is sized by hint.
func (c *Client) storeZset(dst []byte, els []zElem, hint int, event string, convert bool) {
	if len(els) == 0 {
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
	var nm store.Meta
	if convert {
		maxlen := 0
		for _, e := range els {
			maxlen = max(maxlen, len(e.member))
		}
		nm = store.Meta{Type: store.TypeZSet, KeyID: c.tx.NewKeyID(), Enc: zsetEncSkiplist}
		if int64(len(els)) <= c.s.cfg.Int64("zset-max-listpack-entries") && int64(maxlen) <= c.s.cfg.Memory("zset-max-listpack-value") {
			nm.Enc = zsetEncListpack
		}
	} else {
		nm = c.newZset(hint, 0)
	}
	for _, e := range els {
		if err := c.zsetPut(&nm, e.member, e.score, false); err != nil {
			c.fail(err)
			return
		}
	}
	if err := c.tx.Put(c.db, dst, optMeta(&old, exists), &nm); err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifyZset, event, dst)
	c.integer(int64(nm.Size))
}

func zremrangeGeneric(c *Client, typ zrangeType) {
	key := c.args[1]
	var start, end int64
	var sr store.ZScoreRange
	var lr store.ZLexRange
	var ok bool
	switch typ {
	case rangeRank:
		if start, ok = c.argInt(2); !ok {
			return
		}
		if end, ok = c.argInt(3); !ok {
			return
		}
	case rangeScore:
		if sr, ok = parseScoreRange(c.args[2], c.args[3]); !ok {
			c.errReply(errNotFloatRange)
			return
		}
	case rangeLex:
		if lr, ok = parseLexRange(c.args[2], c.args[3]); !ok {
			c.errReply(errNotLexRange)
			return
		}
	}
	m, found, ok := c.lookupZset(key)
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	els, err := c.zrangeSelect(&m, typ, false, nil, nil, start, end, sr, lr, 0, -1)
	if err != nil {
		c.fail(err)
		return
	}
	if len(els) == 0 {
		c.integer(0)
		return
	}
	old := m
	for _, e := range els {
		if _, err := c.tx.ZRem(c.db, &m, e.member); err != nil {
			c.fail(err)
			return
		}
	}
	if err := c.writeZset(key, &old, true, &m); err != nil {
		c.fail(err)
		return
	}
	ev := map[zrangeType]string{rangeRank: "zremrangebyrank", rangeScore: "zremrangebyscore", rangeLex: "zremrangebylex"}[typ]
	c.notify(pubsub.NotifyZset, ev, key)
	if m.Size == 0 {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	c.integer(int64(len(els)))
}

// zpopFrom pops up to count elements of key (found, a zset) from the min or
// max end, notifying and deleting as Redis.
func (c *Client) zpopFrom(key []byte, m store.Meta, count int64, maxEnd bool) ([]zElem, error) {
	n := min(count, int64(m.Size))
	var els []zElem
	var lo, hi int64
	if maxEnd {
		lo, hi = int64(m.Size)-n, int64(m.Size)-1
	} else {
		lo, hi = 0, n-1
	}
	err := c.tx.ZRangeByRank(c.db, &m, lo, hi, maxEnd, func(mem []byte, s float64) bool {
		els = append(els, zElem{bytes.Clone(mem), s})
		return true
	})
	if err != nil {
		return nil, err
	}
	old := m
	for _, e := range els {
		if _, err := c.tx.ZRem(c.db, &m, e.member); err != nil {
			return nil, err
		}
	}
	if err := c.writeZset(key, &old, true, &m); err != nil {
		return nil, err
	}
	ev := "zpopmin"
	if maxEnd {
		ev = "zpopmax"
	}
	c.notify(pubsub.NotifyZset, ev, key)
	if m.Size == 0 {
		c.notify(pubsub.NotifyGeneric, "del", key)
	}
	return els, nil
}

func zpopCommand(c *Client, maxEnd bool) {
	if len(c.args) > 3 {
		c.errReply(errSyntax)
		return
	}
	count := int64(1)
	withCount := len(c.args) == 3
	if withCount {
		v, ok := parseLL(c.args[2])
		if !ok || v < 0 {
			c.errReply("ERR value is out of range, must be positive")
			return
		}
		count = v
	}
	key := c.args[1]
	m, found, ok := c.lookupZset(key)
	if !ok {
		return
	}
	if !found || count == 0 {
		c.arrayLen(0)
		return
	}
	els, err := c.zpopFrom(key, m, count, maxEnd)
	if err != nil {
		c.fail(err)
		return
	}
	if withCount {
		c.replyElems(els, true)
		return
	}
	c.arrayLen(2)
	c.bulk(els[0].member)
	c.double(els[0].score)
}

// zpopKeys pops from the first non-empty zset of keys. It replies WRONGTYPE
// (ok false) for a wrong key met before it; found false when all are empty.
//
// A blocked client that is woken runs the command again (c.blk is set);
// Redis serves it only from keys that hold a zset then, so a key that became
// another type is skipped and the client keeps waiting.
func (c *Client) zpopKeys(keys [][]byte, count int64, maxEnd bool) (key []byte, els []zElem, found bool, ok bool) {
	for _, k := range keys {
		m, f, err := c.tx.LookupType(c.db, k, store.TypeZSet)
		if errors.Is(err, store.ErrWrongType) && c.blk != nil {
			continue
		}
		if err != nil {
			c.fail(err)
			return nil, nil, false, false
		}
		if !f {
			continue
		}
		els, err := c.zpopFrom(k, m, count, maxEnd)
		if err != nil {
			c.fail(err)
			return nil, nil, false, false
		}
		return k, els, true, true
	}
	return nil, nil, false, true
}

func (c *Client) replyMpop(key []byte, els []zElem) {
	c.arrayLen(2)
	c.bulk(key)
	c.arrayLen(len(els))
	for _, e := range els {
		c.arrayLen(2)
		c.bulk(e.member)
		c.double(e.score)
	}
}

// zmpopGeneric is ZMPOP (numkeys at 1) and BZMPOP (timeout at 1, numkeys at 2).
func zmpopGeneric(c *Client, numIdx int, block bool) {
	n64, ok := parseLL(c.args[numIdx])
	if !ok || n64 <= 0 {
		c.errReply("ERR numkeys should be greater than 0")
		return
	}
	if n64 > int64(len(c.args)) {
		c.errReply(errSyntax)
		return
	}
	n := int(n64)
	whereIdx := numIdx + n + 1
	if whereIdx >= len(c.args) {
		c.errReply(errSyntax)
		return
	}
	var maxEnd bool
	switch strings.ToUpper(string(c.args[whereIdx])) {
	case "MIN":
	case "MAX":
		maxEnd = true
	default:
		c.errReply(errSyntax)
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(c.args); j++ {
		if strings.EqualFold(string(c.args[j]), "COUNT") && count == -1 && j+1 < len(c.args) {
			v, ok := parseLL(c.args[j+1])
			if !ok || v < 1 {
				c.errReply("ERR count should be greater than 0")
				return
			}
			count = v
			j++
			continue
		}
		c.errReply(errSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.args[numIdx+1 : numIdx+1+n]
	var timeout time.Duration
	if block {
		t, ok := c.parseBlockTimeout(c.args[1])
		if !ok {
			return
		}
		timeout = t
	}
	key, els, found, ok := c.zpopKeys(keys, count, maxEnd)
	if !ok {
		return
	}
	if found {
		c.replyMpop(key, els)
		return
	}
	if block && c.mayBlock() {
		c.block(keys, timeout, func(c *Client) { c.nullArray() })
		return
	}
	c.nullArray()
}

func bzpopGeneric(c *Client, maxEnd bool) {
	timeout, ok := c.parseBlockTimeout(c.args[len(c.args)-1])
	if !ok {
		return
	}
	keys := c.args[1 : len(c.args)-1]
	key, els, found, ok := c.zpopKeys(keys, 1, maxEnd)
	if !ok {
		return
	}
	if found {
		c.arrayLen(3)
		c.bulk(key)
		c.bulk(els[0].member)
		c.double(els[0].score)
		return
	}
	if c.mayBlock() {
		c.block(keys, timeout, func(c *Client) { c.nullArray() })
		return
	}
	c.nullArray()
}

func cmdZrandmember(c *Client) {
	withCount := len(c.args) >= 3
	withScores := len(c.args) == 4
	var count int64
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
		if len(c.args) > 4 || (len(c.args) == 4 && !strings.EqualFold(string(c.args[3]), "WITHSCORES")) {
			c.errReply(errSyntax)
			return
		}
		if withScores && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
			c.errReply("ERR value is out of range")
			return
		}
	}
	m, found, ok := c.lookupZset(c.args[1])
	if !ok {
		return
	}
	if !withCount {
		if !found {
			c.null()
			return
		}
		mem, _, err := c.tx.ZRandom(c.db, &m, rand.Uint32())
		if err != nil {
			c.fail(err)
			return
		}
		c.bulk(mem)
		return
	}
	if !found || count == 0 {
		c.arrayLen(0)
		return
	}
	var all []zElem
	loadAll := func() error {
		return c.tx.ZForEach(c.db, &m, func(mem []byte, s float64) bool {
			all = append(all, zElem{bytes.Clone(mem), s})
			return true
		})
	}
	var els []zElem
	if count < 0 {
		n := -count
		if m.Size <= 4096 {
			if err := loadAll(); err != nil {
				c.fail(err)
				return
			}
		}
		for i := int64(0); i < n; i++ {
			if all != nil {
				els = append(els, all[rand.IntN(len(all))])
				continue
			}
			mem, s, err := c.tx.ZRandom(c.db, &m, rand.Uint32())
			if err != nil {
				c.fail(err)
				return
			}
			els = append(els, zElem{mem, s})
		}
	} else {
		if m.Size <= 4096 || uint64(count)*3 > m.Size {
			if err := loadAll(); err != nil {
				c.fail(err)
				return
			}
			if uint64(count) < m.Size {
				rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
				all = all[:count]
			}
			els = all
		} else {
			seen := map[string]bool{}
			for int64(len(els)) < count {
				mem, s, err := c.tx.ZRandom(c.db, &m, rand.Uint32())
				if err != nil {
					c.fail(err)
					return
				}
				if !seen[string(mem)] {
					seen[string(mem)] = true
					els = append(els, zElem{mem, s})
				}
			}
		}
	}
	c.replyElems(els, withScores)
}

type zsetOp int

const (
	opUnion zsetOp = iota
	opInter
	opDiff
)

const (
	aggSum = iota
	aggMin
	aggMax
)

// zsetOpGeneric is zunionInterDiffGenericCommand. numIdx is the index of
// numkeys; dst is nil for the replying forms.
func zsetOpGeneric(c *Client, dst []byte, numIdx int, op zsetOp) {
	n, ok := parseLL(c.args[numIdx])
	if !ok {
		c.errReply(errNotInt)
		return
	}
	if n < 1 {
		name := map[zsetOp]string{opUnion: "zunion", opInter: "zinter", opDiff: "zdiff"}[op]
		if dst != nil {
			name += "store"
		}
		c.errReply("ERR at least 1 input key is needed for '" + name + "' command")
		return
	}
	if n > int64(len(c.args)-numIdx-1) {
		c.errReply(errSyntax)
		return
	}
	keys := c.args[numIdx+1 : numIdx+1+int(n)]
	// Inputs may be sets (every score 1) or zsets.
	type input = zopInput
	ins := make([]input, n)
	for i, k := range keys {
		var m store.Meta
		var f bool
		var err error
		m, f, err = c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		if f && m.Type != store.TypeSet && m.Type != store.TypeZSet {
			c.errReply(errWrongType)
			return
		}
		ins[i] = input{m, f}
	}
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1
	}
	agg := aggSum
	withScores := false
	for j := numIdx + 1 + int(n); j < len(c.args); j++ {
		left := len(c.args) - j - 1
		opt := strings.ToUpper(string(c.args[j]))
		switch {
		case op != opDiff && opt == "WEIGHTS" && left >= int(n):
			for i := range weights {
				j++
				f, ok := parseScore(c.args[j])
				if !ok {
					c.errReply("ERR weight value is not a float")
					return
				}
				weights[i] = f
			}
		case op != opDiff && opt == "AGGREGATE" && left >= 1:
			switch strings.ToUpper(string(c.args[j+1])) {
			case "SUM":
				agg = aggSum
			case "MIN":
				agg = aggMin
			case "MAX":
				agg = aggMax
			default:
				c.errReply(errSyntax)
				return
			}
			j++
		case dst == nil && opt == "WITHSCORES":
			withScores = true
		default:
			c.errReply(errSyntax)
			return
		}
	}
	load := func(i int) ([]zElem, error) {
		in := &ins[i]
		if !in.found {
			return nil, nil
		}
		var out []zElem
		if in.m.Type == store.TypeSet {
			mem, err := c.setMembers(&in.m)
			for _, b := range mem {
				out = append(out, zElem{b, 1})
			}
			return out, err
		}
		err := c.tx.ZForEach(c.db, &in.m, func(mem []byte, s float64) bool {
			out = append(out, zElem{bytes.Clone(mem), s})
			return true
		})
		return out, err
	}
	aggregate := func(acc *float64, v float64) {
		switch agg {
		case aggSum:
			*acc += v
			if math.IsNaN(*acc) {
				*acc = 0
			}
		case aggMin:
			if v < *acc {
				*acc = v
			}
		case aggMax:
			if v > *acc {
				*acc = v
			}
		}
	}
	mul := func(s, w float64) float64 {
		r := s * w
		if math.IsNaN(r) {
			return 0
		}
		return r
	}
	// Union and intersection visit the inputs from the smallest to the
	// largest (a stable sort, as glibc's qsort here), which fixes the order
	// scores are aggregated in.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if op != opDiff {
		sort.SliceStable(order, func(a, b int) bool { return ins[order[a]].size() < ins[order[b]].size() })
	}
	var result []zElem
	switch op {
	case opUnion:
		idx := map[string]int{}
		for _, i := range order {
			els, err := load(i)
			if err != nil {
				c.fail(err)
				return
			}
			for _, e := range els {
				v := mul(e.score, weights[i])
				if p, ok := idx[string(e.member)]; ok {
					aggregate(&result[p].score, v)
				} else {
					idx[string(e.member)] = len(result)
					result = append(result, zElem{e.member, v})
				}
			}
		}
	case opInter:
		sets := make([]map[string]float64, n)
		for i := range ins {
			if !ins[i].found {
				result = nil
				goto reply
			}
		}
		for i := range ins {
			els, err := load(i)
			if err != nil {
				c.fail(err)
				return
			}
			sets[i] = make(map[string]float64, len(els))
			for _, e := range els {
				sets[i][string(e.member)] = e.score
			}
		}
		{
			first, _ := load(order[0])
			for _, e := range first {
				v := mul(e.score, weights[order[0]])
				in := true
				for _, j := range order[1:] {
					s, ok := sets[j][string(e.member)]
					if !ok {
						in = false
						break
					}
					aggregate(&v, s*weights[j]) // no NaN fix here, as Redis
				}
				if in {
					result = append(result, zElem{e.member, v})
				}
			}
		}
	case opDiff:
		if ins[0].found {
			first, err := load(0)
			if err != nil {
				c.fail(err)
				return
			}
			others := map[string]bool{}
			for i := 1; i < len(ins); i++ {
				els, err := load(i)
				if err != nil {
					c.fail(err)
					return
				}
				for _, e := range els {
					others[string(e.member)] = true
				}
			}
			for _, e := range first {
				if !others[string(e.member)] {
					result = append(result, e)
				}
			}
		}
	}
reply:
	// The result is ordered by score then member, as the skiplist Redis
	// builds.
	sort.SliceStable(result, func(a, b int) bool {
		x, y := result[a], result[b]
		if x.score != y.score {
			return x.score < y.score
		}
		return bytes.Compare(x.member, y.member) < 0
	})
	if dst != nil {
		ev := map[zsetOp]string{opUnion: "zunionstore", opInter: "zinterstore", opDiff: "zdiffstore"}[op]
		c.storeZset(dst, result, len(result), ev, true)
		return
	}
	c.replyElems(result, withScores)
}

func cmdZintercard(c *Client) {
	n64, ok := c.argInt(1)
	if !ok {
		return
	}
	if n64 < 1 {
		c.errReply("ERR at least 1 input key is needed for 'zintercard' command")
		return
	}
	if n64 > int64(len(c.args)-2) {
		c.errReply(errSyntax)
		return
	}
	n := int(n64)
	for _, k := range c.args[2 : 2+n] {
		m, f, err := c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		if f && m.Type != store.TypeSet && m.Type != store.TypeZSet {
			c.errReply(errWrongType)
			return
		}
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
	keys := c.args[2 : 2+n]
	metas := make([]store.Meta, n)
	missing := false
	for i, k := range keys {
		m, f, err := c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		if f && m.Type != store.TypeSet && m.Type != store.TypeZSet {
			c.errReply(errWrongType)
			return
		}
		if !f {
			missing = true
		}
		metas[i] = m
	}
	if missing {
		c.integer(0)
		return
	}
	sort.SliceStable(metas, func(a, b int) bool { return metas[a].Size < metas[b].Size })
	has := func(m *store.Meta, mem []byte) (bool, error) {
		if m.Type == store.TypeSet {
			return c.tx.SetHas(c.db, m, mem)
		}
		_, ok, err := c.tx.ZScore(c.db, m, mem)
		return ok, err
	}
	var first [][]byte
	var err error
	if metas[0].Type == store.TypeSet {
		first, err = c.setMembers(&metas[0])
	} else {
		err = c.tx.ZForEach(c.db, &metas[0], func(mem []byte, _ float64) bool {
			first = append(first, bytes.Clone(mem))
			return true
		})
	}
	if err != nil {
		c.fail(err)
		return
	}
	var cnt int64
	for _, mem := range first {
		in := true
		for i := 1; i < len(metas) && in; i++ {
			if in, err = has(&metas[i], mem); err != nil {
				c.fail(err)
				return
			}
		}
		if in {
			cnt++
			if limit > 0 && cnt >= limit {
				break
			}
		}
	}
	c.integer(cnt)
}

func cmdZscan(c *Client) {
	cursor, ok := parseCollCursor(c, c.args[2])
	if !ok {
		return
	}
	m, found, ok := c.lookupZset(c.args[1])
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
	conv := func(f float64) []byte { return resp.AppendDoubleValue(nil, f) }
	var items [][]byte
	var next uint64
	var err error
	if m.Enc == zsetEncListpack {
		err = c.tx.ZForEach(c.db, &m, func(mem []byte, s float64) bool {
			items = append(items, bytes.Clone(mem), conv(s))
			return true
		})
	} else {
		next, items, err = c.tx.ZScan(c.db, &m, cursor, int(min(count, 1<<20)), conv)
	}
	if err != nil {
		c.fail(err)
		return
	}
	if pat != nil {
		kept := items[:0]
		for i := 0; i+1 < len(items); i += 2 {
			if glob(pat, items[i]) {
				kept = append(kept, items[i], items[i+1])
			}
		}
		items = kept
	}
	c.replyScan(next, items)
}

type zopInput struct {
	m     store.Meta
	found bool
}

func (in *zopInput) size() uint64 {
	if !in.found {
		return 0
	}
	return in.m.Size
}
