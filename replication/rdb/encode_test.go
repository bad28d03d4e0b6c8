package rdb

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tKey is one key of a test dataset, in a form both the encoder and the
// checks (decoder model, redis-server replies) can use.
type tKey struct {
	db     int
	key    string
	expire int64
	typ    Type
	str    string
	list   []string // list elements or set members
	zset   []zsetMember
	hash   [][2]string
	stream *tStream
}

type tStream struct {
	entries []tEntry
	meta    StreamMeta
	groups  []tGroup
}

type tEntry struct {
	id     StreamID
	fields []string
}

type tGroup struct {
	g         StreamGroup
	pel       []StreamPendingEntry
	consumers []tConsumer
}

type tConsumer struct {
	c   StreamConsumer
	pel []StreamID
}

func bs(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// writeValue encodes k's value with the encodings Redis would pick.
func writeValue(t testing.TB, w *ObjectWriter, k tKey) {
	lim := w.opts.Limits
	switch k.typ {
	case TypeString:
		require.NoError(t, w.String([]byte(k.str)))
	case TypeList:
		require.NoError(t, w.List(bs(k.list)))
	case TypeSet:
		all := true
		for _, m := range k.list {
			all = all && IsSetInt([]byte(m))
		}
		require.NoError(t, w.StartSet(uint64(len(k.list)), lim.IntsetSet(len(k.list), all)))
		for _, m := range k.list {
			require.NoError(t, w.SetMember([]byte(m)))
		}
		require.NoError(t, w.EndSet())
	case TypeZSet:
		maxLen := 0
		for _, m := range k.zset {
			maxLen = max(maxLen, len(m.member))
		}
		small := lim.SmallZSet(len(k.zset), maxLen)
		require.NoError(t, w.StartZSet(uint64(len(k.zset)), small))
		zs := k.zset
		if !small { // Redis writes a skiplist from the highest score down
			zs = slices.Clone(zs)
			slices.SortFunc(zs, func(a, b zsetMember) int {
				if c := cmp.Compare(b.score, a.score); c != 0 {
					return c
				}
				return strings.Compare(b.member, a.member)
			})
		}
		for _, m := range zs {
			require.NoError(t, w.ZSetMember([]byte(m.member), m.score))
		}
		require.NoError(t, w.EndZSet())
	case TypeHash:
		maxLen := 0
		for _, p := range k.hash {
			maxLen = max(maxLen, len(p[0]), len(p[1]))
		}
		require.NoError(t, w.StartHash(uint64(len(k.hash)), lim.SmallHash(len(k.hash), maxLen)))
		for _, p := range k.hash {
			require.NoError(t, w.HashField([]byte(p[0]), []byte(p[1])))
		}
		require.NoError(t, w.EndHash())
	case TypeStream:
		s := k.stream
		plan := NewStreamPlan(lim)
		for _, e := range s.entries {
			plan.Add(e.id, bs(e.fields))
		}
		require.NoError(t, w.StartStream(plan))
		for _, e := range s.entries {
			require.NoError(t, w.StreamEntry(e.id, bs(e.fields)))
		}
		require.NoError(t, w.StreamMeta(s.meta, uint64(len(s.groups))))
		for _, g := range s.groups {
			require.NoError(t, w.StreamGroup(g.g, uint64(len(g.pel)), uint64(len(g.consumers))))
			for _, p := range g.pel {
				require.NoError(t, w.StreamPendingEntry(p))
			}
			for _, c := range g.consumers {
				require.NoError(t, w.StreamConsumer(c.c, uint64(len(c.pel))))
				for _, id := range c.pel {
					require.NoError(t, w.StreamConsumerPending(id))
				}
			}
		}
		require.NoError(t, w.EndStream())
	default:
		t.Fatalf("type %v", k.typ)
	}
}

var testFunctions = []string{
	"#!lua name=encodelib\nredis.register_function('encf', function(keys, args) return 1 end)",
	"#!lua name=otherlib\nredis.register_function{function_name='o1', callback=function() return 'x' end, flags={'no-writes'}}",
}

// writeFile encodes keys (grouped by db, in order) as an RDB file.
func writeFile(t testing.TB, keys []tKey, o EncodeOptions) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, o)
	require.NoError(t, w.Header())
	require.NoError(t, w.StandardAux(AuxInfo{CTime: 1700000000, UsedMem: 1 << 20, Repl: true,
		ReplID: strings.Repeat("ab", 20), ReplOffset: 12345}))
	for _, f := range testFunctions {
		require.NoError(t, w.Function([]byte(f)))
	}
	byDB := map[int][]tKey{}
	var dbs []int
	for _, k := range keys {
		if byDB[k.db] == nil {
			dbs = append(dbs, k.db)
		}
		byDB[k.db] = append(byDB[k.db], k)
	}
	sort.Ints(dbs)
	for _, db := range dbs {
		var exp uint64
		for _, k := range byDB[db] {
			if k.expire != 0 {
				exp++
			}
		}
		require.NoError(t, w.SelectDB(db, uint64(len(byDB[db])), exp))
		for _, k := range byDB[db] {
			require.NoError(t, w.Key([]byte(k.key), k.expire))
			writeValue(t, &w.ObjectWriter, k)
		}
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func id(ms, seq uint64) StreamID { return StreamID{ms, seq} }

// testDataset has every type in its compact and plain encodings, with
// awkward values.
func testDataset(expireBase int64) []tKey {
	r := rand.New(rand.NewPCG(1, 2))
	randBytes := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	var keys []tKey
	add := func(k tKey) { keys = append(keys, k) }
	strs := []string{"", "a", "hello world", "0", "-1", "127", "128", "-128", "-129", "32767", "32768",
		"-32769", "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807",
		"-9223372036854775808", "9223372036854775808", "007", "+1", "-0", " 1", "1 ", "\x00\xff\x00binary",
		strings.Repeat("a", 21), strings.Repeat("ab", 500), randBytes(100), strings.Repeat("xyz123", 40000),
		randBytes(70000), "12345678901", "1234567890123456789012"}
	for i, s := range strs {
		add(tKey{key: "str:" + strconv.Itoa(i), typ: TypeString, str: s})
	}
	// Lists: one node, many nodes, big elements, PLAIN-free by default.
	add(tKey{key: "list:small", typ: TypeList, list: []string{"a", "1", "-5", "", "\x00\x01", "4096", "-4097", "70000", "9223372036854775807", "x"}})
	var big []string
	for i := 0; i < 3000; i++ {
		switch i % 4 {
		case 0:
			big = append(big, strconv.Itoa(i*977-100000))
		case 1:
			big = append(big, "elem-"+strconv.Itoa(i))
		case 2:
			big = append(big, strings.Repeat("v", i%300))
		default:
			big = append(big, randBytes(i%50))
		}
	}
	add(tKey{key: "list:big", typ: TypeList, list: big})
	add(tKey{key: "list:huge-items", typ: TypeList, list: []string{"a", strings.Repeat("h", 10000), "b", randBytes(20000), "c", "d"}})
	add(tKey{key: "list:one", typ: TypeList, list: []string{""}})
	// Sets: intset widths, too many ints, strings.
	add(tKey{key: "set:int16", typ: TypeSet, list: []string{"5", "-3", "100", "32767", "-32768"}})
	add(tKey{key: "set:int32", typ: TypeSet, list: []string{"5", "70000", "-70000"}})
	add(tKey{key: "set:int64", typ: TypeSet, list: []string{"1", "9223372036854775807", "-9223372036854775808"}})
	var ints []string
	for i := 0; i < 600; i++ {
		ints = append(ints, strconv.Itoa(i*3-500))
	}
	add(tKey{key: "set:manyints", typ: TypeSet, list: ints})
	add(tKey{key: "set:512ints", typ: TypeSet, list: ints[:512]})
	add(tKey{key: "set:str", typ: TypeSet, list: []string{"a", "b", "", "1", "01", randBytes(30), strings.Repeat("s", 100)}})
	// Sorted sets.
	zs := []zsetMember{{"a", 1}, {"b", 1.5}, {"c", -0.0}, {"d", 0}, {"e", math.Inf(1)}, {"f", math.Inf(-1)},
		{"g", 1e300}, {"h", 3.14159}, {"i", 9007199254740993}, {"j", -2.5e-300}, {"k", 0.1}, {"", 7},
		{"12", 12}, {"\x00\xff", -1e20}, {"l", 4503599627370496}, {"m", -4503599627370495}, {"n", 123456789012.5}}
	add(tKey{key: "zset:small", typ: TypeZSet, zset: zs})
	var bigz []zsetMember
	for i := 0; i < 300; i++ {
		bigz = append(bigz, zsetMember{"m" + strconv.Itoa(i), float64(i%17) * 1.25})
	}
	bigz = append(bigz, zs...)
	add(tKey{key: "zset:big", typ: TypeZSet, zset: bigz})
	add(tKey{key: "zset:longmember", typ: TypeZSet, zset: []zsetMember{{"short", 1}, {strings.Repeat("L", 65), 2}, {"neg0", math.Copysign(0, -1)}}})
	// Hashes.
	add(tKey{key: "hash:small", typ: TypeHash, hash: [][2]string{{"f", "v"}, {"n", "123"}, {"", ""}, {"bin", "\x00\xff"}, {"-1", "9223372036854775807"}, {"big", strings.Repeat("q", 64)}}})
	var bigh [][2]string
	for i := 0; i < 600; i++ {
		bigh = append(bigh, [2]string{"field:" + strconv.Itoa(i), strings.Repeat("v", i%40) + strconv.Itoa(i)})
	}
	add(tKey{key: "hash:big", typ: TypeHash, hash: bigh})
	add(tKey{key: "hash:longvalue", typ: TypeHash, hash: [][2]string{{"a", "1"}, {"b", strings.Repeat("z", 65)}}})
	// Streams.
	add(tKey{key: "stream:small", typ: TypeStream, stream: &tStream{
		entries: []tEntry{
			{id(1000, 0), []string{"a", "1", "b", "2"}},
			{id(1000, 1), []string{"a", "3", "b", "4"}},
			{id(1001, 0), []string{"c", "x"}},
			{id(1500, 7), []string{"a", "", "b", strings.Repeat("w", 300)}},
		},
		meta: StreamMeta{Length: 4, LastID: id(1500, 7), FirstID: id(1000, 0), MaxDeletedID: id(900, 0), EntriesAdded: 6},
	}})
	var ents []tEntry
	for i := 0; i < 450; i++ {
		f := []string{"k", strconv.Itoa(i), "v", strings.Repeat("e", i%90)}
		if i%37 == 0 {
			f = []string{"other", randBytes(i % 20)}
		}
		ents = append(ents, tEntry{id(uint64(1700000000000+i/3), uint64(i%3)), f})
	}
	last := ents[len(ents)-1].id
	add(tKey{key: "stream:big", typ: TypeStream, stream: &tStream{
		entries: ents,
		meta:    StreamMeta{Length: uint64(len(ents)), LastID: last, FirstID: ents[0].id, EntriesAdded: uint64(len(ents))},
		groups: []tGroup{
			{g: StreamGroup{Name: []byte("g-empty"), LastID: id(0, 0), EntriesRead: 0}},
			{g: StreamGroup{Name: []byte("g-invalid"), LastID: ents[100].id, EntriesRead: StreamEntriesReadInvalid}},
			{g: StreamGroup{Name: []byte("g1"), LastID: ents[10].id, EntriesRead: 11},
				pel: []StreamPendingEntry{{ents[3].id, 1700000000500, 1}, {ents[5].id, 1700000000600, 3}, {ents[9].id, 1700000000700, 2}},
				consumers: []tConsumer{
					{StreamConsumer{Name: []byte("alice"), SeenTime: 1700000001000}, []StreamID{ents[3].id, ents[9].id}},
					{StreamConsumer{Name: []byte("bob"), SeenTime: 1700000002000}, []StreamID{ents[5].id}},
					{StreamConsumer{Name: []byte("idle"), SeenTime: 1700000003000}, nil},
				}},
		},
	}})
	add(tKey{key: "stream:empty", typ: TypeStream, stream: &tStream{
		meta:   StreamMeta{Length: 0, LastID: id(5, 5), MaxDeletedID: id(5, 5), EntriesAdded: 3},
		groups: []tGroup{{g: StreamGroup{Name: []byte("g"), LastID: id(5, 5), EntriesRead: 3}}},
	}})
	// Expiries and other databases.
	add(tKey{key: "ttl:str", typ: TypeString, str: "v", expire: expireBase + 3600_000})
	add(tKey{key: "ttl:hash", typ: TypeHash, hash: [][2]string{{"a", "b"}}, expire: expireBase + 7200_000})
	add(tKey{db: 3, key: "db3:str", typ: TypeString, str: "three"})
	add(tKey{db: 3, key: "db3:list", typ: TypeList, list: []string{"x", "y"}, expire: expireBase + 600_000})
	add(tKey{db: 15, key: "db15:set", typ: TypeSet, list: []string{"p", "q"}})
	add(tKey{db: 15, key: "str:0", typ: TypeString, str: "same name, other db"})
	return keys
}

// checkModel compares what the decoder reported with the dataset.
func checkModel(t *testing.T, m *model, keys []tKey) {
	t.Helper()
	for _, k := range keys {
		db := m.dbs[k.db]
		require.NotNil(t, db, "db %d", k.db)
		got := db.keys[k.key]
		require.NotNil(t, got, "key %q", k.key)
		checkKeyModel(t, got, k)
	}
	n := 0
	for _, db := range m.dbs {
		n += len(db.keys)
	}
	require.Equal(t, len(keys), n)
}

func checkKeyModel(t *testing.T, got *keyModel, k tKey) {
	t.Helper()
	require.True(t, got.ended, k.key)
	require.Equal(t, k.typ, got.info.Type, k.key)
	require.Equal(t, k.expire, got.info.Expire, k.key)
	switch k.typ {
	case TypeString:
		require.Equal(t, k.str, string(got.str), k.key)
	case TypeList:
		require.Equal(t, k.list, strs(got.list), k.key)
	case TypeSet:
		require.ElementsMatch(t, k.list, strs(got.list), k.key)
	case TypeZSet:
		want := map[string]float64{}
		for _, z := range k.zset {
			want[z.member] = z.score
		}
		require.Len(t, got.zset, len(want), k.key)
		for _, z := range got.zset {
			w, ok := want[z.member]
			require.True(t, ok, "%s: member %q", k.key, z.member)
			if w == 0 && z.score == 0 && got.info.Encoding == typeZSetListpack {
				continue // a listpack stores -0 as 0, as Redis does
			}
			require.Equal(t, math.Float64bits(w), math.Float64bits(z.score), "%s: %q %v %v", k.key, z.member, w, z.score)
		}
	case TypeHash:
		want := map[string]string{}
		for _, p := range k.hash {
			want[p[0]] = p[1]
		}
		gotm := map[string]string{}
		for f, v := range got.hash {
			gotm[f] = string(v)
		}
		require.Equal(t, want, gotm, k.key)
	case TypeStream:
		s := k.stream
		require.Len(t, got.entries, len(s.entries), k.key)
		for i, e := range s.entries {
			require.Equal(t, e.id.String(), got.entries[i][0], k.key)
			var fs []string
			for _, f := range got.entries[i][1].([]any) {
				b, err := fromJSON(f)
				require.NoError(t, err)
				fs = append(fs, string(b))
			}
			require.Equal(t, e.fields, fs, k.key)
		}
		wantMeta := s.meta
		wantMeta.HasV2Fields = true
		require.Equal(t, wantMeta, got.meta, k.key)
		require.Len(t, got.groups, len(s.groups), k.key)
		for i, g := range s.groups {
			gg := got.groups[i]
			require.Equal(t, g.g, gg.g, k.key)
			require.Equal(t, len(g.pel), len(gg.pel))
			for j := range g.pel {
				require.Equal(t, g.pel[j], gg.pel[j])
			}
			require.Len(t, gg.consumers, len(g.consumers))
			for j, c := range g.consumers {
				want := c.c
				want.ActiveTime = want.SeenTime
				require.Equal(t, want, gg.consumers[j].c)
				require.Equal(t, len(c.pel), len(gg.consumers[j].pel))
				for x := range c.pel {
					require.Equal(t, c.pel[x], gg.consumers[j].pel[x])
				}
			}
		}
	}
}

func strs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

func decodeEncoded(t *testing.T, data []byte) *model {
	t.Helper()
	m := newModel()
	require.NoError(t, Decode(bytes.NewReader(data), m))
	return m
}

func TestEncodeRoundTrip(t *testing.T) {
	keys := testDataset(1700000000000)
	for _, o := range []EncodeOptions{DefaultEncodeOptions(), {Limits: DefaultLimits(), NoCompression: true}} {
		t.Run(fmt.Sprintf("nocompress=%v", o.NoCompression), func(t *testing.T) {
			data := writeFile(t, keys, o)
			m := decodeEncoded(t, data)
			checkModel(t, m, keys)
			require.Equal(t, testFunctions, m.functions)
			require.Equal(t, "7.0.15", m.aux["redis-ver"])
			require.Equal(t, "64", m.aux["redis-bits"])
			require.Equal(t, strings.Repeat("ab", 20), m.aux["repl-id"])
			require.Equal(t, "12345", m.aux["repl-offset"])
			require.Equal(t, "0", m.aux["aof-base"])
			require.Equal(t, uint64(2), m.dbs[3].resizeSize)
			require.Equal(t, uint64(1), m.dbs[3].resizeExp)
			require.Equal(t, "REDIS0010", string(data[:9]))
		})
	}
}

// TestEncodeEncodings checks the RDB type each value gets.
func TestEncodeEncodings(t *testing.T) {
	keys := testDataset(0)
	m := decodeEncoded(t, writeFile(t, keys, DefaultEncodeOptions()))
	want := map[string]byte{
		"str:0": typeString, "list:small": typeListQuicklist2, "list:big": typeListQuicklist2,
		"set:int16": typeSetIntset, "set:512ints": typeSetIntset, "set:manyints": typeSet, "set:str": typeSet,
		"zset:small": typeZSetListpack, "zset:big": typeZSet2, "zset:longmember": typeZSet2,
		"hash:small": typeHashListpack, "hash:big": typeHash, "hash:longvalue": typeHash,
		"stream:big": typeStream2, "stream:empty": typeStream2,
	}
	for k, typ := range want {
		require.Equal(t, typ, m.dbs[0].keys[k].info.Encoding, k)
	}
}

// TestEncodeDumpRoundTrip encodes every dataset value as a DUMP payload and
// decodes it back.
func TestEncodeDumpRoundTrip(t *testing.T) {
	d := NewDump(DefaultEncodeOptions())
	for _, k := range testDataset(0) {
		d.Reset()
		writeValue(t, &d.ObjectWriter, k)
		p, err := d.Payload()
		require.NoError(t, err)
		typ, body, ver, err := VerifyDumpPayloadFor(p, Version10)
		require.NoError(t, err)
		require.Equal(t, Version10, ver)
		m := newModel()
		require.NoError(t, m.SelectDB(0))
		require.NoError(t, DecodeValue(bytes.NewReader(body), ver, typ, []byte(k.key), KeyInfo{Idle: -1, Freq: -1}, m))
		k.expire = 0
		checkKeyModel(t, m.dbs[0].keys[k.key], k)
	}
	_, _, _, err := VerifyDumpPayloadFor(AppendDumpFooter([]byte{0, 1, 'a'}, 11), Version10)
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestEncodeStringEncodings(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"0", "\xc0\x00"}, {"-128", "\xc0\x80"}, {"128", "\xc1\x80\x00"}, {"-32768", "\xc1\x00\x80"},
		{"32768", "\xc2\x00\x80\x00\x00"}, {"-2147483648", "\xc2\x00\x00\x00\x80"},
		{"2147483648", "\x0a2147483648"}, {"-0", "\x02-0"}, {"01", "\x0201"}, {"+1", "\x02+1"}, {"", "\x00"},
	}
	for _, c := range cases {
		var w ObjectWriter
		w.writeString([]byte(c.in))
		require.Equal(t, c.want, string(w.out), c.in)
	}
	var w ObjectWriter
	long := strings.Repeat("a", 21)
	w.writeString([]byte(long))
	require.Equal(t, byte(0xc3), w.out[0])
	w = ObjectWriter{opts: EncodeOptions{NoCompression: true}}
	w.writeString([]byte(long))
	require.Equal(t, "\x15"+long, string(w.out))
	// 64-bit and 32-bit lengths.
	require.Equal(t, "\x80\x00\x01\x00\x00", string(appendLen(nil, 65536)))
	require.Equal(t, "\x81\x00\x00\x00\x01\x00\x00\x00\x00", string(appendLen(nil, 1<<32)))
	require.Equal(t, "\x7f\xff", string(appendLen(nil, 16383)))
}

