package main

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// normACL sorts the space-separated words of every string in v: Redis lists
// the single-command fixes of a user's rules in its command dict's hash
// order (random per process), redpebble in name order.
func normACL(v redistest.Value) string {
	var b strings.Builder
	var walk func(v redistest.Value)
	walk = func(v redistest.Value) {
		b.WriteByte(byte(v.Kind))
		if len(v.Elems) > 0 {
			for _, e := range v.Elems {
				walk(e)
			}
			b.WriteString("|")
			return
		}
		w := strings.Fields(v.Str)
		slices.Sort(w)
		b.WriteString(strings.Join(w, " "))
		b.WriteString(";")
	}
	walk(v)
	return b.String()
}

// aclDiffer runs commands on both servers over a pair of connections.
type aclDiffer struct {
	t        *testing.T
	ref, sut *redistest.Conn
	n        int
}

func (d *aclDiffer) exact(args ...string) {
	d.t.Helper()
	d.n++
	r, s := d.ref.Do(args...), d.sut.Do(args...)
	if string(r) != string(s) {
		d.t.Errorf("MISMATCH %q\n  redis-server: %q\n  under test:   %q", args, r, s)
	}
}

func (d *aclDiffer) words(args ...string) {
	d.t.Helper()
	d.n++
	r, s := d.ref.Do(args...), d.sut.Do(args...)
	if normACL(parse(r)) != normACL(parse(s)) {
		d.t.Errorf("MISMATCH (words) %q\n  redis-server: %q\n  under test:   %q", args, r, s)
	}
}

// pipeline sends cmds in one write to each server and compares the
// concatenated replies.
func (d *aclDiffer) pipeline(cmds ...[]string) {
	d.t.Helper()
	d.n += len(cmds)
	read := func(c *redistest.Conn) string {
		for _, cmd := range cmds {
			c.Send(cmd...)
		}
		c.Flush()
		var b strings.Builder
		for range cmds {
			b.Write(c.Receive())
		}
		return b.String()
	}
	if r, s := read(d.ref), read(d.sut); r != s {
		d.t.Errorf("MISMATCH (pipeline) %q\n  redis-server: %q\n  under test:   %q", cmds, r, s)
	}
}

// set compares arrays as sets of strings (ACL CAT <category> walks the
// command dict in hash order).
func (d *aclDiffer) set(args ...string) {
	d.t.Helper()
	d.n++
	r, s := d.ref.Do(args...), d.sut.Do(args...)
	sorted := func(b []byte) string {
		v := parse(b)
		if len(v.Elems) == 0 {
			return string(b)
		}
		var w []string
		for _, e := range v.Elems {
			w = append(w, e.Str)
		}
		slices.Sort(w)
		return strings.Join(w, " ")
	}
	if sorted(r) != sorted(s) {
		d.t.Errorf("MISMATCH (set) %q\n  redis-server: %q\n  under test:   %q", args, r, s)
	}
}

// shape compares replies by structure (ids differ).
func (d *aclDiffer) shape(args ...string) {
	d.t.Helper()
	d.n++
	r, s := d.ref.Do(args...), d.sut.Do(args...)
	if replyShape(parse(r)) != replyShape(parse(s)) {
		d.t.Errorf("MISMATCH (shape) %q\n  redis-server: %q\n  under test:   %q", args, r, s)
	}
}

