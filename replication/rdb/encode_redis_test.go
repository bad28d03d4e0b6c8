package rdb

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
	"github.com/stretchr/testify/require"
)

// redisTool finds a Redis binary, skipping the test without it (failing
// it under CI=true).
func redisTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (required under CI): %v", name, err)
		}
		t.Skipf("%s not found, skipping: %v", name, err)
	}
	return p
}

// wantEncoding is what OBJECT ENCODING answers in Redis 7.0 for a value
// loaded from RDB type typ.
var wantEncoding = map[byte]string{
	typeListQuicklist2: "quicklist", typeSetIntset: "intset", typeSet: "hashtable",
	typeZSetListpack: "listpack", typeZSet2: "skiplist", typeHashListpack: "listpack", typeHash: "hashtable",
	typeStream2: "stream",
}

func bulkStrings(t *testing.T, v redistest.Value) []string {
	t.Helper()
	require.False(t, v.IsError(), v.String())
	out := []string{}
	for _, e := range v.Elems {
		out = append(out, e.Str)
	}
	return out
}

// checkRedisKey compares key name in the selected db of c with k.
func checkRedisKey(t *testing.T, c *redistest.Conn, name string, k tKey, now int64, encoding byte) {
	t.Helper()
	typ := c.DoValue("TYPE", name)
	require.Equal(t, k.typ.String(), typ.Str, name)
	if enc, ok := wantEncoding[encoding]; ok {
		got := c.DoValue("OBJECT", "ENCODING", name).Str
		require.Equal(t, enc, got, "%s: OBJECT ENCODING", name)
	}
	pttl := c.DoValue("PTTL", name).Int
	if k.expire == 0 {
		require.Equal(t, int64(-1), pttl, name)
	} else {
		require.Greater(t, pttl, int64(0), name)
		require.LessOrEqual(t, pttl, k.expire-now, name)
	}
	switch k.typ {
	case TypeString:
		require.Equal(t, k.str, c.DoValue("GET", name).Str, name)
	case TypeList:
		require.Equal(t, k.list, bulkStrings(t, c.DoValue("LRANGE", name, "0", "-1")), name)
	case TypeSet:
		require.ElementsMatch(t, k.list, bulkStrings(t, c.DoValue("SMEMBERS", name)), name)
	case TypeZSet:
		want := slices.Clone(k.zset)
		slices.SortFunc(want, func(a, b zsetMember) int {
			if c := cmp.Compare(a.score, b.score); c != 0 {
				return c
			}
			return strings.Compare(a.member, b.member)
		})
		got := bulkStrings(t, c.DoValue("ZRANGE", name, "0", "-1", "WITHSCORES"))
		require.Len(t, got, 2*len(want), name)
		for i, z := range want {
			require.Equal(t, z.member, got[2*i], name)
			f, err := strconv.ParseFloat(got[2*i+1], 64)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(z.score), math.Float64bits(f), "%s %q: %v vs %s", name, z.member, z.score, got[2*i+1])
		}
	case TypeHash:
		want := map[string]string{}
		for _, p := range k.hash {
			want[p[0]] = p[1]
		}
		got := bulkStrings(t, c.DoValue("HGETALL", name))
		gotm := map[string]string{}
		for i := 0; i+1 < len(got); i += 2 {
			gotm[got[i]] = got[i+1]
		}
		require.Equal(t, want, gotm, name)
	case TypeStream:
		checkRedisStream(t, c, name, k.stream)
	}
}

func flatMap(t *testing.T, v redistest.Value) map[string]redistest.Value {
	t.Helper()
	require.False(t, v.IsError(), v.String())
	m := map[string]redistest.Value{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		m[v.Elems[i].Str] = v.Elems[i+1]
	}
	return m
}

