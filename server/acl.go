package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
)

// ACLs as Redis 7.0's acl.c: users with a root selector (and optional
// extra selectors), command bitmaps over every command of commands.json
// (including those redpebble does not serve, so ACL LIST describes rules as
// redis-server does), key and channel patterns, and the ACL log.

// aclCategories is ACLCommandCategories, in Redis's order.
var aclCategories = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
	"connection", "transaction", "scripting"}

func aclCategoryBit(name string) uint32 {
	for i, n := range aclCategories {
		if strings.EqualFold(n, name) {
			return 1 << i
		}
	}
	return 0
}

// Key permission flags of a key pattern.
const (
	aclRead  = 1
	aclWrite = 2
	aclAll   = aclRead | aclWrite
)

// Key-spec flags that matter to ACLs.
const (
	ksAccess = 1 << iota
	ksInsert
	ksDelete
	ksUpdate
	ksIncomplete
	ksVariable
	ksNotKey
)

type keySpec struct {
	flags int
	// begin_search
	index     int    // >0: index type
	keyword   string // keyword type
	startfrom int
	// find_keys
	keynum                      bool
	lastkey, keystep, limit     int
	keynumidx, firstkey, kstep2 int
}

// aclCmd is one command (or subcommand) of Redis's original command table.
type aclCmd struct {
	id       int
	fullname string
	cats     uint32
	noAuth   bool
	parent   *aclCmd
	subs     []*aclCmd // sorted by name
	specs    []keySpec
	hasKeys  bool
	arity    int
	redisCmd *redisCommand
}

// aclTable is the universe of commands for ACLs.
type aclTable struct {
	top    []*aclCmd // sorted by name
	byName map[string]*aclCmd
	n      int // number of ids; id n is the "future commands" bit
}

func buildACLTable(rc map[string]*redisCommand) *aclTable {
	t := &aclTable{byName: map[string]*aclCmd{}}
	names := make([]string, 0, len(rc))
	for n := range rc {
		names = append(names, n)
	}
	sort.Strings(names)
	mk := func(name string, m *redisCommand, parent *aclCmd) *aclCmd {
		a := &aclCmd{id: t.n, fullname: name, parent: parent, arity: m.Arity, redisCmd: m}
		t.n++
		for _, c := range m.ACL {
			a.cats |= aclCategoryBit(strings.TrimPrefix(c, "@"))
		}
		for _, f := range m.Flags {
			if f == "no_auth" {
				a.noAuth = true
			}
		}
		a.specs = parseKeySpecs(m.Info)
		a.hasKeys = len(a.specs) > 0
		t.byName[a.fullname] = a
		return a
	}
	for _, n := range names {
		m := rc[n]
		a := mk(n, m, nil)
		subs := make([]*redisCommand, 0, len(m.Subcommands))
		for i := range m.Subcommands {
			subs = append(subs, &m.Subcommands[i])
		}
		sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
		for _, sm := range subs {
			a.subs = append(a.subs, mk(sm.Name, sm, a))
		}
		t.top = append(t.top, a)
	}
	return t
}

// parseKeySpecs reads the key specifications of a COMMAND INFO reply.
func parseKeySpecs(info string) []keySpec {
	v, _, err := resp.ParseValue([]byte(info))
	if err != nil || len(v.Array) != 1 || len(v.Array[0].Array) < 9 {
		return nil
	}
	var out []keySpec
	for _, sv := range v.Array[0].Array[8].Array {
		var ks keySpec
		m := pairsOf(sv)
		for _, f := range m["flags"].Array {
			switch strings.ToLower(string(f.Str)) {
			case "access":
				ks.flags |= ksAccess
			case "insert":
				ks.flags |= ksInsert
			case "delete":
				ks.flags |= ksDelete
			case "update":
				ks.flags |= ksUpdate
			case "incomplete":
				ks.flags |= ksIncomplete
			case "variable_flags":
				ks.flags |= ksVariable
			case "not_key":
				ks.flags |= ksNotKey
			}
		}
		if ks.flags&ksNotKey != 0 {
			continue // shard channels: not keys for ACLs (GET_KEYSPEC_DEFAULT)
		}
		bs := pairsOf(m["begin_search"])
		spec := pairsOf(bs["spec"])
		switch string(bs["type"].Str) {
		case "index":
			ks.index = int(spec["index"].Int)
		case "keyword":
			ks.keyword = string(spec["keyword"].Str)
			ks.startfrom = int(spec["startfrom"].Int)
		default:
			continue
		}
		fk := pairsOf(m["find_keys"])
		fspec := pairsOf(fk["spec"])
		switch string(fk["type"].Str) {
		case "range":
			ks.lastkey, ks.keystep, ks.limit = int(fspec["lastkey"].Int), int(fspec["keystep"].Int), int(fspec["limit"].Int)
		case "keynum":
			ks.keynum = true
			ks.keynumidx, ks.firstkey, ks.kstep2 = int(fspec["keynumidx"].Int), int(fspec["firstkey"].Int), int(fspec["keystep"].Int)
		default:
			continue
		}
		out = append(out, ks)
	}
	return out
}

