package server

import (
	"strings"

	"github.com/redpebble/redpebble/resp"
)

// COMMAND and its subcommands answer with Redis 7.0.15's own metadata for
// the commands redpebble implements (the raw replies in commands.json).

// infoEntry returns the raw COMMAND INFO entry of a command (without the
// one-element array header Redis put around it) in c's protocol.
func infoEntry(c *Client, rc *redisCommand) string {
	s := rc.Info
	if c.proto == resp.RESP3 {
		rc.resp3.Do(func() { rc.info3, rc.docs3 = toRESP3(rc.Info, infoShape), toRESP3(rc.Docs, docsShape) })
		s = rc.info3
	}
	if strings.HasPrefix(s, "*1\r\n") {
		return s[4:]
	}
	return s
}

// docsEntry returns the raw "name, doc map" pair of COMMAND DOCS in c's
// protocol.
func docsEntry(c *Client, rc *redisCommand) string {
	s := rc.Docs
	if c.proto == resp.RESP3 {
		rc.resp3.Do(func() { rc.info3, rc.docs3 = toRESP3(rc.Info, infoShape), toRESP3(rc.Docs, docsShape) })
		s = rc.docs3
	}
	if strings.HasPrefix(s, "*2\r\n") || strings.HasPrefix(s, "%1\r\n") {
		return s[4:]
	}
	return s
}

// RESP3 forms of the recorded RESP2 replies. Redis builds COMMAND INFO and
// DOCS with sets and maps (addReplySetLen, addReplyMapLen in server.c); the
// recording holds their RESP2 flattening, so the shape of each reply says
// which arrays were sets and which were maps of pairs.
type shape int

const (
	shArray   shape = iota // keep as is (elements keep their shapes by position)
	shSet                  // an array that was a set
	shMap                  // an array of pairs that was a map; values by key
	shInfo                 // one COMMAND INFO entry
	shDocMap               // one command's doc map
	shArgs                 // an array of argument maps
	shSubDocs              // subcommand name -> doc map
	shSpecs                // an array of key-spec maps
	shInfoArr              // an array of COMMAND INFO entries
)

var (
	infoShape = shInfoArr // the recording is "*1" + entry
	docsShape = shSubDocs // the recording is name, doc map: a map of one
)

// toRESP3 converts a recorded RESP2 reply; on any surprise it returns the
// reply unchanged.
func toRESP3(raw string, sh shape) string {
	v, _, err := resp.ParseValue([]byte(raw))
	if err != nil {
		return raw
	}
	return string(appendRESP3At(nil, v, sh, true))
}

func appendRESP3(b []byte, v resp.Value, sh shape) []byte { return appendRESP3At(b, v, sh, true) }

func appendRESP3At(b []byte, v resp.Value, sh shape, top bool) []byte {
	if v.Kind != resp.KindArray || v.Null {
		return appendRESP2Scalar(b, v)
	}
	n := len(v.Array)
	switch sh {
	case shSet:
		b = resp.AppendSetLen(b, n, resp.RESP3)
		for _, e := range v.Array {
			b = appendRESP3At(b, e, shArray, false)
		}
	case shMap, shDocMap, shSubDocs:
		if n%2 != 0 {
			return appendRESP3At(b, v, shArray, false)
		}
		b = resp.AppendMapLen(b, n/2, resp.RESP3)
		for i := 0; i < n; i += 2 {
			b = appendRESP3At(b, v.Array[i], shArray, false)
			b = appendRESP3At(b, v.Array[i+1], valueShape(sh, string(v.Array[i].Str)), false)
		}
	case shInfo:
		b = resp.AppendArrayLen(b, n)
		for i, e := range v.Array {
			es := shArray
			switch i {
			case 2, 6, 7: // flags, ACL categories, tips
				es = shSet
			case 8:
				es = shSpecs
			case 9:
				es = shInfoArr
			}
			b = appendRESP3At(b, e, es, false)
		}
	case shArgs, shSpecs, shInfoArr:
		es := shMap
		if sh == shInfoArr {
			es = shInfo
		} else if sh == shArgs {
			es = shDocMap
		}
		if sh == shArgs || top {
			b = resp.AppendArrayLen(b, n)
		} else {
			// Key specs and subcommands of an entry are sets in Redis 7.0.
			b = resp.AppendSetLen(b, n, resp.RESP3)
		}
		for _, e := range v.Array {
			b = appendRESP3At(b, e, es, false)
		}
	default:
		b = resp.AppendArrayLen(b, n)
		for _, e := range v.Array {
			b = appendRESP3At(b, e, shArray, false)
		}
	}
	return b
}

