package server

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// String encodings beyond store's: a value built by INCRBYFLOAT is created
// as a plain string object, never as an integer one.
const strEncEmbstr uint8 = 2

// strEncIntOwn is an integer string with an object of its own (made by
// COPY), never one of Redis's shared integers: OBJECT REFCOUNT answers 1.
const strEncIntOwn uint8 = 3

func (s *Server) registerStrings() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "get", cmdGet)
	t.add(rc, "set", cmdSet)
	t.add(rc, "setnx", cmdSetnx)
	t.add(rc, "setex", func(c *Client) { setWithExpire(c, false) })
	t.add(rc, "psetex", func(c *Client) { setWithExpire(c, true) })
	t.add(rc, "mget", cmdMget).consistent = true
	t.add(rc, "mset", func(c *Client) { cmdMset(c, false) })
	t.add(rc, "msetnx", func(c *Client) { cmdMset(c, true) })
	t.add(rc, "getset", cmdGetset)
	t.add(rc, "getdel", cmdGetdel)
	t.add(rc, "getex", cmdGetex)
	t.add(rc, "append", cmdAppend)
	t.add(rc, "strlen", cmdStrlen)
	t.add(rc, "getrange", cmdGetrange)
	t.add(rc, "substr", cmdGetrange)
	t.add(rc, "setrange", cmdSetrange)
	t.add(rc, "incr", func(c *Client) { incrBy(c, 1) })
	t.add(rc, "decr", func(c *Client) { incrBy(c, -1) })
	t.add(rc, "incrby", cmdIncrby)
	t.add(rc, "decrby", cmdDecrby)
	t.add(rc, "incrbyfloat", cmdIncrbyfloat)
	t.add(rc, "lcs", cmdLcs).consistent = true
}