// log compares ACL LOG replies: every field but age-seconds and client-info
// exactly, those two by type.
func (d *aclDiffer) log(args ...string) {
	d.t.Helper()
	d.n++
	r, s := parse(d.ref.Do(args...)), parse(d.sut.Do(args...))
	if replyShape(r) != replyShape(s) || len(r.Elems) != len(s.Elems) {
		d.t.Errorf("MISMATCH (log shape) %q\n  redis-server: %v\n  under test:   %v", args, r, s)
		return
	}
	for i := range r.Elems {
		re, se := r.Elems[i].Elems, s.Elems[i].Elems
		for j := 0; j+1 < len(re) && j+1 < len(se); j += 2 {
			k := re[j].Str
			if k != se[j].Str {
				d.t.Errorf("ACL LOG field %d: %q vs %q", j, k, se[j].Str)
				continue
			}
			switch k {
			case "age-seconds":
			case "client-info":
				if !strings.Contains(se[j+1].Str, " user=") {
					d.t.Errorf("ACL LOG client-info %q", se[j+1].Str)
				}
			default:
				if re[j+1].String() != se[j+1].String() {
					d.t.Errorf("ACL LOG entry %d %s: redis %v, under test %v", i, k, re[j+1], se[j+1])
				}
			}
		}
	}
}

var aclRuleSets = [][]string{
	{"-@all", "+@read", "+@write"},
	{"-@all", "+@read", "+get", "+@list", "-@hash", "+set"},
	{"+@all", "-@read", "-get", "+get"},
	{"nocommands", "+config|get", "+client|id"},
	{"-@all", "+config", "-config|set"},
	{"-@all", "+select|0", "+select|1"},
	{"allcommands", "-debug", "+debug|sleep"},
	{"on", ">p1", ">p2", "<p1", "~a*", "%R~b*", "%W~c*", "%RW~d*", "&x*", "+@all"},
	{"on", "#abc"},
	{"~*", "~x"},
	{"+nosuch"},
	{"&*", "&x"},
	{"(~x +get)", "(%R~y", "+@read)"},
	{"(~x"},
	{"!0000000000000000000000000000000000000000000000000000000000000000"},
	{"#0000000000000000000000000000000000000000000000000000000000000000", "!0000000000000000000000000000000000000000000000000000000000000000"},
	{"-@all", "+@dangerous", "+@admin", "-@slow"},
	{"+@all", "-@keyspace", "+@hash", "-hset"},
	{"%X~a"}, {"%R~"}, {"-@all", "+config|get|x"}, {"-@all", "+config|"}, {"-@all", "+get|x", "+get|y"},
	{"+@nosuch"}, {"-@all", "+@fast", "+@slow"},
	{"allkeys", "resetkeys", "~a", "~a", "%R~a"},
	{"on", "nopass", "resetpass", ">x"},
	{"skip-sanitize-payload"}, {"clearselectors"}, {"bogus"}, {""},
	{"-@all", "+@connection", "+@transaction", "+@scripting", "+@pubsub"},
	{"-@all", "+@stream", "+@geo", "+@hyperloglog", "+@blocking", "+@bitmap", "+@string", "+@sortedset", "+@set"},
}

