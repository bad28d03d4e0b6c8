package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redpebble/redpebble/server/config"
)

func (s *Server) registerACL() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "acl|setuser", cmdACLSetuser)
	t.add(rc, "acl|deluser", cmdACLDeluser)
	t.add(rc, "acl|getuser", cmdACLGetuser)
	t.add(rc, "acl|list", cmdACLList)
	t.add(rc, "acl|users", cmdACLUsers)
	t.add(rc, "acl|whoami", func(c *Client) { c.bulkString(c.aclUser().name) })
	t.add(rc, "acl|cat", cmdACLCat)
	t.add(rc, "acl|load", cmdACLLoad)
	t.add(rc, "acl|save", cmdACLSave)
	t.add(rc, "acl|log", cmdACLLog)
	t.add(rc, "acl|genpass", cmdACLGenpass)
	t.add(rc, "acl|dryrun", cmdACLDryrun)
	t.add(rc, "acl|help", func(c *Client) { helpReply(c, "ACL", aclHelp) })
}

var aclHelp = []string{
	"CAT [<category>]",
	"    List all commands that belong to <category>, or all command categories",
	"    when no category is specified.",
	"DELUSER <username> [<username> ...]",
	"    Delete a list of users.",
	"DRYRUN <username> <command> [<arg> ...]",
	"    Returns whether the user can execute the given command without executing the command.",
	"GETUSER <username>",
	"    Get the user's details.",
	"GENPASS [<bits>]",
	"    Generate a secure 256-bit user password. The optional `bits` argument can",
	"    be used to specify a different size.",
	"LIST",
	"    Show users details in config file format.",
	"LOAD",
	"    Reload users from the ACL file.",
	"LOG [<count> | RESET]",
	"    Show the ACL log entries.",
	"SAVE",
	"    Save the current config to the ACL file.",
	"SETUSER <username> <attribute> [<attribute> ...]",
	"    Create or modify a user with the specified attributes.",
	"USERS",
	"    List all the registered usernames.",
	"WHOAMI",
	"    Return the current connection username.",
}

func aclSyntaxErr(c *Client) {
	c.errReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try ACL HELP.", truncArg(c.args[1])))
}

