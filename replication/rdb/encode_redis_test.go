package rdb

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
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
			if z.score == 0 && f == 0 && encoding == typeZSetListpack {
				continue // -0 in a listpack reads back as 0, in Redis too
			}
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

// TestDumpMatchesRedisCommands builds values in redis-server with its own
// commands (RPUSH, HSET, ZADD, SADD, XADD, XGROUP...) and checks our
// encoding of the same contents is byte for byte its DUMP: list and stream
// node packing, listpack and intset layouts, score text.
func TestDumpMatchesRedisCommands(t *testing.T) {
	redisTool(t, "redis-server")
	srv := redistest.StartRedis(t)
	c := redistest.Dial(t, srv.Addr)
	defer c.Close()
	r := rand.New(rand.NewPCG(3, 4))
	d := NewDump(DefaultEncodeOptions())
	check := func(key string, write func(w *ObjectWriter)) {
		t.Helper()
		d.Reset()
		write(&d.ObjectWriter)
		p, err := d.Payload()
		require.NoError(t, err)
		rp := c.DoValue("DUMP", key).Str
		require.Equal(t, rp, string(p), "DUMP %s", key)
	}
	elem := func(i int) string {
		switch r.IntN(5) {
		case 0:
			return strconv.Itoa(r.IntN(1<<20) - 1<<19)
		case 1:
			return strconv.FormatInt(r.Int64()-1<<62, 10)
		case 2:
			return strings.Repeat("x", r.IntN(200))
		case 3:
			return strings.Repeat("big", 1000+r.IntN(3000))
		}
		return "e" + strconv.Itoa(i)
	}
	for round := 0; round < 5; round++ {
		c.DoValue("FLUSHALL")
		// Lists of many sizes.
		n := []int{1, 10, 200, 2000, 5000}[round]
		var items []string
		for i := 0; i < n; i++ {
			items = append(items, elem(i))
		}
		for i := 0; i < len(items); i += 100 {
			c.DoValue(append([]string{"RPUSH", "l"}, items[i:min(i+100, len(items))]...)...)
		}
		check("l", func(w *ObjectWriter) { require.NoError(t, w.List(bs(items))) })

		// Small hash in insertion order.
		var hash [][2]string
		for i := 0; i < 5+round*20; i++ {
			f, v := "f"+strconv.Itoa(i), elem(i)
			if len(v) > 64 {
				v = v[:64]
			}
			hash = append(hash, [2]string{f, v})
			c.DoValue("HSET", "h", f, v)
		}
		check("h", func(w *ObjectWriter) {
			require.NoError(t, w.StartHash(uint64(len(hash)), true))
			for _, p := range hash {
				require.NoError(t, w.HashField([]byte(p[0]), []byte(p[1])))
			}
			require.NoError(t, w.EndHash())
		})

		// Small zset with awkward scores, big zset (skiplist, written
		// highest first).
		scores := []string{"1", "1.5", "-0", "0", "inf", "-inf", "0.1", "1e300", "-2.5e-300", "4503599627370496", "123456789.125", "3"}
		var zs []zsetMember
		for i := 0; i < 10+round*25; i++ {
			s := scores[r.IntN(len(scores))]
			if r.IntN(3) == 0 {
				s = strconv.FormatFloat(r.NormFloat64()*1e6, 'g', -1, 64)
			}
			f, _ := strconv.ParseFloat(s, 64)
			m := "m" + strconv.Itoa(i)
			zs = append(zs, zsetMember{m, f})
			c.DoValue("ZADD", "z", s, m)
		}
		small := len(zs) <= 128
		check("z", func(w *ObjectWriter) {
			require.NoError(t, w.StartZSet(uint64(len(zs)), small))
			order := slices.Clone(zs)
			if !small {
				slices.SortFunc(order, func(a, b zsetMember) int {
					if c := cmp.Compare(b.score, a.score); c != 0 {
						return c
					}
					return strings.Compare(b.member, a.member)
				})
			}
			for _, m := range order {
				require.NoError(t, w.ZSetMember([]byte(m.member), m.score))
			}
			require.NoError(t, w.EndZSet())
		})

		// Intset.
		var ints []string
		for i := 0; i < 5+round*100; i++ {
			v := strconv.FormatInt(r.Int64N(1<<(16+round*10))-1<<(15+round*10), 10)
			if c.DoValue("SADD", "s", v).Int == 1 {
				ints = append(ints, v)
			}
		}
		check("s", func(w *ObjectWriter) {
			require.NoError(t, w.StartSet(uint64(len(ints)), true))
			for _, m := range ints {
				require.NoError(t, w.SetMember([]byte(m)))
			}
			require.NoError(t, w.EndSet())
		})

		// Stream with explicit IDs, some entries sharing the master fields,
		// a group with a PEL.
		var ents []tEntry
		ms := uint64(1700000000000)
		for i := 0; i < []int{1, 5, 150, 450, 900}[round]; i++ {
			if r.IntN(3) > 0 {
				ms += uint64(r.IntN(5))
			}
			seq := uint64(0)
			if len(ents) > 0 && ents[len(ents)-1].id.Ms == ms {
				seq = ents[len(ents)-1].id.Seq + 1
			}
			f := []string{"a", elem(i), "b", strconv.Itoa(i)}
			if r.IntN(10) == 0 {
				f = []string{"other", strings.Repeat("o", r.IntN(500))}
			}
			ents = append(ents, tEntry{StreamID{ms, seq}, f})
			c.DoValue(append([]string{"XADD", "x", StreamID{ms, seq}.String()}, f...)...)
		}
		last := ents[len(ents)-1].id
		c.MustOK("XGROUP", "CREATE", "x", "g", "0")
		c.MustOK("XGROUP", "CREATE", "x", "g2", "$")
		plan := NewStreamPlan(DefaultLimits())
		for _, e := range ents {
			plan.Add(e.id, bs(e.fields))
		}
		check("x", func(w *ObjectWriter) {
			require.NoError(t, w.StartStream(plan))
			for _, e := range ents {
				require.NoError(t, w.StreamEntry(e.id, bs(e.fields)))
			}
			require.NoError(t, w.StreamMeta(StreamMeta{Length: uint64(len(ents)), LastID: last,
				FirstID: ents[0].id, EntriesAdded: uint64(len(ents))}, 2))
			require.NoError(t, w.StreamGroup(StreamGroup{Name: []byte("g"), EntriesRead: StreamEntriesReadInvalid}, 0, 0))
			require.NoError(t, w.StreamGroup(StreamGroup{Name: []byte("g2"), LastID: last, EntriesRead: StreamEntriesReadInvalid}, 0, 0))
			require.NoError(t, w.EndStream())
		})
	}
}