// TestDiffACL compares ACL commands, AUTH and permission denials with
// redis-server: rules and their descriptions (ACL LIST/GETUSER word for
// word), errors byte for byte, ACL LOG by fields.
func TestDiffACL(t *testing.T) {
	requireBinary(t)
	ref := redistest.StartRedis(t)
	sut := startUnderTest(t, t.TempDir(), false)
	d := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	u := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	d.exact("ACL", "CAT")
	for _, cat := range []string{"read", "write", "keyspace", "dangerous", "admin", "fast", "slow", "pubsub", "connection", "scripting", "nosuch", "HASH"} {
		d.set("ACL", "CAT", cat)
	}
	d.exact("ACL", "CAT", "a", "b")
	d.exact("ACL", "WHOAMI")
	d.exact("ACL", "USERS")
	d.exact("ACL", "LIST")
	d.exact("ACL", "GETUSER", "default")
	d.exact("ACL", "GETUSER", "nosuch")
	d.exact("ACL", "HELP")
	d.exact("ACL", "NOSUCH")
	d.exact("ACL", "SETUSER")
	d.exact("ACL", "SETUSER", "bad name")
	d.exact("ACL", "DELUSER", "default")
	d.exact("ACL", "DELUSER", "nosuch")
	d.exact("ACL", "GENPASS", "0")
	d.exact("ACL", "GENPASS", "x")
	d.exact("ACL", "LOAD")
	d.exact("ACL", "SAVE")
	d.exact("AUTH", "x")
	for _, proto := range []string{"2", "3"} {
		d.shape("HELLO", proto)
		for _, rules := range aclRuleSets {
			d.exact(append([]string{"ACL", "SETUSER", "t", "reset"}, rules...)...)
			d.words("ACL", "LIST")
			d.words("ACL", "GETUSER", "t")
		}
	}
	d.shape("HELLO", "2")
	d.exact("ACL", "DELUSER", "t", "nosuch")
	d.exact("ACL", "USERS")

	// Permissions.
	d.exact("ACL", "SETUSER", "u1", "on", ">pw", "~k*", "%R~r*", "%W~w*", "-@all", "+get", "+set", "+lpush", "+mget",
		"+del", "+acl", "+client|id", "+lmpop", "+eval", "+multi", "+exec", "+select|1", "+object|encoding", "+hset")
	d.words("ACL", "LIST")
	d.exact("ACL", "SETUSER", "c1", "on", "nopass", "+@all", "resetchannels", "&news.*")
	d.exact("ACL", "LOG", "RESET")
	u.exact("AUTH", "u1", "bad")
	u.exact("AUTH", "nouser", "bad")
	u.exact("AUTH", "u1", "pw")
	for _, c := range [][]string{
		{"GET", "k1"}, {"GET", "x"}, {"GET", "r1"}, {"SET", "r1", "v"}, {"SET", "w1", "v"}, {"SET", "w1", "v", "GET"},
		{"SET", "k1", "v", "GET"}, {"LPUSH", "w1", "a"}, {"LPUSH", "r1", "a"}, {"MGET", "k1", "k2", "x"}, {"MGET", "k1", "r1", "w1"},
		{"DEL", "r1"}, {"DEL", "w1"}, {"DEL", "k1", "x"}, {"INCR", "k1"}, {"CLIENT", "KILL", "ID", "1"},
		{"LMPOP", "2", "k1", "x", "LEFT"}, {"LMPOP", "1", "k1", "LEFT"}, {"EVAL", "return 1", "1", "x"},
		{"SELECT", "1"}, {"SELECT", "2"}, {"SELECT", "0"}, {"OBJECT", "ENCODING", "x"}, {"OBJECT", "ENCODING", "k1"},
		{"OBJECT", "FREQ", "k1"}, {"HSET", "k9", "f", "v"}, {"HSET", "x", "f", "v"},
		{"ACL", "WHOAMI"}, {"ACL", "DRYRUN", "u1", "get", "x"}, {"ACL", "DRYRUN", "u1", "get", "k"},
		{"ACL", "DRYRUN", "u1", "incr", "k"}, {"ACL", "DRYRUN", "nosuch", "get", "k"}, {"ACL", "DRYRUN", "u1", "nosuch", "k"},
		{"ACL", "DRYRUN", "u1", "get"}, {"ACL", "DRYRUN", "u1", "set", "w1", "v"}, {"ACL", "DRYRUN", "default", "flushall"},
		{"ACL", "DRYRUN", "c1", "publish", "news.x", "m"}, {"ACL", "DRYRUN", "c1", "publish", "other", "m"},
		{"ACL", "DRYRUN", "c1", "subscribe", "news.a", "other"}, {"ACL", "DRYRUN", "c1", "psubscribe", "news.*"},
		{"ACL", "DRYRUN", "c1", "psubscribe", "news.a"}, {"ACL", "DRYRUN", "c1", "unsubscribe", "other"},
		{"MULTI"}, {"GET", "x"}, {"GET", "k"}, {"EXEC"},
		{"MULTI"}, {"GET", "k"}, {"INCR", "k"}, {"EXEC"},
		{"MULTI"}, {"GET", "k"}, {"SET", "k", "1"},
	} {
		u.exact(c...)
	}
	// Rules changed between queueing and EXEC.
	d.exact("ACL", "SETUSER", "u1", "-set")
	u.exact("EXEC")
	u.exact("AUTH", "default", "x")
	u.exact("AUTH", "x")
	u.exact("ACL", "WHOAMI")
	d.log("ACL", "LOG")
	d.log("ACL", "LOG", "2")
	d.exact("ACL", "LOG", "x")
	d.exact("ACL", "LOG", "-1")
	d.exact("ACL", "LOG", "RESET")
	d.exact("ACL", "LOG")

	// The default user's password: requirepass and AUTH <password>.
	d.exact("CONFIG", "SET", "requirepass", "secret")
	d.words("ACL", "LIST")
	d.exact("ACL", "WHOAMI")
	n := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	n.exact("GET", "a")
	n.exact("ACL", "WHOAMI")
	n.exact("HELLO", "3", "AUTH", "default", "nope")
	n.exact("AUTH", "wrong")
	n.exact("PING")
	n.shape("HELLO", "2", "AUTH", "default", "secret")
	n.exact("ACL", "WHOAMI")
	n.exact("RESET")
	n.exact("PING")
	n.exact("AUTH", "secret")
	n.exact("ACL", "WHOAMI")
	n.exact("CONFIG", "SET", "requirepass", "")
	n.words("ACL", "LIST")
	n.exact("AUTH", "x")
	d.log("ACL", "LOG")

	// Disabled users and DELUSER disconnecting their clients.
	d.exact("ACL", "SETUSER", "u2", "on", "nopass", "+@all", "~*")
	v := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	v.exact("AUTH", "u2", "anything")
	v.exact("PING")
	d.exact("ACL", "SETUSER", "u2", "off")
	v.exact("PING")
	d.exact("ACL", "SETUSER", "u3", "nopass")
	v.exact("AUTH", "u3", "x")
	d.exact("ACL", "DELUSER", "u2", "u3")
	if _, err := v.ref.TryDo("PING"); err == nil {
		t.Errorf("redis-server kept the client of a deleted user")
	}
	if _, err := v.sut.TryDo("PING"); err == nil {
		t.Errorf("redpebble kept the client of a deleted user")
	}
	d.words("ACL", "LIST")
	t.Logf("%d commands compared", d.n+u.n+n.n+v.n)
}