func pairsOf(v resp.Value) map[string]resp.Value {
	m := map[string]resp.Value{}
	for i := 0; i+1 < len(v.Array); i += 2 {
		m[string(v.Array[i].Str)] = v.Array[i+1]
	}
	return m
}

type keyRef struct{ pos, flags int }

// keysOf is getKeysUsingKeySpecs: the key positions of args (args[0] is the
// command name) with their key-spec flags. Incomplete specs are used as far
// as they go; SET and BITFIELD, whose flags vary with the arguments, get
// the flags their getkeys procs give.
func (a *aclCmd) keysOf(args [][]byte) []keyRef {
	argc := len(args)
	var out []keyRef
	for _, ks := range a.specs {
		first := 0
		if ks.keyword == "" {
			first = ks.index
		} else {
			start, end := ks.startfrom, 1
			if ks.startfrom > 0 {
				end = argc - 1
			} else {
				start = argc + ks.startfrom
			}
			for i := start; i != end; {
				if i >= argc || i < 1 {
					break
				}
				if strings.EqualFold(string(args[i]), ks.keyword) {
					first = i + 1
					break
				}
				if start <= end {
					i++
				} else {
					i--
				}
			}
			if first == 0 {
				continue
			}
		}
		var last, step int
		if !ks.keynum {
			step = ks.keystep
			switch {
			case ks.lastkey >= 0:
				last = first + ks.lastkey
			case ks.limit == 0:
				last = argc + ks.lastkey
			default:
				last = first + ((argc-first)/ks.limit + ks.lastkey)
			}
		} else {
			step = ks.kstep2
			if first+ks.keynumidx >= argc {
				continue
			}
			n, err := strconv.ParseInt(string(args[first+ks.keynumidx]), 10, 64)
			if err != nil || n < 0 {
				continue
			}
			first += ks.firstkey
			last = first + int(n) - 1
		}
		if step <= 0 {
			step = 1
		}
		for i := first; i <= last; i += step {
			if i >= argc || i < first {
				break
			}
			out = append(out, keyRef{i, ks.flags})
		}
	}
	switch a.fullname {
	case "set":
		if len(out) > 0 {
			out[0].flags = ksUpdate
			for _, x := range args[3:] {
				if strings.EqualFold(string(x), "get") {
					out[0].flags = ksAccess | ksUpdate
				}
			}
		}
	case "bitfield":
		if len(out) > 0 {
			ro := true
			for _, x := range args[2:] {
				switch strings.ToLower(string(x)) {
				case "set", "incrby", "overflow":
					ro = false
				}
			}
			if ro {
				out[0].flags = ksAccess
			} else {
				out[0].flags = ksAccess | ksUpdate
			}
		}
	}
	return out
}

// keyPattern is one ~, %R~, %W~ or %RW~ pattern.
type keyPattern struct {
	pat   string
	flags int
}

func (p keyPattern) String() string {
	switch p.flags {
	case aclAll:
		return "~" + p.pat
	case aclRead:
		return "%R~" + p.pat
	case aclWrite:
		return "%W~" + p.pat
	}
	return "%RW~" + p.pat
}

// aclSelector is Redis's aclSelector.
type aclSelector struct {
	root        bool
	allKeys     bool
	allChannels bool
	allCommands bool
	keys        []keyPattern
	channels    []string
	bits        []bool // indexed by aclCmd.id; the last one is the future-commands bit
	firstArgs   map[int][]string
}

func (s *aclSelector) clone() *aclSelector {
	c := *s
	c.keys = append([]keyPattern(nil), s.keys...)
	c.channels = append([]string(nil), s.channels...)
	c.bits = append([]bool(nil), s.bits...)
	if s.firstArgs != nil {
		c.firstArgs = map[int][]string{}
		for k, v := range s.firstArgs {
			c.firstArgs[k] = append([]string(nil), v...)
		}
	}
	return &c
}

