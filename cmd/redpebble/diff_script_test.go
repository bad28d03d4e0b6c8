package main

import (
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

const (
	// One function per library: Redis lists a library's functions in its
	// dict's order (TestParseLibrary covers several).
	libA = "#!lua name=liba\n" +
		"redis.register_function{function_name='fa', callback=function() return 2 end, flags={'no-writes'}, description='the a'}\n"
	libA2 = "#!lua name=liba\nredis.register_function('fa', function(keys, args) return 3 end)\n"
	libB  = "#!LUA  name=lib_b\nredis.register_function(\"fc\", function() return 1 end)\n"
	libC  = "#!lua name=libc\nredis.register_function('fa', function() return 1 end)\n"
)

// TestDiffScripting compares SCRIPT and FUNCTION commands (storage only:
// nothing runs Lua) with redis-server, restores each server's FUNCTION DUMP
// into the other, and checks that libraries survive a restart.
func TestDiffScripting(t *testing.T) {
	requireBinary(t)
	ref := redistest.StartRedis(t)
	dir := t.TempDir()
	sut := startUnderTest(t, dir, false)
	d := &differ{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr), maxMismatches: 100}
	for _, proto := range []string{"2", "3"} {
		d.runShape(diffCmd{args: []string{"HELLO", proto}, mode: cmpShape})
		d.runAll(
			exact("FUNCTION", "FLUSH"),
			exact("SCRIPT", "LOAD", "return 1"), exact("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "abc"),
			exact("SCRIPT", "FLUSH", "foo"), exact("SCRIPT", "FLUSH", "ASYNC"), exact("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
			exact("SCRIPT", "KILL"), exact("SCRIPT", "HELP"), exact("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
			exact("EVAL", "return 1", "-1"), exact("EVAL", "return 1", "2", "a"), exact("EVAL", "return 1", "x"),
			exact("FUNCTION", "LOAD", libA), exact("FUNCTION", "LOAD", libA), exact("FUNCTION", "LOAD", libB),
			exact("FUNCTION", "LOAD", libC), exact("FUNCTION", "LOAD", "REPLACE", libA2), exact("FUNCTION", "LOAD", "REPLACE", libA),
			exact("FUNCTION", "LOAD", "x"), exact("FUNCTION", "LOAD", "#!lua\nx"), exact("FUNCTION", "LOAD", "#!lua name=q"),
			exact("FUNCTION", "LOAD", "#!lua name=a foo=b\nx"), exact("FUNCTION", "LOAD", "#!js name=a\nx"),
			exact("FUNCTION", "LOAD", "#!lua name=a-b\nx"), exact("FUNCTION", "LOAD", "#!lua name=a name=b\nx"),
			exact("FUNCTION", "LOAD", "#!lua name=nofuncs\nreturn 1"), exact("FUNCTION", "LOAD", "FOO", libA),
			exact("FUNCTION", "LIST", "LIBRARYNAME", "liba"), exact("FUNCTION", "LIST", "LIBRARYNAME", "lib_b", "WITHCODE"),
			exact("FUNCTION", "LIST", "LIBRARYNAME", "zz*"), exact("FUNCTION", "LIST", "foo"), exact("FUNCTION", "LIST", "LIBRARYNAME"),
			exact("FUNCTION", "LIST", "WITHCODE", "WITHCODE"), exact("FUNCTION", "STATS"),
			exact("FCALL", "nosuch", "0"), exact("FCALL", "fa", "5"), exact("FCALL_RO", "fa", "-1"),
			exact("FUNCTION", "DELETE", "nosuch"), exact("FUNCTION", "DELETE", "lib_b"), exact("FUNCTION", "STATS"),
			exact("FUNCTION", "RESTORE", "garbage"), exact("FUNCTION", "RESTORE", "x", "foo"),
			exact("FUNCTION", "FLUSH", "foo"), exact("FUNCTION", "KILL"), exact("FUNCTION", "HELP"),
		)
	}

	// Each server's dump restores into the other, which then lists the same.
	for _, pair := range [][2]*redistest.Conn{{d.ref, d.sut}, {d.sut, d.ref}} {
		from, to := pair[0], pair[1]
		dump := from.DoValue("FUNCTION", "DUMP")
		if dump.Kind != redistest.KindBulk {
			t.Fatalf("%s FUNCTION DUMP: %v", from, dump)
		}
		if got := to.Do("FUNCTION", "RESTORE", dump.Str, "FLUSH"); string(got) != "+OK\r\n" {
			t.Fatalf("%s FUNCTION RESTORE of %s's dump: %q", to, from, got)
		}
		d.runAll(exact("FUNCTION", "LIST", "LIBRARYNAME", "liba", "WITHCODE"), exact("FUNCTION", "STATS"),
			exact("FUNCTION", "RESTORE", dump.Str), exact("FUNCTION", "RESTORE", dump.Str, "REPLACE"))
	}

	// Libraries are stored: they survive a restart.
	if againstRedis() {
		return
	}
	want := redistest.Dial(t, sut.Addr).Do("FUNCTION", "LIST", "WITHCODE")
	if err := sut.Stop(); err != nil {
		t.Fatal(err)
	}
	sut.Restart()
	if got := redistest.Dial(t, sut.Addr).Do("FUNCTION", "LIST", "WITHCODE"); string(got) != string(want) {
		t.Fatalf("FUNCTION LIST after restart:\n got %q\nwant %q", got, want)
	}
}

// runAll runs each command with runShape.
func (d *differ) runAll(cmds ...diffCmd) {
	d.t.Helper()
	for _, c := range cmds {
		d.runShape(c)
	}
}
