package server

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// CLIENT REPLY modes.
const (
	replyOn = iota
	replyOff
	replySkip
	replySkipNext // SKIP was just given: skip the next command's reply
)

// Client is one connection's state. It is used only by the connection's
// goroutine, except while a write runs: then the writer goroutine runs the
// handler on the client's behalf and the connection goroutine waits.
type Client struct {
	repl  *replInfo // REPLCONF/PSYNC state of a replica's connection (master.go)
	s     *Server
	conn  *conn
	guard *resp.Guard
	id    int64
	addr  string
	laddr string
	fd    int

	db      int
	proto   resp.Proto
	name    string
	libName string
	libVer  string
	authed  bool
	user    string
	u       *aclUser // nil: the default user

	softLimitSince time.Time // when the output first went over the soft limit
	// parked is set while the client waits in a blocking command: the idle
	// timeout does not apply then (clientsCronHandleTimeout).
	parked atomic.Bool

	created time.Time
	lastCmd atomic.Int64 // unix nanos of the last command
	cmdName atomic.Pointer[string]

	replyMode int
	closing   bool
	killed    atomic.Bool

	// Per-command state.
	args [][]byte
	cmd  *command
	out  []byte
	tx   *store.Tx

	// pipeline is handle's reusable buffer for a pipeline's commands.
	pipeline []rcmd

	// Blocking state (blocking.go): blk is the pending request, blocking
	// says the handler just asked to block, blockArgs keeps the arguments
	// for the retries (the connection reuses its buffers after the handler).
	blk       *blockState
	blocking  bool
	blockArgs [][]byte
	// inExec is set while EXEC runs the queue; fromMaster while a command of
	// the master's stream is applied. Neither may block.
	inExec     bool
	fromMaster bool
	// propOn is set while a command runs whose effects a master propagates;
	// a handler that knows them better than its argv (XREADGROUP, XCLAIM,
	// XAUTOCLAIM) sets propOverride and lists them in propCmds.
	propOn       bool
	propOverride bool
	propForce    bool // propagate though no record changed (FUNCTION FLUSH, SWAPDB)
	propCmds     [][][]byte

	// MULTI state.
	multi     bool
	multiErr  bool
	queue     []queued
	watched   map[watchKey]struct{}
	watchFail atomic.Bool

	psc       *psConn                // set once the client subscribed (pubsub.go)
	psPending pubsub.Batch           // wakeups a pipeline of PUBLISH held back (pubsub.go)
	pscShared atomic.Pointer[psConn] // psc, for other goroutines (CLIENT LIST, timeout)
	noteCtxFn func() any             // noteContext's function, made once
	unflushed int                    // reply bytes queued since handle's last flush (outlimit.go)
}

type queued struct {
	cmd  *command
	args [][]byte
}

type watchKey struct {
	db  int
	key string
}

// Reply writers: each appends one RESP value to the current reply.

func (c *Client) ok()                 { c.out = append(c.out, "+OK\r\n"...) }
func (c *Client) simple(s string)     { c.out = resp.AppendSimple(c.out, s) }
func (c *Client) errReply(s string)   { c.out = resp.AppendError(c.out, s) }
func (c *Client) integer(n int64)     { c.out = resp.AppendInt(c.out, n) }
func (c *Client) bulk(p []byte)       { c.out = resp.AppendBulk(c.out, p) }
func (c *Client) bulkString(s string) { c.out = resp.AppendBulkString(c.out, s) }
func (c *Client) null()               { c.out = resp.AppendNull(c.out, c.proto) }
func (c *Client) nullArray()          { c.out = resp.AppendNullArray(c.out, c.proto) }
func (c *Client) arrayLen(n int)      { c.out = resp.AppendArrayLen(c.out, n) }
func (c *Client) mapLen(n int)        { c.out = resp.AppendMapLen(c.out, n, c.proto) }
func (c *Client) setLen(n int)        { c.out = resp.AppendSetLen(c.out, n, c.proto) }
func (c *Client) double(f float64)    { c.out = resp.AppendDouble(c.out, f, c.proto) }
func (c *Client) boolean(v bool)      { c.out = resp.AppendBool(c.out, v, c.proto) }
func (c *Client) verbatim(s string)   { c.out = resp.AppendVerbatim(c.out, "txt", []byte(s), c.proto) }
func (c *Client) bulkOrNull(p []byte, ok bool) {
	if ok {
		c.bulk(p)
	} else {
		c.null()
	}
}

// fail writes err as an error reply: store errors that carry a Redis error
// code are sent as they are, others get ERR.
func (c *Client) fail(err error) {
	s := err.Error()
	if len(s) > 0 && s[0] >= 'A' && s[0] <= 'Z' {
		for i := 0; i < len(s); i++ {
			if s[i] == ' ' {
				if isCode(s[:i]) {
					c.errReply(s)
					return
				}
				break
			}
		}
	}
	c.errReply("ERR " + s)
}

func isCode(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

// info renders the CLIENT LIST / CLIENT INFO line for c.
func (c *Client) info(now time.Time) string {
	last := time.Unix(0, c.lastCmd.Load())
	cmd := "NULL"
	if p := c.cmdName.Load(); p != nil {
		cmd = *p
	}
	flags := "N"
	if c.multi {
		flags = "x"
	}
	sub, psub, ssub := c.psCounts()
	if sub+psub+ssub > 0 {
		flags = strings.TrimSuffix("P"+flags, "N")
	}
	multi := -1
	if c.multi {
		multi = len(c.queue)
	}
	b := make([]byte, 0, 256)
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="...)
	b = append(b, c.addr...)
	b = append(b, " laddr="...)
	b = append(b, c.laddr...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(c.fd), 10)
	b = append(b, " name="...)
	b = append(b, c.name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, int64(now.Sub(c.created)/time.Second), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, int64(now.Sub(last)/time.Second), 10)
	b = append(b, " flags="...)
	b = append(b, flags...)
	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(c.db), 10)
	b = append(b, " sub="...)
	b = strconv.AppendInt(b, int64(sub), 10)
	b = append(b, " psub="...)
	b = strconv.AppendInt(b, int64(psub), 10)
	b = append(b, " ssub="...)
	b = strconv.AppendInt(b, int64(ssub), 10)
	b = append(b, " multi="...)
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd="...)
	b = append(b, cmd...)
	b = append(b, " user="...)
	b = append(b, c.user...)
	b = append(b, " redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(c.proto), 10)
	return string(b)
}