// aclUser is Redis's user.
type aclUser struct {
	name      string
	on        bool
	nopass    bool
	sanitize  int // 0, 1 sanitize-payload, 2 skip-sanitize-payload
	passwords []string
	sels      []*aclSelector // sels[0] is the root selector
}

func (u *aclUser) root() *aclSelector { return u.sels[0] }

func (u *aclUser) copyFrom(o *aclUser) {
	u.on, u.nopass, u.sanitize = o.on, o.nopass, o.sanitize
	u.passwords = append([]string(nil), o.passwords...)
	u.sels = make([]*aclSelector, len(o.sels))
	for i, s := range o.sels {
		u.sels[i] = s.clone()
	}
}

// ACL denial reasons, ordered as Redis's ACL_DENIED_* values.
const (
	aclOK = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// aclLogEntry is ACLLogEntry.
type aclLogEntry struct {
	count    int64
	reason   int
	multi    bool
	object   string
	username string
	ctime    time.Time
	cinfo    string
}

// acl is the server's ACL state.
type acl struct {
	mu    sync.RWMutex // guards users, log and every user's contents
	t     *aclTable
	users map[string]*aclUser
	def   *aclUser
	log   []*aclLogEntry // newest first
	// pubsubDefault is acl-pubsub-default: new selectors get allchannels.
	pubsubDefault bool
}

var (
	errACLNoEnt    = errors.New("Unknown command or category name in ACL")
	errACLInval    = errors.New("Syntax error")
	errACLExist    = errors.New("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
	errACLIsDir    = errors.New("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
	errACLNoDev    = errors.New("The password you are trying to remove from the user does not exist")
	errACLBadMsg   = errors.New("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
	errACLChild    = errors.New("Allowing first-arg of a subcommand is not supported")
	errACLAlready  = errors.New("Duplicate user found. A user can only be defined once in config files")
	errACLWrongFmt = errors.New("Wrong format")
)

func (a *acl) newSelector(root bool) *aclSelector {
	return &aclSelector{root: root, allChannels: a.pubsubDefault, bits: make([]bool, a.t.n+1)}
}

func (a *acl) newUser(name string) *aclUser {
	return &aclUser{name: name, sels: []*aclSelector{a.newSelector(true)}}
}

func (a *acl) newDefaultUser() *aclUser {
	u := a.newUser("default")
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		_ = a.setUser(u, op)
	}
	return u
}

func newACL(rc map[string]*redisCommand, pubsubDefault bool) *acl {
	a := &acl{t: buildACLTable(rc), users: map[string]*aclUser{}, pubsubDefault: pubsubDefault}
	a.def = a.newDefaultUser()
	a.users["default"] = a.def
	return a
}

func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

func checkPasswordHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !(h[i] >= '0' && h[i] <= '9' || h[i] >= 'a' && h[i] <= 'f') {
			return false
		}
	}
	return true
}

// hasSpaces is ACLStringHasSpaces: isspace or NUL.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// lookup is ACLLookupCommand: "name" or "name|sub".
func (t *aclTable) lookup(name string) *aclCmd {
	return t.byName[strings.ToLower(name)]
}

func (s *aclSelector) changePerm(cmd *aclCmd, allow bool) {
	s.setBit(cmd.id, allow)
	delete(s.firstArgs, cmd.id)
	for _, sub := range cmd.subs {
		s.setBit(sub.id, allow)
	}
}

func (s *aclSelector) setBit(id int, v bool) {
	s.bits[id] = v
	if !v {
		s.allCommands = false
	}
}

func (a *acl) setCategory(s *aclSelector, cat string, v bool) bool {
	bit := aclCategoryBit(cat)
	if bit == 0 || cat == "" {
		return false
	}
	for _, c := range a.t.top {
		if c.cats&bit != 0 {
			s.changePerm(c, v)
		}
		for _, sub := range c.subs {
			if sub.cats&bit != 0 {
				s.changePerm(sub, v)
			}
		}
	}
	return true
}

// setSelector is ACLSetSelector.
func (a *acl) setSelector(s *aclSelector, op string) error {
	lop := strings.ToLower(op)
	switch {
	case lop == "allkeys" || op == "~*":
		s.allKeys, s.keys = true, nil
	case lop == "resetkeys":
		s.allKeys, s.keys = false, nil
	case lop == "allchannels" || op == "&*":
		s.allChannels, s.channels = true, nil
	case lop == "resetchannels":
		s.allChannels, s.channels = false, nil
	case lop == "allcommands" || lop == "+@all":
		for i := range s.bits {
			s.bits[i] = true
		}
		s.allCommands, s.firstArgs = true, nil
	case lop == "nocommands" || lop == "-@all":
		for i := range s.bits {
			s.bits[i] = false
		}
		s.allCommands, s.firstArgs = false, nil
	case op[0] == '~' || op[0] == '%':
		if s.allKeys {
			return errACLExist
		}
		flags, off := 0, 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				ch := op[off]
				if (ch == 'R' || ch == 'r') && flags&aclRead == 0 {
					flags |= aclRead
				} else if (ch == 'W' || ch == 'w') && flags&aclWrite == 0 {
					flags |= aclWrite
				} else if ch == '~' {
					off++
					break
				} else {
					return errACLInval
				}
			}
			if flags == 0 { // "%" and "%~x" name no permission, as Redis refuses
				return errACLInval
			}
		} else {
			flags = aclAll
		}
		if off > len(op) {
			off = len(op)
		}
		pat := op[off:]
		if hasSpaces(pat) {
			return errACLInval
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pat == pat {
				s.keys[i].flags |= flags
				found = true
			}
		}
		if !found {
			s.keys = append(s.keys, keyPattern{pat, flags})
		}
		s.allKeys = false
	case op[0] == '&':
		if s.allChannels {
			return errACLIsDir
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errACLInval
		}
		found := false
		for _, c := range s.channels {
			if c == pat {
				found = true
			}
		}
		if !found {
			s.channels = append(s.channels, pat)
		}
		s.allChannels = false
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := op[1:]
		i := strings.LastIndexByte(name, '|')
		if i < 0 {
			cmd := a.t.lookup(name)
			if cmd == nil {
				return errACLNoEnt
			}
			s.changePerm(cmd, true)
			return nil
		}
		cmd := a.t.lookup(name[:i])
		if cmd == nil {
			return errACLNoEnt
		}
		if cmd.parent != nil {
			return errACLChild
		}
		sub := name[i+1:]
		if sub == "" {
			return errACLInval
		}
		if cmd.subs != nil {
			sc := a.t.lookup(name)
			if sc == nil {
				return errACLNoEnt
			}
			s.changePerm(sc, true)
			return nil
		}
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		for _, x := range s.firstArgs[cmd.id] {
			if strings.EqualFold(x, sub) {
				return nil
			}
		}
		s.firstArgs[cmd.id] = append(s.firstArgs[cmd.id], sub)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		cmd := a.t.lookup(op[1:])
		if cmd == nil {
			return errACLNoEnt
		}
		s.changePerm(cmd, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		if !a.setCategory(s, op[2:], op[0] == '+') {
			return errACLNoEnt
		}
	default:
		return errACLInval
	}
	return nil
}

