package server

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/redpebble/redpebble/resp"
)

// commands.json is COMMAND INFO / COMMAND DOCS of Debian's redis-server
// 7.0.15, produced by gen_commands.py: arity, flags, key positions and ACL
// categories come from Redis, never from our own judgement.
//
//go:embed commands.json
var commandsJSON []byte

// redisCommand is one entry of commands.json.
type redisCommand struct {
	Arity       int            `json:"arity"`
	Flags       []string       `json:"flags"`
	First       int            `json:"first"`
	Last        int            `json:"last"`
	Step        int            `json:"step"`
	ACL         []string       `json:"acl"`
	Subcommands []redisCommand `json:"subcommands"`
	Name        string         `json:"name"`
	Info        string         `json:"info"` // raw RESP2 reply of COMMAND INFO <name>
	Docs        string         `json:"docs"` // raw RESP2 reply of COMMAND DOCS <name>

	resp3        sync.Once // computes the RESP3 forms on first use
	info3, docs3 string
}

func loadRedisCommands() map[string]*redisCommand {
	m := map[string]*redisCommand{}
	if err := json.Unmarshal(commandsJSON, &m); err != nil {
		panic("server: commands.json: " + err.Error())
	}
	// A subcommand's COMMAND INFO entry is element 9 of its parent's.
	for _, rc := range m {
		if len(rc.Subcommands) == 0 {
			continue
		}
		v, _, err := resp.ParseValue([]byte(rc.Info))
		if err != nil || len(v.Array) != 1 || len(v.Array[0].Array) != 10 {
			panic("server: commands.json: bad info of " + rc.Name)
		}
		for _, sub := range v.Array[0].Array[9].Array {
			for i := range rc.Subcommands {
				if sc := &rc.Subcommands[i]; len(sub.Array) > 0 && string(sub.Array[0].Str) == sc.Name && sc.Info == "" {
					sc.Info = string(appendRESP2(resp.AppendArrayLen(nil, 1), sub))
				}
			}
		}
	}
	return m
}

// Command flags, named as Redis names them.
const (
	flagWrite = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagPubsub
	flagNoscript
	flagLoading
	flagStale
	flagFast
	flagNoMulti
	flagNoAuth
	flagMayReplicate
	flagBlocking
	flagSkipMonitor
	flagNoPropagate
)

var flagNames = map[string]int{
	"write": flagWrite, "readonly": flagReadonly, "denyoom": flagDenyOOM, "admin": flagAdmin,
	"pubsub": flagPubsub, "noscript": flagNoscript, "loading": flagLoading, "stale": flagStale,
	"fast": flagFast, "no_multi": flagNoMulti, "no_auth": flagNoAuth, "may_replicate": flagMayReplicate,
	"blocking": flagBlocking, "skip_monitor": flagSkipMonitor, "no_propagate": flagNoPropagate,
}

// handler runs one command. It reads c.args and writes its reply with c's
// reply methods; c.tx is set for commands that touch the keyspace.
type handler func(c *Client)

// command is one entry of the command table.
type command struct {
	name        string // lower case; "config|get" for subcommands
	arity       int    // as Redis: negative means at least -arity
	flags       int
	first, last int // key positions (last -1: to the end)
	step        int
	acl         []string
	fn          handler
	subs        map[string]*command
	redis       *redisCommand
	// consistent makes a read command run on one pebble snapshot (it reads
	// several records that must agree).
	consistent bool
	// onWriter runs a command Redis flags readonly on the writer anyway:
	// PFCOUNT stores the cardinality it computes in the value.
	onWriter bool

	calls, usec, rejected, failed int64 // INFO commandstats, guarded by Server.statsMu
}

func (c *command) has(f int) bool { return c.flags&f != 0 }

// commandTable maps lower-case names to commands.
type commandTable map[string]*command

