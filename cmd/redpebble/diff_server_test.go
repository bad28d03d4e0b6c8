package main

import (
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// cmpShape compares two replies by RESP type and, for aggregates, by length
// and the types of their elements (replies that carry ids, times or versions).
const cmpShape cmpMode = 100

// TestDiffServerCommands runs scripted connection and server commands, in
// RESP2 and then in RESP3, on redis-server and redpebble and compares the
// replies: byte for byte where Redis's reply is deterministic, by shape where
// it carries ids, clocks or versions.
func TestDiffServerCommands(t *testing.T) {
	requireBinary(t)
	ref := redistest.StartRedis(t, "enable-debug-command yes")
	sut := startUnderTest(t, t.TempDir(), false, "enable-debug-command yes")
	d := &differ{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr), maxMismatches: 100}
	shape := func(args ...string) diffCmd { return diffCmd{args: args, mode: cmpShape} }
	script := []diffCmd{
		exact("PING"), exact("PING", "hello"), exact("PING", "a", "b"),
		exact("ECHO", "x\x00y"), exact("ECHO"),
		exact("SELECT", "15"), exact("SELECT", "16"), exact("SELECT", "-1"), exact("SELECT", "x"), exact("SELECT", "0"),
		exact("CLIENT", "SETNAME", "diff-client"), exact("CLIENT", "GETNAME"),
		exact("CLIENT", "SETNAME", "bad name"), exact("CLIENT", "SETNAME", ""), exact("CLIENT", "GETNAME"),
		shape("CLIENT", "ID"), exact("CLIENT", "NOSUCH"), exact("CLIENT", "NO-EVICT", "on"), exact("CLIENT", "NO-EVICT", "maybe"),
		// CLIENT SETINFO is Redis 7.2's, served for newer clients: not compared.
		shape("CONFIG", "GET", "save"), exact("CONFIG", "GET", "appendonly"), exact("CONFIG", "GET", "databases"),
		exact("CONFIG", "GET", "maxclients"), exact("CONFIG", "GET", "nosuch-directive"),
		exact("CONFIG", "SET", "maxclients", "abc"), exact("CONFIG", "SET", "nosuch-directive", "1"),
		exact("CONFIG", "SET", "timeout", "0"), exact("CONFIG", "GET", "timeout"),
		exact("CONFIG", "RESETSTAT"), exact("CONFIG"),
		shape("COMMAND", "COUNT"), exact("COMMAND", "HELP"), exact("CONFIG", "HELP"), exact("CLIENT", "HELP"),
		exact("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"), exact("COMMAND", "GETKEYS", "set", "k"),
		exact("COMMAND", "GETKEYS", "config", "get", "x"), exact("COMMAND", "GETKEYS", "nosuch", "k"),
		exact("COMMAND", "INFO", "config|get"), exact("COMMAND", "DOCS", "set", "get"), exact("COMMAND", "INFO", "get"), exact("COMMAND", "INFO", "set", "nosuch"),
		exact("COMMAND", "DOCS", "get"), exact("COMMAND", "GETKEYS", "get", "k"),
		exact("SET", "k", "v"), exact("SET", "n", "42"), exact("MSET", "a", "1", "b", "2"),
		exact("MGET", "k", "nosuch", "n"), exact("GET", "nosuch"), exact("INCRBYFLOAT", "f", "1.5"),
		exact("EXISTS", "k", "n", "nosuch"), exact("TYPE", "k"), exact("TYPE", "nosuch"),
		exact("TTL", "k"), exact("OBJECT", "ENCODING", "n"), exact("OBJECT", "HELP"),
		exact("DBSIZE"), shape("TIME"), shape("LASTSAVE"), exact("RANDOMKEY", "x"),
		exact("DEBUG", "SLEEP", "0"), exact("DEBUG", "DIGEST-VALUE", "k", "n", "nosuch"),
		exact("DEBUG", "POPULATE", "100", "key", "8"), exact("DBSIZE"), exact("DEBUG", "DIGEST"),
		exact("GET", "key:7"), exact("DEBUG", "POPULATE", "x"),
		exact("SWAPDB", "0", "1"), exact("DBSIZE"), exact("SWAPDB", "0", "1"), exact("DEBUG", "DIGEST"),
		exact("MULTI"), exact("SET", "t", "1"), exact("INCR", "t"), exact("GET", "t"), exact("EXEC"),
		exact("MULTI"), exact("SET", "t"), exact("GET", "t"), exact("EXEC"),
		exact("DISCARD"), exact("EXEC"), exact("UNWATCH"),
		exact("FLUSHDB", "ASYNC"), exact("DBSIZE"), exact("FLUSHALL", "SYNC"), exact("DEBUG", "DIGEST"),
		exact("NOSUCHCOMMAND", "a", "b"), exact("GET"), exact("CONFIG", "GET"),
	}
	for _, proto := range []string{"2", "3"} {
		d.runShape(shape("HELLO", proto))
		for _, c := range script {
			d.runShape(c)
		}
	}
	d.run(exact("RESET"))
	d.run(exact("HELLO", "4"))
	d.runShape(shape("HELLO", "3", "AUTH", "default", "wrong"))
	d.runShape(shape("HELLO", "2", "SETNAME", "x"))
	d.run(exact("CLIENT", "GETNAME"))
}

// runShape is run, with cmpShape comparing replies by their structure.
func (d *differ) runShape(c diffCmd) {
	d.t.Helper()
	if c.mode != cmpShape {
		d.run(c)
		return
	}
	d.idx++
	d.record(c.String())
	ref, sut := d.ref.Do(c.args...), d.sut.Do(c.args...)
	if rs, ss := replyShape(parse(ref)), replyShape(parse(sut)); rs != ss {
		d.mismatch(c.String(), ref, sut, "reply shapes differ: "+rs+" vs "+ss)
	}
}

// replyShape describes v's RESP kinds and aggregate sizes, not its scalars;
// map keys are kept, since they name fields.
func replyShape(v redistest.Value) string {
	var b strings.Builder
	var walk func(v redistest.Value, isKey bool)
	walk = func(v redistest.Value, isKey bool) {
		b.WriteByte(byte(v.Kind))
		if v.IsError() || isKey {
			b.WriteString(v.Str)
		}
		if len(v.Elems) > 0 {
			b.WriteByte('[')
			for i, e := range v.Elems {
				walk(e, v.Kind == redistest.KindMap && i%2 == 0)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		}
	}
	walk(v, false)
	return b.String()
}
