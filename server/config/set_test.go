package config

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redpebble/redpebble/pubsub"
)

func TestSetErrors(t *testing.T) {
	tests := []struct {
		name, value string
		want        string
		is          error
	}{
		{"port", "abc", "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer", ErrInvalid},
		{"daemonize", "yes", "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config", ErrImmutable},
		{"foo", "bar", "ERR Unknown option or number of arguments for CONFIG SET - 'foo'", ErrUnknownOption},
		{"loglevel", "foo", "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning", ErrInvalid},
		{"maxmemory", "1x", "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value", ErrInvalid},
		{"protected-mode", "maybe", "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'", ErrInvalid},
		{"replicaof", "h 1", "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config", ErrImmutable},
		{"SLAVEOF", "h 1", "ERR CONFIG SET failed (possibly related to argument 'SLAVEOF') - can't set immutable config", ErrImmutable},
		{"client-output-buffer-limit", "foo 1 2 3", "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.", ErrInvalid},
		{"client-output-buffer-limit", "normal 1 2", "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.", ErrInvalid},
		{"notify-keyspace-events", "Z", "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.", ErrInvalid},
		{"dir", "/tmp", "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config", ErrProtected},
		{"dbfilename", "x.rdb", "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config", ErrProtected},
		{"loglevel", "debug notice", "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning", ErrInvalid},
		{"list-max-listpack-size", "1x", "ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - argument couldn't be parsed into an integer", ErrInvalid},
		{"unixsocketperm", "777", "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config", ErrImmutable},
		{"proto-max-bulk-len", "1", "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive", ErrInvalid},
		{"save", "1 2 3", "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters", ErrInvalid},
		{"enable-debug-command", "yes", "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config", ErrImmutable},
		{"maxclients", "0", "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive", ErrInvalid},
		{"repl-backlog-size", "-1", "ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be a memory value", ErrInvalid},
		{"timeout", "-1", "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive", ErrInvalid},
		{"maxmemory-policy", "LRU", "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction", ErrInvalid},
		{"pebble-cache-size", "1mb", "ERR CONFIG SET failed (possibly related to argument 'pebble-cache-size') - can't set immutable config", ErrImmutable},
		{"MAXMEMORY", "z", "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			c := DefaultConfig()
			before := snapshot(c)
			err := c.Set(tt.name, tt.value)
			require.Error(t, err)
			require.Equal(t, tt.want, err.Error())
			require.True(t, errors.Is(err, tt.is))
			require.Equal(t, before, snapshot(c), "a failed set must change nothing")
		})
	}
}

func snapshot(c *Config) map[string]string {
	m := map[string]string{}
	for _, n := range c.Names() {
		m[n], _ = c.Get(n)
	}
	return m
}

