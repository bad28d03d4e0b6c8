package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Pub/Sub tests: the same story of subscribers and publishers against a real
// redis-server and against redpebble, comparing every byte each connection
// receives.

// psStep is one step of a pub/sub story: conn sends cmds (pipelined); then
// every connection is read up to a barrier (PING psbarrier-N), so each one's
// bytes for the step are exactly what the step made the server send it.
type psStep struct {
	conn int
	cmds [][]string
	// noCompare skips the byte comparison of this step's replies on conn
	// (HELLO carries the client id).
	noCompare bool
	// sleep before the step (for expiry).
	sleep time.Duration
}

func st(conn int, args ...string) psStep { return psStep{conn: conn, cmds: [][]string{args}} }

func stMulti(conn int, cmds ...[]string) psStep { return psStep{conn: conn, cmds: cmds} }

// psRun plays steps on a server with nconns connections and returns, per step
// and connection, the bytes received.
func psRun(t *testing.T, addr string, nconns int, steps []psStep) [][][]byte {
	t.Helper()
	conns := make([]*redistest.Conn, nconns)
	for i := range conns {
		conns[i] = redistest.Dial(t, addr)
	}
	out := make([][][]byte, len(steps))
	closed := make([]bool, nconns)
	for si, s := range steps {
		if s.sleep > 0 {
			time.Sleep(s.sleep)
		}
		out[si] = make([][]byte, nconns)
		barrier := fmt.Sprintf("psbarrier-%d", si)
		order := []int{s.conn}
		for i := range conns {
			if i != s.conn {
				order = append(order, i)
			}
		}
		for _, i := range order {
			c := conns[i]
			if closed[i] {
				continue
			}
			quit := false
			if i == s.conn {
				for _, cmd := range s.cmds {
					c.Send(cmd...)
					quit = quit || cmd[0] == "QUIT"
				}
			}
			c.Send("PING", barrier)
			var got []byte
			for {
				raw, v, err := c.TryReceive()
				if err != nil && quit {
					closed[i] = true
					break
				}
				if err != nil {
					t.Fatalf("%s step %d %q conn %d: %v (so far %q)", addr, si, s.cmds, i, err, got)
				}
				if isBarrier(v, barrier) {
					break
				}
				got = append(got, raw...)
			}
			out[si][i] = got
		}
	}
	return out
}

func isBarrier(v redistest.Value, barrier string) bool {
	if v.Kind == redistest.KindArray && len(v.Elems) == 2 && v.Elems[0].Str == "pong" && v.Elems[1].Str == barrier {
		return true
	}
	return v.Str == barrier && (v.Kind == redistest.KindBulk)
}

// psCompare plays steps against redis-server and redpebble, compares, and
// returns everything each connection received from redis-server.
func psCompare(t *testing.T, nconns int, steps []psStep, conf ...string) [][]byte {
	t.Helper()
	ref := redistest.StartRedis(t, conf...)
	sut := startUnderTest(t, t.TempDir(), false, conf...)
	want := psRun(t, ref.Addr, nconns, steps)
	got := psRun(t, sut.Addr, nconns, steps)
	for si, s := range steps {
		for i := 0; i < nconns; i++ {
			if s.noCompare && i == s.conn {
				continue
			}
			if !bytes.Equal(want[si][i], got[si][i]) {
				t.Errorf("step %d (conn %d sends %q), conn %d received\n redis:     %q\n redpebble: %q",
					si, s.conn, s.cmds, i, want[si][i], got[si][i])
			}
		}
	}
	all := make([][]byte, nconns)
	for si := range steps {
		for i := 0; i < nconns; i++ {
			all[i] = append(all[i], want[si][i]...)
		}
	}
	return all
}