// TestACLFile loads users from an aclfile on both servers, changes, saves
// and reloads them, and compares ACL LIST, the saved files and the errors of
// a broken file.
func TestACLFile(t *testing.T) {
	requireBinary(t)
	const content = "user alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~cache:* &news +@read -keys\n" +
		"user default on nopass ~* &* +@all\n\nuser bob off resetchannels -@all +get\n"
	refDir, sutDir := t.TempDir(), t.TempDir()
	refFile, sutFile := filepath.Join(refDir, "users.acl"), filepath.Join(sutDir, "users.acl")
	for _, f := range []string{refFile, sutFile} {
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := redistest.StartRedis(t, "aclfile "+refFile)
	sut := startUnderTest(t, t.TempDir(), false, "aclfile "+sutFile)
	d := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	d.words("ACL", "LIST")
	d.exact("AUTH", "alice", "secret")
	d.exact("GET", "cache:1")
	d.exact("KEYS", "*")
	d.exact("AUTH", "default", "x")
	d.exact("ACL", "SETUSER", "carol", "on", ">pw", "~*", "+@all", "-flushall")
	d.exact("ACL", "SAVE")
	rb, _ := os.ReadFile(refFile)
	sb, _ := os.ReadFile(sutFile)
	norm := func(b []byte) string {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			w := strings.Fields(l)
			slices.Sort(w)
			out = append(out, strings.Join(w, " "))
		}
		return strings.Join(out, "\n")
	}
	if norm(rb) != norm(sb) {
		t.Errorf("ACL SAVE files differ:\nredis-server:\n%s\nunder test:\n%s", rb, sb)
	}
	// Edit the file and reload: carol goes, dave comes.
	edited := strings.Replace(string(sb), "user carol", "user dave", 1)
	os.WriteFile(refFile, []byte(strings.Replace(string(rb), "user carol", "user dave", 1)), 0o644)
	os.WriteFile(sutFile, []byte(edited), 0o644)
	d.exact("ACL", "LOAD")
	d.words("ACL", "LIST")
	// A broken file changes nothing and says why.
	broken := "user eve on +nosuch\nnotuser x\nuser dave on\nuser dave off\nuser ok #zz\n"
	os.WriteFile(refFile, []byte(broken), 0o644)
	os.WriteFile(sutFile, []byte(broken), 0o644)
	r, s := d.ref.Do("ACL", "LOAD"), d.sut.Do("ACL", "LOAD")
	if strings.ReplaceAll(string(r), refFile, "F") != strings.ReplaceAll(string(s), sutFile, "F") {
		t.Errorf("ACL LOAD of a broken file:\n  redis-server: %q\n  under test:   %q", r, s)
	}
	d.words("ACL", "LIST")
	os.Remove(refFile)
	os.Remove(sutFile)
	r, s = d.ref.Do("ACL", "LOAD"), d.sut.Do("ACL", "LOAD")
	if strings.ReplaceAll(string(r), refFile, "F") != strings.ReplaceAll(string(s), sutFile, "F") {
		t.Errorf("ACL LOAD of a missing file:\n  redis-server: %q\n  under test:   %q", r, s)
	}
}