// valueShape is the shape of the value under key in a map of shape sh.
func valueShape(sh shape, key string) shape {
	switch sh {
	case shSubDocs:
		return shDocMap
	case shDocMap:
		switch key {
		case "doc_flags", "flags", "history":
			return shSet
		case "arguments":
			return shArgs
		case "subcommands":
			return shSubDocs
		}
	case shMap: // key-spec maps and their parts
		switch key {
		case "flags":
			return shSet
		case "begin_search", "find_keys", "spec":
			return shMap
		}
	}
	return shArray
}

// appendRESP2Scalar writes a parsed scalar (or null array) back; nulls in
// RESP3 when the caller converts to RESP3 (appendRESP3), else as parsed.
func appendRESP2Scalar(b []byte, v resp.Value) []byte {
	switch v.Kind {
	case resp.KindInt:
		return resp.AppendInt(b, v.Int)
	case resp.KindSimple:
		return resp.AppendSimple(b, string(v.Str))
	case resp.KindArray:
		return resp.AppendNullArray(b, resp.RESP3)
	}
	if v.Null {
		return resp.AppendNull(b, resp.RESP3)
	}
	return resp.AppendBulk(b, v.Str)
}

var commandHelp = []string{
	"(no subcommand)", "    Return details about all Redis commands.",
	"COUNT", "    Return the total number of commands in this Redis server.",
	"LIST", "    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
}

// cmdCommandGetkeys is COMMAND GETKEYS, as commandGetKeysCommand.
func cmdCommandGetkeys(c *Client) {
	args := c.args[2:]
	cmd := c.s.cmds[strings.ToLower(string(args[0]))]
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.subs[strings.ToLower(string(args[1]))]
	}
	switch {
	case cmd == nil || cmd.fn == nil:
		c.errReply("ERR Invalid command specified")
	case (cmd.arity > 0 && len(args) != cmd.arity) || len(args) < -cmd.arity:
		c.errReply("ERR Invalid number of arguments specified for command")
	default:
		pos := cmd.keys(args)
		if len(pos) == 0 {
			c.errReply("ERR The command has no key arguments")
			return
		}
		c.arrayLen(len(pos))
		for _, i := range pos {
			c.bulk(args[i])
		}
	}
}

func cmdCommand(c *Client) {
	if len(c.args) > 1 {
		c.errReply("ERR unknown subcommand '" + truncArg(c.args[1]) + "'. Try COMMAND HELP.")
		return
	}
	names := c.s.cmds.names()
	c.arrayLen(len(names))
	for _, n := range names {
		c.out = append(c.out, infoEntry(c, c.s.cmds[n].redis)...)
	}
}

func cmdCommandInfo(c *Client) {
	names := c.args[2:]
	if len(names) == 0 {
		all := c.s.cmds.names()
		c.arrayLen(len(all))
		for _, n := range all {
			c.out = append(c.out, infoEntry(c, c.s.cmds[n].redis)...)
		}
		return
	}
	c.arrayLen(len(names))
	for _, n := range names {
		cmd := c.s.cmds.byFullName(strings.ToLower(string(n)))
		if cmd == nil || cmd.redis == nil {
			c.null()
			continue
		}
		c.out = append(c.out, infoEntry(c, cmd.redis)...)
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
		c.out = append(c.out, docsEntry(c, rc)...)
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

// byFullName finds a command by its full name: "get" or "config|get".
func (t commandTable) byFullName(name string) *command {
	parent, sub, isSub := strings.Cut(name, "|")
	cmd := t[parent]
	if isSub && cmd != nil {
		cmd = cmd.subs[sub]
	}
	return cmd
}