// psStory is the command story of TestPubSubAgainstRedis for one protocol:
// conn 0 and 1 subscribe, conn 2 publishes.
func psStory(proto int) []psStep {
	var steps []psStep
	if proto == 3 {
		for i := 0; i < 3; i++ {
			steps = append(steps, psStep{conn: i, cmds: [][]string{{"HELLO", "3"}}, noCompare: true})
		}
	}
	steps = append(steps,
		// Not subscribed: unsubscribes answer with a null / count 0.
		st(0, "UNSUBSCRIBE"), st(0, "PUNSUBSCRIBE"), st(0, "SUNSUBSCRIBE"),
		st(0, "UNSUBSCRIBE", "x", "y"), st(0, "PUNSUBSCRIBE", "x*"), st(0, "SUNSUBSCRIBE", "x"),
		st(2, "PUBLISH", "news", "nobody"),
		st(2, "PUBSUB", "NUMPAT"), st(2, "PUBSUB", "CHANNELS"), st(2, "PUBSUB", "NUMSUB"),
		// Subscribe: running counts, duplicates do not count.
		st(0, "SUBSCRIBE", "news", "sport", "news"),
		st(1, "PSUBSCRIBE", "n*", "s?ort"),
		st(1, "SUBSCRIBE", "news"),
		st(0, "SSUBSCRIBE", "shard1", "shard2"),
		st(2, "PUBLISH", "news", "hello world"),
		st(2, "PUBLISH", "sport", "goal"),
		st(2, "PUBLISH", "nothing", "x"),
		st(2, "PUBLISH", "other", "y"),
		st(2, "SPUBLISH", "shard1", "s1"),
		st(2, "SPUBLISH", "news", "shard news"),
		st(2, "PUBLISH", "shard1", "not shard"),
		st(2, "PUBLISH", "news", ""),
		st(2, "PUBLISH", "news", "bin\x00\r\nary"),
		st(2, "PUBSUB", "NUMSUB", "news", "sport", "nothing"),
		st(2, "PUBSUB", "NUMPAT"),
		st(2, "PUBSUB", "CHANNELS", "s*"),
		st(2, "PUBSUB", "CHANNELS", "nomatch*"),
		st(2, "PUBSUB", "SHARDCHANNELS", "*1"),
		st(2, "PUBSUB", "SHARDNUMSUB", "shard1", "zzz"),
		st(2, "PUBSUB", "SHARDNUMSUB"),
		st(2, "PUBSUB", "CHANNELS", "a", "b"),
		st(2, "PUBSUB", "NUMPAT", "x"),
		st(2, "PUBSUB", "NOPE"),
		st(2, "PUBSUB", "HELP"),
		// Subscribed mode.
		st(0, "PING"), st(0, "PING", "hi"), st(0, "PING", "a", "b"),
		st(0, "GET", "k"), psStep{conn: 0, cmds: [][]string{{"CLIENT", "INFO"}}, noCompare: true}, st(0, "SET", "k", "v"), stMulti(0, []string{"MULTI"}, []string{"DISCARD"}),
		st(0, "SUBSCRIBE"), st(0, "NOSUCHCMD"),
		// Unsubscribe some, then everything of one kind.
		st(0, "UNSUBSCRIBE", "sport", "nosuch"),
		st(2, "PUBLISH", "sport", "after unsubscribe"),
		st(0, "UNSUBSCRIBE"),
		st(0, "PING"),
		st(0, "SUNSUBSCRIBE", "shard2"),
		st(0, "SUNSUBSCRIBE"),
		st(0, "GET", "k"), // no subscription left: a normal client again
		st(0, "PING"),
		st(1, "PUNSUBSCRIBE", "s?ort"),
		st(2, "PUBLISH", "news", "last"),
		st(1, "PUNSUBSCRIBE"),
		st(1, "UNSUBSCRIBE"),
		st(1, "UNSUBSCRIBE"),
		// RESET leaves subscribed mode.
		st(1, "SUBSCRIBE", "r"),
		st(1, "RESET"),
		st(1, "GET", "k"),
		st(2, "PUBLISH", "r", "after reset"),
		st(2, "PUBSUB", "NUMSUB", "r"),
		// SUBSCRIBE inside MULTI: the confirmation is inside the EXEC reply.
		stMulti(1, []string{"MULTI"}, []string{"SUBSCRIBE", "m"}, []string{"PUBLISH", "m", "in exec"}, []string{"GET", "k"}, []string{"EXEC"}),
		st(2, "PUBLISH", "m", "after exec"),
		st(1, "UNSUBSCRIBE", "m"),
		// Pipelined: replies before SUBSCRIBE, the confirmation, then after.
		stMulti(0, []string{"SET", "p", "1"}, []string{"GET", "p"}, []string{"SUBSCRIBE", "pipe"}, []string{"PING"}, []string{"UNSUBSCRIBE"}, []string{"GET", "p"}),
		st(0, "QUIT"),
	)
	if proto == 3 {
		// RESP3 subscribers may run anything, and a client publishing to itself gets its message before the reply.
		steps = append(steps[:len(steps)-1],
			psStep{conn: 1, cmds: [][]string{{"HELLO", "3"}}, noCompare: true}, // RESET went back to RESP2
			st(1, "SUBSCRIBE", "self"),
			st(1, "PSUBSCRIBE", "se*"),
			st(1, "GET", "k"),
			st(1, "PUBLISH", "self", "to me"),
			stMulti(1, []string{"MULTI"}, []string{"PUBLISH", "self", "exec"}, []string{"INCR", "cnt"}, []string{"EXEC"}),
			st(1, "PING"),
			st(1, "SET", "k", "v2"),
			st(1, "UNSUBSCRIBE", "self"),
			st(1, "PUNSUBSCRIBE"),
			// Keyspace events of a client's own writes come before its reply, inside EXEC's array.
			st(1, "PSUBSCRIBE", "__keyevent@0__:*"),
			st(2, "CONFIG", "SET", "notify-keyspace-events", "E$gn"),
			st(1, "SET", "k", "v3"),
			st(1, "SET", "fresh", "v", "EX", "100"),
			stMulti(1, []string{"MULTI"}, []string{"SET", "k", "v4"}, []string{"DEL", "k", "fresh"}, []string{"INCR", "k"}, []string{"EXEC"}),
			st(2, "SET", "k", "other"),
			stMulti(2, []string{"MULTI"}, []string{"SET", "k", "v5"}, []string{"DEL", "k"}, []string{"EXEC"}),
			st(2, "CONFIG", "SET", "notify-keyspace-events", ""),
			st(1, "PUNSUBSCRIBE"),
			st(0, "QUIT"),
		)
	}
	return steps
}

func TestPubSubAgainstRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			psCompare(t, 3, psStory(proto))
		})
	}
}

// TestKeyspaceEventsAgainstRedis runs the same string and key commands on both
// servers with a subscriber on every keyspace and keyevent channel, and
// compares the event streams.
func TestKeyspaceEventsAgainstRedis(t *testing.T) {
	writes := []psStep{
		st(1, "SET", "a", "1"),
		st(1, "SET", "a", "2", "EX", "100"),
		st(1, "SET", "a", "3", "KEEPTTL"),
		st(1, "SET", "a", "4", "NX"),
		st(1, "SET", "b", "x", "XX"),
		st(1, "SET", "b", "x", "GET"),
		st(1, "SETNX", "b", "y"),
		st(1, "SETNX", "c", "y"),
		st(1, "SETEX", "c", "100", "z"),
		st(1, "PSETEX", "c", "100000", "z"),
		st(1, "GETSET", "c", "w"),
		st(1, "MSET", "m1", "1", "m2", "2"),
		st(1, "MSETNX", "m1", "1", "m3", "3"),
		st(1, "MSETNX", "m4", "1", "m5", "3"),
		st(1, "APPEND", "ap", "x"),
		st(1, "APPEND", "ap", "yz"),
		st(1, "SETRANGE", "sr", "2", "ab"),
		st(1, "SETRANGE", "sr", "0", ""),
		st(1, "SETRANGE", "nosr", "0", ""),
		st(1, "INCR", "n"), st(1, "DECR", "n"), st(1, "INCRBY", "n", "5"), st(1, "DECRBY", "n", "2"),
		st(1, "INCR", "a"), st(1, "INCRBYFLOAT", "f", "1.5"), st(1, "INCRBYFLOAT", "a", "x"),
		st(1, "GETDEL", "f"), st(1, "GETDEL", "f"),
		st(1, "GETEX", "n", "EX", "100"), st(1, "GETEX", "n", "PERSIST"), st(1, "GETEX", "n", "PERSIST"),
		st(1, "GETEX", "n", "PXAT", "1"), st(1, "GETEX", "nosuch", "EX", "1"),
		st(1, "EXPIRE", "a", "100"), st(1, "PEXPIRE", "a", "100000", "NX"), st(1, "EXPIRE", "a", "50", "GT"),
		st(1, "PERSIST", "a"), st(1, "PERSIST", "a"),
		st(1, "EXPIREAT", "a", "1"), st(1, "EXPIRE", "nosuch", "10"),
		st(1, "DEL", "m1", "nosuch", "m2"), st(1, "UNLINK", "m3"),
		st(1, "RENAME", "b", "b2"), st(1, "RENAME", "b2", "b2"), st(1, "RENAME", "b2", "c"),
		st(1, "RENAMENX", "c", "ap"), st(1, "RENAMENX", "c", "cc"),
		st(1, "COPY", "cc", "cp"), st(1, "COPY", "cc", "cp"), st(1, "COPY", "cc", "cp", "REPLACE"),
		st(1, "COPY", "cc", "cp", "DB", "1"),
		st(1, "MOVE", "cp", "1"), st(1, "MOVE", "ap", "1"),
		st(1, "SELECT", "1"), st(1, "SET", "one", "1"), st(1, "DEL", "cp"), st(1, "SELECT", "0"),
		stMulti(1, []string{"MULTI"}, []string{"SET", "t1", "1"}, []string{"INCR", "t1"}, []string{"DEL", "t1"}, []string{"EXEC"}),
		// Lazy and active expiry: the next command touches the expired key, so "expired" comes first either way.
		st(1, "SET", "e1", "v", "PX", "30"),
		psStep{conn: 1, cmds: [][]string{{"SET", "e1", "again"}}, sleep: 150 * time.Millisecond},
		st(1, "SET", "e2", "v", "PX", "30"),
		psStep{conn: 1, cmds: [][]string{{"INCR", "e2"}}, sleep: 150 * time.Millisecond},
		st(1, "SET", "e3", "v", "PX", "30"),
		psStep{conn: 1, cmds: [][]string{{"RENAME", "e3", "e4"}}, sleep: 150 * time.Millisecond},
		// Reads: keymiss (m) for lookups that find nothing.
		st(1, "GET", "miss1"), st(1, "GET", "c"), st(1, "MGET", "miss1", "c", "miss2"), st(1, "STRLEN", "miss"),
		st(1, "GETRANGE", "miss", "0", "1"), st(1, "LCS", "miss", "c"), st(1, "EXISTS", "miss", "c", "miss2"),
		st(1, "TOUCH", "miss", "c"), st(1, "TYPE", "miss"), st(1, "TTL", "miss"), st(1, "PTTL", "miss"),
		st(1, "EXPIRETIME", "miss"), st(1, "PEXPIRETIME", "miss"), st(1, "OBJECT", "ENCODING", "miss"),
		st(1, "GETDEL", "miss"), st(1, "GETEX", "miss"), st(1, "GETSET", "miss", "v"), st(1, "SET", "miss3", "v", "GET"),
		st(1, "SET", "miss4", "v", "NX", "GET"), st(1, "APPEND", "miss5", "v"), st(1, "INCR", "miss6"),
		st(1, "COPY", "miss", "x"), st(1, "MOVE", "miss", "1"), st(1, "RENAME", "miss", "x"), st(1, "DEL", "miss"),
		st(1, "EXPIRE", "miss", "1"), st(1, "PERSIST", "miss"), st(1, "SETRANGE", "miss7", "1", "x"),
		st(1, "FLUSHDB"),
	}
	for _, flags := range []string{"KEA", "AKEn", "Kg", "E$", "Ex", "KEg$xn", "g$", "Km", "Em", "KEAmn"} {
		t.Run(flags, func(t *testing.T) {
			steps := []psStep{
				st(0, "PSUBSCRIBE", "__key*__:*"),
				st(1, "CONFIG", "SET", "notify-keyspace-events", flags),
				st(1, "CONFIG", "GET", "notify-keyspace-events"),
			}
			steps = append(steps, writes...)
			events := psCompare(t, 2, steps)[0]
			// The story must have produced events of every kind the flags ask for.
			for _, ev := range []struct {
				flag byte
				name string
			}{{'$', "incrbyfloat"}, {'g', "rename_from"}, {'g', "move_to"}, {'x', "expired"}, {'n', "new"}, {'m', "keymiss"}} {
				on := strings.IndexByte(flags, ev.flag) >= 0 || (strings.Contains(flags, "A") && ev.flag != 'n' && ev.flag != 'm')
				on = on && strings.ContainsAny(flags, "KE")
				got := bytes.Contains(events, []byte("\r\n"+ev.name+"\r\n")) || bytes.Contains(events, []byte("__:"+ev.name+"\r\n"))
				if on && !got {
					t.Errorf("flags %s: no %q event in %q", flags, ev.name, events)
				}
			}
			t.Logf("flags %s: %d bytes of events", flags, len(events))
		})
	}
	// The directive from the configuration file / command line.
	t.Run("config", func(t *testing.T) {
		psCompare(t, 2, []psStep{
			st(0, "SUBSCRIBE", "__keyevent@0__:set", "__keyspace@0__:k"),
			st(1, "SET", "k", "v"), st(1, "EXPIRE", "k", "10"), st(1, "SET", "j", "v"),
		}, "notify-keyspace-events KEA")
	})
}