// add registers fn under name ("get", or "config|get" for a subcommand) with
// Redis's metadata for it. A name missing from commands.json is a programmer
// error.
func (t commandTable) add(rc map[string]*redisCommand, name string, fn handler) *command {
	parent, sub, isSub := strings.Cut(name, "|")
	var meta *redisCommand
	if isSub {
		p := rc[parent]
		if p == nil {
			panic("server: no Redis metadata for " + parent)
		}
		for i := range p.Subcommands {
			if p.Subcommands[i].Name == name {
				meta = &p.Subcommands[i]
			}
		}
	} else {
		meta = rc[name]
	}
	if meta == nil {
		panic("server: no Redis metadata for " + name)
	}
	c := &command{name: name, arity: meta.Arity, first: meta.First, last: meta.Last, step: meta.Step, acl: meta.ACL, fn: fn, redis: meta}
	for _, f := range meta.Flags {
		c.flags |= flagNames[f]
	}
	if !isSub {
		if t[name] != nil {
			panic("server: command registered twice: " + name)
		}
		t[name] = c
		return c
	}
	pc := t[parent]
	if pc == nil {
		pm := rc[parent]
		pc = &command{name: parent, arity: pm.Arity, first: pm.First, last: pm.Last, step: pm.Step, acl: pm.ACL, redis: pm}
		for _, f := range pm.Flags {
			pc.flags |= flagNames[f]
		}
		t[parent] = pc
	}
	if pc.subs == nil {
		pc.subs = map[string]*command{}
	}
	pc.subs[sub] = c
	return c
}

// names returns the sorted top-level names.
func (t commandTable) names() []string {
	out := make([]string, 0, len(t))
	for n := range t {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// keys returns the positions of the key arguments of args for c.
func (c *command) keys(args [][]byte) []int {
	if c.first <= 0 {
		return nil
	}
	last := c.last
	if last < 0 {
		last = len(args) + last
	}
	step := c.step
	if step <= 0 {
		step = 1
	}
	var out []int
	for i := c.first; i <= last && i < len(args); i += step {
		out = append(out, i)
	}
	return out
}

// lookup finds the command for args (with its subcommand) or returns the
// error Redis gives.
func (t commandTable) lookup(args [][]byte) (*command, string) {
	var buf [32]byte
	c := t[string(lowerInto(buf[:0], args[0]))]
	if c == nil {
		return nil, unknownCommand(args)
	}
	if c.subs != nil && len(args) >= 2 {
		sc := c.subs[string(lowerInto(buf[:0], args[1]))]
		if sc == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", truncArg(args[1]), strings.ToUpper(c.name))
		}
		c = sc
	}
	if c.fn == nil || (c.arity > 0 && len(args) != c.arity) || (c.arity < 0 && len(args) < -c.arity) {
		return nil, fmt.Sprintf("ERR wrong number of arguments for '%s' command", c.name)
	}
	return c, ""
}

// lowerInto appends the ASCII lower case of b to dst (strings.ToLower for
// the ASCII command names; other bytes are copied, so non-ASCII names still
// miss the table). The map lookup t[string(...)] does not allocate.
func lowerInto(dst, b []byte) []byte {
	for _, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}

func truncArg(a []byte) string {
	s := cString(a)
	if len(s) > 128 {
		s = s[:128]
	}
	return sanitize(s)
}

// sanitize replaces newlines as Redis does in error texts built from input.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// unknownCommand is Redis's text for an unknown command (processCommand in
// server.c): the arguments are quoted until 128 bytes of them were shown.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		s := cString(a)
		if room := 128 - b.Len(); len(s) > room {
			s = s[:room]
		}
		b.WriteByte('\'')
		b.WriteString(s)
		b.WriteString("' ")
	}
	return sanitize(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", truncArg(args[0]), b.String()))
}

// appendRESP2 writes a parsed RESP2 value back.
func appendRESP2(b []byte, v resp.Value) []byte {
	if v.Kind == resp.KindArray && !v.Null {
		b = resp.AppendArrayLen(b, len(v.Array))
		for _, e := range v.Array {
			b = appendRESP2(b, e)
		}
		return b
	}
	if v.Kind == resp.KindArray {
		return resp.AppendNullArray(b, resp.RESP2)
	}
	if v.Null {
		return resp.AppendNull(b, resp.RESP2)
	}
	return appendRESP2Scalar(b, v)
}