func TestListpackBuilder(t *testing.T) {
	vals := []string{"0", "127", "128", "-1", "4095", "-4096", "4096", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808", "", "x", strings.Repeat("a", 63),
		strings.Repeat("b", 64), strings.Repeat("c", 4095), strings.Repeat("d", 4096), strings.Repeat("e", 20000), "-0", "007"}
	var l lpBuilder
	l.reset()
	size := lpHeaderSize + 1
	for _, v := range vals {
		l.appendString([]byte(v))
		size += lpEntrySize([]byte(v))
	}
	b := l.finish()
	require.Equal(t, size, len(b))
	it, err := newLPIter(b)
	require.NoError(t, err)
	for _, v := range vals {
		s, ok, err := it.nextString(nil)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, v, string(s))
	}
	require.NoError(t, it.end())
}

func TestEncodeMisuse(t *testing.T) {
	d := NewDump(DefaultEncodeOptions())
	require.NoError(t, d.StartHash(2, true))
	require.NoError(t, d.HashField([]byte("a"), []byte("b")))
	require.ErrorIs(t, d.EndHash(), ErrEncode)
	d = NewDump(DefaultEncodeOptions())
	require.NoError(t, d.StartSet(1, true))
	require.ErrorIs(t, d.SetMember([]byte("x")), ErrEncode)
	d = NewDump(DefaultEncodeOptions())
	require.NoError(t, d.StartZSet(1, false))
	require.ErrorIs(t, d.ZSetMember([]byte("x"), math.NaN()), ErrEncode)
	d = NewDump(DefaultEncodeOptions())
	plan := NewStreamPlan(DefaultLimits())
	plan.Add(id(2, 0), bs([]string{"a", "b"}))
	plan.Add(id(1, 0), bs([]string{"a", "b"}))
	require.NoError(t, d.StartStream(plan))
	require.NoError(t, d.StreamEntry(id(2, 0), bs([]string{"a", "b"})))
	require.ErrorIs(t, d.StreamEntry(id(1, 0), bs([]string{"a", "b"})), ErrEncode)
	require.ErrorIs(t, NewDump(DefaultEncodeOptions()).StartHash(0, true), ErrEncode)
	d = NewDump(DefaultEncodeOptions())
	require.NoError(t, d.String([]byte("x")))
	p1, err := d.Payload()
	require.NoError(t, err)
	p2, err := d.Payload()
	require.NoError(t, err)
	require.Equal(t, p1, p2)
	require.ErrorIs(t, d.String([]byte("y")), ErrEncode)
	require.ErrorIs(t, NewDump(DefaultEncodeOptions()).List(nil), ErrEncode)
	_, err = NewDump(DefaultEncodeOptions()).Payload()
	require.ErrorIs(t, err, ErrEncode)
	// Write errors are sticky and returned.
	fw := NewWriter(failWriter{}, DefaultEncodeOptions())
	require.NoError(t, fw.Header())
	require.NoError(t, fw.Key([]byte("k"), 0))
	require.NoError(t, fw.String(bytes.Repeat([]byte("x"), 1<<20)))
	require.Error(t, fw.Close())
	var buf bytes.Buffer
	w := NewWriter(&buf, DefaultEncodeOptions())
	require.NoError(t, w.Header())
	require.ErrorIs(t, w.String([]byte("no key")), ErrEncode)
	// A list whose elements change between plan and write.
	d = NewDump(DefaultEncodeOptions())
	lp := NewListPlan(DefaultLimits())
	lp.Add([]byte("a"))
	lp.Add([]byte("b"))
	require.NoError(t, d.StartList(lp))
	require.NoError(t, d.ListItem([]byte("a")))
	require.ErrorIs(t, d.ListItem(bytes.Repeat([]byte("b"), 9000)), ErrEncode)
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

// TestListNodePacking checks node boundaries against Redis 7.0's rule for
// list-max-listpack-size -2 (8 KB) and a count limit.
func TestListNodePacking(t *testing.T) {
	lim := DefaultLimits()
	p := NewListPlan(lim)
	for i := 0; i < 791; i++ {
		p.Add(bytes.Repeat([]byte("x"), 100))
	}
	// Each element is 100 + 2 + 1 bytes in a listpack; the insert check
	// adds 100 + 8: nodes hold 79 elements (7 + 78*103 + 108 <= 8192).
	require.Equal(t, uint64(11), p.Nodes())
	lim.ListMaxListpackSize = 5
	p = NewListPlan(lim)
	for i := 0; i < 12; i++ {
		p.Add([]byte("a"))
	}
	require.Equal(t, uint64(3), p.Nodes())
	lim = DefaultLimits()
	lim.ListPackedThreshold = 10
	d := NewDump(EncodeOptions{Limits: lim})
	items := bs([]string{"a", "bbbbbbbbbbbb", "c", "d", "eeeeeeeeeeeeeeeeeeeeeeeee"})
	require.NoError(t, d.List(items))
	p2, err := d.Payload()
	require.NoError(t, err)
	typ, body, ver, err := VerifyDumpPayload(p2)
	require.NoError(t, err)
	m := newModel()
	require.NoError(t, m.SelectDB(0))
	require.NoError(t, DecodeValue(bytes.NewReader(body), ver, typ, []byte("l"), KeyInfo{}, m))
	require.Equal(t, strs(items), strs(m.dbs[0].keys["l"].list))
	require.Equal(t, byte(4), body[0]) // nodes: [a] [b..] [c d] [e..]
}

func TestAppendScore(t *testing.T) {
	for _, f := range []float64{1, 1.5, 0.1, 1e300, math.Inf(1), math.Inf(-1), 4503599627370496, 1.0 / 3} {
		s := string(appendScore(nil, f))
		g, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, s)
		require.Equal(t, math.Float64bits(f), math.Float64bits(g), s)
	}
	require.Equal(t, "0.10000000000000001", string(appendScore(nil, 0.1)))
	require.Equal(t, "4503599627370496", string(appendScore(nil, 4503599627370496)))
	require.Equal(t, "0", string(appendScore(nil, math.Copysign(0, -1))))
}