// parseLL parses a decimal int64 exactly as Redis's string2ll: no spaces,
// no '+', no leading zeros.
func parseLL(p []byte) (int64, bool) {
	n := len(p)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && p[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if p[0] == '-' {
		neg = true
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if p[i] < '1' || p[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		ch := p[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(ch-'0') {
			return 0, false
		}
		v += uint64(ch - '0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// argInt parses args[i] as an integer or replies Redis's error.
func (c *Client) argInt(i int) (int64, bool) {
	v, ok := parseLL(c.args[i])
	if !ok {
		c.errReply(errNotInt)
	}
	return v, ok
}

// strEncoding is what OBJECT ENCODING answers for a string.
func strEncoding(m *store.Meta) string {
	switch m.Enc {
	case store.StrEncRaw:
		return "raw"
	case strEncEmbstr:
	default:
		if _, ok := parseLL(m.Value); ok {
			return "int"
		}
	}
	if len(m.Value) <= 44 {
		return "embstr"
	}
	return "raw"
}

// lookupString finds key as a string; on WRONGTYPE or an error it replies
// and returns ok false.
func (c *Client) lookupString(key []byte) (m store.Meta, found bool, ok bool) {
	m, found, err := c.tx.LookupType(c.db, key, store.TypeString)
	if err != nil {
		c.fail(err)
		return m, false, false
	}
	return m, found, true
}

// putString stores value at key; old is the current record (nil if absent).
func (c *Client) putString(key []byte, old *store.Meta, found bool, value []byte, enc uint8, expireAt int64) bool {
	nm := store.Meta{Type: store.TypeString, Enc: enc, ExpireAt: expireAt, Value: value}
	var op *store.Meta
	if found {
		op = old
	}
	if err := c.tx.Put(c.db, key, op, &nm); err != nil {
		c.fail(err)
		return false
	}
	return true
}

func cmdGet(c *Client) {
	m, found, ok := c.lookupString(c.args[1])
	c.keymiss(c.args[1], found || !ok)
	if ok {
		c.bulkOrNull(m.Value, found)
	}
}

// SET option flags, as in t_string.c.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT
)

const setExpireFlags = setEX | setPX | setEXAT | setPXAT

func expireFlag(opt string) int {
	switch opt {
	case "EX":
		return setEX
	case "PX":
		return setPX
	case "EXAT":
		return setEXAT
	}
	return setPXAT
}

// parseSetArgs parses SET/GETEX options from args[from:], as
// parseExtendedStringArgumentsOrReply.
func parseSetArgs(c *Client, from int, isSet bool) (flags int, expire []byte, ok bool) {
	for j := from; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		hasNext := j < len(c.args)-1
		switch {
		case opt == "NX" && flags&setXX == 0 && isSet:
			flags |= setNX
		case opt == "XX" && flags&setNX == 0 && isSet:
			flags |= setXX
		case opt == "GET" && isSet:
			flags |= setGet
		case opt == "KEEPTTL" && flags&(setPersist|setExpireFlags) == 0 && isSet:
			flags |= setKeepTTL
		case opt == "PERSIST" && !isSet && flags&(setExpireFlags|setKeepTTL) == 0:
			flags |= setPersist
		case (opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") && hasNext &&
			flags&(setKeepTTL|setPersist|setExpireFlags&^expireFlag(opt)) == 0:
			// The same option may repeat (the last value wins); two
			// different ones may not.
			flags |= expireFlag(opt)
			expire = c.args[j+1]
			j++
		default:
			c.errReply(errSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireMillis turns an expire argument into an absolute unix time in ms, as
// getExpireMillisecondsOrReply.
func expireMillis(c *Client, arg []byte, flags int, seconds bool) (int64, bool) {
	v, ok := parseLL(arg)
	if !ok {
		c.errReply(errNotInt)
		return 0, false
	}
	bad := func() (int64, bool) {
		c.errReply(fmt.Sprintf(errInvalidExpire, c.cmd.name))
		return 0, false
	}
	if v <= 0 || (seconds && v > math.MaxInt64/1000) {
		return bad()
	}
	if seconds {
		v *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		now := c.tx.Now()
		if v > math.MaxInt64-now {
			return bad()
		}
		v += now
	}
	if v <= 0 {
		return bad()
	}
	return v, true
}

func cmdSet(c *Client) {
	flags, expire, ok := parseSetArgs(c, 3, true)
	if !ok {
		return
	}
	var at int64
	if expire != nil {
		if at, ok = expireMillis(c, expire, flags, flags&(setEX|setEXAT) != 0); !ok {
			return
		}
	}
	setGeneric(c, flags, c.args[1], c.args[2], at, "+OK\r\n", "")
}

// setGeneric is setGenericCommand: okReply/abortReply are raw replies ("" =
// the defaults +OK and null).
func setGeneric(c *Client, flags int, key, value []byte, at int64, okReply, abortReply string) {
	expireGiven := at != 0
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil {
		c.fail(err)
		return
	}
	if flags&setGet != 0 {
		c.keymiss(key, found)
		if found && m.Type != store.TypeString {
			c.errReply(errWrongType)
			return
		}
		c.bulkOrNull(m.Value, found)
	}
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		if flags&setGet == 0 {
			if abortReply != "" {
				c.out = append(c.out, abortReply...)
			} else {
				c.null()
			}
		}
		return
	}
	if flags&setKeepTTL != 0 && found {
		if at == 0 {
			at = m.ExpireAt
		}
	}
	if !c.putString(key, &m, found, bytes.Clone(value), store.StrEncAuto, at) {
		return
	}
	c.notify(pubsub.NotifyString, "set", key)
	if expireGiven {
		c.notify(pubsub.NotifyGeneric, "expire", key)
	}
	if flags&setGet == 0 {
		c.out = append(c.out, okReply...)
	}
}

func cmdSetnx(c *Client) {
	setGeneric(c, setNX, c.args[1], c.args[2], 0, ":1\r\n", ":0\r\n")
}

func setWithExpire(c *Client, millis bool) {
	flags := setEX
	if millis {
		flags = setPX
	}
	at, ok := expireMillis(c, c.args[2], flags, !millis)
	if !ok {
		return
	}
	setGeneric(c, 0, c.args[1], c.args[3], at, "+OK\r\n", "")
}

func cmdMget(c *Client) {
	c.arrayLen(len(c.args) - 1)
	for _, k := range c.args[1:] {
		m, found, err := c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		c.keymiss(k, found)
		c.bulkOrNull(m.Value, found && m.Type == store.TypeString)
	}
}

func cmdMset(c *Client, nx bool) {
	if len(c.args)%2 == 0 {
		c.errReply(fmt.Sprintf("ERR wrong number of arguments for '%s' command", c.cmd.name))
		return
	}
	if nx {
		for i := 1; i < len(c.args); i += 2 {
			_, found, err := c.tx.Lookup(c.db, c.args[i])
			if err != nil {
				c.fail(err)
				return
			}
			if found {
				c.integer(0)
				return
			}
		}
	}
	for i := 1; i < len(c.args); i += 2 {
		m, found, err := c.tx.Lookup(c.db, c.args[i])
		if err != nil {
			c.fail(err)
			return
		}
		if !c.putString(c.args[i], &m, found, bytes.Clone(c.args[i+1]), store.StrEncAuto, 0) {
			return
		}
		c.notify(pubsub.NotifyString, "set", c.args[i])
	}
	if nx {
		c.integer(1)
	} else {
		c.ok()
	}
}

func cmdGetset(c *Client) {
	setGeneric(c, setGet, c.args[1], c.args[2], 0, "", "")
}

func cmdGetdel(c *Client) {
	m, found, ok := c.lookupString(c.args[1])
	c.keymiss(c.args[1], found || !ok)
	if !ok {
		return
	}
	c.bulkOrNull(m.Value, found)
	if found {
		if _, err := c.tx.Del(c.db, c.args[1]); err != nil {
			c.out = c.out[:0]
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifyGeneric, "del", c.args[1])
	}
}

func cmdGetex(c *Client) {
	flags, expire, ok := parseSetArgs(c, 2, false)
	if !ok {
		return
	}
	m, found, ok := c.lookupString(c.args[1])
	c.keymiss(c.args[1], found || !ok)
	if !ok {
		return
	}
	if !found {
		c.null()
		return
	}
	var at int64
	if expire != nil {
		if at, ok = expireMillis(c, expire, flags, flags&(setEX|setEXAT) != 0); !ok {
			return
		}
	}
	c.bulk(m.Value)
	var err error
	event := ""
	switch {
	case flags&(setEXAT|setPXAT) != 0 && at <= c.tx.Now():
		_, err = c.tx.Del(c.db, c.args[1])
		event = "del"
	case expire != nil:
		err = c.tx.SetExpire(c.db, c.args[1], &m, at)
		event = "expire"
	case flags&setPersist != 0 && m.ExpireAt != 0:
		err = c.tx.SetExpire(c.db, c.args[1], &m, 0)
		event = "persist"
	}
	if err != nil {
		c.fail(err)
		return
	}
	if event != "" {
		c.notify(pubsub.NotifyGeneric, event, c.args[1])
	}
}

// checkStringLength refuses results above proto-max-bulk-len.
func (c *Client) checkStringLength(size, add int64) bool {
	total := size + add
	if total > c.s.cfg.Memory("proto-max-bulk-len") || total < size || total < add {
		c.errReply(errStringTooLong)
		return false
	}
	return true
}

func cmdAppend(c *Client) {
	m, found, ok := c.lookupString(c.args[1])
	if !ok {
		return
	}
	val := c.args[2]
	enc := store.StrEncAuto
	if found {
		if !c.checkStringLength(int64(len(m.Value)), int64(len(val))) {
			return
		}
		nv := make([]byte, 0, len(m.Value)+len(val))
		val = append(append(nv, m.Value...), val...)
		enc = store.StrEncRaw
	} else {
		val = bytes.Clone(val)
	}
	if c.putString(c.args[1], &m, found, val, enc, m.ExpireAt) {
		c.notify(pubsub.NotifyString, "append", c.args[1])
		c.integer(int64(len(val)))
	}
}

func cmdStrlen(c *Client) {
	m, found, ok := c.lookupString(c.args[1])
	c.keymiss(c.args[1], found || !ok)
	if ok {
		c.integer(int64(len(m.Value)))
	}
}

func cmdGetrange(c *Client) {
	start, ok := c.argInt(2)
	if !ok {
		return
	}
	end, ok := c.argInt(3)
	if !ok {
		return
	}
	m, found, ok := c.lookupString(c.args[1])
	c.keymiss(c.args[1], found || !ok)
	if !ok {
		return
	}
	if !found {
		c.bulk(nil)
		return
	}
	n := int64(len(m.Value))
	if start < 0 && end < 0 && start > end {
		c.bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.bulk(nil)
		return
	}
	c.bulk(m.Value[start : end+1])
}

func cmdSetrange(c *Client) {
	off, ok := c.argInt(2)
	if !ok {
		return
	}
	if off < 0 {
		c.errReply(errOffsetRange)
		return
	}
	val := c.args[3]
	m, found, ok := c.lookupString(c.args[1])
	if !ok {
		return
	}
	if !found {
		if len(val) == 0 {
			c.integer(0)
			return
		}
	} else if len(val) == 0 {
		c.integer(int64(len(m.Value)))
		return
	}
	if !c.checkStringLength(off, int64(len(val))) {
		return
	}
	size := max(int64(len(m.Value)), off+int64(len(val)))
	nv := make([]byte, size)
	copy(nv, m.Value)
	copy(nv[off:], val)
	if c.putString(c.args[1], &m, found, nv, store.StrEncRaw, m.ExpireAt) {
		c.notify(pubsub.NotifyString, "setrange", c.args[1])
		c.integer(size)
	}
}

func cmdIncrby(c *Client) {
	if n, ok := c.argInt(2); ok {
		incrBy(c, n)
	}
}

func cmdDecrby(c *Client) {
	n, ok := c.argInt(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.errReply("ERR decrement would overflow")
		return
	}
	incrBy(c, -n)
}

func incrBy(c *Client, incr int64) {
	m, found, ok := c.lookupString(c.args[1])
	if !ok {
		return
	}
	var v int64
	if found {
		if v, ok = parseLL(m.Value); !ok {
			c.errReply(errNotInt)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.errReply(errOverflow)
		return
	}
	v += incr
	if c.putString(c.args[1], &m, found, strconv.AppendInt(nil, v, 10), store.StrEncAuto, m.ExpireAt) {
		c.notify(pubsub.NotifyString, "incrby", c.args[1])
		c.integer(v)
	}
}

// cmdIncrbyfloat computes in x87 long double precision, as Redis does, so
// the stored text is the same bytes the master stores.
func cmdIncrbyfloat(c *Client) {
	m, found, ok := c.lookupString(c.args[1])
	if !ok {
		return
	}
	v := resp.LongDoubleFromInt(0)
	if found {
		if v, ok = resp.ParseLongDouble(m.Value); !ok {
			c.errReply(errNotFloat)
			return
		}
	}
	incr, ok := resp.ParseLongDouble(c.args[2])
	if !ok {
		c.errReply(errNotFloat)
		return
	}
	sum, ok := v.Add(incr)
	if !ok {
		c.errReply("ERR increment would produce NaN or Infinity")
		return
	}
	nv := []byte(sum.Format(true))
	if c.putString(c.args[1], &m, found, nv, strEncEmbstr, m.ExpireAt) {
		c.notify(pubsub.NotifyString, "incrbyfloat", c.args[1])
		c.bulk(nv)
	}
}

func cmdLcs(c *Client) {
	ma, fa, err := c.tx.Lookup(c.db, c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	c.keymiss(c.args[1], fa)
	mb, fb, err := c.tx.Lookup(c.db, c.args[2])
	if err != nil {
		c.fail(err)
		return
	}
	c.keymiss(c.args[2], fb)
	if (fa && ma.Type != store.TypeString) || (fb && mb.Type != store.TypeString) {
		c.errReply("ERR The specified keys must contain string values")
		return
	}
	a, b := ma.Value, mb.Value
	var getIdx, getLen, withLen bool
	var minLen int64
	for j := 3; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		more := len(c.args) - 1 - j
		switch {
		case opt == "IDX":
			getIdx = true
		case opt == "LEN":
			getLen = true
		case opt == "WITHMATCHLEN":
			withLen = true
		case opt == "MINMATCHLEN" && more > 0:
			v, ok := c.argInt(j + 1)
			if !ok {
				return
			}
			minLen = max(v, 0)
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.errReply("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	cells := int64(alen+1) * int64(blen+1)
	if cells*4 > c.s.cfg.Memory("proto-max-bulk-len") {
		c.errReply("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	dp := make([]uint32, cells)
	at := func(i, j int) *uint32 { return &dp[j+i*(blen+1)] }
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				*at(i, j) = *at(i-1, j-1) + 1
			} else {
				*at(i, j) = max(*at(i-1, j), *at(i, j-1))
			}
		}
	}
	total := *at(alen, blen)
	idx := int(total)
	var result []byte
	if !getLen && !getIdx {
		result = make([]byte, idx)
	}
	// Ranges are emitted into a separate buffer: the count comes first.
	var ranges []byte
	nranges := 0
	i, j := alen, blen
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			if result != nil {
				result[idx-1] = a[i-1]
			}
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if *at(i-1, j) > *at(i, j-1) {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		matchLen := int64(aEnd - aStart + 1)
		if emit {
			if getIdx && (minLen == 0 || matchLen >= minLen) {
				n := 2
				if withLen {
					n = 3
				}
				ranges = resp.AppendArrayLen(ranges, n)
				ranges = resp.AppendArrayLen(ranges, 2)
				ranges = resp.AppendInt(ranges, int64(aStart))
				ranges = resp.AppendInt(ranges, int64(aEnd))
				ranges = resp.AppendArrayLen(ranges, 2)
				ranges = resp.AppendInt(ranges, int64(bStart))
				ranges = resp.AppendInt(ranges, int64(bEnd))
				if withLen {
					ranges = resp.AppendInt(ranges, matchLen)
				}
				nranges++
			}
			aStart = alen
		}
	}
	switch {
	case getIdx:
		c.mapLen(2)
		c.bulkString("matches")
		c.arrayLen(nranges)
		c.out = append(c.out, ranges...)
		c.bulkString("len")
		c.integer(int64(total))
	case getLen:
		c.integer(int64(total))
	default:
		c.bulk(result)
	}
}
