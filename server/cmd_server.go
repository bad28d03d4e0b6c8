package server

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/server/config"
	"github.com/redpebble/redpebble/store"
)

func (s *Server) registerServer() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "ping", cmdPing)
	t.add(rc, "echo", func(c *Client) { c.bulk(c.args[1]) })
	t.add(rc, "select", cmdSelect)
	t.add(rc, "quit", func(c *Client) { c.ok(); c.closing = true })
	t.add(rc, "reset", cmdReset)
	t.add(rc, "hello", cmdHello)
	t.add(rc, "auth", cmdAuth)
	t.add(rc, "client|id", func(c *Client) { c.integer(c.id) })
	t.add(rc, "client|setname", cmdClientSetname)
	t.add(rc, "client|getname", func(c *Client) { c.bulkOrNull([]byte(c.name), c.name != "") })
	t.add(rc, "client|list", cmdClientList)
	t.add(rc, "client|info", func(c *Client) { c.verbatim(c.info(time.Now()) + "\n") })
	t.add(rc, "client|kill", cmdClientKill)
	t.add(rc, "client|reply", cmdClientReply)
	t.add(rc, "client|no-evict", cmdOnOff)
	t.add(rc, "client|help", func(c *Client) { helpReply(c, "CLIENT", clientHelp) })
	s.addCustom("client|setinfo", -4, cmdClientSetinfo)
	t.add(rc, "info", cmdInfo)
	t.add(rc, "config|get", cmdConfigGet)
	t.add(rc, "config|set", cmdConfigSet)
	t.add(rc, "config|resetstat", cmdConfigResetstat)
	t.add(rc, "config|rewrite", cmdConfigRewrite)
	t.add(rc, "config|help", func(c *Client) { helpReply(c, "CONFIG", configHelp) })
	t.add(rc, "dbsize", func(c *Client) { c.integer(c.s.db.DBSize(c.db)) })
	t.add(rc, "flushdb", cmdFlushDB)
	t.add(rc, "flushall", cmdFlushAll)
	t.add(rc, "swapdb", cmdSwapDB)
	t.add(rc, "time", cmdTime)
	t.add(rc, "lastsave", func(c *Client) { c.integer(c.s.lastSave.Load()) })
	t.add(rc, "save", cmdSave)
	t.add(rc, "bgsave", cmdBgsave)
	t.add(rc, "shutdown", cmdShutdown)
	t.add(rc, "monitor", cmdMonitor)
	t.add(rc, "debug", cmdDebug)
	t.add(rc, "command", cmdCommand)
	t.add(rc, "command|count", func(c *Client) { c.integer(int64(len(c.s.cmds))) })
	t.add(rc, "command|info", cmdCommandInfo)
	t.add(rc, "command|docs", cmdCommandDocs)
	t.add(rc, "command|list", cmdCommandList)
	t.add(rc, "command|getkeys", cmdCommandGetkeys)
	t.add(rc, "command|help", func(c *Client) { helpReply(c, "COMMAND", commandHelp) })
	t.add(rc, "multi", cmdMulti)
	t.add(rc, "exec", cmdExec)
	t.add(rc, "discard", cmdDiscard)
	t.add(rc, "watch", cmdWatch)
	t.add(rc, "unwatch", cmdUnwatch)
}

// addCustom registers a command Redis 7.0 does not have (it has no entry in
// commands.json), with the given arity and no flags.
func (s *Server) addCustom(name string, arity int, fn handler) {
	parent, sub, _ := strings.Cut(name, "|")
	pc := s.cmds[parent]
	c := &command{name: name, arity: arity, fn: fn, flags: flagNoscript | flagLoading | flagStale}
	if pc.subs == nil {
		pc.subs = map[string]*command{}
	}
	pc.subs[sub] = c
}

func cmdPing(c *Client) {
	if c.psPing() {
		return
	}
	if len(c.args) > 2 {
		c.errReply("ERR wrong number of arguments for 'ping' command")
		return
	}
	if len(c.args) == 2 {
		c.bulk(c.args[1])
		return
	}
	c.simple("PONG")
}

func cmdSelect(c *Client) {
	n, err := strconv.ParseInt(string(c.args[1]), 10, 64)
	if err != nil {
		c.errReply(errNotInt)
		return
	}
	if n < 0 || n >= int64(c.s.db.Databases()) {
		c.errReply("ERR DB index is out of range")
		return
	}
	c.db = int(n)
	c.ok()
}