func checkRedisStream(t *testing.T, c *redistest.Conn, name string, s *tStream) {
	t.Helper()
	xr := c.DoValue("XRANGE", name, "-", "+")
	require.Len(t, xr.Elems, len(s.entries), name)
	for i, e := range s.entries {
		require.Equal(t, e.id.String(), xr.Elems[i].Elems[0].Str)
		require.Equal(t, e.fields, bulkStrings(t, xr.Elems[i].Elems[1]))
	}
	info := flatMap(t, c.DoValue("XINFO", "STREAM", name))
	require.Equal(t, int64(s.meta.Length), info["length"].Int)
	require.Equal(t, s.meta.LastID.String(), info["last-generated-id"].Str)
	require.Equal(t, s.meta.MaxDeletedID.String(), info["max-deleted-entry-id"].Str)
	require.Equal(t, int64(s.meta.EntriesAdded), info["entries-added"].Int)
	require.Equal(t, int64(len(s.groups)), info["groups"].Int)
	if len(s.entries) > 0 {
		require.Equal(t, s.entries[0].id.String(), info["first-entry"].Elems[0].Str)
	}
	groups := c.DoValue("XINFO", "GROUPS", name)
	require.Len(t, groups.Elems, len(s.groups))
	byName := map[string]map[string]redistest.Value{}
	for _, g := range groups.Elems {
		m := flatMap(t, g)
		byName[m["name"].Str] = m
	}
	for _, g := range s.groups {
		m := byName[string(g.g.Name)]
		require.NotNil(t, m, "group %s", g.g.Name)
		require.Equal(t, int64(len(g.consumers)), m["consumers"].Int)
		require.Equal(t, int64(len(g.pel)), m["pending"].Int)
		require.Equal(t, g.g.LastID.String(), m["last-delivered-id"].Str)
		if g.g.EntriesRead < 0 {
			require.True(t, m["entries-read"].Null, "entries-read %v", m["entries-read"])
		} else {
			require.Equal(t, g.g.EntriesRead, m["entries-read"].Int)
		}
		pending := c.DoValue("XPENDING", name, string(g.g.Name), "-", "+", "1000")
		require.Len(t, pending.Elems, len(g.pel))
		owner := map[StreamID]string{}
		for _, cs := range g.consumers {
			for _, id := range cs.pel {
				owner[id] = string(cs.c.Name)
			}
		}
		for i, p := range g.pel {
			e := pending.Elems[i].Elems
			require.Equal(t, p.ID.String(), e[0].Str)
			require.Equal(t, owner[p.ID], e[1].Str)
			require.Equal(t, int64(p.DeliveryCount), e[3].Int)
		}
		cons := c.DoValue("XINFO", "CONSUMERS", name, string(g.g.Name))
		require.Len(t, cons.Elems, len(g.consumers))
		for i, cs := range g.consumers {
			m := flatMap(t, cons.Elems[i])
			require.Equal(t, string(cs.c.Name), m["name"].Str)
			require.Equal(t, int64(len(cs.pel)), m["pending"].Int)
		}
	}
}

// encodingOf returns the RDB type byte each key of data got.
func encodingsOf(t *testing.T, data []byte) map[[2]string]byte {
	m := decodeEncoded(t, data)
	out := map[[2]string]byte{}
	for db, d := range m.dbs {
		for k, km := range d.keys {
			out[[2]string{strconv.Itoa(db), k}] = km.info.Encoding
		}
	}
	return out
}

