package server

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// encoders answer OBJECT ENCODING for collection types; each type's file
// registers its own.
var encoders = map[store.Type]func(tx *store.Tx, db int, m *store.Meta) string{}

func (s *Server) registerKeys() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "del", cmdDel)
	t.add(rc, "unlink", cmdDel)
	t.add(rc, "exists", cmdExists)
	t.add(rc, "type", cmdType)
	t.add(rc, "rename", func(c *Client) { cmdRename(c, false) })
	t.add(rc, "renamenx", func(c *Client) { cmdRename(c, true) })
	t.add(rc, "copy", cmdCopy)
	t.add(rc, "move", cmdMove)
	t.add(rc, "expire", func(c *Client) { expireGeneric(c, 0, true) })
	t.add(rc, "pexpire", func(c *Client) { expireGeneric(c, 0, false) })
	t.add(rc, "expireat", func(c *Client) { expireGeneric(c, -1, true) })
	t.add(rc, "pexpireat", func(c *Client) { expireGeneric(c, -1, false) })
	t.add(rc, "ttl", func(c *Client) { ttlGeneric(c, false, false) })
	t.add(rc, "pttl", func(c *Client) { ttlGeneric(c, true, false) })
	t.add(rc, "expiretime", func(c *Client) { ttlGeneric(c, false, true) })
	t.add(rc, "pexpiretime", func(c *Client) { ttlGeneric(c, true, true) })
	t.add(rc, "persist", cmdPersist)
	t.add(rc, "keys", cmdKeys)
	t.add(rc, "scan", cmdScan)
	t.add(rc, "randomkey", cmdRandomkey)
	t.add(rc, "touch", cmdExists)
	t.add(rc, "object|encoding", cmdObjectEncoding)
	t.add(rc, "object|freq", cmdObjectFreq)
	t.add(rc, "object|idletime", cmdObjectIdletime)
	t.add(rc, "object|refcount", cmdObjectRefcount)
	t.add(rc, "object|help", func(c *Client) {
		helpReply(c, "OBJECT", []string{
			"ENCODING <key>", "    Return the kind of internal representation used in order to store the value",
			"    associated with a <key>.",
			"FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is",
			"    proportional to the logarithm of the recent access frequency of the key.",
			"IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
			"    seconds elapsed since the last access to the key.",
			"REFCOUNT <key>", "    Return the number of references of the value associated with the specified",
			"    <key>."})
	})
}

func cmdDel(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		ok, err := c.tx.Del(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		if ok {
			c.notify(pubsub.NotifyGeneric, "del", k)
			n++
		}
	}
	c.integer(n)
}

// cmdExists serves EXISTS and TOUCH: the number of arguments that exist.
func cmdExists(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		_, ok, err := c.tx.Lookup(c.db, k)
		if err != nil {
			c.fail(err)
			return
		}
		c.keymiss(k, ok)
		if ok {
			n++
		}
	}
	c.integer(n)
}