// setUser is ACLSetUser.
func (a *acl) setUser(u *aclUser, op string) error {
	if op == "" {
		return nil
	}
	lop := strings.ToLower(op)
	switch {
	case lop == "on":
		u.on = true
	case lop == "off":
		u.on = false
	case lop == "skip-sanitize-payload":
		u.sanitize = 2
	case lop == "sanitize-payload":
		u.sanitize = 1
	case lop == "nopass":
		u.nopass, u.passwords = true, nil
	case lop == "resetpass":
		u.nopass, u.passwords = false, nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword(op[1:])
		} else {
			if !checkPasswordHash(op[1:]) {
				return errACLBadMsg
			}
			h = op[1:]
		}
		found := false
		for _, p := range u.passwords {
			if p == h {
				found = true
			}
		}
		if !found {
			u.passwords = append(u.passwords, h)
		}
		u.nopass = false
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword(op[1:])
		} else {
			if !checkPasswordHash(op[1:]) {
				return errACLBadMsg
			}
			h = op[1:]
		}
		for i, p := range u.passwords {
			if p == h {
				u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
				return nil
			}
		}
		return errACLNoDev
	case op[0] == '(' && op[len(op)-1] == ')':
		s := a.newSelector(false)
		args, err := splitACLArgs(op[1 : len(op)-1])
		if err != nil {
			return errACLInval
		}
		for _, x := range args {
			if err := a.setSelector(s, x); err != nil {
				return err
			}
		}
		u.sels = append(u.sels, s)
	case lop == "clearselectors":
		u.sels = u.sels[:1]
	case lop == "reset":
		for _, x := range []string{"resetpass", "resetkeys", "resetchannels"} {
			_ = a.setUser(u, x)
		}
		if a.pubsubDefault {
			_ = a.setUser(u, "allchannels")
		}
		for _, x := range []string{"off", "sanitize-payload", "clearselectors", "-@all"} {
			_ = a.setUser(u, x)
		}
	default:
		return a.setSelector(u.root(), op)
	}
	return nil
}

