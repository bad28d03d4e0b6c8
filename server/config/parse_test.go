package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func parseMem(t *testing.T, text string, files map[string]string) (*Config, []string, error) {
	t.Helper()
	return parseFS(strings.NewReader(text), "test.conf", newMemFS(files))
}

func TestParseFatal(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		bad  string // the offending line
		want string // reason
	}{
		{"unknown directive", "port 7000\nfoo bar\n", 2, "foo bar", reasonBadDirect},
		{"unknown after comments", "# c\n\n   # indented comment\nnope", 4, "nope", reasonBadDirect},
		{"trimmed line shown", "  \tfoo bar \r\n", 1, "foo bar", reasonBadDirect},
		{"crlf file", "port 1\r\nfoo\r\n", 2, "foo", reasonBadDirect},
		{"unbalanced", `requirepass "abc`, 1, `requirepass "abc`, reasonUnbalanced},
		{"quote then char", `requirepass "a"b`, 1, `requirepass "a"b`, reasonUnbalanced},
		{"single arg missing", "port", 1, "port", reasonWrongArgs},
		{"single arg too many", "port 1 2", 1, "port 1 2", reasonWrongArgs},
		{"bool", "protected-mode maybe", 1, "protected-mode maybe", "argument must be 'yes' or 'no'"},
		{"bool empty", `appendonly ""`, 1, `appendonly ""`, "argument must be 'yes' or 'no'"},
		{"int", "port abc", 1, "port abc", "argument couldn't be parsed into an integer"},
		{"int plus", "timeout +1", 1, "timeout +1", reasonInteger},
		{"int leading zero", "timeout 01", 1, "timeout 01", reasonInteger},
		{"int minus zero", "timeout -0", 1, "timeout -0", reasonInteger},
		{"int space", `timeout " 1"`, 1, `timeout " 1"`, reasonInteger},
		{"int overflow", "timeout 9223372036854775808", 1, "timeout 9223372036854775808", reasonInteger},
		{"int unit", "timeout 1k", 1, "timeout 1k", reasonInteger},
		{"port range", "port 70000", 1, "port 70000", "argument must be between 0 and 65535 inclusive"},
		{"negative", "timeout -1", 1, "timeout -1", "argument must be between 0 and 2147483647 inclusive"},
		{"databases zero", "databases 0", 1, "databases 0", "argument must be between 1 and 2147483647 inclusive"},
		{"unsigned", "maxclients -1", 1, "maxclients -1", "argument must be between 1 and 4294967295 inclusive"},
		{"slowlog", "slowlog-log-slower-than -2", 1, "slowlog-log-slower-than -2", "argument must be between -1 and 9223372036854775807 inclusive"},
		{"memory", "maxmemory 1x", 1, "maxmemory 1x", "argument must be a memory value"},
		{"memory negative", "repl-backlog-size -1", 1, "repl-backlog-size -1", reasonMemory},
		{"memory float", "maxmemory 1.5gb", 1, "maxmemory 1.5gb", reasonMemory},
		{"memory range", "proto-max-bulk-len 1000", 1, "proto-max-bulk-len 1000", "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{"memory wraps negative", "proto-max-bulk-len 18446744073709551615", 1, "proto-max-bulk-len 18446744073709551615", "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{"memory percent", "maxmemory-clients 101%", 1, "maxmemory-clients 101%", "percentage argument must be less or equal to 100"},
		{"memory percent bad", "maxmemory-clients x%", 1, "maxmemory-clients x%", "argument must be a memory or percent value"},
		{"octal", "unixsocketperm 9", 1, "unixsocketperm 9", "argument couldn't be parsed as an octal number"},
		{"octal range", "unixsocketperm 1000", 1, "unixsocketperm 1000", "argument must be between 0 and 777 inclusive"},
		{"enum", "loglevel foo", 1, "loglevel foo", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"enum debug cmd", "enable-debug-command maybe", 1, "enable-debug-command maybe", "argument(s) must be one of the following: no, yes, local"},
		{"enum appendfsync", "appendfsync sometimes", 1, "appendfsync sometimes", "argument(s) must be one of the following: everysec, always, no"},
		{"daemonize yes", "daemonize yes", 1, "daemonize yes", "redpebble does not daemonize: run it in the foreground under a supervisor"},
		{"dbfilename path", "dbfilename a/b.rdb", 1, "dbfilename a/b.rdb", "dbfilename can't be a path, just a filename"},
		{"dir missing", "dir /nonexistent", 1, "dir /nonexistent", "No such file or directory"},
		{"dir file", "dir /work/x.conf", 1, "dir /work/x.conf", "Not a directory"},
		{"dir no arg", "dir", 1, "dir", reasonWrongArgs},
		{"replicaof one arg", "replicaof host", 1, "replicaof host", reasonWrongArgs},
		{"replicaof none", "replicaof", 1, "replicaof", reasonWrongArgs},
		{"replicaof port", "replicaof host -1", 1, "replicaof host -1", "Invalid master port"},
		{"replicaof port big", "slaveof host 65536", 1, "slaveof host 65536", "Invalid master port"},
		{"replicaof port text", "replicaof host p", 1, "replicaof host p", "Invalid master port"},
		{"obl count", "client-output-buffer-limit normal 0 0", 1, "client-output-buffer-limit normal 0 0", "Wrong number of arguments in buffer limit configuration."},
		{"obl class", "client-output-buffer-limit master 0 0 0", 1, "client-output-buffer-limit master 0 0 0", "Invalid client class specified in buffer limit configuration."},
		{"obl secs", "client-output-buffer-limit normal 1mb 1mb -1", 1, "client-output-buffer-limit normal 1mb 1mb -1", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"obl hard", "client-output-buffer-limit pubsub 1x 1mb 1", 1, "client-output-buffer-limit pubsub 1x 1mb 1", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"bind too many", "bind " + strings.Repeat("a ", 17), 1, "bind " + strings.TrimSpace(strings.Repeat("a ", 17)), "Too many bind addresses specified."},
		{"notify bad", "notify-keyspace-events Q", 1, "notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"notify args", "notify-keyspace-events K E", 1, "notify-keyspace-events K E", reasonWrongArgs},
		{"save odd", "save 1", 1, "save 1", "Invalid save parameters"},
		{"save zero seconds", "save 0 1", 1, "save 0 1", "Invalid save parameters"},
		{"include no arg", "include", 1, "include", reasonBadDirect},
		{"rename-command args", "rename-command a", 1, "rename-command a", reasonBadDirect},
		{"user no arg", "user", 1, "user", reasonBadDirect},
		{"deprecated wrong count", "list-max-ziplist-entries", 1, "list-max-ziplist-entries", reasonBadDirect},
		{"loadmodule", "loadmodule /x.so", 1, "loadmodule /x.so", "redpebble cannot load Redis modules"},
		{"module config no value", "mod.opt", 1, "mod.opt", "Module config specified without value"},
		{"sentinel", "sentinel monitor m 1 2", 1, "sentinel monitor m 1 2", "sentinel directive while not in sentinel mode"},
		{"nul truncates", "port 1\nfoo\x00bar", 2, "foo", reasonBadDirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseMem(t, tt.text, map[string]string{"x.conf": "port 1"})
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrFatal))
			var fe *FatalError
			require.True(t, errors.As(err, &fe))
			require.Equal(t, fatal(tt.line, tt.bad, tt.want), err.Error())
		})
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		text string
		key  string
		want string
	}{
		{"default port", "", "port", "6379"},
		{"port", "PORT 7000", "port", "7000"},
		{"later wins", "port 1\nport 2", "port", "2"},
		{"bool case", "protected-mode NO", "protected-mode", "no"},
		{"memory units", "maxmemory 1gb", "maxmemory", "1073741824"},
		{"memory k", "maxmemory 1k", "maxmemory", "1000"},
		{"memory KB", "maxmemory 2KB", "maxmemory", "2048"},
		{"memory m", "maxmemory 3m", "maxmemory", "3000000"},
		{"memory b", "maxmemory 5b", "maxmemory", "5"},
		{"memory empty", `maxmemory ""`, "maxmemory", "0"},
		{"memory bare unit", "maxmemory kb", "maxmemory", "0"},
		{"memory saturates", "maxmemory 18446744073709551616", "maxmemory", "18446744073709551615"},
		{"memory wraps", "maxmemory 99999999999999999999gb", "maxmemory", "18446744072635809792"},
		{"percent", "maxmemory-clients 10%", "maxmemory-clients", "10%"},
		{"octal", "unixsocketperm 700", "unixsocketperm", "700"},
		{"enum case", "loglevel WARNING", "loglevel", "warning"},
		{"enum maxmemory-policy", "maxmemory-policy allkeys-lru", "maxmemory-policy", "allkeys-lru"},
		{"string quoted", `requirepass "a b\x41"`, "requirepass", "a bA"},
		{"string single quoted", `masterauth 'p"w'`, "masterauth", `p"w`},
		{"bind default", "", "bind", "127.0.0.1 -::1"},
		{"bind multi", "bind 10.0.0.1   ::1", "bind", "10.0.0.1 ::1"},
		{"bind none", "bind", "bind", ""},
		{"bind empty", `bind ""`, "bind", ""},
		{"replicaof", "replicaof 10.0.0.1 6380", "replicaof", "10.0.0.1 6380"},
		{"slaveof alias", "slaveof h 1", "replicaof", "h 1"},
		{"replicaof no one", "replicaof h 1\nreplicaof NO one", "replicaof", ""},
		{"replicaof empty port", `replicaof h ""`, "replicaof", "h 0"},
		{"obl default", "", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"obl replica class", "client-output-buffer-limit replica 1kb 2 3", "client-output-buffer-limit", "normal 0 0 0 slave 1024 2 3 pubsub 33554432 8388608 60"},
		{"obl two classes", "client-output-buffer-limit normal 1mb 2mb 3 pubsub 0 0 0", "client-output-buffer-limit", "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 0 0 0"},
		{"obl no args", "client-output-buffer-limit", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"notify A", "notify-keyspace-events KEAnm", "notify-keyspace-events", "AKEm"},
		{"notify order", "notify-keyspace-events nxgE", "notify-keyspace-events", "gxnE"},
		{"notify empty", `notify-keyspace-events ""`, "notify-keyspace-events", ""},
		{"hz capped", "hz 1000", "hz", "500"},
		{"hz raised", "hz 0", "hz", "1"},
		{"save default", "", "save", "3600 1 300 100 60 10000"},
		{"save lines add up", "save 10 1\nsave 20 2", "save", "10 1 20 2"},
		{"save empty", `save ""`, "save", ""},
		{"ziplist alias", "hash-max-ziplist-entries 7", "hash-max-listpack-entries", "7"},
		{"listpack via alias get", "hash-max-listpack-value 9", "hash-max-ziplist-value", "9"},
		{"slave alias", "slave-read-only no", "replica-read-only", "no"},
		{"lua alias", "lua-time-limit 100", "busy-reply-threshold", "100"},
		{"min-slaves alias", "min-slaves-to-write 2", "min-replicas-to-write", "2"},
		{"list size negative", "list-max-ziplist-size -5", "list-max-listpack-size", "-5"},
		{"dir relative", "dir /data\ndir .", "dir", "/data"},
		{"dir relative to cwd", "dir ../data", "dir", "/data"},
		{"pebble cache", "pebble-cache-size 1gb", "pebble-cache-size", "1073741824"},
		{"pebble memtable default", "", "pebble-memtable-size", "67108864"},
		{"deprecated accepted", "list-max-ziplist-entries 5\nlua-replicate-commands yes", "port", "6379"},
		{"sentinel alone", "sentinel", "port", "6379"},
		{"unixsocket nullable", `unixsocket ""`, "unixsocket", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parseMem(t, tt.text, nil)
			require.NoError(t, err)
			got, ok := c.Get(tt.key)
			require.True(t, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestWarnings(t *testing.T) {
	c, w, err := parseMem(t, "save 1 1\nSAVE 2 2\nappendonly no\nslave-lazy-flush yes\nrename-command FLUSHALL \"\"\nrename-command KEYS \"\"\nport 1\nio-threads 4\n", nil)
	require.NoError(t, err)
	require.Equal(t, []string{
		"directive 'save' is ignored by redpebble",
		"directive 'appendonly' is ignored by redpebble",
		"directive 'replica-lazy-flush' is ignored by redpebble",
		"directive 'rename-command' is ignored by redpebble",
		"directive 'io-threads' is ignored by redpebble",
	}, w)
	v, _ := c.Get("io-threads")
	require.Equal(t, "4", v)
	require.True(t, c.Ignored("appendonly"))
	require.False(t, c.Ignored("port"))
}

func TestUsers(t *testing.T) {
	c, _, err := parseMem(t, "user default on nopass ~* +@all\nuser bob on >pw ~k* +get", nil)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"default", "on", "nopass", "~*", "+@all"}, {"bob", "on", ">pw", "~k*", "+get"}}, c.Users())
}