func cmdType(c *Client) {
	m, ok, err := c.tx.Lookup(c.db, c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	c.keymiss(c.args[1], ok)
	if !ok {
		c.simple("none")
		return
	}
	c.simple(m.Type.String())
}

func cmdRename(c *Client, nx bool) {
	same := string(c.args[1]) == string(c.args[2])
	// Redis deletes an existing destination and adds it again (dbAdd): "new".
	newDst := false
	if !same && !nx && c.notifying(pubsub.NotifyNew) {
		_, newDst, _ = c.tx.Lookup(c.db, c.args[2])
	}
	found, done, err := c.tx.Rename(c.db, c.args[1], c.args[2], nx)
	if err == nil && done && !same {
		if newDst {
			c.notify(pubsub.NotifyNew, "new", c.args[2])
		}
		c.notify(pubsub.NotifyGeneric, "rename_from", c.args[1])
		c.notify(pubsub.NotifyGeneric, "rename_to", c.args[2])
	}
	switch {
	case err != nil:
		c.fail(err)
	case !found:
		c.errReply(errNoSuchKey)
	case nx:
		c.integer(b2i(done))
	default:
		c.ok()
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// argDB parses a db index as getIntFromObjectOrReply does.
func (c *Client) argDB(a []byte) (int, bool) {
	v, ok := parseLL(a)
	if !ok {
		c.errReply(errNotInt)
		return 0, false
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		c.errReply("ERR value is out of range")
		return 0, false
	}
	return int(v), true
}

func cmdCopy(c *Client) {
	dstDB := c.db
	replace := false
	for j := 3; j < len(c.args); j++ {
		opt := strings.ToUpper(string(c.args[j]))
		switch {
		case opt == "REPLACE":
			replace = true
		case opt == "DB" && j < len(c.args)-1:
			n, ok := c.argDB(c.args[j+1])
			if !ok {
				return
			}
			// Checked while parsing, as copyCommand's selectDb.
			if n < 0 || n >= c.s.db.Databases() {
				c.errReply("ERR DB index is out of range")
				return
			}
			dstDB = n
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if dstDB == c.db && string(c.args[1]) == string(c.args[2]) {
		c.errReply("ERR source and destination objects are the same")
		return
	}
	if c.notifying(pubsub.NotifyKeyMiss) {
		_, found, _ := c.tx.Lookup(c.db, c.args[1])
		c.keymiss(c.args[1], found) // copyCommand reads the source with lookupKeyRead
	}
	newDst := false
	if replace && c.notifying(pubsub.NotifyNew) {
		_, newDst, _ = c.tx.Lookup(dstDB, c.args[2])
	}
	ok, err := c.tx.Copy(c.db, c.args[1], dstDB, c.args[2], replace)
	if err != nil {
		c.fail(err)
		return
	}
	if ok {
		// dupStringObject gives an integer string its own object: a copy of
		// a shared integer has refcount 1.
		m, found, err := c.tx.Lookup(dstDB, c.args[2])
		if err != nil {
			c.fail(err)
			return
		}
		if found && m.Type == store.TypeString && m.Enc == store.StrEncAuto && strEncoding(&m) == "int" {
			nm := m
			nm.Value = bytes.Clone(m.Value)
			nm.Enc = strEncIntOwn
			if err := c.tx.Put(dstDB, c.args[2], &m, &nm); err != nil {
				c.fail(err)
				return
			}
		}
		if newDst {
			c.notifyDB(pubsub.NotifyNew, "new", c.args[2], dstDB)
		}
		c.notifyDB(pubsub.NotifyGeneric, "copy_to", c.args[2], dstDB)
	}
	c.integer(b2i(ok))
}

func cmdMove(c *Client) {
	dst, ok := c.argDB(c.args[2])
	if !ok {
		return
	}
	if dst < 0 || dst >= c.s.db.Databases() {
		c.errReply("ERR DB index is out of range")
		return
	}
	if dst == c.db {
		c.errReply("ERR source and destination objects are the same")
		return
	}
	moved, err := c.tx.Move(c.db, c.args[1], dst)
	if err != nil {
		c.fail(err)
		return
	}
	if moved {
		c.notify(pubsub.NotifyGeneric, "move_from", c.args[1])
		c.notifyDB(pubsub.NotifyGeneric, "move_to", c.args[1], dst)
	}
	c.integer(b2i(moved))
}

// EXPIRE flags.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

// expireGeneric is expireGenericCommand: basetime 0 means "now" (EXPIRE,
// PEXPIRE), -1 means absolute (EXPIREAT, PEXPIREAT).
func expireGeneric(c *Client, basetime int64, seconds bool) {
	flags := 0
	for _, a := range c.args[3:] {
		switch strings.ToUpper(string(a)) {
		case "NX":
			flags |= expNX
		case "XX":
			flags |= expXX
		case "GT":
			flags |= expGT
		case "LT":
			flags |= expLT
		default:
			c.errReply(fmt.Sprintf("ERR Unsupported option %s", sanitize(string(a))))
			return
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		c.errReply("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		c.errReply("ERR GT and LT options at the same time are not compatible")
		return
	}
	when, ok := c.argInt(2)
	if !ok {
		return
	}
	bad := func() { c.errReply(fmt.Sprintf(errInvalidExpire, c.cmd.name)) }
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			bad()
			return
		}
		when *= 1000
	}
	if basetime == 0 {
		basetime = c.tx.Now()
	} else {
		basetime = 0
	}
	if when > math.MaxInt64-basetime {
		bad()
		return
	}
	when += basetime
	m, found, err := c.tx.Lookup(c.db, c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	if !found {
		c.integer(0)
		return
	}
	cur := m.ExpireAt
	if (flags&expNX != 0 && cur != 0) || (flags&expXX != 0 && cur == 0) ||
		(flags&expGT != 0 && (cur == 0 || when <= cur)) || (flags&expLT != 0 && cur != 0 && when >= cur) {
		c.integer(0)
		return
	}
	event := "expire"
	if when <= c.tx.Now() && !c.s.isReplica() {
		_, err = c.tx.Del(c.db, c.args[1])
		event = "del"
	} else {
		err = c.tx.SetExpire(c.db, c.args[1], &m, when)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifyGeneric, event, c.args[1])
	c.integer(1)
}

func ttlGeneric(c *Client, ms, abs bool) {
	m, found, err := c.tx.Lookup(c.db, c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	c.keymiss(c.args[1], found)
	if !found {
		c.integer(-2)
		return
	}
	if m.ExpireAt == 0 {
		c.integer(-1)
		return
	}
	ttl := m.ExpireAt
	if !abs {
		ttl -= c.tx.Now()
	}
	ttl = max(ttl, 0)
	if !ms {
		// (ttl+500)/1000 without the int64 overflow near the maximum,
		// which Redis's compiled code does not show either.
		ttl = ttl/1000 + (ttl%1000+500)/1000
	}
	c.integer(ttl)
}

func cmdPersist(c *Client) {
	m, found, err := c.tx.Lookup(c.db, c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	if !found || m.ExpireAt == 0 {
		c.integer(0)
		return
	}
	if err := c.tx.SetExpire(c.db, c.args[1], &m, 0); err != nil {
		c.fail(err)
		return
	}
	c.notify(pubsub.NotifyGeneric, "persist", c.args[1])
	c.integer(1)
}

func cmdKeys(c *Client) {
	pat := c.args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var keys [][]byte
	err := c.tx.ForEach(c.db, func(key []byte, m *store.Meta) bool {
		if all || glob(pat, key) {
			keys = append(keys, append([]byte(nil), key...))
		}
		return true
	})
	if err != nil {
		c.fail(err)
		return
	}
	c.arrayLen(len(keys))
	for _, k := range keys {
		c.bulk(k)
	}
}

// typeByName maps SCAN's TYPE argument to a store type.
func typeByName(name string) (store.Type, bool) {
	for t := store.TypeString; t <= store.TypeStream; t++ {
		if strings.EqualFold(t.String(), name) {
			return t, true
		}
	}
	return store.TypeNone, false
}

// parseCursor parses a SCAN cursor as parseScanCursorOrReply (strtoul).
func parseCursor(c *Client, a []byte) (uint64, bool) {
	s := string(a)
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || len(a) == 0 {
		c.errReply("ERR invalid cursor")
		return 0, false
	}
	return v, true
}

func cmdScan(c *Client) {
	cursor, ok := parseCursor(c, c.args[1])
	if !ok {
		return
	}
	count := int64(10)
	var pat []byte
	typ := store.TypeNone
	typeSet := false
	for j := 2; j < len(c.args); j++ {
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
		case opt == "TYPE" && more >= 1:
			typ, _ = typeByName(string(c.args[j+1]))
			typeSet = true
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	all := pat == nil || (len(pat) == 1 && pat[0] == '*')
	next, keys, err := c.tx.Scan(c.db, cursor, int(min(count, 1<<20)), func(key []byte, m *store.Meta) bool {
		if typeSet && m.Type != typ {
			return false
		}
		return all || glob(pat, key)
	})
	if err != nil {
		c.fail(err)
		return
	}
	c.arrayLen(2)
	c.bulkString(strconv.FormatUint(next, 10))
	c.arrayLen(len(keys))
	for _, k := range keys {
		c.bulk(k)
	}
}

func cmdRandomkey(c *Client) {
	k, ok, err := c.tx.RandomKey(c.db)
	if err != nil {
		c.fail(err)
		return
	}
	c.bulkOrNull(k, ok)
}

// objectLookup finds OBJECT's key without touching it (the view runs in a
// read Tx).
func objectLookup(c *Client) (store.Meta, bool) {
	var m store.Meta
	var found bool
	err := c.s.db.View(false, func(tx *store.Tx) error {
		var err error
		m, found, err = tx.Lookup(c.db, c.args[2])
		if err == nil && found {
			m.Value = append([]byte(nil), m.Value...)
			m.Extra = append([]byte(nil), m.Extra...)
		}
		return err
	})
	if err != nil {
		c.fail(err)
		return m, false
	}
	if !found {
		c.null()
	}
	return m, found
}

func cmdObjectEncoding(c *Client) {
	m, ok := objectLookup(c)
	if !ok {
		return
	}
	if m.Type == store.TypeString {
		c.bulkString(strEncoding(&m))
		return
	}
	enc := "unknown"
	if fn := encoders[m.Type]; fn != nil {
		_ = c.s.db.View(true, func(tx *store.Tx) error {
			enc = fn(tx, c.db, &m)
			return nil
		})
	}
	c.bulkString(enc)
}

func isLFU(policy string) bool { return strings.HasSuffix(policy, "-lfu") }

func cmdObjectFreq(c *Client) {
	m, ok := objectLookup(c)
	if !ok {
		return
	}
	_ = m
	if !isLFU(c.s.cfg.String("maxmemory-policy")) {
		c.errReply("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	c.integer(0)
}

func cmdObjectIdletime(c *Client) {
	if _, ok := objectLookup(c); !ok {
		return
	}
	if isLFU(c.s.cfg.String("maxmemory-policy")) {
		c.errReply("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	c.integer(0)
}

func cmdObjectRefcount(c *Client) {
	m, ok := objectLookup(c)
	if !ok {
		return
	}
	// Redis shares the integer objects 0..9999 when no LRU/LFU policy needs
	// a per-key clock; their refcount reads as INT_MAX.
	if m.Type == store.TypeString && m.Enc != strEncIntOwn && strEncoding(&m) == "int" {
		if v, _ := parseLL(m.Value); v >= 0 && v < 10000 {
			p := c.s.cfg.String("maxmemory-policy")
			if c.s.cfg.Memory("maxmemory") == 0 || !(isLFU(p) || strings.HasSuffix(p, "-lru")) {
				c.integer(math.MaxInt32)
				return
			}
		}
	}
	c.integer(1)
}