// splitACLArgs splits a selector's inside on spaces (sdssplitargs without
// quotes support beyond the plain case).
func splitACLArgs(s string) ([]string, error) {
	return strings.Fields(s), nil
}

// mergeSelectorArgs is ACLMergeSelectorArguments.
func mergeSelectorArgs(args []string) ([]string, int) {
	var out []string
	open := -1
	var sel string
	for j, op := range args {
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open != -1 {
			sel += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				out = append(out, sel)
			}
			continue
		}
		out = append(out, op)
	}
	if open != -1 {
		return nil, open
	}
	return out, -1
}

// ---- describing ----

func (a *acl) countCategory(s *aclSelector, bit uint32) (on, off int) {
	count := func(c *aclCmd) {
		if c.cats&bit != 0 {
			if s.bits[c.id] {
				on++
			} else {
				off++
			}
		}
	}
	for _, c := range a.t.top {
		count(c)
		for _, sub := range c.subs {
			count(sub)
		}
	}
	return
}

// describeCommands is ACLDescribeSelectorCommandRules. Redis walks its
// command dict in hash order for the single-command fixes; redpebble walks
// it in name order.
func (a *acl) describeCommands(s *aclSelector) string {
	var b strings.Builder
	fake := a.newSelector(false)
	additive := !s.bits[a.t.n]
	if additive {
		b.WriteString("-@all ")
		_ = a.setSelector(fake, "-@all")
	} else {
		b.WriteString("+@all ")
		_ = a.setSelector(fake, "+@all")
	}
	temp := &aclSelector{bits: append([]bool(nil), s.bits...)}
	applied := make([]bool, len(aclCategories))
	for {
		best, mindiff, maxsame := -1, int(^uint(0)>>1), 0
		for j, name := range aclCategories {
			if applied[j] {
				continue
			}
			on, off := a.countCategory(temp, aclCategoryBit(name))
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
				best, mindiff, maxsame = j, diff, same
			}
		}
		if best == -1 {
			break
		}
		name := aclCategories[best]
		a.setCategory(fake, name, additive)
		a.setCategory(temp, name, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(name)
		b.WriteByte(' ')
		applied[best] = true
	}
	var single func(cmds []*aclCmd)
	single = func(cmds []*aclCmd) {
		for _, c := range cmds {
			ub, fb := s.bits[c.id], fake.bits[c.id]
			if ub != fb {
				if ub {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
				b.WriteString(c.fullname)
				b.WriteByte(' ')
				fake.changePerm(c, ub)
			}
			single(c.subs)
			if !ub {
				for _, fa := range s.firstArgs[c.id] {
					b.WriteString("+" + c.fullname + "|" + fa + " ")
				}
			}
		}
	}
	single(a.t.top)
	out := b.String()
	return out[:len(out)-1]
}

func (a *acl) describeSelector(s *aclSelector) string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String())
			b.WriteByte(' ')
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(a.describeCommands(s))
	return b.String()
}

func (u *aclUser) flagNames() []string {
	var f []string
	if u.on {
		f = append(f, "on")
	} else {
		f = append(f, "off")
	}
	if u.nopass {
		f = append(f, "nopass")
	}
	switch u.sanitize {
	case 2:
		f = append(f, "skip-sanitize-payload")
	case 1:
		f = append(f, "sanitize-payload")
	}
	return f
}