// TestEncodeAgainstRedis writes an RDB file holding every type and
// encoding, has redis-check-rdb verify it, loads it into redis-server 7.0
// and compares the dataset; then RESTOREs each value's DUMP payload and
// decodes redis-server's own DUMP of it.
func TestEncodeAgainstRedis(t *testing.T) {
	checker := redisTool(t, "redis-check-rdb")
	redisTool(t, "redis-server")
	now := time.Now().UnixMilli()
	keys := testDataset(now)
	data := writeFile(t, keys, DefaultEncodeOptions())
	encs := encodingsOf(t, data)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.rdb")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	out, err := exec.Command(checker, path).CombinedOutput()
	require.NoError(t, err, "redis-check-rdb:\n%s", out)
	require.Contains(t, string(out), "RDB looks OK")

	lim := DefaultLimits()
	srv := redistest.StartRedis(t, "dir "+dir, "dbfilename x.rdb", "sanitize-dump-payload yes",
		"hash-max-listpack-entries "+strconv.Itoa(lim.HashMaxListpackEntries),
		"hash-max-listpack-value "+strconv.Itoa(lim.HashMaxListpackValue),
		"zset-max-listpack-entries "+strconv.Itoa(lim.ZSetMaxListpackEntries),
		"zset-max-listpack-value "+strconv.Itoa(lim.ZSetMaxListpackValue),
		"set-max-intset-entries "+strconv.Itoa(lim.SetMaxIntsetEntries),
		"list-max-listpack-size "+strconv.Itoa(lim.ListMaxListpackSize))
	c := redistest.Dial(t, srv.Addr)
	defer c.Close()
	sizes := map[int]int64{}
	for _, k := range keys {
		sizes[k.db]++
	}
	for db := 0; db < 16; db++ {
		c.MustOK("SELECT", strconv.Itoa(db))
		require.Equal(t, sizes[db], c.DoValue("DBSIZE").Int, "db %d", db)
	}
	libs := c.DoValue("FUNCTION", "LIST")
	require.Len(t, libs.Elems, len(testFunctions))
	require.Equal(t, "1", c.DoValue("FCALL", "encf", "0").String())

	d := NewDump(DefaultEncodeOptions())
	identical := 0
	for _, k := range keys {
		c.MustOK("SELECT", strconv.Itoa(k.db))
		enc := encs[[2]string{strconv.Itoa(k.db), k.key}]
		checkRedisKey(t, c, k.key, k, now, enc)

		// Redis's DUMP of the loaded value decodes to the same value.
		rp := []byte(c.DoValue("DUMP", k.key).Str)
		typ, body, ver, err := VerifyDumpPayload(rp)
		require.NoError(t, err, k.key)
		require.Equal(t, Version10, ver)
		m := newModel()
		require.NoError(t, m.SelectDB(0))
		require.NoError(t, DecodeValue(bytes.NewReader(body), ver, typ, []byte(k.key), KeyInfo{Idle: -1, Freq: -1}, m), k.key)
		k2 := k
		k2.expire = 0
		checkKeyModel(t, m.dbs[0].keys[k.key], k2)

		// Our DUMP payload RESTOREs (deep-sanitized) to the same value.
		d.Reset()
		writeValue(t, &d.ObjectWriter, k)
		p, err := d.Payload()
		require.NoError(t, err)
		if bytes.Equal(p, rp) {
			identical++
		} else if typ != typeSet && typ != typeHash {
			// Only hash tables have an order we cannot reproduce.
			t.Errorf("DUMP %s (type %d) differs from redis-server's: %d vs %d bytes\n%q\n%q", k.key, typ, len(p), len(rp), p[:min(len(p), 200)], rp[:min(len(rp), 200)])
		}
		rk := "restored:" + k.key
		args := []string{"RESTORE", rk, "0", string(p)}
		if k.expire != 0 {
			args = []string{"RESTORE", rk, strconv.FormatInt(k.expire, 10), string(p), "ABSTTL"}
		}
		c.MustOK(args...)
		checkRedisKey(t, c, rk, k, now, typ)
	}
	t.Logf("%d of %d DUMP payloads byte-identical to redis-server's", identical, len(keys))
}

// TestDumpStringsMatchRedis compares our DUMP of many strings, compressible
// and not, with redis-server's, byte for byte: the LZF compressor makes
// Redis's choices.
func TestDumpStringsMatchRedis(t *testing.T) {
	redisTool(t, "redis-server")
	srv := redistest.StartRedis(t)
	c := redistest.Dial(t, srv.Addr)
	defer c.Close()
	r := rand.New(rand.NewPCG(7, 8))
	d := NewDump(DefaultEncodeOptions())
	mismatches := 0
	const n = 400
	for i := 0; i < n; i++ {
		length := 1 + r.IntN(3000)
		if i%3 == 0 {
			length = 15 + r.IntN(20)
		}
		alpha := 2 + r.IntN(250)
		b := make([]byte, length)
		for j := range b {
			if j > 8 && r.IntN(4) == 0 {
				b[j] = b[j-1-r.IntN(8)]
			} else {
				b[j] = byte(r.IntN(alpha))
			}
		}
		c.MustOK("SET", "s", string(b))
		rp := c.DoValue("DUMP", "s").Str
		d.Reset()
		require.NoError(t, d.String(b))
		p, err := d.Payload()
		require.NoError(t, err)
		if string(p) != rp {
			mismatches++
			t.Logf("string %d (%d bytes, alphabet %d): DUMP differs (%d vs %d bytes)", i, length, alpha, len(p), len(rp))
		}
	}
	require.Zero(t, mismatches, "%d of %d DUMPs differ", mismatches, n)
}
