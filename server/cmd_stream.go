package server

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Stream commands, as t_stream.c of Redis 7.0.

const (
	errInvalidStreamID = "ERR Invalid stream ID specified as stream command argument"
	errStreamNoKey     = "ERR no such key"
)

func (s *Server) registerStreams() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "xadd", cmdXadd)
	t.add(rc, "xlen", cmdXlen)
	t.add(rc, "xrange", func(c *Client) { xrangeGeneric(c, false) }).consistent = true
	t.add(rc, "xrevrange", func(c *Client) { xrangeGeneric(c, true) }).consistent = true
	t.add(rc, "xdel", cmdXdel)
	t.add(rc, "xtrim", cmdXtrim)
	t.add(rc, "xread", cmdXread)
	t.add(rc, "xreadgroup", cmdXread)
	t.add(rc, "xgroup|create", cmdXgroup)
	t.add(rc, "xgroup|setid", cmdXgroup)
	t.add(rc, "xgroup|destroy", cmdXgroup)
	t.add(rc, "xgroup|createconsumer", cmdXgroup)
	t.add(rc, "xgroup|delconsumer", cmdXgroup)
	t.add(rc, "xgroup|help", func(c *Client) {
		c.help([]string{
			"CREATE <key> <groupname> <id|$> [option]",
			"    Create a new consumer group. Options are:",
			"    * MKSTREAM",
			"      Create the empty stream if it does not exist.",
			"    * ENTRIESREAD entries_read",
			"      Set the group's entries_read counter (internal use).",
			"CREATECONSUMER <key> <groupname> <consumer>",
			"    Create a new consumer in the specified group.",
			"DELCONSUMER <key> <groupname> <consumer>",
			"    Remove the specified consumer.",
			"DESTROY <key> <groupname>",
			"    Remove the specified group.",
			"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
			"    Set the current group ID and entries_read counter.",
		})
	})
	t.add(rc, "xsetid", cmdXsetid)
	t.add(rc, "xack", cmdXack)
	t.add(rc, "xpending", cmdXpending).consistent = true
	t.add(rc, "xclaim", cmdXclaim)
	t.add(rc, "xautoclaim", cmdXautoclaim)
	t.add(rc, "xinfo|stream", cmdXinfo).consistent = true
	t.add(rc, "xinfo|groups", cmdXinfo).consistent = true
	t.add(rc, "xinfo|consumers", cmdXinfo).consistent = true
	t.add(rc, "xinfo|help", func(c *Client) {
		c.help([]string{
			"CONSUMERS <key> <groupname>",
			"    Show consumers of <groupname>.",
			"GROUPS <key>",
			"    Show the stream consumer groups.",
			"STREAM <key> [FULL [COUNT <count>]",
			"    Show information about the stream.",
		})
	})
	encoders[store.TypeStream] = func(*store.Tx, int, *store.Meta) string { return "stream" }
	digesters[store.TypeStream] = digestStream
}