// describeUser is ACLDescribeUser.
func (a *acl) describeUser(u *aclUser) string {
	var b strings.Builder
	for _, f := range u.flagNames() {
		b.WriteString(f + " ")
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for i, s := range u.sels {
		if i == 0 {
			b.WriteString(a.describeSelector(s))
		} else {
			b.WriteString(" (" + a.describeSelector(s) + ")")
		}
	}
	return b.String()
}

func (a *acl) sortedNames() []string {
	names := make([]string, 0, len(a.users))
	for n := range a.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lines renders every user as a "user ..." line, in name order (ACL LIST,
// ACL SAVE, CONFIG REWRITE).
func (a *acl) lines() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []string
	for _, n := range a.sortedNames() {
		out = append(out, "user "+n+" "+a.describeUser(a.users[n]))
	}
	return out
}

// ---- checks ----

func (s *aclSelector) checkKey(key []byte, ksflags int) bool {
	if s.allKeys {
		return true
	}
	need := 0
	if ksflags&ksAccess != 0 {
		need |= aclRead
	}
	if ksflags&(ksInsert|ksDelete|ksUpdate) != 0 {
		need |= aclWrite
	}
	for _, p := range s.keys {
		if p.flags&need != need {
			continue
		}
		if pubsub.Match([]byte(p.pat), key, false) {
			return true
		}
	}
	return false
}

func checkChannelList(list []string, ch []byte, isPattern bool) bool {
	for _, p := range list {
		if (isPattern && p == string(ch)) || (!isPattern && pubsub.Match([]byte(p), ch, false)) {
			return true
		}
	}
	return false
}

// checkCmd is ACLSelectorCheckCmd (channels are checked by the pub/sub
// commands themselves through channelAllowed).
func (s *aclSelector) checkCmd(cmd *aclCmd, args [][]byte, keys []keyRef) (int, int) {
	if !s.allCommands && !cmd.noAuth && !s.bits[cmd.id] {
		fa := s.firstArgs[cmd.id]
		if len(args) < 2 || len(fa) == 0 {
			return aclDeniedCmd, 0
		}
		idx := 1
		if cmd.parent != nil {
			idx = 2
		}
		ok := false
		for _, x := range fa {
			if idx < len(args) && strings.EqualFold(string(args[idx]), x) {
				ok = true
				break
			}
		}
		if !ok {
			return aclDeniedCmd, 0
		}
	}
	if !s.allKeys && cmd.hasKeys {
		for _, k := range keys {
			if !s.checkKey(args[k.pos], k.flags) {
				return aclDeniedKey, k.pos
			}
		}
	}
	if !s.allChannels {
		first, all, pattern := channelArgs(cmd.fullname)
		if first > 0 {
			last := len(args) - 1
			if !all {
				last = first
			}
			for i := first; i <= last && i < len(args); i++ {
				if !checkChannelList(s.channels, args[i], pattern) {
					return aclDeniedChannel, i
				}
			}
		}
	}
	return aclOK, 0
}

// channelArgs is the part of getChannelsFromCommand the ACL check uses
// (publish and subscribe channels; unsubscribing is always allowed): the
// first channel argument, whether all the following ones are channels too,
// and whether they are patterns.
func channelArgs(name string) (first int, all, pattern bool) {
	switch name {
	case "publish", "spublish":
		return 1, false, false
	case "subscribe", "ssubscribe":
		return 1, true, false
	case "psubscribe":
		return 1, true, true
	}
	return 0, false, false
}

// unrestricted reports whether u may run anything on any key and channel.
func (u *aclUser) unrestricted() bool {
	r := u.root()
	return r.allCommands && r.allKeys && r.allChannels
}

// checkUser is ACLCheckAllUserCommandPerm.
func (a *acl) checkUser(u *aclUser, cmd *aclCmd, args [][]byte) (int, int) {
	if u.unrestricted() {
		return aclOK, 0
	}
	var keys []keyRef
	if cmd.hasKeys {
		keys = cmd.keysOf(args)
	}
	relevant, last := aclDeniedCmd, 0
	for _, s := range u.sels {
		r, idx := s.checkCmd(cmd, args, keys)
		if r == aclOK {
			return aclOK, 0
		}
		if r > relevant || (r == relevant && idx > last) {
			relevant, last = r, idx
		}
	}
	return relevant, last
}

func (a *acl) checkCredentials(name, pass string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	u := a.users[name]
	if u == nil || !u.on {
		return false
	}
	if u.nopass {
		return true
	}
	h := hashPassword(pass)
	for _, p := range u.passwords {
		if p == h {
			return true
		}
	}
	return false
}

// defaultNeedsAuth is the first half of authRequired.
func (a *acl) defaultNeedsAuth() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return !a.def.nopass || !a.def.on
}

// ---- log ----

func (a *acl) addLog(c *Client, reason int, object, username string) {
	le := &aclLogEntry{count: 1, reason: reason, multi: c.multi, object: object, username: username,
		ctime: time.Now(), cinfo: c.info(time.Now())}
	maxLen := c.s.cfg.Int("acllog-max-len")
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := 0; i < len(a.log) && i < 10; i++ {
		cur := a.log[i]
		d := cur.ctime.Sub(le.ctime)
		if d < 0 {
			d = -d
		}
		if cur.reason == le.reason && cur.multi == le.multi && d <= 60*time.Second && cur.object == le.object && cur.username == le.username {
			cur.cinfo, cur.ctime = le.cinfo, le.ctime
			cur.count++
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = cur
			return
		}
	}
	a.log = append([]*aclLogEntry{le}, a.log...)
	if len(a.log) > maxLen {
		a.log = a.log[:maxLen]
	}
}

// ---- the server side ----

// userOf returns c's user (the default user for a new client).
func (c *Client) aclUser() *aclUser {
	if c.u == nil {
		return c.s.acl.def
	}
	return c.u
}

// authRequired is Redis's authRequired.
func (s *Server) authRequired(c *Client) bool {
	return !c.authed && s.acl.defaultNeedsAuth()
}

// aclFree reports whether c's commands need no ACL check at all.
func (c *Client) aclFree() bool {
	if c.s.acl == nil {
		return true
	}
	c.s.acl.mu.RLock()
	defer c.s.acl.mu.RUnlock()
	return c.aclUser().unrestricted()
}

// aclCheck is processCommand's ACL check: it answers and logs a denial and
// returns false, or returns true.
func (s *Server) aclCheck(c *Client, cmd *command) bool {
	if c.fromMaster {
		return true // the master's stream has no user (c->user == NULL in Redis)
	}
	a := s.acl
	a.mu.RLock()
	u := c.aclUser()
	if u.unrestricted() {
		a.mu.RUnlock()
		return true
	}
	ac := a.t.byName[cmd.name]
	if ac == nil {
		// A subcommand Redis 7.0 lacks (CLIENT SETINFO) is checked as its
		// parent; other redpebble-only commands have nothing to check.
		parent, _, isSub := strings.Cut(cmd.name, "|")
		if ac = a.t.byName[parent]; !isSub || ac == nil {
			a.mu.RUnlock()
			return true
		}
	}
	if cmd.name == "debug" {
		// Redis refuses a protected DEBUG before the ACL check.
		if v := s.cfg.String("enable-debug-command"); v == "no" || (v == "local" && !isLocal(c)) {
			a.mu.RUnlock()
			return true
		}
	}
	r, idx := a.checkUser(u, ac, c.args)
	name := u.name
	a.mu.RUnlock()
	if r == aclOK {
		return true
	}
	var obj, text string
	switch r {
	case aclDeniedCmd:
		obj = ac.fullname
		text = fmt.Sprintf("NOPERM this user has no permissions to run the '%s' command", ac.fullname)
	case aclDeniedKey:
		obj = string(c.args[idx])
		text = "NOPERM this user has no permissions to access one of the keys used as arguments"
	default:
		obj = string(c.args[idx])
		text = "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	a.addLog(c, r, obj, name)
	if c.multi && cmd.name == "exec" {
		// execCommandAbort.
		c.multi, c.multiErr, c.queue = false, false, nil
		s.unwatchAll(c)
		s.reject(c, cmd, "EXECABORT Transaction discarded because of: "+text)
		return false
	}
	if c.multi {
		c.multiErr = true
	}
	s.reject(c, cmd, text)
	return false
}

// aclExecCheck re-checks a queued command when EXEC runs it (the rules may
// have changed since it was queued), answering Redis's error if denied.
func (s *Server) aclExecCheck(c *Client) bool {
	if c.fromMaster {
		return true
	}
	a := s.acl
	a.mu.RLock()
	u := c.aclUser()
	ac := a.t.byName[c.cmd.name]
	if u.unrestricted() || ac == nil {
		a.mu.RUnlock()
		return true
	}
	r, idx := a.checkUser(u, ac, c.args)
	name := u.name
	a.mu.RUnlock()
	if r == aclOK {
		return true
	}
	reason, obj := "no permission to execute the command or subcommand", ac.fullname
	switch r {
	case aclDeniedKey:
		reason, obj = "no permission to touch the specified keys", string(c.args[idx])
	case aclDeniedChannel:
		reason, obj = "no permission to access one of the channels used as arguments", string(c.args[idx])
	}
	multi := c.multi
	c.multi = true
	a.addLog(c, r, obj, name)
	c.multi = multi
	c.errReply("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason)
	return false
}

// channelAllowed reports whether c's user may use channel (isPattern: a
// PSUBSCRIBE pattern, matched literally against the ACL patterns), as
// ACLUserCheckChannelPerm. PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE and
// PSUBSCRIBE are already checked before they run (as in processCommand), as
// soon as they are in the command table; other code that needs the answer
// (e.g. killing subscribers whose permissions were revoked) calls this, and
// aclDenyChannel logs and answers a denial.
func (c *Client) channelAllowed(channel []byte, isPattern bool) bool {
	a := c.s.acl
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, s := range c.aclUser().sels {
		if s.allChannels || checkChannelList(s.channels, channel, isPattern) {
			return true
		}
	}
	return false
}

const errNoPermChannel = "NOPERM this user has no permissions to access one of the channels used as arguments"

// aclDenyChannel logs a channel denial of c's current command and answers it.
func (c *Client) aclDenyChannel(channel []byte) {
	c.s.acl.addLog(c, aclDeniedChannel, string(channel), c.aclUser().name)
	c.errReply(errNoPermChannel)
}

// authenticate is ACLAuthenticateUser.
func (c *Client) authenticate(user, pass string) bool {
	a := c.s.acl
	if a.checkCredentials(user, pass) {
		a.mu.Lock() // c.u is read by killUsers from other goroutines under a.mu
		c.u = a.users[user]
		a.mu.Unlock()
		c.user = user
		c.setAuthed()
		return true
	}
	a.addLog(c, aclDeniedAuth, string(c.args[0]), user)
	return false
}

// setDefaultAuth is clientSetDefaultAuth.
func (c *Client) setDefaultAuth() {
	c.s.acl.mu.Lock()
	c.u = nil
	c.s.acl.mu.Unlock()
	c.user = "default"
	c.authed = !c.s.acl.defaultNeedsAuth()
	if !c.authed && c.guard != nil {
		c.guard.SetAuthRequired(true)
	}
}

// defaultNeedsPass reports whether the default user has passwords (is not
// nopass): AUTH <password> needs it.
func (a *acl) defaultNeedsPass() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return !a.def.nopass
}

// setDefaultPassword is ACLUpdateDefaultUserPassword (requirepass).
func (a *acl) setDefaultPassword(p string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_ = a.setUser(a.def, "resetpass")
	if p != "" {
		_ = a.setUser(a.def, ">"+p)
	} else {
		_ = a.setUser(a.def, "nopass")
	}
}

// initACL builds the ACL state: requirepass, then the configuration's user
// lines or the aclfile.
func (s *Server) initACL() error {
	s.acl = newACL(s.rcmds, s.cfg.String("acl-pubsub-default") == "allchannels")
	if p := s.cfg.String("requirepass"); p != "" {
		s.acl.setDefaultPassword(p)
	}
	if err := s.loadUsers(); err != nil {
		return err
	}
	s.cfg.OnChange("requirepass", func(v string) error { s.acl.setDefaultPassword(v); return nil })
	s.cfg.OnChange("acl-pubsub-default", func(v string) error {
		s.acl.mu.Lock()
		s.acl.pubsubDefault = v == "allchannels"
		s.acl.mu.Unlock()
		return nil
	})
	s.cfg.SetUserLines(func() []string {
		if s.cfg.String("aclfile") != "" {
			return nil
		}
		return s.acl.lines()
	})
	return nil
}

var redacted = []byte("(redacted)")

// redactArgs returns args as MONITOR may show them: the credentials of AUTH
// and HELLO ... AUTH replaced by "(redacted)" (redactClientCommandArgument).
func redactArgs(cmd *command, args [][]byte) [][]byte {
	switch cmd.name {
	case "auth":
		out := append([][]byte(nil), args...)
		for i := 1; i < len(out); i++ {
			out[i] = redacted
		}
		return out
	case "hello":
		var out [][]byte
		for i := 2; i < len(args); i++ {
			if strings.EqualFold(string(args[i]), "auth") && i+2 < len(args) {
				if out == nil {
					out = append([][]byte(nil), args...)
				}
				out[i+1], out[i+2] = redacted, redacted
				i += 2
			}
		}
		if out != nil {
			return out
		}
	}
	return args
}