// TestDumpPlainNodesMatchRedis lowers Redis's packed threshold (DEBUG
// QUICKLIST-PACKED-THRESHOLD) so big elements get PLAIN nodes, and checks
// our list encoding with the same ListPackedThreshold matches its DUMP.
func TestDumpPlainNodesMatchRedis(t *testing.T) {
	redisTool(t, "redis-server")
	srv := redistest.StartRedis(t, "enable-debug-command yes")
	c := redistest.Dial(t, srv.Addr)
	defer c.Close()
	c.MustOK("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
	items := []string{"a", strings.Repeat("p", 100), "b", "c", strings.Repeat("q", 99), strings.Repeat("r", 5000), "12", strings.Repeat("s", 101)}
	c.DoValue(append([]string{"RPUSH", "l"}, items...)...)
	require.Equal(t, items, bulkStrings(t, c.DoValue("LRANGE", "l", "0", "-1")))
	lim := DefaultLimits()
	lim.ListPackedThreshold = 100
	d := NewDump(EncodeOptions{Limits: lim})
	require.NoError(t, d.List(bs(items)))
	p, err := d.Payload()
	require.NoError(t, err)
	require.Equal(t, c.DoValue("DUMP", "l").Str, string(p))
	c.MustOK("RESTORE", "l2", "0", string(p))
	require.Equal(t, items, bulkStrings(t, c.DoValue("LRANGE", "l2", "0", "-1")))
}

// readCommand reads one RESP array command from br.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil // inline (or a bare newline)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return nil, err
	}
	args := make([]string, 0, n)
	for i := 0; i < n; i++ {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(strings.TrimRight(hdr[1:], "\r\n"))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:l]))
	}
	return args, nil
}

// TestEncodeFullSyncToRedisReplica plays a master: a redis-server 7.0
// replica connects, gets +FULLRESYNC and our RDB as the bulk payload, and
// must end up with the whole dataset.
func TestEncodeFullSyncToRedisReplica(t *testing.T) {
	redisTool(t, "redis-server")
	now := time.Now().UnixMilli()
	keys := testDataset(now)
	data := writeFile(t, keys, DefaultEncodeOptions())
	encs := encodingsOf(t, data)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for {
			args, err := readCommand(br)
			if err != nil {
				done <- err
				return
			}
			if len(args) == 0 {
				continue
			}
			switch strings.ToUpper(args[0]) {
			case "PING":
				_, err = io.WriteString(conn, "+PONG\r\n")
			case "REPLCONF":
				if len(args) > 1 && strings.EqualFold(args[1], "ACK") {
					continue
				}
				_, err = io.WriteString(conn, "+OK\r\n")
			case "PSYNC", "SYNC":
				_, err = fmt.Fprintf(conn, "+FULLRESYNC %s 12345\r\n$%d\r\n", strings.Repeat("ab", 20), len(data))
				if err == nil {
					_, err = conn.Write(data)
				}
				done <- err
				// Keep the link open until the test ends.
				_, _ = io.Copy(io.Discard, br)
				return
			default:
				_, err = fmt.Fprintf(conn, "-ERR unexpected %q\r\n", args[0])
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	srv := redistest.StartRedis(t, "replicaof 127.0.0.1 "+strconv.Itoa(port), "repl-diskless-load disabled")
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("replica never asked for PSYNC")
	}
	c := redistest.Dial(t, srv.Addr)
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := string(c.Do("INFO", "replication"))
		if strings.Contains(info, "master_link_status:up") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica did not load the RDB:\n%s\n%s", info, srv.LogTail(20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	sizes := map[int]int64{}
	for _, k := range keys {
		sizes[k.db]++
	}
	for db := 0; db < 16; db++ {
		c.MustOK("SELECT", strconv.Itoa(db))
		require.Equal(t, sizes[db], c.DoValue("DBSIZE").Int, "db %d", db)
	}
	for _, k := range keys {
		c.MustOK("SELECT", strconv.Itoa(k.db))
		checkRedisKey(t, c, k.key, k, now, encs[[2]string{strconv.Itoa(k.db), k.key}])
	}
	require.Len(t, c.DoValue("FUNCTION", "LIST").Elems, len(testFunctions))
	require.Contains(t, string(c.Do("INFO", "replication")), "master_repl_offset:12345")
}