func cmdReset(c *Client) {
	c.multi, c.multiErr, c.queue = false, false, nil
	c.s.unwatchAll(c)
	c.psReset()
	c.db = 0
	c.proto = resp.RESP2
	c.name = ""
	c.replyMode = replyOn
	c.setDefaultAuth()
	c.simple("RESET")
}

func cmdHello(c *Client) {
	proto := c.proto
	i := 1
	if len(c.args) >= 2 {
		v, err := strconv.ParseInt(string(c.args[1]), 10, 64)
		if err != nil {
			c.errReply("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.errReply("NOPROTO unsupported protocol version")
			return
		}
		proto = resp.Proto(v)
		i = 2
	}
	var name string
	setName := false
	for ; i < len(c.args); i++ {
		more := len(c.args) - i - 1
		opt := strings.ToUpper(string(c.args[i]))
		switch {
		case opt == "AUTH" && more >= 2:
			if !c.authenticate(string(c.args[i+1]), string(c.args[i+2])) {
				c.errReply(errWrongPass)
				return
			}
			i += 2
		case opt == "SETNAME" && more >= 1:
			name = string(c.args[i+1])
			if !validClientName(name) {
				c.errReply("ERR Client names cannot contain spaces, newlines or special characters.")
				return
			}
			setName = true
			i++
		default:
			c.errReply(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", sanitize(string(c.args[i]))))
			return
		}
	}
	if !c.authed {
		c.errReply("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if setName {
		c.name = name
	}
	c.proto = proto
	c.mapLen(7)
	c.bulkString("server")
	c.bulkString("redis")
	c.bulkString("version")
	c.bulkString(Version)
	c.bulkString("proto")
	c.integer(int64(proto))
	c.bulkString("id")
	c.integer(c.id)
	c.bulkString("mode")
	c.bulkString("standalone")
	c.bulkString("role")
	c.bulkString(c.s.role())
	c.bulkString("modules")
	c.arrayLen(0)
}

func cmdAuth(c *Client) {
	if len(c.args) > 3 {
		c.errReply(errSyntax)
		return
	}
	user, pass := "default", string(c.args[1])
	if len(c.args) == 3 {
		user, pass = string(c.args[1]), string(c.args[2])
	} else if !c.s.acl.defaultNeedsPass() {
		c.errReply("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if !c.authenticate(user, pass) {
		c.errReply(errWrongPass)
		return
	}
	c.ok()
}

func (c *Client) setAuthed() {
	c.authed = true
	if c.guard != nil {
		c.guard.SetAuthRequired(false)
	}
}

func validClientName(n string) bool {
	for i := 0; i < len(n); i++ {
		if n[i] < '!' || n[i] > '~' {
			return false
		}
	}
	return true
}

func cmdClientSetname(c *Client) {
	n := string(c.args[2])
	if !validClientName(n) {
		c.errReply("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.name = n
	c.ok()
}

func cmdClientSetinfo(c *Client) {
	if len(c.args) != 4 {
		c.errReply("ERR wrong number of arguments for 'client|setinfo' command")
		return
	}
	v := string(c.args[3])
	if !validClientName(v) && v != "" {
		c.errReply("ERR lib-name and lib-ver cannot contain spaces, newlines or special characters.")
		return
	}
	switch strings.ToLower(string(c.args[2])) {
	case "lib-name":
		c.libName = v
	case "lib-ver":
		c.libVer = v
	default:
		c.errReply(fmt.Sprintf("ERR Unrecognized option '%s'", sanitize(string(c.args[2]))))
		return
	}
	c.ok()
}

func (s *Server) clientList() []*Client {
	s.mu.Lock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func cmdClientList(c *Client) {
	var ids map[int64]bool
	if len(c.args) > 2 {
		opt := strings.ToUpper(string(c.args[2]))
		switch {
		case opt == "TYPE" && len(c.args) == 4:
			t := strings.ToLower(string(c.args[3]))
			if t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub" {
				c.errReply(fmt.Sprintf("ERR Unknown client type '%s'", sanitize(string(c.args[3]))))
				return
			}
			if t != "normal" {
				c.verbatim("")
				return
			}
		case opt == "ID" && len(c.args) >= 4:
			ids = map[int64]bool{}
			for _, a := range c.args[3:] {
				id, err := strconv.ParseInt(string(a), 10, 64)
				if err != nil || id <= 0 {
					c.errReply("ERR Invalid client ID")
					return
				}
				ids[id] = true
			}
		default:
			c.errReply(errSyntax)
			return
		}
	}
	var b strings.Builder
	now := time.Now()
	for _, cl := range c.s.clientList() {
		if ids != nil && !ids[cl.id] {
			continue
		}
		b.WriteString(cl.info(now))
		b.WriteByte('\n')
	}
	c.verbatim(b.String())
}

func cmdClientKill(c *Client) {
	args := c.args[2:]
	if len(args) == 1 {
		// Old form: CLIENT KILL addr:port.
		for _, cl := range c.s.clientList() {
			if cl.addr == string(args[0]) {
				cl.kill()
				c.ok()
				return
			}
		}
		c.errReply("ERR No such client")
		return
	}
	if len(args)%2 != 0 {
		c.errReply(errSyntax)
		return
	}
	var id int64
	var addr, laddr, user string
	skipMe := true
	killMaster := false
	for i := 0; i < len(args); i += 2 {
		v := string(args[i+1])
		switch strings.ToUpper(string(args[i])) {
		case "ID":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				c.errReply("ERR client-id should be greater than 0")
				return
			}
			id = n
		case "ADDR":
			addr = v
		case "LADDR":
			laddr = v
		case "USER":
			user = v
		case "SKIPME":
			switch strings.ToLower(v) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				c.errReply(errSyntax)
				return
			}
		case "TYPE":
			t := strings.ToLower(v)
			if t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub" {
				c.errReply(fmt.Sprintf("ERR Unknown client type '%s'", sanitize(v)))
				return
			}
			killMaster = t == "master"
		default:
			c.errReply(errSyntax)
			return
		}
	}
	if killMaster {
		// The only master client is the replication link (server/replica.go).
		c.integer(c.s.killMasterLink())
		return
	}
	n := 0
	for _, cl := range c.s.clientList() {
		if (id != 0 && cl.id != id) || (addr != "" && cl.addr != addr) || (laddr != "" && cl.laddr != laddr) ||
			(user != "" && cl.user != user) || (skipMe && cl == c) {
			continue
		}
		if cl == c {
			c.closing = true
		} else {
			cl.kill()
		}
		n++
	}
	c.integer(int64(n))
}

func cmdClientReply(c *Client) {
	switch strings.ToUpper(string(c.args[2])) {
	case "ON":
		c.replyMode = replyOn
		c.ok()
	case "OFF":
		c.replyMode = replyOff
	case "SKIP":
		if c.replyMode == replyOn {
			c.replyMode = replySkip
		}
	default:
		c.errReply(errSyntax)
	}
}

func cmdOnOff(c *Client) {
	switch strings.ToUpper(string(c.args[2])) {
	case "ON", "OFF":
		c.ok()
	default:
		c.errReply(errSyntax)
	}
}

var clientHelp = []string{
	"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME", "    Return the name of the current connection.",
	"ID", "    Return the ID of the current connection.",
	"INFO", "    Return information about the current client connection.",
	"KILL <ip:port>", "    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
	"    * USER <username>", "      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
	"LIST [options ...]", "    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
	"UNPAUSE", "    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
	"SETNAME <name>", "    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]", "         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO", "    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
}

var configHelp = []string{
	"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
	"RESETSTAT", "    Reset statistics reported by the INFO command.",
	"REWRITE", "    Rewrite the configuration file.",
}

// helpReply writes a HELP reply as Redis's addReplyHelp does.
func helpReply(c *Client, cmd string, lines []string) {
	c.arrayLen(len(lines) + 3)
	c.simple(fmt.Sprintf("%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd))
	for _, l := range lines {
		c.simple(l)
	}
	c.simple("HELP")
	c.simple("    Prints this help.")
}

func cmdConfigGet(c *Client) {
	cfg := c.s.cfg
	seen := map[string]bool{}
	var pairs []string
	names := cfg.Names()
	for _, p := range c.args[2:] {
		pat := strings.ToLower(string(p))
		for _, n := range names {
			if seen[n] {
				continue
			}
			if n == pat || glob([]byte(pat), []byte(n)) {
				if v, ok := cfg.Get(n); ok {
					seen[n] = true
					pairs = append(pairs, n, v)
				}
			}
		}
	}
	c.mapLen(len(pairs) / 2)
	for _, p := range pairs {
		c.bulkString(p)
	}
}

func cmdConfigSet(c *Client) {
	if len(c.args)%2 != 0 {
		c.errReply("ERR wrong number of arguments for 'config|set' command")
		return
	}
	var pairs [][2]string
	for i := 2; i < len(c.args); i += 2 {
		pairs = append(pairs, [2]string{strings.ToLower(string(c.args[i])), string(c.args[i+1])})
	}
	if err := c.s.cfg.SetMany(pairs, isLocal(c)); err != nil {
		c.fail(err)
		return
	}
	c.ok()
}

func isLocal(c *Client) bool {
	return strings.HasPrefix(c.addr, "127.") || strings.HasPrefix(c.addr, "[::1]") || strings.HasPrefix(c.addr, "/")
}

func cmdConfigResetstat(c *Client) {
	s := c.s
	s.statsMu.Lock()
	for _, cmd := range s.cmds {
		cmd.calls, cmd.usec, cmd.rejected, cmd.failed = 0, 0, 0, 0
		for _, sc := range cmd.subs {
			sc.calls, sc.usec, sc.rejected, sc.failed = 0, 0, 0, 0
		}
	}
	s.errs = map[string]int64{}
	s.statsMu.Unlock()
	s.totalCmds.Store(0)
	s.totalConns.Store(0)
	s.rejectedConns.Store(0)
	s.expiredKeys.Store(0)
	s.master.syncFull.Store(0)
	s.master.syncPartialOK.Store(0)
	s.master.syncPartialErr.Store(0)
	s.netIn.Store(0)
	s.netOut.Store(0)
	c.ok()
}

func cmdConfigRewrite(c *Client) {
	path := c.s.cfg.ConfigFile()
	if path == "" {
		c.errReply("ERR The server is running without a config file")
		return
	}
	if err := c.s.cfg.Rewrite(path); err != nil {
		c.errReply("ERR Rewriting config file: " + err.Error())
		return
	}
	c.ok()
}

func parseFlushMode(c *Client) bool {
	if len(c.args) > 2 {
		c.errReply(errSyntax)
		return false
	}
	if len(c.args) == 2 {
		m := strings.ToUpper(string(c.args[1]))
		if m != "SYNC" && m != "ASYNC" {
			c.errReply(errSyntax)
			return false
		}
	}
	return true
}

func cmdFlushDB(c *Client) {
	if !parseFlushMode(c) {
		return
	}
	if err := c.tx.FlushDB(c.db); err != nil {
		c.fail(err)
		return
	}
	c.ok()
}

func cmdFlushAll(c *Client) {
	if !parseFlushMode(c) {
		return
	}
	for db := 0; db < c.s.db.Databases(); db++ {
		if err := c.tx.FlushDB(db); err != nil {
			c.fail(err)
			return
		}
	}
	c.ok()
}

func cmdSwapDB(c *Client) {
	a, err1 := strconv.ParseInt(string(c.args[1]), 10, 64)
	b, err2 := strconv.ParseInt(string(c.args[2]), 10, 64)
	if err1 != nil {
		c.errReply("ERR invalid first DB index")
		return
	}
	if err2 != nil {
		c.errReply("ERR invalid second DB index")
		return
	}
	n := int64(c.s.db.Databases())
	if a < 0 || a >= n || b < 0 || b >= n {
		c.errReply("ERR DB index is out of range")
		return
	}
	if err := c.tx.SwapDB(int(a), int(b)); err != nil {
		c.fail(err)
		return
	}
	c.propAlways() // swapdbCommand counts a change, even for SWAPDB 0 0
	c.ok()
}

func cmdTime(c *Client) {
	now := time.Now()
	c.arrayLen(2)
	c.bulkString(strconv.FormatInt(now.Unix(), 10))
	c.bulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

func cmdSave(c *Client) {
	if err := c.s.db.Flush(); err != nil {
		c.fail(err)
		return
	}
	c.s.lastSave.Store(time.Now().Unix())
	c.s.dirty.Store(0)
	c.ok()
}

func cmdBgsave(c *Client) {
	if len(c.args) > 2 || (len(c.args) == 2 && !strings.EqualFold(string(c.args[1]), "SCHEDULE")) {
		c.errReply(errSyntax)
		return
	}
	s := c.s
	go func() {
		if s.db.Flush() == nil {
			s.lastSave.Store(time.Now().Unix())
			s.dirty.Store(0)
		}
	}()
	c.simple("Background saving started")
}

func cmdShutdown(c *Client) {
	for _, a := range c.args[1:] {
		switch strings.ToUpper(string(a)) {
		case "NOSAVE", "SAVE", "NOW", "FORCE", "ABORT":
		default:
			c.errReply(errSyntax)
			return
		}
	}
	c.s.log.Printf("User requested shutdown...")
	c.closing = true
	go c.s.Close()
}

func cmdDebug(c *Client) {
	s := c.s
	switch s.cfg.String("enable-debug-command") {
	case "yes":
	case "local":
		if !isLocal(c) {
			c.errReply(errDebugDisabled)
			return
		}
	default:
		c.errReply(errDebugDisabled)
		return
	}
	sub := strings.ToUpper(string(c.args[1]))
	switch {
	case sub == "SLEEP" && len(c.args) == 3:
		f, err := strconv.ParseFloat(string(c.args[2]), 64)
		if err != nil {
			c.errReply("ERR value is not a valid float")
			return
		}
		time.Sleep(time.Duration(f * float64(time.Second)))
		c.ok()
	case sub == "DIGEST" && len(c.args) == 2:
		var d [20]byte
		err := s.db.View(true, func(tx *store.Tx) error {
			var err error
			d, err = s.datasetDigest(tx)
			return err
		})
		if err != nil {
			c.fail(err)
			return
		}
		c.simple(digestHex(d))
	case sub == "DIGEST-VALUE" && len(c.args) >= 2:
		err := s.db.View(true, func(tx *store.Tx) error {
			c.arrayLen(len(c.args) - 2)
			for _, k := range c.args[2:] {
				var d [20]byte
				m, ok, err := tx.Lookup(c.db, k)
				if err != nil {
					return err
				}
				if ok {
					if err := s.objectDigest(tx, c.db, k, &m, &d); err != nil {
						return err
					}
				}
				c.simple(fmt.Sprintf("%x", d[:]))
			}
			return nil
		})
		if err != nil {
			c.fail(err)
		}
	case sub == "POPULATE" && len(c.args) >= 3 && len(c.args) <= 5:
		debugPopulate(c)
	case sub == "SET-ACTIVE-EXPIRE" && len(c.args) == 3:
		s.activeExpireOn.Store(string(c.args[2]) == "1")
		c.ok()
	case sub == "ERROR" && len(c.args) == 3:
		c.errReply(string(c.args[2]))
	case sub == "LOG" && len(c.args) == 3:
		s.log.Printf("DEBUG LOG: %s", c.args[2])
		c.ok()
	case sub == "RELOAD":
		c.ok()
	case sub == "HELP":
		helpReply(c, "DEBUG", []string{"DIGEST", "    Output a hex signature representing the current DB content.",
			"DIGEST-VALUE <key> [<key> ...]", "    Output a hex signature of the values of all the specified keys.",
			"POPULATE <count> [<prefix>] [<size>]", "    Create <count> string keys named key:<num>.",
			"SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."})
	default:
		c.errReply(fmt.Sprintf("ERR unknown subcommand '%s'. Try DEBUG HELP.", truncArg(c.args[1])))
	}
}

func debugPopulate(c *Client) {
	n, err := strconv.ParseInt(string(c.args[2]), 10, 64)
	if err != nil || n < 0 {
		c.errReply("ERR value is out of range, must be positive")
		return
	}
	prefix := "key"
	if len(c.args) >= 4 {
		prefix = string(c.args[3])
	}
	size := int64(-1)
	if len(c.args) == 5 {
		size, err = strconv.ParseInt(string(c.args[4]), 10, 64)
		if err != nil || size < 0 {
			c.errReply("ERR value is out of range, must be positive")
			return
		}
	}
	db := c.db
	for start := int64(0); start < n; start += 1000 {
		end := min(start+1000, n)
		err := c.s.db.Update(func(tx *store.Tx) error {
			for i := start; i < end; i++ {
				key := []byte(prefix + ":" + strconv.FormatInt(i, 10))
				_, ok, err := tx.Lookup(db, key)
				if err != nil {
					return err
				}
				if ok {
					continue
				}
				val := []byte("value:" + strconv.FormatInt(i, 10))
				if size >= 0 {
					v := make([]byte, size)
					copy(v, val)
					val = v
				}
				if err := tx.Put(db, key, nil, &store.Meta{Type: store.TypeString, Value: val}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			c.fail(err)
			return
		}
	}
	c.ok()
}

// Keep imports used by later additions.
var (
	_ = errors.New
	_ = os.Getpid
	_ = runtime.NumGoroutine
	_ config.SetError
)