func TestSetGet(t *testing.T) {
	tests := []struct {
		name, value string
		get         string // name to read back
		want        string
	}{
		{"maxmemory", "1GB", "maxmemory", "1073741824"},
		{"maxmemory", "0", "maxmemory", "0"},
		{"appendfsync", "ALWAYS", "appendfsync", "always"},
		{"slave-read-only", "no", "replica-read-only", "no"},
		{"hz", "1000", "hz", "500"},
		{"client-output-buffer-limit", "normal 1mb 2mb 3", "client-output-buffer-limit", "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"notify-keyspace-events", "KEA", "notify-keyspace-events", "AKE"},
		{"bind", "127.0.0.1 ::1", "bind", "127.0.0.1 ::1"},
		{"bind", "", "bind", ""},
		{"bind", "a  b", "bind", "a  b"}, // split on single spaces, as sdssplitlen
		{"save", "", "save", ""},
		{"save", "10 1 20 2", "save", "10 1 20 2"},
		{"requirepass", "", "requirepass", ""},
		{"requirepass", "s3cret", "requirepass", "s3cret"},
		{"maxmemory-clients", "5%", "maxmemory-clients", "5%"},
		{"lua-time-limit", "10", "busy-reply-threshold", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			c := DefaultConfig()
			require.NoError(t, c.Set(tt.name, tt.value))
			got, ok := c.Get(tt.get)
			require.True(t, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSetMany(t *testing.T) {
	c := DefaultConfig()
	require.NoError(t, c.SetMany([][2]string{{"timeout", "5"}, {"maxmemory", "1mb"}}, false))
	require.Equal(t, 5, c.Int("timeout"))
	require.Equal(t, int64(1<<20), c.Memory("maxmemory"))

	// All or nothing: the second value is bad, the first is rolled back.
	err := c.SetMany([][2]string{{"timeout", "6"}, {"maxmemory", "bad"}}, false)
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
	require.Equal(t, 5, c.Int("timeout"))

	err = c.SetMany([][2]string{{"timeout", "6"}, {"TIMEOUT", "7"}}, false)
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter")
	err = c.SetMany([][2]string{{"port", "1"}, {"nope", "7"}}, false)
	require.EqualError(t, err, "ERR Unknown option or number of arguments for CONFIG SET - 'nope'")
	err = c.SetMany([][2]string{{"daemonize", "no"}, {"nope", "7"}}, false)
	require.EqualError(t, err, "ERR Unknown option or number of arguments for CONFIG SET - 'nope'")
	require.Equal(t, 5, c.Int("timeout"))
}

func TestProtectedConfigs(t *testing.T) {
	dir := t.TempDir()
	c, _, err := parseMem(t, "enable-protected-configs local", nil)
	require.NoError(t, err)
	require.True(t, errors.Is(c.SetMany([][2]string{{"dbfilename", "x.rdb"}}, false), ErrProtected))
	require.NoError(t, c.SetMany([][2]string{{"dbfilename", "x.rdb"}}, true))
	require.Equal(t, "x.rdb", c.String("dbfilename"))

	c2, _, err := Parse(stringsReader("enable-protected-configs yes"), "t")
	require.NoError(t, err)
	require.NoError(t, c2.Set("dir", dir))
	require.Equal(t, dir, c2.String("dir"))
	require.EqualError(t, c2.Set("dir", dir+"/missing"), "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
	require.EqualError(t, c2.Set("dbfilename", "a/b"), "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
}

func TestOnChange(t *testing.T) {
	c := DefaultConfig()
	var seen []string
	c.OnChange("maxclients", func(v string) error {
		require.Equal(t, v, c.String("maxclients"), "hooks may read the configuration")
		seen = append(seen, v)
		if v == "13" {
			return errors.New("The operating system is not able to handle the specified number of clients, try with 12")
		}
		return nil
	})
	require.NoError(t, c.Set("maxclients", "100"))
	require.NoError(t, c.Set("maxclients", "100")) // no change: no hook
	require.Equal(t, []string{"100"}, seen)

	err := c.Set("maxclients", "13")
	require.EqualError(t, err, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 12")
	require.True(t, errors.Is(err, ErrInvalid))
	require.Equal(t, 100, c.Int("maxclients"))
	require.Equal(t, []string{"100", "13", "100"}, seen, "the hook sees the restored value")

	var aliasSeen string
	c.OnChange("slave-read-only", func(v string) error { aliasSeen = v; return nil })
	require.NoError(t, c.Set("replica-read-only", "no"))
	require.Equal(t, "no", aliasSeen)
}

func TestAccessors(t *testing.T) {
	c, _, err := parseMem(t, `
port 7000
bind 10.0.0.1 ::1
replicaof master.local 6380
client-output-buffer-limit replica 512mb 128mb 30
notify-keyspace-events Ex
requirepass "p w"
maxmemory 2gb
slowlog-log-slower-than -1
`, nil)
	require.NoError(t, err)
	require.Equal(t, 7000, c.Int("port"))
	require.Equal(t, int64(-1), c.Int64("slowlog-log-slower-than"))
	require.True(t, c.Bool("replica-read-only"))
	require.Equal(t, int64(512<<20), c.Memory("proto-max-bulk-len"))
	require.Equal(t, int64(2<<30), c.Memory("maxmemory"))
	require.Equal(t, "p w", c.String("requirepass"))
	require.Equal(t, "notice", c.String("loglevel"))
	require.Equal(t, []string{"10.0.0.1", "::1"}, c.Strings("bind"))
	h, p, ok := c.Replicaof()
	require.Equal(t, "master.local", h)
	require.Equal(t, 6380, p)
	require.True(t, ok)
	hard, soft, secs := c.ClientOutputBufferLimit("slave")
	require.Equal(t, int64(512<<20), hard)
	require.Equal(t, int64(128<<20), soft)
	require.Equal(t, 30, secs)
	hard, _, _ = c.ClientOutputBufferLimit("pubsub")
	require.Equal(t, int64(32<<20), hard)
	require.Equal(t, pubsub.NotifyKeyevent|pubsub.NotifyExpired, c.KeyspaceEvents())
	require.Equal(t, "replicaof", c.Canonical("SLAVEOF"))
	require.Equal(t, "", c.Canonical("nope"))
	require.True(t, c.Mutable("port"))
	require.False(t, c.Mutable("databases"))
	require.True(t, c.Sensitive("masterauth"))
	require.Panics(t, func() { c.Int("nope") })
	require.Panics(t, func() { c.Bool("port") })
	require.Contains(t, c.Names(), "slaveof")
	require.Contains(t, c.Names(), "hash-max-ziplist-entries")
	_, ok = c.Get("nope")
	require.False(t, ok)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		text string
		ok   bool
	}{
		{"", true},
		{"port 0", false},
		{"port 0\nunixsocket /tmp/r.sock", true},
		{"bind", false},
		{`replicaof h 0`, false},
		{"cluster-enabled yes", false},
		{"tls-port 6380", false},
		{"tls-port 6380\ntls-cert-file c\ntls-key-file k", true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, _, err := parseMem(t, tt.text, nil)
			require.NoError(t, err)
			err = c.Validate()
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.True(t, errors.Is(err, ErrInvalidConfig), "err = %v", err)
			}
		})
	}
}

func TestConcurrentSetGet(t *testing.T) {
	c := DefaultConfig()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_ = c.Set("timeout", fmt.Sprint(j))
				_ = c.Set("bind", "a b")
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_ = c.Int("timeout")
				_ = c.Strings("bind")
				_, _ = c.Get("bind")
			}
		}()
	}
	wg.Wait()
}

func TestSetInternal(t *testing.T) {
	c := DefaultConfig()
	var hooked string
	c.OnChange("replicaof", func(v string) error { hooked = v; return nil })
	require.True(t, errors.Is(c.Set("replicaof", "h 1"), ErrImmutable))
	require.NoError(t, c.SetInternal("replicaof", "master 6380"))
	require.Equal(t, "master 6380", hooked)
	h, p, ok := c.Replicaof()
	require.Equal(t, "master", h)
	require.Equal(t, 6380, p)
	require.True(t, ok)
	require.NoError(t, c.SetInternal("replicaof", "no one"))
	_, _, ok = c.Replicaof()
	require.False(t, ok)
	require.EqualError(t, c.SetInternal("replicaof", "h x"), "ERR CONFIG SET failed (possibly related to argument 'replicaof') - Invalid master port")
}