func TestInclude(t *testing.T) {
	files := map[string]string{
		"/work/base.conf":     "port 7000\ntimeout 5\n",
		"/data/rel.conf":      "timeout 9\n",
		"/work/conf.d/a.conf": "tcp-keepalive 1\n",
		"/work/conf.d/b.conf": "tcp-keepalive 2\n",
		"/work/bad.conf":      "# comment\nport 1\nbogus 1\n",
		"/work/loop1.conf":    "include loop2.conf\n",
		"/work/loop2.conf":    "port 2\ninclude /work/loop1.conf\n",
		"/work/self.conf":     "include self.conf\n",
		"/work/twice.conf":    "include base.conf\ninclude base.conf\n",
	}
	t.Run("order", func(t *testing.T) {
		c, _, err := parseMem(t, "timeout 1\ninclude base.conf\nport 8000", files)
		require.NoError(t, err)
		require.Equal(t, 8000, c.Int("port"))
		require.Equal(t, 5, c.Int("timeout"))
	})
	t.Run("relative to dir", func(t *testing.T) {
		c, _, err := parseMem(t, "dir /data\ninclude rel.conf", files)
		require.NoError(t, err)
		require.Equal(t, 9, c.Int("timeout"))
	})
	t.Run("glob", func(t *testing.T) {
		c, _, err := parseMem(t, "include conf.d/*.conf", files)
		require.NoError(t, err)
		require.Equal(t, 2, c.Int("tcp-keepalive"))
	})
	t.Run("glob matching nothing", func(t *testing.T) {
		_, _, err := parseMem(t, "include empty.d/*.conf", files)
		require.NoError(t, err)
	})
	t.Run("same file twice is no loop", func(t *testing.T) {
		_, _, err := parseMem(t, "include twice.conf", files)
		require.NoError(t, err)
	})
	t.Run("error inside include names its line", func(t *testing.T) {
		_, _, err := parseMem(t, "port 5\ninclude bad.conf", files)
		require.Equal(t, fatal(3, "bogus 1", reasonBadDirect), err.Error())
		var fe *FatalError
		require.True(t, errors.As(err, &fe))
		require.Equal(t, "bad.conf", fe.File)
	})
	t.Run("missing", func(t *testing.T) {
		_, _, err := parseMem(t, "include nope.conf", files)
		require.Equal(t, "Fatal error, can't open config file 'nope.conf': No such file or directory", err.Error())
		require.True(t, errors.Is(err, ErrFatal))
		require.True(t, errors.Is(err, fs.ErrNotExist))
	})
	t.Run("loop", func(t *testing.T) {
		_, _, err := parseMem(t, "include loop1.conf", files)
		require.Equal(t, fatal(2, "include /work/loop1.conf", "include loop: '/work/loop1.conf' is already being read"), err.Error())
	})
	t.Run("self", func(t *testing.T) {
		_, _, err := parseMem(t, "include self.conf", files)
		require.Equal(t, fatal(1, "include self.conf", "include loop: '/work/self.conf' is already being read"), err.Error())
	})
	t.Run("main file included", func(t *testing.T) {
		fsys := newMemFS(map[string]string{"main.conf": "port 1\ninclude /work/main.conf\n"})
		_, _, err := loadArgs([]string{"main.conf"}, fsys)
		require.Equal(t, fatal(2, "include /work/main.conf", "include loop: '/work/main.conf' is already being read"), err.Error())
	})
}
