package server

import (
	"strings"
)

// COMMAND and its subcommands answer with Redis 7.0.15's own metadata for
// the commands redpebble implements (the raw replies in commands.json).

// infoEntry returns the raw COMMAND INFO entry of a command (without the
// one-element array header Redis put around it).
func infoEntry(rc *redisCommand) string {
	s := rc.Info
	if strings.HasPrefix(s, "*1\r\n") {
		return s[4:]
	}
	return s
}

// docsEntry returns the raw "name, doc map" pair of COMMAND DOCS.
func docsEntry(rc *redisCommand) string {
	s := rc.Docs
	if strings.HasPrefix(s, "*2\r\n") {
		return s[4:]
	}
	return s
}

func cmdCommand(c *Client) {
	if len(c.args) > 1 {
		c.errReply("ERR unknown subcommand '" + truncArg(c.args[1]) + "'. Try COMMAND HELP.")
		return
	}
	names := c.s.cmds.names()
	c.arrayLen(len(names))
	for _, n := range names {
		c.out = append(c.out, infoEntry(c.s.cmds[n].redis)...)
	}
}

func cmdCommandInfo(c *Client) {
	names := c.args[2:]
	if len(names) == 0 {
		all := c.s.cmds.names()
		c.arrayLen(len(all))
		for _, n := range all {
			c.out = append(c.out, infoEntry(c.s.cmds[n].redis)...)
		}
		return
	}
	c.arrayLen(len(names))
	for _, n := range names {
		cmd := c.s.cmds[strings.ToLower(string(n))]
		if cmd == nil || cmd.redis == nil {
			c.nullArray()
			continue
		}
		c.out = append(c.out, infoEntry(cmd.redis)...)
	}
}

func cmdCommandDocs(c *Client) {
	var names []string
	if len(c.args) == 2 {
		names = c.s.cmds.names()
	} else {
		for _, n := range c.args[2:] {
			names = append(names, strings.ToLower(string(n)))
		}
	}
	var found []*redisCommand
	for _, n := range names {
		if cmd := c.s.cmds[n]; cmd != nil && cmd.redis != nil {
			found = append(found, cmd.redis)
		}
	}
	// A map of name -> docs (an array of pairs in RESP2).
	c.mapLen(len(found))
	for _, rc := range found {
		c.out = append(c.out, docsEntry(rc)...)
	}
}

func cmdCommandList(c *Client) {
	names := c.s.cmds.names()
	if len(c.args) > 2 {
		if len(c.args) != 5 || !strings.EqualFold(string(c.args[2]), "FILTERBY") {
			c.errReply(errSyntax)
			return
		}
		var out []string
		arg := string(c.args[4])
		for _, n := range names {
			cmd := c.s.cmds[n]
			switch strings.ToUpper(string(c.args[3])) {
			case "PATTERN":
				if glob([]byte(strings.ToLower(arg)), []byte(n)) {
					out = append(out, n)
				}
			case "ACLCAT":
				for _, a := range cmd.acl {
					if strings.EqualFold(strings.TrimPrefix(a, "@"), arg) {
						out = append(out, n)
						break
					}
				}
			case "MODULE":
			default:
				c.errReply(errSyntax)
				return
			}
		}
		names = out
	}
	c.arrayLen(len(names))
	for _, n := range names {
		c.bulkString(n)
	}
}