func cmdACLSetuser(c *Client) {
	a := c.s.acl
	name := string(c.args[2])
	if hasSpaces(name) {
		c.errReply("ERR Usernames can't contain spaces or null characters")
		return
	}
	ops := make([]string, 0, len(c.args)-3)
	for _, x := range c.args[3:] {
		ops = append(ops, string(x))
	}
	merged, bad := mergeSelectorArgs(ops)
	if merged == nil && bad >= 0 {
		c.errReply(fmt.Sprintf("ERR Unmatched parenthesis in acl selector starting at '%s'.", c.args[bad+3]))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	temp := a.newUser(name)
	u := a.users[name]
	if u != nil {
		temp.copyFrom(u)
	}
	for _, op := range merged {
		if err := a.setUser(temp, op); err != nil {
			c.errReply(fmt.Sprintf("ERR Error in ACL SETUSER modifier '%s': %s", op, err))
			return
		}
	}
	if u == nil {
		u = a.newUser(name)
		a.users[name] = u
	}
	u.copyFrom(temp)
	c.ok()
}

func cmdACLDeluser(c *Client) {
	for _, n := range c.args[2:] {
		if string(n) == "default" {
			c.errReply("ERR The 'default' user cannot be removed")
			return
		}
	}
	a := c.s.acl
	a.mu.Lock()
	var gone []*aclUser
	for _, n := range c.args[2:] {
		if u := a.users[string(n)]; u != nil {
			delete(a.users, string(n))
			gone = append(gone, u)
		}
	}
	a.mu.Unlock()
	c.s.killUsers(c, gone)
	c.integer(int64(len(gone)))
}

// killUsers disconnects the clients authenticated as one of users
// (ACLFreeUserAndKillClients); c itself is closed after its reply.
func (s *Server) killUsers(c *Client, users []*aclUser) {
	if len(users) == 0 {
		return
	}
	set := map[*aclUser]bool{}
	for _, u := range users {
		set[u] = true
	}
	s.mu.Lock()
	s.acl.mu.RLock()
	var victims []*Client
	for _, cl := range s.clients {
		if cl.u != nil && set[cl.u] {
			victims = append(victims, cl)
		}
	}
	s.acl.mu.RUnlock()
	s.mu.Unlock()
	for _, cl := range victims {
		if c != nil && cl == c {
			c.closing = true
			continue
		}
		cl.kill()
	}
}

func (c *Client) replySelector(a *acl, s *aclSelector) {
	c.bulkString("commands")
	c.bulkString(a.describeCommands(s))
	c.bulkString("keys")
	if s.allKeys {
		c.bulkString("~*")
	} else {
		parts := make([]string, len(s.keys))
		for i, k := range s.keys {
			parts[i] = k.String()
		}
		c.bulkString(strings.Join(parts, " "))
	}
	c.bulkString("channels")
	if s.allChannels {
		c.bulkString("&*")
	} else {
		parts := make([]string, len(s.channels))
		for i, ch := range s.channels {
			parts[i] = "&" + ch
		}
		c.bulkString(strings.Join(parts, " "))
	}
}

func cmdACLGetuser(c *Client) {
	a := c.s.acl
	a.mu.RLock()
	defer a.mu.RUnlock()
	u := a.users[string(c.args[2])]
	if u == nil {
		c.null()
		return
	}
	c.mapLen(6)
	c.bulkString("flags")
	f := u.flagNames()
	c.setLen(len(f))
	for _, x := range f {
		c.bulkString(x)
	}
	c.bulkString("passwords")
	c.arrayLen(len(u.passwords))
	for _, p := range u.passwords {
		c.bulkString(p)
	}
	c.replySelector(a, u.root())
	c.bulkString("selectors")
	c.arrayLen(len(u.sels) - 1)
	for _, s := range u.sels[1:] {
		c.mapLen(3)
		c.replySelector(a, s)
	}
}

func cmdACLList(c *Client) {
	lines := c.s.acl.lines()
	c.arrayLen(len(lines))
	for _, l := range lines {
		c.bulkString(l)
	}
}

func cmdACLUsers(c *Client) {
	a := c.s.acl
	a.mu.RLock()
	names := a.sortedNames()
	a.mu.RUnlock()
	c.arrayLen(len(names))
	for _, n := range names {
		c.bulkString(n)
	}
}

func cmdACLCat(c *Client) {
	if len(c.args) > 3 {
		aclSyntaxErr(c)
		return
	}
	if len(c.args) == 2 {
		c.arrayLen(len(aclCategories))
		for _, n := range aclCategories {
			c.bulkString(n)
		}
		return
	}
	bit := aclCategoryBit(string(c.args[2]))
	if bit == 0 {
		a := string(c.args[2])
		if len(a) > 128 {
			a = a[:128]
		}
		c.errReply(fmt.Sprintf("ERR Unknown category '%s'", a))
		return
	}
	var names []string
	for _, cmd := range c.s.acl.t.top {
		if cmd.cats&bit != 0 {
			names = append(names, cmd.fullname)
		}
		for _, sub := range cmd.subs {
			if sub.cats&bit != 0 {
				names = append(names, sub.fullname)
			}
		}
	}
	c.arrayLen(len(names))
	for _, n := range names {
		c.bulkString(n)
	}
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

func cmdACLLoad(c *Client) {
	path := c.s.cfg.String("aclfile")
	if path == "" {
		c.errReply(errNoACLFile)
		return
	}
	if err := c.s.loadACLFile(path, c); err != nil {
		c.errReply("ERR " + err.Error())
		return
	}
	c.ok()
}

func cmdACLSave(c *Client) {
	path := c.s.cfg.String("aclfile")
	if path == "" {
		c.errReply(errNoACLFile)
		return
	}
	if err := c.s.saveACLFile(path); err != nil {
		c.s.log.Printf("ACL SAVE: %v", err)
		c.errReply("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.ok()
}

func cmdACLLog(c *Client) {
	if len(c.args) > 3 {
		aclSyntaxErr(c)
		return
	}
	a := c.s.acl
	count := int64(10)
	if len(c.args) == 3 {
		if strings.EqualFold(string(c.args[2]), "reset") {
			a.mu.Lock()
			a.log = nil
			a.mu.Unlock()
			c.ok()
			return
		}
		n, err := strconv.ParseInt(string(c.args[2]), 10, 64)
		if err != nil {
			c.errReply(errNotInt)
			return
		}
		count = max(n, 0)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	count = min(count, int64(len(a.log)))
	c.arrayLen(int(count))
	now := time.Now()
	for _, le := range a.log[:count] {
		c.mapLen(7)
		c.bulkString("count")
		c.integer(le.count)
		c.bulkString("reason")
		c.bulkString([]string{aclDeniedCmd: "command", aclDeniedKey: "key", aclDeniedAuth: "auth", aclDeniedChannel: "channel"}[le.reason])
		c.bulkString("context")
		if le.multi {
			c.bulkString("multi")
		} else {
			c.bulkString("toplevel")
		}
		c.bulkString("object")
		c.bulkString(le.object)
		c.bulkString("username")
		c.bulkString(le.username)
		c.bulkString("age-seconds")
		c.double(float64(now.Sub(le.ctime).Milliseconds()) / 1000)
		c.bulkString("client-info")
		c.bulkString(le.cinfo)
	}
}

func cmdACLGenpass(c *Client) {
	if len(c.args) > 3 {
		aclSyntaxErr(c)
		return
	}
	bits := int64(256)
	if len(c.args) == 3 {
		n, err := strconv.ParseInt(string(c.args[2]), 10, 64)
		if err != nil {
			c.errReply(errNotInt)
			return
		}
		bits = n
	}
	if bits <= 0 || bits > 4096 {
		c.errReply("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return
	}
	chars := (bits + 3) / 4
	b := make([]byte, (chars+1)/2)
	rand.Read(b)
	c.bulkString(hex.EncodeToString(b)[:chars])
}

func cmdACLDryrun(c *Client) {
	a := c.s.acl
	a.mu.RLock()
	defer a.mu.RUnlock()
	u := a.users[string(c.args[2])]
	if u == nil {
		c.errReply(fmt.Sprintf("ERR User '%s' not found", c.args[2]))
		return
	}
	args := c.args[3:]
	cmd := a.t.lookup(string(args[0]))
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = a.t.lookup(string(args[0]) + "|" + string(args[1]))
	}
	if cmd == nil {
		c.errReply(fmt.Sprintf("ERR Command '%s' not found", args[0]))
		return
	}
	if (cmd.arity > 0 && cmd.arity != len(args)) || len(args) < -cmd.arity {
		c.errReply(fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.fullname))
		return
	}
	r, idx := a.checkUser(u, cmd, args)
	switch r {
	case aclOK:
		c.ok()
	case aclDeniedCmd:
		c.bulkString(fmt.Sprintf("This user has no permissions to run the '%s' command", cmd.fullname))
	case aclDeniedKey:
		c.bulkString(fmt.Sprintf("This user has no permissions to access the '%s' key", args[idx]))
	default:
		c.bulkString(fmt.Sprintf("This user has no permissions to access the '%s' channel", args[idx]))
	}
}

// ---- loading and saving ----

// loadUsers applies the "user" lines of the configuration at startup
// (ACLLoadConfiguredUsers), then the aclfile (ACLLoadUsersAtStartup).
func (s *Server) loadUsers() error {
	users := s.cfg.Users()
	path := s.cfg.String("aclfile")
	if path != "" && len(users) > 0 {
		return errors.New("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
	}
	a := s.acl
	seen := map[string]bool{}
	for _, line := range users {
		name := line[0]
		if seen[name] {
			return fmt.Errorf("Error in user declaration '%s': %s", name, errACLAlready)
		}
		seen[name] = true
		if hasSpaces(name) {
			return errors.New("Spaces not allowed in ACL usernames")
		}
		merged, bad := mergeSelectorArgs(line[1:])
		if merged == nil && bad >= 0 {
			return fmt.Errorf("Unmatched parenthesis in acl selector of user '%s'", name)
		}
		u := a.users[name]
		if u == nil {
			u = a.newUser(name)
			a.users[name] = u
		} else {
			_ = a.setUser(u, "reset")
		}
		for _, op := range merged {
			if err := a.setUser(u, op); err != nil {
				return fmt.Errorf("Error loading ACL rule '%s' for the user named '%s': %s", op, name, err)
			}
		}
	}
	if path != "" {
		if err := s.loadACLFile(path, nil); err != nil {
			return fmt.Errorf("Aborting Redis startup because of ACL errors: %s", err)
		}
	}
	return nil
}

// loadACLFile is ACLLoadFromFile: all or nothing. As in Redis, the clients
// of every replaced user but default are disconnected (c, running ACL LOAD,
// after its reply).
func (s *Server) loadACLFile(path string, c *Client) error {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = syscallText(pe.Err)
		}
		return fmt.Errorf("Error loading ACLs, opening file '%s': %s", path, msg)
	}
	a := s.acl
	users := map[string]*aclUser{}
	var errs strings.Builder
	for i, line := range strings.Split(string(data), "\n") {
		ln := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		// sdssplitlen on single spaces: runs of spaces give empty rules
		// (no-ops), as in Redis.
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", path, ln)
			continue
		}
		if hasSpaces(argv[1]) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", path, ln, argv[1])
			continue
		}
		if users[argv[1]] != nil {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", argv[1], ln)
			continue
		}
		a.mu.RLock()
		u := a.newUser(argv[1])
		a.mu.RUnlock()
		users[argv[1]] = u
		merged, bad := mergeSelectorArgs(argv[2:])
		if merged == nil && bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", path, ln)
		}
		for _, op := range merged {
			if err := a.setUser(u, strings.Trim(op, "\t\r\n")); err != nil {
				if err == errACLNoEnt {
					fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", path, ln, op, err)
				} else {
					fmt.Fprintf(&errs, "%s:%d: %s. ", path, ln, err)
				}
			}
		}
	}
	if errs.Len() > 0 {
		return errors.New(errs.String() + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
	}
	a.mu.Lock()
	nd := users["default"]
	if nd == nil {
		nd = a.newDefaultUser()
	}
	a.def.copyFrom(nd)
	users["default"] = a.def
	old := a.users
	a.users = users
	a.mu.Unlock()
	var gone []*aclUser
	for n, u := range old {
		if n != "default" {
			gone = append(gone, u)
		}
	}
	s.killUsers(c, gone)
	return nil
}

func (s *Server) saveACLFile(path string) error {
	var b strings.Builder
	for _, l := range s.acl.lines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%d", path, os.Getpid(), time.Now().UnixMilli())
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// syscallText is strerror's text for the common errors.
func syscallText(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func init() {
	config.ValidateUser = validateUserLine
}

var validationACL struct {
	once sync.Once
	a    *acl
}

// validateUserLine is ACLAppendUserForLoading's check of a configuration
// "user" line: duplicates, unmatched selector parentheses and rule syntax
// (an unknown command or category is reported later, when the users load).
func validateUserLine(line []string, earlier [][]string) error {
	for _, e := range earlier {
		if e[0] == line[0] {
			return errACLAlready
		}
	}
	merged, bad := mergeSelectorArgs(line[1:])
	if merged == nil && bad >= 0 {
		return errACLWrongFmt
	}
	validationACL.once.Do(func() { validationACL.a = newACL(loadRedisCommands(), false) })
	a := validationACL.a
	u := a.newUser(line[0])
	for _, op := range merged {
		if err := a.setUser(u, op); err != nil && err != errACLNoEnt {
			return err
		}
	}
	return nil
}