// leavesExpiredKey reports a SET with an EXAT/PXAT already past: it leaves a
// key that is logically expired at once. Redis deletes such a key (and fires
// "expired") as soon as a read command looks it up; redpebble's read commands
// do not write, so the event comes from the next write touching the key or
// from active expiry within 100 ms, and the event streams differ in order.
func leavesExpiredKey(args []string) bool {
	if !strings.EqualFold(args[0], "SET") {
		return false
	}
	now := time.Now()
	for i := 3; i+1 < len(args); i++ {
		v, err := strconv.ParseInt(args[i+1], 10, 64)
		if err != nil {
			continue
		}
		switch strings.ToUpper(args[i]) {
		case "EXAT":
			if v <= now.Unix() {
				return true
			}
		case "PXAT":
			if v <= now.UnixMilli() {
				return true
			}
		}
	}
	return false
}

// TestKeyspaceEventsRandom draws string and key commands from the
// differential test's generators and compares the event streams a
// subscriber to every keyspace and keyevent channel receives.
// REDPEBBLE_DIFF_SEED and REDPEBBLE_DIFF_N (default 2000) apply.
func TestKeyspaceEventsRandom(t *testing.T) {
	seed := envInt(t, "REDPEBBLE_DIFF_SEED", diffDefaultSeed)
	n := envInt(t, "REDPEBBLE_DIFF_N", 2000)
	if testing.Short() && os.Getenv("REDPEBBLE_DIFF_N") == "" {
		n = 200
	}
	t.Logf("seed %d (REDPEBBLE_DIFF_SEED), %d commands (REDPEBBLE_DIFF_N)", seed, n)
	g := &gen{r: rand.New(rand.NewSource(seed)), skip: map[string]bool{}}
	steps := []psStep{
		st(0, "PSUBSCRIBE", "__key*__:*"),
		st(1, "CONFIG", "SET", "notify-keyspace-events", "KEAmn"),
	}
	for i := int64(0); i < n; i++ {
		args := g.next().args
		if leavesExpiredKey(args) {
			continue
		}
		steps = append(steps, psStep{conn: 1, cmds: [][]string{args}, noCompare: true})
	}
	events := psCompare(t, 2, steps, "enable-debug-command yes")[0]
	t.Logf("%d bytes of events", len(events))
}