// TestACLConfigUsers starts both servers with user lines in the
// configuration (and requirepass) and compares the users they end up with.
func TestACLConfigUsers(t *testing.T) {
	requireBinary(t)
	conf := []string{"requirepass foo", "user alice on >pw ~k* +get", "user default on nopass ~* &* +@all -debug"}
	ref := redistest.StartRedis(t, conf...)
	var sut *redistest.Server
	if againstRedis() {
		sut = startUnderTest(t, t.TempDir(), false, conf...)
	} else {
		// As redis-server's command line: the words after --user are its rules.
		var args []string
		for _, l := range conf {
			f := strings.Fields(l)
			args = append(args, "--"+f[0])
			args = append(args, f[1:]...)
		}
		sut = redistest.StartRedpebble(t, redistest.BuildRedpebble(t), t.TempDir(), args...)
	}
	d := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	d.words("ACL", "LIST")
	d.exact("DEBUG", "SLEEP", "0")
	d.exact("AUTH", "alice", "pw")
	d.exact("GET", "k")
	d.exact("GET", "x")
}

// TestDiffACLRandomRules applies random rule sequences (categories,
// commands, subcommands, first-args, key and channel patterns, passwords)
// to a user on both servers and compares the described rules word for word
// and the permission answers of ACL DRYRUN.
func TestDiffACLRandomRules(t *testing.T) {
	requireBinary(t)
	ref := redistest.StartRedis(t)
	sut := startUnderTest(t, t.TempDir(), false)
	d := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
	seed := envInt(t, "REDPEBBLE_DIFF_SEED", diffDefaultSeed)
	rng := rand.New(rand.NewSource(seed))
	n := envInt(t, "REDPEBBLE_ACL_DIFF_N", 300)
	execProbes := [][]string{{"get", "a1"}, {"get", "b"}, {"set", "k1", "v"}, {"set", "a1", "v", "GET"}, {"lpush", "bl", "x"},
		{"config", "get", "maxclients"}, {"config", "set", "x", "y"}, {"select", "1"}, {"select", "0"}, {"del", "a1", "b"},
		{"keys", "k1"}, {"ping"}, {"object", "encoding", "k1"}, {"hset", "a2", "f", "v"}, {"mset", "a3", "1", "k3", "2"},
		{"incr", "k9"}, {"acl", "whoami"}, {"flushall"}}
	t.Logf("seed %d (REDPEBBLE_DIFF_SEED), %d rule sets (REDPEBBLE_ACL_DIFF_N)", seed, n)
	cats := []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
		"geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting", "all"}
	cmds := []string{"get", "set", "del", "config", "config|get", "config|set", "client", "client|id", "client|kill", "debug",
		"flushall", "keys", "lpush", "hset", "zadd", "xadd", "publish", "subscribe", "eval", "select", "acl", "acl|whoami",
		"object|encoding", "memory", "info", "ping", "auth", "hello", "multi", "exec", "blpop", "sort", "migrate"}
	rule := func() string {
		switch rng.Intn(12) {
		case 0, 1, 2:
			return []string{"+@", "-@"}[rng.Intn(2)] + cats[rng.Intn(len(cats))]
		case 3, 4, 5:
			return []string{"+", "-"}[rng.Intn(2)] + cmds[rng.Intn(len(cmds))]
		case 6:
			return "+" + []string{"select|0", "select|1", "debug|sleep", "get|x"}[rng.Intn(4)]
		case 7:
			return []string{"~", "%R~", "%W~", "%RW~", "&"}[rng.Intn(5)] + []string{"a*", "b", "*", "k?"}[rng.Intn(4)]
		case 8:
			return []string{"allkeys", "resetkeys", "allchannels", "resetchannels", "allcommands", "nocommands"}[rng.Intn(6)]
		case 9:
			return []string{">p1", ">p2", "<p1", "nopass", "resetpass", "on", "off"}[rng.Intn(7)]
		case 10:
			return []string{"(~x +get)", "(+@read %W~w*)", "clearselectors"}[rng.Intn(3)]
		}
		return "reset"
	}
	probes := [][]string{{"get", "a1"}, {"get", "b"}, {"set", "k1", "v"}, {"set", "a1", "v", "GET"}, {"lpush", "b", "x"},
		{"config", "get", "x"}, {"config", "set", "x", "y"}, {"select", "1"}, {"select", "2"}, {"debug", "sleep", "0"},
		{"client", "id"}, {"del", "a1", "b"}, {"keys", "*"}, {"ping"}, {"object", "encoding", "a"},
		{"publish", "a1", "m"}, {"publish", "k?", "m"}, {"subscribe", "b", "a1", "zz"}, {"psubscribe", "a*", "k?"},
		{"psubscribe", "*"}, {"unsubscribe", "zz"}, {"ssubscribe", "b"}, {"spublish", "a9", "m"}}
	for i := int64(0); i < n; i++ {
		args := []string{"ACL", "SETUSER", "r"}
		if rng.Intn(4) == 0 {
			args = append(args, "reset")
		}
		for j := rng.Intn(6) + 1; j > 0; j-- {
			args = append(args, rule())
		}
		d.exact(args...)
		d.words("ACL", "GETUSER", "r")
		d.words("ACL", "LIST")
		p := probes[rng.Intn(len(probes))]
		d.exact(append([]string{"ACL", "DRYRUN", "r"}, p...)...)
		if i%5 != 0 {
			continue
		}
		// Run a pipeline of probes as r for real (the checks of the
		// command path, pipelined writes included).
		d.exact("ACL", "SETUSER", "r", "on", "nopass")
		pr := &aclDiffer{t: t, ref: redistest.Dial(t, ref.Addr), sut: redistest.Dial(t, sut.Addr)}
		pr.exact("AUTH", "r", "x")
		var pipe [][]string
		for j := rng.Intn(4) + 1; j > 0; j-- {
			pipe = append(pipe, execProbes[rng.Intn(len(execProbes))])
		}
		pr.pipeline(pipe...)
		pr.ref.Close()
		pr.sut.Close()
		d.n += pr.n
	}
	t.Logf("%d commands compared", d.n)
}