// help is addReplyHelp.
func (c *Client) help(lines []string) {
	c.arrayLen(len(lines) + 3)
	c.simple(strings.ToUpper(string(c.args[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.simple(l)
	}
	c.simple("HELP")
	c.simple("    Prints this help.")
}

// subcommandSyntaxError is addReplySubcommandSyntaxError.
func (c *Client) subcommandSyntaxError() {
	c.errReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
		sanitize(cString(c.args[1])), strings.ToUpper(string(c.args[0]))))
}

// cString is what C code sees of an argument: the bytes before any NUL.
func cString(a []byte) string {
	if i := bytes.IndexByte(a, 0); i >= 0 {
		a = a[:i]
	}
	return string(a)
}

func eqFold(a []byte, s string) bool { return strings.EqualFold(cString(a), s) }

func digestStream(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
	st, ok, err := tx.OpenStream(db, key)
	if err != nil || !ok {
		return err
	}
	return st.Range(store.StreamID{}, store.MaxStreamID, false, func(e store.StreamEntry) bool {
		mixDigest(d, []byte(strconv.FormatUint(e.ID.Ms, 10)+"."+strconv.FormatUint(e.ID.Seq, 10)))
		for _, x := range e.FV {
			mixDigest(d, x)
		}
		return true
	})
}

// --- ids -------------------------------------------------------------------

// string2ull is util.c's string2ull: string2ll, else strtoull.
func string2ull(s string) (uint64, bool) {
	if v, ok := parseLL([]byte(s)); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	if s == "" {
		return 0, false
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if i == start || i != len(s) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseStreamID is streamGenericParseIDOrReply without the reply. With
// strict, "-" and "+" are invalid; with allowSeqStar, "ms-*" is accepted and
// seqGiven reports whether the sequence was given.
func parseStreamID(a []byte, missingSeq uint64, strict, allowSeqStar bool) (id store.StreamID, seqGiven bool, ok bool) {
	if len(a) > 127 {
		return id, false, false
	}
	s := cString(a)
	if strict && (s == "-" || s == "+") {
		return id, false, false
	}
	seqGiven = true
	switch s {
	case "-":
		return store.StreamID{}, true, true
	case "+":
		return store.MaxStreamID, true, true
	}
	msPart, seqPart, hasDash := strings.Cut(s, "-")
	ms, ok := string2ull(msPart)
	if !ok {
		return id, false, false
	}
	seq := missingSeq
	if hasDash {
		if allowSeqStar && seqPart == "*" {
			seq, seqGiven = 0, false
		} else if seq, ok = string2ull(seqPart); !ok {
			return id, false, false
		}
	}
	return store.StreamID{Ms: ms, Seq: seq}, seqGiven, true
}

// streamIDArg parses a strict id, replying the error on failure.
func (c *Client) streamIDArg(a []byte, strict bool) (store.StreamID, bool) {
	id, _, ok := parseStreamID(a, 0, strict, false)
	if !ok {
		c.errReply(errInvalidStreamID)
	}
	return id, ok
}

// intervalID is streamParseIntervalIDOrReply followed by the exclusive
// increment/decrement of its callers.
func (c *Client) intervalID(a []byte, missingSeq uint64, isEnd bool) (store.StreamID, bool) {
	exclude := len(a) > 1 && a[0] == '('
	var id store.StreamID
	var ok bool
	if exclude {
		id, _, ok = parseStreamID(a[1:], missingSeq, true, false)
	} else {
		id, _, ok = parseStreamID(a, missingSeq, false, false)
	}
	if !ok {
		c.errReply(errInvalidStreamID)
		return id, false
	}
	if exclude {
		if isEnd {
			if id, ok = id.Decr(); !ok {
				c.errReply("ERR invalid end ID for the interval")
			}
		} else if id, ok = id.Incr(); !ok {
			c.errReply("ERR invalid start ID for the interval")
		}
	}
	return id, ok
}

func (c *Client) streamID(id store.StreamID) {
	var b [41]byte
	x := strconv.AppendUint(b[:0], id.Ms, 10)
	x = append(x, '-')
	x = strconv.AppendUint(x, id.Seq, 10)
	c.bulk(x)
}

func (c *Client) streamEntry(e store.StreamEntry) {
	c.arrayLen(2)
	c.streamID(e.ID)
	c.arrayLen(len(e.FV))
	for _, x := range e.FV {
		c.bulk(x)
	}
}

func (c *Client) streamLimits() store.StreamLimits {
	return store.StreamLimits{MaxEntries: c.s.cfg.Int64("stream-node-max-entries"), MaxBytes: c.s.cfg.Memory("stream-node-max-bytes")}
}

// openStream opens key's stream, replying WRONGTYPE or the store error; ok
// false means a reply was written.
func (c *Client) openStream(key []byte) (*store.Stream, bool, bool) {
	st, found, err := c.tx.OpenStream(c.db, key)
	if err != nil {
		c.fail(err)
		return nil, false, false
	}
	return st, found, true
}

// streamErr writes err (after discarding a partial reply from mark).
func (c *Client) streamErr(mark int, err error) {
	c.out = c.out[:mark]
	c.fail(err)
}

// --- XADD / XTRIM ----------------------------------------------------------

type addTrimArgs struct {
	id         store.StreamID
	idGiven    bool
	seqGiven   bool
	noMkstream bool
	trim       store.TrimArgs
}

// parseAddTrim is streamParseAddOrTrimArgsOrReply; it returns the position
// of the id (XADD) or -1 after replying an error.
func parseAddTrim(c *Client, xadd bool) (addTrimArgs, int) {
	var a addTrimArgs
	limitGiven := false
	argc := len(c.args)
	i := 2
	for ; i < argc; i++ {
		more := argc - 1 - i
		opt := c.args[i]
		switch {
		case xadd && cString(opt) == "*":
			return a.finish(c, xadd, limitGiven, i)
		case eqFold(opt, "maxlen") && more > 0, eqFold(opt, "minid") && more > 0:
			if a.trim.Strategy != store.TrimNone {
				c.errReply("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return a, -1
			}
			a.trim.Approx = false
			next := cString(c.args[i+1])
			if more >= 2 && next == "~" {
				a.trim.Approx = true
				i++
			} else if more >= 2 && next == "=" {
				i++
			}
			if eqFold(opt, "maxlen") {
				n, ok := parseLL(c.args[i+1])
				if !ok {
					c.errReply(errNotInt)
					return a, -1
				}
				if n < 0 {
					c.errReply("ERR The MAXLEN argument must be >= 0.")
					return a, -1
				}
				a.trim.MaxLen = n
				a.trim.Strategy = store.TrimMaxLen
			} else {
				id, ok := c.streamIDArg(c.args[i+1], true)
				if !ok {
					return a, -1
				}
				a.trim.MinID = id
				a.trim.Strategy = store.TrimMinID
			}
			i++
		case eqFold(opt, "limit") && more > 0:
			n, ok := parseLL(c.args[i+1])
			if !ok {
				c.errReply(errNotInt)
				return a, -1
			}
			if n < 0 {
				c.errReply("ERR The LIMIT argument must be >= 0.")
				return a, -1
			}
			a.trim.Limit = n
			limitGiven = true
			i++
		case xadd && eqFold(opt, "nomkstream"):
			a.noMkstream = true
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, 0, true, true)
			if !ok {
				c.errReply(errInvalidStreamID)
				return a, -1
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
			return a.finish(c, xadd, limitGiven, i)
		default:
			c.errReply(errSyntax)
			return a, -1
		}
	}
	return a.finish(c, xadd, limitGiven, i)
}

func (a *addTrimArgs) finish(c *Client, xadd, limitGiven bool, i int) (addTrimArgs, int) {
	if a.trim.Limit != 0 && a.trim.Strategy == store.TrimNone {
		c.errReply("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return *a, -1
	}
	if !xadd && a.trim.Strategy == store.TrimNone {
		c.errReply("ERR syntax error, XTRIM must be called with a trimming strategy")
		return *a, -1
	}
	if c.fromMaster {
		a.trim.Limit = 0
	} else if limitGiven {
		if !a.trim.Approx {
			c.errReply("ERR syntax error, LIMIT cannot be used without the special ~ option")
			return *a, -1
		}
	} else if a.trim.Approx {
		l := 100 * c.s.cfg.Int64("stream-node-max-entries")
		if l <= 0 {
			l = 10000
		}
		if l > 1000000 {
			l = 1000000
		}
		a.trim.Limit = l
	} else {
		a.trim.Limit = 0
	}
	return *a, i
}

func cmdXadd(c *Client) {
	a, idpos := parseAddTrim(c, true)
	if idpos < 0 {
		return
	}
	fieldPos := idpos + 1
	nfv := len(c.args) - fieldPos
	if nfv < 2 || nfv%2 == 1 {
		c.errReply("ERR wrong number of arguments for 'xadd' command")
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.errReply("ERR The ID specified in XADD must be greater than 0-0")
		return
	}
	key := c.args[1]
	st, found, ok := c.openStream(key)
	if !ok {
		return
	}
	if !found {
		if a.noMkstream {
			c.null()
			return
		}
		var err error
		if st, err = c.tx.CreateStream(c.db, key); err != nil {
			c.fail(err)
			return
		}
	}
	if st.Last == store.MaxStreamID {
		c.errReply("ERR The stream has exhausted the last possible ID, unable to add more items")
		return
	}
	var id store.StreamID
	switch {
	case !a.idGiven:
		ms := uint64(c.tx.Now())
		if ms > st.Last.Ms {
			id = store.StreamID{Ms: ms}
		} else {
			id, _ = st.Last.Incr()
		}
	case !a.seqGiven:
		if st.Last.Ms == a.id.Ms {
			if st.Last.Seq == math.MaxUint64 {
				c.errReply(store.ErrStreamIDTooSmall.Error())
				return
			}
			id, _ = st.Last.Incr()
		} else {
			id = a.id
		}
	default:
		id = a.id
	}
	fv := make([][]byte, nfv)
	for i := range fv {
		fv[i] = bytes.Clone(c.args[fieldPos+i])
	}
	if err := st.Append(id, fv, c.streamLimits()); err != nil {
		c.fail(err)
		return
	}
	mark := len(c.out)
	c.streamID(id)
	c.notify(pubsub.NotifyStream, "xadd", key)
	if a.trim.Strategy != store.TrimNone {
		n, err := st.Trim(a.trim)
		if err != nil {
			c.streamErr(mark, err)
			return
		}
		if n > 0 {
			c.notify(pubsub.NotifyStream, "xtrim", key)
		}
	}
	if err := st.Save(); err != nil {
		c.streamErr(mark, err)
	}
}

func cmdXtrim(c *Client) {
	a, i := parseAddTrim(c, false)
	if i < 0 {
		return
	}
	st, found, ok := c.openStream(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	n, err := st.Trim(a.trim)
	if err == nil && n > 0 {
		c.notify(pubsub.NotifyStream, "xtrim", c.args[1])
		err = st.Save()
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.integer(n)
}

// --- XLEN / XRANGE / XDEL --------------------------------------------------

func cmdXlen(c *Client) {
	st, found, ok := c.openStream(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	c.integer(int64(st.Len()))
}

func xrangeGeneric(c *Client, rev bool) {
	startArg, endArg := c.args[2], c.args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.intervalID(startArg, 0, false)
	if !ok {
		return
	}
	end, ok := c.intervalID(endArg, math.MaxUint64, true)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.args); j++ {
		if eqFold(c.args[j], "COUNT") && j+1 < len(c.args) {
			n, ok := parseLL(c.args[j+1])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if n < 0 {
				n = 0
			}
			count = n
			j++
		} else {
			c.errReply(errSyntax)
			return
		}
	}
	st, found, ok := c.openStream(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.arrayLen(0)
		return
	}
	if count == 0 {
		c.nullArray()
		return
	}
	var es []store.StreamEntry
	err := st.Range(start, end, rev, func(e store.StreamEntry) bool {
		es = append(es, e)
		return count < 0 || int64(len(es)) < count
	})
	if err != nil {
		c.fail(err)
		return
	}
	c.arrayLen(len(es))
	for _, e := range es {
		c.streamEntry(e)
	}
}

func cmdXdel(c *Client) {
	st, found, ok := c.openStream(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.integer(0)
		return
	}
	ids := make([]store.StreamID, 0, len(c.args)-2)
	for _, a := range c.args[2:] {
		id, ok := c.streamIDArg(a, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted := 0
	firstEntry := false
	for _, id := range ids {
		ok, err := st.Delete(id)
		if err != nil {
			c.fail(err)
			return
		}
		if ok {
			if id == st.First {
				firstEntry = true
			}
			if id.Cmp(st.MaxDeleted) > 0 {
				st.MaxDeleted = id
			}
			deleted++
		}
	}
	if deleted > 0 {
		if st.Len() == 0 {
			st.First = store.StreamID{}
		} else if firstEntry {
			f, _, err := st.FirstValid()
			if err != nil {
				c.fail(err)
				return
			}
			st.First = f
		}
		if err := st.Save(); err != nil {
			c.fail(err)
			return
		}
		c.notify(pubsub.NotifyStream, "xdel", c.args[1])
	}
	c.integer(int64(deleted))
}

// --- XREAD / XREADGROUP ----------------------------------------------------

// parseBlockMs is getTimeoutFromObjectOrReply with UNIT_MILLISECONDS.
func (c *Client) parseBlockMs(a []byte) (time.Duration, bool) {
	n, ok := parseLL(a)
	if !ok {
		c.errReply("ERR timeout is not an integer or out of range")
		return 0, false
	}
	if n < 0 {
		c.errReply("ERR timeout is negative")
		return 0, false
	}
	if n > 0 && n > math.MaxInt64-time.Now().UnixMilli() {
		c.errReply("ERR timeout is out of range")
		return 0, false
	}
	return time.Duration(n) * time.Millisecond, true
}

// xreadBlockedDefaultCount is the COUNT of a blocked XREAD served after
// new entries arrived (XREAD_BLOCKED_DEFAULT_COUNT in Redis 7.0).
const xreadBlockedDefaultCount = 1000

func cmdXread(c *Client) {
	xreadgroup := len(c.args[0]) == 10
	// retry: this run follows a block (the client was woken up).
	retry := c.blk != nil
	block := time.Duration(-1)
	var count int64
	streamsArg, nstreams := 0, 0
	noack := false
	var groupName, consumerName []byte
	argc := len(c.args)
	for i := 1; i < argc; i++ {
		more := argc - i - 1
		o := c.args[i]
		switch {
		case eqFold(o, "BLOCK") && more > 0:
			i++
			d, ok := c.parseBlockMs(c.args[i])
			if !ok {
				return
			}
			block = d
		case eqFold(o, "COUNT") && more > 0:
			i++
			n, ok := parseLL(c.args[i])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if n < 0 {
				n = 0
			}
			count = n
		case eqFold(o, "STREAMS") && more > 0:
			streamsArg = i + 1
			nstreams = argc - streamsArg
			if nstreams%2 != 0 {
				// Redis 7.0 names XREAD and '$' for XREADGROUP too.
				c.errReply("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return
			}
			nstreams /= 2
			i = argc
		case eqFold(o, "GROUP") && more >= 2:
			if !xreadgroup {
				c.errReply("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			groupName, consumerName = c.args[i+1], c.args[i+2]
			i += 2
		case eqFold(o, "NOACK"):
			if !xreadgroup {
				c.errReply("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			noack = true
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if streamsArg == 0 {
		c.errReply(errSyntax)
		return
	}
	if xreadgroup && groupName == nil {
		c.errReply("ERR Missing GROUP option for XREADGROUP")
		return
	}
	type target struct {
		key   []byte
		st    *store.Stream
		group *store.StreamGroup
		gt    store.StreamID
	}
	ts := make([]target, nstreams)
	// A key named twice shares its stream and group, as in Redis.
	type opened struct {
		st    *store.Stream
		found bool
		group *store.StreamGroup
	}
	seen := map[string]*opened{}
	for i := streamsArg + nstreams; i < argc; i++ {
		idx := i - streamsArg - nstreams
		key := c.args[i-nstreams]
		op := seen[string(key)]
		if op == nil {
			st, found, err := c.tx.OpenStream(c.db, key)
			if err == store.ErrWrongType && retry {
				// The key changed type while we were blocked: XREAD keeps
				// waiting, XREADGROUP is unblocked with an error (as
				// Redis's blocked.c).
				err = nil
			}
			if err != nil {
				c.fail(err)
				return
			}
			op = &opened{st: st, found: found}
			seen[string(key)] = op
		}
		st, found := op.st, op.found
		if retry && xreadgroup && !found {
			c.errReply("UNBLOCKED the stream key no longer exists")
			return
		}
		ts[idx].key = key
		if found {
			ts[idx].st = st
		}
		if groupName != nil {
			g := op.group
			gok := g != nil
			if found && g == nil {
				var err error
				if g, gok, err = st.Group(groupName); err != nil {
					c.fail(err)
					return
				}
				op.group = g
			}
			if !gok && retry {
				c.errReply("NOGROUP the consumer group this client was blocked on no longer exists")
				return
			}
			if !gok {
				c.errReply(fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option",
					sanitize(cString(key)), sanitize(cString(groupName))))
				return
			}
			ts[idx].group = g
		}
		arg := cString(c.args[i])
		switch {
		case arg == "$" && len(c.args[i]) == 1:
			if xreadgroup {
				c.errReply("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if found {
				ts[idx].gt = st.Last
			}
			continue
		case arg == ">" && len(c.args[i]) == 1:
			if !xreadgroup {
				c.errReply("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			ts[idx].gt = store.MaxStreamID
			continue
		}
		id, ok := c.streamIDArg(c.args[i], true)
		if !ok {
			return
		}
		ts[idx].gt = id
	}

	mark := len(c.out)
	served := 0
	now := c.tx.Now()
	if retry && count == 0 {
		count = xreadBlockedDefaultCount
	}
	for i := range ts {
		t := &ts[i]
		st := t.st
		if st == nil {
			continue
		}
		if retry && served > 0 {
			// A woken client gets the one stream that became ready.
			break
		}
		serve, history := false, false
		var consumer *store.StreamConsumer
		if t.group != nil {
			if t.gt != store.MaxStreamID {
				serve, history = true, true
			} else if st.Len() > 0 {
				maxid, _, err := st.LastValid()
				if err != nil {
					c.streamErr(mark, err)
					return
				}
				if maxid.Cmp(t.group.Last) > 0 {
					serve = true
					t.gt = t.group.Last
				}
			}
		} else if st.Len() > 0 {
			maxid, _, err := st.LastValid()
			if err != nil {
				c.streamErr(mark, err)
				return
			}
			serve = maxid.Cmp(t.gt) > 0
		}
		if !serve {
			continue
		}
		created := false
		if t.group != nil {
			c.propOwn()
			cons, ok, err := st.Consumer(groupName, consumerName)
			if err != nil {
				c.streamErr(mark, err)
				return
			}
			if !ok {
				created = true
				cons = &store.StreamConsumer{Name: bytes.Clone(consumerName)}
				c.notify(pubsub.NotifyStream, "xgroup-createconsumer", t.key)
			}
			cons.SeenTime = now
			if err := st.PutConsumer(groupName, cons); err != nil {
				c.streamErr(mark, err)
				return
			}
			consumer = cons
		}
		served++
		start, _ := t.gt.Incr()
		if c.proto == resp.RESP2 {
			c.arrayLen(2)
		}
		c.bulk(t.key)
		var err error
		if history {
			err = c.replyConsumerPEL(st, groupName, consumer, start, count, now)
		} else {
			var before store.StreamID
			if t.group != nil {
				before = t.group.Last
			}
			err = c.replyRangeGroup(st, t.key, t.group, groupName, consumer, start, count, noack, now)
			if err == nil && t.group != nil && noack && t.group.Last != before {
				// NOACK: no XCLAIM carries the consumer and the last id.
				if created {
					c.propAlso([]byte("XGROUP"), []byte("CREATECONSUMER"), t.key, groupName, consumerName)
				}
				c.propAlso([]byte("XGROUP"), []byte("SETID"), t.key, groupName, []byte(t.group.Last.String()),
					[]byte("ENTRIESREAD"), []byte(strconv.FormatInt(t.group.EntriesRead, 10)))
			}
		}
		if err != nil {
			c.streamErr(mark, err)
			return
		}
	}
	if served > 0 {
		body := bytes.Clone(c.out[mark:])
		c.out = c.out[:mark]
		if c.proto == resp.RESP2 {
			c.arrayLen(served)
		} else {
			c.mapLen(served)
		}
		c.out = append(c.out, body...)
		return
	}
	if block >= 0 {
		if !c.mayBlock() {
			c.nullArray()
			return
		}
		keys := make([][]byte, nstreams)
		for i := range ts {
			keys[i] = ts[i].key
			// '$' becomes the id it stood for, so a retry after new
			// entries arrive serves them.
			a := c.args[streamsArg+nstreams+i]
			if len(a) == 1 && a[0] == '$' {
				c.args[streamsArg+nstreams+i] = []byte(ts[i].gt.String())
			}
		}
		c.block(keys, block, func(c *Client) { c.nullArray() })
		return
	}
	c.nullArray()
}

// replyRangeGroup is streamReplyWithRange from start to the end of the
// stream, for XREAD (group nil) or XREADGROUP's new entries.
func (c *Client) replyRangeGroup(st *store.Stream, key []byte, g *store.StreamGroup, groupName []byte, consumer *store.StreamConsumer, start store.StreamID, count int64, noack bool, now int64) error {
	var es []store.StreamEntry
	err := st.Range(start, store.MaxStreamID, false, func(e store.StreamEntry) bool {
		es = append(es, e)
		return count == 0 || int64(len(es)) < count
	})
	if err != nil {
		return err
	}
	c.arrayLen(len(es))
	for _, e := range es {
		if g != nil && e.ID.Cmp(g.Last) > 0 {
			if g.EntriesRead != store.StreamInvalidEntriesRead && !st.RangeHasTombstones(e.ID, nil) {
				g.EntriesRead++
			} else if st.EntriesAdded > 0 {
				g.EntriesRead = st.EstimateDistance(e.ID)
			}
			g.Last = e.ID
		}
		c.streamEntry(e)
		if g != nil && !noack {
			n, ok, err := st.NACK(groupName, e.ID)
			if err != nil {
				return err
			}
			var prev []byte
			if ok {
				prev = n.Consumer
			}
			nn := &store.StreamNACK{ID: e.ID, Consumer: consumer.Name, DeliveryTime: now, DeliveryCount: 1}
			if err := st.PutNACK(groupName, nn, prev); err != nil {
				return err
			}
			c.propXclaim(key, groupName, nn, g.Last)
		}
	}
	if g != nil && len(es) > 0 {
		return st.PutGroup(g)
	}
	return nil
}

// replyConsumerPEL is streamReplyWithRangeFromConsumerPEL: the consumer's
// pending entries from start.
func (c *Client) replyConsumerPEL(st *store.Stream, groupName []byte, consumer *store.StreamConsumer, start store.StreamID, count int64, now int64) error {
	ids, err := st.ConsumerPEL(groupName, consumer.Name, start, store.MaxStreamID, int(count))
	if err != nil {
		return err
	}
	c.arrayLen(len(ids))
	for _, id := range ids {
		e, ok, err := st.Entry(id)
		if err != nil {
			return err
		}
		if !ok {
			c.arrayLen(2)
			c.streamID(id)
			c.nullArray()
			continue
		}
		c.streamEntry(e)
		n, ok, err := st.NACK(groupName, id)
		if err != nil {
			return err
		}
		if ok {
			n.DeliveryTime = now
			n.DeliveryCount++
			if err := st.PutNACK(groupName, n, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// --- XGROUP / XSETID -------------------------------------------------------

func cmdXgroup(c *Client) {
	opt := c.args[1]
	argc := len(c.args)
	mkstream := false
	entriesRead := int64(store.StreamInvalidEntriesRead)
	create, setid := eqFold(opt, "CREATE"), eqFold(opt, "SETID")
	for i := 5; i < argc; {
		switch {
		case create && eqFold(c.args[i], "MKSTREAM"):
			mkstream = true
			i++
		case (create || setid) && eqFold(c.args[i], "ENTRIESREAD") && i+1 < argc:
			n, ok := parseLL(c.args[i+1])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if n < 0 && n != store.StreamInvalidEntriesRead {
				c.errReply("ERR value for ENTRIESREAD must be positive or -1")
				return
			}
			entriesRead = n
			i += 2
		default:
			c.subcommandSyntaxError()
			return
		}
	}
	key, grp := c.args[2], c.args[3]
	st, found, ok := c.openStream(key)
	if !ok {
		return
	}
	var g *store.StreamGroup
	if !mkstream {
		if !found {
			c.errReply("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return
		}
		var gok bool
		var err error
		if g, gok, err = st.Group(grp); err != nil {
			c.fail(err)
			return
		}
		if !gok && !create && !eqFold(opt, "DESTROY") {
			c.errReply(fmt.Sprintf("NOGROUP No such consumer group '%s' for key name '%s'", sanitize(cString(grp)), sanitize(cString(key))))
			return
		}
		if !gok {
			g = nil
		}
	} else if found {
		var err error
		if g, _, err = st.Group(grp); err != nil {
			c.fail(err)
			return
		}
	}
	var err error
	switch {
	case create && argc >= 5 && argc <= 8:
		var id store.StreamID
		if cString(c.args[4]) == "$" {
			if found {
				id = st.Last
			}
		} else if id, ok = c.streamIDArg(c.args[4], true); !ok {
			return
		}
		if !found {
			if st, err = c.tx.CreateStream(c.db, key); err != nil {
				break
			}
		}
		if g != nil {
			if !found {
				err = st.Save()
			}
			if err == nil {
				c.errReply("BUSYGROUP Consumer Group name already exists")
			}
			break
		}
		if err = st.PutGroup(&store.StreamGroup{Name: bytes.Clone(grp), Last: id, EntriesRead: entriesRead}); err != nil {
			break
		}
		// Only a stream made by MKSTREAM is a modified key (as Redis's
		// signalModifiedKey): a new group alone leaves WATCH alone.
		if !found {
			err = st.Save()
		}
		if err == nil {
			c.ok()
			c.notify(pubsub.NotifyStream, "xgroup-create", key)
		}
	case setid && (argc == 5 || argc == 7):
		var id store.StreamID
		if cString(c.args[4]) == "$" {
			id = st.Last
		} else {
			var idok bool
			if id, _, idok = parseStreamID(c.args[4], 0, false, false); !idok {
				c.errReply(errInvalidStreamID)
				return
			}
		}
		g.Last = id
		g.EntriesRead = entriesRead
		if err = st.PutGroup(g); err == nil {
			c.ok()
			c.notify(pubsub.NotifyStream, "xgroup-setid", key)
		}
	case eqFold(opt, "DESTROY") && argc == 4:
		if g == nil {
			c.integer(0)
			break
		}
		// Rewriting the metadata wakes XREADGROUP clients blocked on the
		// group (Redis's signalKeyAsReady); it also counts for WATCH,
		// which Redis's DESTROY does not.
		if err = st.DelGroup(grp); err == nil {
			if err = st.Save(); err == nil {
				c.integer(1)
				c.notify(pubsub.NotifyStream, "xgroup-destroy", key)
			}
		}
	case eqFold(opt, "CREATECONSUMER") && argc == 5:
		_, exists, e := st.Consumer(grp, c.args[4])
		if err = e; err != nil {
			break
		}
		if exists {
			c.integer(0)
			break
		}
		if err = st.PutConsumer(grp, &store.StreamConsumer{Name: bytes.Clone(c.args[4]), SeenTime: c.tx.Now()}); err == nil {
			c.integer(1)
			c.notify(pubsub.NotifyStream, "xgroup-createconsumer", key)
		}
	case eqFold(opt, "DELCONSUMER") && argc == 5:
		_, exists, e := st.Consumer(grp, c.args[4])
		if err = e; err != nil {
			break
		}
		if !exists {
			c.integer(0)
			break
		}
		var pending int
		if pending, err = st.DelConsumer(grp, c.args[4]); err == nil {
			c.integer(int64(pending))
			c.notify(pubsub.NotifyStream, "xgroup-delconsumer", key)
		}
	default:
		c.subcommandSyntaxError()
	}
	if err != nil {
		c.fail(err)
	}
}

func cmdXsetid(c *Client) {
	id, ok := c.streamIDArg(c.args[2], true)
	if !ok {
		return
	}
	var maxDel store.StreamID
	entriesAdded := int64(-1)
	argc := len(c.args)
	for i := 3; i < argc; {
		more := argc - 1 - i
		switch {
		case eqFold(c.args[i], "ENTRIESADDED") && more > 0:
			n, ok := parseLL(c.args[i+1])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			if n < 0 {
				c.errReply("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
			i += 2
		case eqFold(c.args[i], "MAXDELETEDID") && more > 0:
			md, ok := c.streamIDArg(c.args[i+1], true)
			if !ok {
				return
			}
			if id.Cmp(md) < 0 {
				c.errReply("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDel = md
			i += 2
		default:
			c.errReply(errSyntax)
			return
		}
	}
	st, found, ok := c.openStream(c.args[1])
	if !ok {
		return
	}
	if !found {
		c.errReply(errStreamNoKey)
		return
	}
	// Redis 7.0 does not check id against the current max deleted id.
	if st.Len() > 0 {
		maxid, _, err := st.LastValid()
		if err != nil {
			c.fail(err)
			return
		}
		if id.Cmp(maxid) < 0 {
			c.errReply("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && st.Len() > uint64(entriesAdded) {
			c.errReply("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	st.Last = id
	if entriesAdded != -1 {
		st.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		st.MaxDeleted = maxDel
	}
	if err := st.Save(); err != nil {
		c.fail(err)
		return
	}
	c.ok()
	c.notify(pubsub.NotifyStream, "xsetid", c.args[1])
}

// --- XACK / XPENDING / XCLAIM / XAUTOCLAIM --------------------------------

// lookupGroup opens key and its group; g nil when either is missing.
func (c *Client) lookupGroup(key, group []byte) (*store.Stream, *store.StreamGroup, bool) {
	st, found, ok := c.openStream(key)
	if !ok {
		return nil, nil, false
	}
	if !found {
		return nil, nil, true
	}
	g, gok, err := st.Group(group)
	if err != nil {
		c.fail(err)
		return nil, nil, false
	}
	if !gok {
		return st, nil, true
	}
	return st, g, true
}

func (c *Client) noGroup() {
	c.errReply(fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s'", sanitize(cString(c.args[1])), sanitize(cString(c.args[2]))))
}

func cmdXack(c *Client) {
	st, g, ok := c.lookupGroup(c.args[1], c.args[2])
	if !ok {
		return
	}
	if g == nil {
		c.integer(0)
		return
	}
	ids := make([]store.StreamID, 0, len(c.args)-3)
	for _, a := range c.args[3:] {
		id, ok := c.streamIDArg(a, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	acked := 0
	for _, id := range ids {
		n, ok, err := st.NACK(g.Name, id)
		if err == nil && ok {
			err = st.DelNACK(g.Name, n)
			acked++
		}
		if err != nil {
			c.fail(err)
			return
		}
	}
	c.integer(int64(acked))
}

func cmdXpending(c *Client) {
	argc := len(c.args)
	justInfo := argc == 3
	if argc != 3 && (argc < 6 || argc > 9) {
		c.errReply(errSyntax)
		return
	}
	var start, end store.StreamID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		si := 3
		if eqFold(c.args[3], "IDLE") {
			n, ok := parseLL(c.args[4])
			if !ok {
				c.errReply(errNotInt)
				return
			}
			minIdle = n
			if argc < 8 {
				c.errReply(errSyntax)
				return
			}
			si += 2
		}
		n, ok := parseLL(c.args[si+2])
		if !ok {
			c.errReply(errNotInt)
			return
		}
		count = max(n, 0)
		if start, ok = c.intervalID(c.args[si], 0, false); !ok {
			return
		}
		if end, ok = c.intervalID(c.args[si+1], math.MaxUint64, true); !ok {
			return
		}
		if si+3 < argc {
			consumerName = c.args[si+3]
		}
	}
	st, g, ok := c.lookupGroup(c.args[1], c.args[2])
	if !ok {
		return
	}
	if g == nil {
		c.noGroup()
		return
	}
	if justInfo {
		all, err := st.PEL(g.Name, store.StreamID{}, store.MaxStreamID, 0)
		if err != nil {
			c.fail(err)
			return
		}
		c.arrayLen(4)
		c.integer(int64(len(all)))
		if len(all) == 0 {
			c.null()
			c.null()
			c.nullArray()
			return
		}
		c.streamID(all[0].ID)
		c.streamID(all[len(all)-1].ID)
		per := map[string]int{}
		for _, n := range all {
			per[string(n.Consumer)]++
		}
		cs, err := st.Consumers(g.Name)
		if err != nil {
			c.out = c.out[:0]
			c.fail(err)
			return
		}
		var names []string
		for _, cn := range cs {
			if per[string(cn.Name)] > 0 {
				names = append(names, string(cn.Name))
			}
		}
		c.arrayLen(len(names))
		for _, n := range names {
			c.arrayLen(2)
			c.bulkString(n)
			c.bulkString(strconv.Itoa(per[n]))
		}
		return
	}
	now := c.tx.Now()
	var nacks []*store.StreamNACK
	if consumerName != nil {
		_, exists, err := st.Consumer(g.Name, consumerName)
		if err != nil {
			c.fail(err)
			return
		}
		if !exists {
			c.arrayLen(0)
			return
		}
		ids, err := st.ConsumerPEL(g.Name, consumerName, start, end, 0)
		if err != nil {
			c.fail(err)
			return
		}
		for _, id := range ids {
			if int64(len(nacks)) >= count {
				break
			}
			n, ok, err := st.NACK(g.Name, id)
			if err != nil {
				c.fail(err)
				return
			}
			if ok && (minIdle == 0 || now-n.DeliveryTime >= minIdle) {
				nacks = append(nacks, n)
			}
		}
	} else if count > 0 {
		all, err := st.PEL(g.Name, start, end, 0)
		if err != nil {
			c.fail(err)
			return
		}
		for _, n := range all {
			if int64(len(nacks)) >= count {
				break
			}
			if minIdle == 0 || now-n.DeliveryTime >= minIdle {
				nacks = append(nacks, n)
			}
		}
	}
	c.arrayLen(len(nacks))
	for _, n := range nacks {
		c.arrayLen(4)
		c.streamID(n.ID)
		c.bulk(n.Consumer)
		c.integer(max(now-n.DeliveryTime, 0))
		c.integer(int64(n.DeliveryCount))
	}
}

// claimConsumer returns the consumer name of group, creating it (and
// notifying) on first use, with its seen time refreshed.
func (c *Client) claimConsumer(st *store.Stream, group, name []byte, now int64) error {
	cons, ok, err := st.Consumer(group, name)
	if err != nil {
		return err
	}
	if !ok {
		cons = &store.StreamConsumer{Name: bytes.Clone(name)}
		c.notify(pubsub.NotifyStream, "xgroup-createconsumer", c.args[1])
	}
	cons.SeenTime = now
	return st.PutConsumer(group, cons)
}

func cmdXclaim(c *Client) {
	st, g, ok := c.lookupGroup(c.args[1], c.args[2])
	if !ok {
		return
	}
	if g == nil {
		c.noGroup()
		return
	}
	minIdle, ok := parseLL(c.args[4])
	if !ok {
		c.errReply("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	argc := len(c.args)
	var ids []store.StreamID
	j := 5
	for ; j < argc; j++ {
		id, _, ok := parseStreamID(c.args[j], 0, true, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.tx.Now()
	retry := int64(-1)
	delivery := int64(-1)
	force, justID := false, false
	var lastID store.StreamID
	for ; j < argc; j++ {
		more := argc - 1 - j
		opt := c.args[j]
		switch {
		case eqFold(opt, "FORCE"):
			force = true
		case eqFold(opt, "JUSTID"):
			justID = true
		case eqFold(opt, "IDLE") && more > 0:
			j++
			n, ok := parseLL(c.args[j])
			if !ok {
				c.errReply("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			delivery = now - n
		case eqFold(opt, "TIME") && more > 0:
			j++
			n, ok := parseLL(c.args[j])
			if !ok {
				c.errReply("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			delivery = n
		case eqFold(opt, "RETRYCOUNT") && more > 0:
			j++
			n, ok := parseLL(c.args[j])
			if !ok {
				c.errReply("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retry = n
		case eqFold(opt, "LASTID") && more > 0:
			j++
			id, ok := c.streamIDArg(c.args[j], true)
			if !ok {
				return
			}
			lastID = id
		default:
			c.errReply(fmt.Sprintf("ERR Unrecognized XCLAIM option '%s'", sanitize(cString(opt))))
			return
		}
	}
	dirtyGroup := false
	if lastID.Cmp(g.Last) > 0 {
		g.Last = lastID
		dirtyGroup = true
	}
	if delivery != -1 {
		if delivery < 0 || delivery > now {
			delivery = now
		}
	} else {
		delivery = now
	}
	var err error
	fail := func(e error) { c.out = c.out[:0]; c.fail(e) }
	var out []store.StreamEntry
	consumerMade := false
	c.propOwn()
	for _, id := range ids {
		n, has, err := st.NACK(g.Name, id)
		if err != nil {
			fail(err)
			return
		}
		e, exists, err := st.Entry(id)
		if err != nil {
			fail(err)
			return
		}
		if !exists {
			if has {
				if err := st.DelNACK(g.Name, n); err != nil {
					fail(err)
					return
				}
				c.propXclaim(c.args[1], c.args[2], n, g.Last)
			}
			continue
		}
		var prev []byte
		if force && !has {
			// streamCreateNACK starts the count at 1; the claim adds one.
			n = &store.StreamNACK{ID: id, DeliveryCount: 1}
			has = true
		} else if has {
			prev = n.Consumer
		}
		if !has {
			continue
		}
		if prev != nil && minIdle > 0 && now-n.DeliveryTime < minIdle {
			continue
		}
		if !consumerMade {
			if err := c.claimConsumer(st, g.Name, c.args[3], now); err != nil {
				fail(err)
				return
			}
			consumerMade = true
		}
		n.Consumer = c.args[3]
		n.DeliveryTime = delivery
		if retry >= 0 {
			n.DeliveryCount = uint64(retry)
		} else if !justID {
			n.DeliveryCount++
		}
		if err := st.PutNACK(g.Name, n, prev); err != nil {
			fail(err)
			return
		}
		c.propXclaim(c.args[1], c.args[2], n, g.Last)
		out = append(out, e)
	}
	if dirtyGroup {
		if err = st.PutGroup(g); err != nil {
			fail(err)
			return
		}
	}
	c.arrayLen(len(out))
	for _, e := range out {
		if justID {
			c.streamID(e.ID)
		} else {
			c.streamEntry(e)
		}
	}
}

func cmdXautoclaim(c *Client) {
	minIdle, ok := parseLL(c.args[4])
	if !ok {
		c.errReply("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.intervalID(c.args[5], 0, false)
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	argc := len(c.args)
	for j := 6; j < argc; j++ {
		more := argc - 1 - j
		switch {
		case eqFold(c.args[j], "COUNT") && more > 0:
			n, ok := parseLL(c.args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.errReply("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case eqFold(c.args[j], "JUSTID"):
			justID = true
		default:
			c.errReply(errSyntax)
			return
		}
	}
	st, g, ok := c.lookupGroup(c.args[1], c.args[2])
	if !ok {
		return
	}
	if g == nil {
		c.noGroup()
		return
	}
	fail := func(e error) { c.out = c.out[:0]; c.fail(e) }
	now := c.tx.Now()
	attempts := count * 10
	var claimed []store.StreamEntry
	var deleted []store.StreamID
	next := store.StreamID{}
	cursor := start
	consumerMade := false
	c.propOwn()
	for {
		batch, err := st.PEL(g.Name, cursor, store.MaxStreamID, 64)
		if err != nil {
			fail(err)
			return
		}
		if len(batch) == 0 {
			break
		}
		stop := false
		for _, n := range batch {
			if attempts == 0 || count == 0 {
				next = n.ID
				stop = true
				break
			}
			attempts--
			e, exists, err := st.Entry(n.ID)
			if err != nil {
				fail(err)
				return
			}
			if !exists {
				if err := st.DelNACK(g.Name, n); err != nil {
					fail(err)
					return
				}
				c.propXclaim(c.args[1], c.args[2], n, g.Last)
				deleted = append(deleted, n.ID)
				count--
				continue
			}
			if minIdle > 0 && now-n.DeliveryTime < minIdle {
				continue
			}
			if !consumerMade {
				if err := c.claimConsumer(st, g.Name, c.args[3], now); err != nil {
					fail(err)
					return
				}
				consumerMade = true
			}
			prev := n.Consumer
			n.Consumer = c.args[3]
			n.DeliveryTime = now
			if !justID {
				n.DeliveryCount++
			}
			if err := st.PutNACK(g.Name, n, prev); err != nil {
				fail(err)
				return
			}
			c.propXclaim(c.args[1], c.args[2], n, g.Last)
			claimed = append(claimed, e)
			count--
		}
		if stop {
			break
		}
		last := batch[len(batch)-1].ID
		var more bool
		if cursor, more = last.Incr(); !more {
			break
		}
	}
	c.arrayLen(3)
	c.streamID(next)
	c.arrayLen(len(claimed))
	for _, e := range claimed {
		if justID {
			c.streamID(e.ID)
		} else {
			c.streamEntry(e)
		}
	}
	c.arrayLen(len(deleted))
	for _, id := range deleted {
		c.streamID(id)
	}
}

// --- XINFO -----------------------------------------------------------------

func cmdXinfo(c *Client) {
	st, found, ok := c.openStream(c.args[2])
	if !ok {
		return
	}
	if !found {
		c.errReply(errStreamNoKey)
		return
	}
	mark := len(c.out)
	var err error
	switch {
	case eqFold(c.args[1], "CONSUMERS"):
		err = c.xinfoConsumers(st)
	case eqFold(c.args[1], "GROUPS"):
		err = c.xinfoGroups(st)
	default:
		err = c.xinfoStream(st)
	}
	if err != nil {
		c.streamErr(mark, err)
	}
}

func (c *Client) xinfoConsumers(st *store.Stream) error {
	g, ok, err := st.Group(c.args[3])
	if err != nil {
		return err
	}
	if !ok {
		c.errReply(fmt.Sprintf("NOGROUP No such consumer group '%s' for key name '%s'", sanitize(cString(c.args[3])), sanitize(cString(c.args[2]))))
		return nil
	}
	cs, err := st.Consumers(g.Name)
	if err != nil {
		return err
	}
	now := c.tx.Now()
	c.arrayLen(len(cs))
	for _, cn := range cs {
		p, err := st.CountPending(g.Name, cn.Name)
		if err != nil {
			return err
		}
		c.mapLen(3)
		c.bulkString("name")
		c.bulk(cn.Name)
		c.bulkString("pending")
		c.integer(int64(p))
		c.bulkString("idle")
		c.integer(max(now-cn.SeenTime, 0))
	}
	return nil
}

func (c *Client) entriesRead(g *store.StreamGroup) {
	if g.EntriesRead != store.StreamInvalidEntriesRead {
		c.integer(g.EntriesRead)
	} else {
		c.null()
	}
}

func (c *Client) lag(st *store.Stream, g *store.StreamGroup) {
	if l, ok := st.Lag(g); ok {
		c.integer(l)
	} else {
		c.null()
	}
}

func (c *Client) xinfoGroups(st *store.Stream) error {
	gs, err := st.AllGroups()
	if err != nil {
		return err
	}
	c.arrayLen(len(gs))
	for _, g := range gs {
		nc, err := st.CountConsumers(g.Name)
		if err != nil {
			return err
		}
		np, err := st.CountPending(g.Name, nil)
		if err != nil {
			return err
		}
		c.mapLen(6)
		c.bulkString("name")
		c.bulk(g.Name)
		c.bulkString("consumers")
		c.integer(int64(nc))
		c.bulkString("pending")
		c.integer(int64(np))
		c.bulkString("last-delivered-id")
		c.streamID(g.Last)
		c.bulkString("entries-read")
		c.entriesRead(g)
		c.bulkString("lag")
		c.lag(st, g)
	}
	return nil
}

func (c *Client) xinfoStream(st *store.Stream) error {
	opts := c.args[3:]
	full := len(opts) > 0
	count := int64(10)
	if full {
		if len(opts) != 1 && len(opts) != 3 {
			c.subcommandSyntaxError()
			return nil
		}
		if !eqFold(opts[0], "full") {
			c.subcommandSyntaxError()
			return nil
		}
		if len(opts) == 3 {
			if !eqFold(opts[1], "count") {
				c.subcommandSyntaxError()
				return nil
			}
			n, ok := parseLL(opts[2])
			if !ok {
				c.errReply(errNotInt)
				return nil
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	keys, raxNodes, err := st.NodeCount()
	if err != nil {
		return err
	}
	if full {
		c.mapLen(9)
	} else {
		c.mapLen(10)
	}
	c.bulkString("length")
	c.integer(int64(st.Len()))
	c.bulkString("radix-tree-keys")
	c.integer(int64(keys))
	c.bulkString("radix-tree-nodes")
	c.integer(int64(raxNodes))
	c.bulkString("last-generated-id")
	c.streamID(st.Last)
	c.bulkString("max-deleted-entry-id")
	c.streamID(st.MaxDeleted)
	c.bulkString("entries-added")
	c.integer(int64(st.EntriesAdded))
	c.bulkString("recorded-first-entry-id")
	c.streamID(st.First)
	if !full {
		ng, err := st.CountGroups()
		if err != nil {
			return err
		}
		c.bulkString("groups")
		c.integer(int64(ng))
		for _, rev := range []bool{false, true} {
			if rev {
				c.bulkString("last-entry")
			} else {
				c.bulkString("first-entry")
			}
			var e *store.StreamEntry
			if err := st.Range(store.StreamID{}, store.MaxStreamID, rev, func(x store.StreamEntry) bool { e = &x; return false }); err != nil {
				return err
			}
			if e == nil {
				c.null()
			} else {
				c.streamEntry(*e)
			}
		}
		return nil
	}
	c.bulkString("entries")
	var es []store.StreamEntry
	if err := st.Range(store.StreamID{}, store.MaxStreamID, false, func(x store.StreamEntry) bool {
		es = append(es, x)
		return count == 0 || int64(len(es)) < count
	}); err != nil {
		return err
	}
	c.arrayLen(len(es))
	for _, e := range es {
		c.streamEntry(e)
	}
	c.bulkString("groups")
	gs, err := st.AllGroups()
	if err != nil {
		return err
	}
	lim := int(count)
	c.arrayLen(len(gs))
	for _, g := range gs {
		c.mapLen(7)
		c.bulkString("name")
		c.bulk(g.Name)
		c.bulkString("last-delivered-id")
		c.streamID(g.Last)
		c.bulkString("entries-read")
		c.entriesRead(g)
		c.bulkString("lag")
		c.lag(st, g)
		np, err := st.CountPending(g.Name, nil)
		if err != nil {
			return err
		}
		c.bulkString("pel-count")
		c.integer(int64(np))
		c.bulkString("pending")
		pel, err := st.PEL(g.Name, store.StreamID{}, store.MaxStreamID, lim)
		if err != nil {
			return err
		}
		c.arrayLen(len(pel))
		for _, n := range pel {
			c.arrayLen(4)
			c.streamID(n.ID)
			c.bulk(n.Consumer)
			c.integer(n.DeliveryTime)
			c.integer(int64(n.DeliveryCount))
		}
		cs, err := st.Consumers(g.Name)
		if err != nil {
			return err
		}
		c.bulkString("consumers")
		c.arrayLen(len(cs))
		for _, cn := range cs {
			c.mapLen(4)
			c.bulkString("name")
			c.bulk(cn.Name)
			c.bulkString("seen-time")
			c.integer(cn.SeenTime)
			cp, err := st.CountPending(g.Name, cn.Name)
			if err != nil {
				return err
			}
			c.bulkString("pel-count")
			c.integer(int64(cp))
			c.bulkString("pending")
			ids, err := st.ConsumerPEL(g.Name, cn.Name, store.StreamID{}, store.MaxStreamID, lim)
			if err != nil {
				return err
			}
			c.arrayLen(len(ids))
			for _, id := range ids {
				n, _, err := st.NACK(g.Name, id)
				if err != nil {
					return err
				}
				c.arrayLen(3)
				c.streamID(id)
				if n != nil {
					c.integer(n.DeliveryTime)
					c.integer(int64(n.DeliveryCount))
				} else {
					c.integer(0)
					c.integer(0)
				}
			}
		}
	}
	return nil
}
