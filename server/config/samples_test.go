package config

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSampleConfigs loads the configurations under testdata/config the way
// redpebble is started with them.
func TestSampleConfigs(t *testing.T) {
	t.Chdir(testdataDir(t))

	t.Run("redis-default", func(t *testing.T) {
		c, w, err := Load([]string{"redis-default.conf"})
		require.NoError(t, err)
		require.NoError(t, c.Validate())
		def := DefaultConfig()
		// The stock file sets everything to Redis' defaults, except dir
		// (the working directory either way) and bind (redpebble's default
		// is the stock file's line).
		require.Equal(t, snapshot(def), snapshot(c))
		require.Contains(t, w, "directive 'appendonly' is ignored by redpebble")
		require.Contains(t, w, "directive 'lazyfree-lazy-eviction' is ignored by redpebble")
		require.NotContains(t, w, "directive 'port' is ignored by redpebble")
	})
	t.Run("replica", func(t *testing.T) {
		c, _, err := Load([]string{"replica.conf"})
		require.NoError(t, err)
		require.NoError(t, c.Validate())
		h, p, ok := c.Replicaof()
		require.Equal(t, "10.20.30.40", h)
		require.Equal(t, 6379, p)
		require.True(t, ok)
		require.Equal(t, "s3cr3t with spaces", c.String("masterauth"))
		require.Equal(t, "replicator", c.String("masteruser"))
		require.Equal(t, "local-pass", c.String("requirepass"))
		require.False(t, c.Bool("replica-serve-stale-data"))
		require.Equal(t, int64(64<<20), c.Memory("repl-backlog-size"))
		require.Equal(t, int64(2<<30), c.Memory("pebble-cache-size"))
		require.Equal(t, int64(128<<20), c.Memory("pebble-memtable-size"))
		require.Equal(t, []string{"0.0.0.0", "::"}, c.Strings("bind"))
		require.Equal(t, []string{}, c.Strings("save"))
		v, _ := c.Get("client-output-buffer-limit")
		require.Equal(t, "normal 0 0 0 slave 536870912 134217728 120 pubsub 67108864 16777216 90", v)
		require.Len(t, c.Users(), 2)
	})
	t.Run("quoting", func(t *testing.T) {
		c, _, err := Load([]string{"quoting.conf"})
		require.NoError(t, err)
		require.Equal(t, "pa\"ssA\n\t\\", c.String("requirepass"))
		require.Equal(t, `single 'quoted' "doubles kept"`, c.String("masterauth"))
		require.Equal(t, "spaced   out", c.String("masteruser"))
		require.Equal(t, "10.0.0.1", c.String("replica-announce-ip"))
		require.Equal(t, "AKE", c.String("notify-keyspace-events"))
		require.Equal(t, "TLSv1.2 TLSv1.3", c.String("tls-protocols"))
		require.Equal(t, []string{"127.0.0.1", "::1"}, c.Strings("bind"))
	})
	t.Run("aliases", func(t *testing.T) {
		c, _, err := Load([]string{"aliases.conf"})
		require.NoError(t, err)
		got, _ := c.Get("replicaof")
		require.Equal(t, "192.168.1.1 6379", got)
		require.False(t, c.Bool("replica-read-only"))
		require.Equal(t, 50, c.Int("replica-priority"))
		require.Equal(t, 7000, c.Int("replica-announce-port"))
		require.Equal(t, 1, c.Int("min-replicas-to-write"))
		require.Equal(t, 5, c.Int("repl-ping-replica-period"))
		require.Equal(t, 256, c.Int("hash-max-listpack-entries"))
		require.Equal(t, int64(32), c.Memory("zset-max-listpack-value"))
		require.Equal(t, -3, c.Int("list-max-listpack-size"))
		require.Equal(t, 1000, c.Int("busy-reply-threshold"))
	})
	t.Run("includes", func(t *testing.T) {
		c, _, err := Load([]string{"includes.conf", "--hz", "30"})
		require.NoError(t, err)
		require.Equal(t, 7777, c.Int("port"))
		require.Equal(t, int64(100<<20), c.Memory("maxmemory"))
		require.Equal(t, "allkeys-lru", c.String("maxmemory-policy"))
		require.Equal(t, "warning", c.String("loglevel"))
		require.Equal(t, 30, c.Int("hz"), "the command line comes last")
		require.Equal(t, 15, c.Int("timeout"))
		abs, _ := filepath.Abs("includes.conf")
		require.Equal(t, abs, c.ConfigFile())
	})
}

func TestParseTooLargeQuick(t *testing.T) {
	old := maxConfigBytes
	maxConfigBytes = 1000
	defer func() { maxConfigBytes = old }()
	fsys := newMemFS(map[string]string{"big.conf": string(make([]byte, 600))})
	fsys.in = string(make([]byte, 600))
	_, _, err := loadArgs([]string{"big.conf", "-"}, fsys)
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nconfiguration larger than 1000 bytes")
	_, _, err = parseMem(t, "include big.conf\ninclude big.conf", map[string]string{"big.conf": string(make([]byte, 600))})
	require.EqualError(t, err, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nconfiguration larger than 1000 bytes")
}
