package rdb

import (
	"bytes"
	"math"
	"strconv"
	"testing"
)

// FuzzLZFCompressRedis checks the Redis-compatible compressor's output
// decompresses to its input and never exceeds the allowed size.
func FuzzLZFCompressRedis(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 10)
	f.Add(bytes.Repeat([]byte("abcdefgh"), 100), 0)
	f.Add([]byte("0123456789012345678901234567890123456789"), 3)
	var t lzfTable
	f.Fuzz(func(tt *testing.T, src []byte, slack int) {
		for _, outLen := range []int{len(src) - 4, len(src) + slack%64} {
			comp, ok := lzfCompressRedis(nil, src, outLen, &t)
			if !ok {
				continue
			}
			if len(comp) > outLen {
				tt.Fatalf("compressed %d bytes into %d, limit %d", len(src), len(comp), outLen)
			}
			got, err := LZFDecompress(comp, len(src))
			if err != nil || !bytes.Equal(got, src) {
				tt.Fatalf("round trip of %q: %v", src, err)
			}
		}
	})
}

// FuzzEncodeValue builds a value of each type from fuzz input, encodes it
// as a DUMP payload with tiny limits (so every node and encoding boundary
// is hit) and decodes it back.
func FuzzEncodeValue(f *testing.F) {
	f.Add([]byte("a\x00b\x00123\x00-5\x00\x00xyzxyzxyzxyzxyzxyzxyzxyz"), uint8(3))
	f.Add([]byte("1\x002\x003\x0070000\x00-9223372036854775808"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, knob uint8) {
		parts := bytes.Split(data, []byte{0})
		if len(parts) > 300 {
			parts = parts[:300]
		}
		lim := DefaultLimits()
		lim.ListMaxListpackSize = int(knob%8) - 5
		lim.ListPackedThreshold = 1 + int(knob)*4
		lim.StreamNodeMaxEntries = 1 + int(knob%5)
		lim.StreamNodeMaxBytes = 20 + int(knob)*8
		o := EncodeOptions{Limits: lim, NoCompression: knob&1 == 0}
		d := NewDump(o)
		roundTrip := func(write func(w *ObjectWriter) error, check func(k *keyModel)) {
			d.Reset()
			if err := write(&d.ObjectWriter); err != nil {
				t.Fatal(err)
			}
			p, err := d.Payload()
			if err != nil {
				t.Fatal(err)
			}
			typ, body, ver, err := VerifyDumpPayloadFor(p, Version10)
			if err != nil {
				t.Fatal(err)
			}
			m := newModel()
			_ = m.SelectDB(0)
			if err := DecodeValue(bytes.NewReader(body), ver, typ, []byte("k"), KeyInfo{}, m); err != nil {
				t.Fatalf("decode type %d: %v", typ, err)
			}
			k := m.dbs[0].keys["k"]
			if k == nil {
				t.Fatalf("type %d: no key", typ)
			}
			check(k)
		}
		// List.
		roundTrip(func(w *ObjectWriter) error { return w.List(parts) }, func(k *keyModel) {
			if len(k.list) != len(parts) {
				t.Fatalf("list of %d, got %d", len(parts), len(k.list))
			}
			for i := range parts {
				if !bytes.Equal(k.list[i], parts[i]) {
					t.Fatalf("list item %d: %q vs %q", i, k.list[i], parts[i])
				}
			}
		})
		// Hash and zset with unique fields; small or not by knob.
		uniq := map[string]bool{}
		var fields [][]byte
		for _, p := range parts {
			if !uniq[string(p)] {
				uniq[string(p)] = true
				fields = append(fields, p)
			}
		}
		small := knob&2 != 0
		roundTrip(func(w *ObjectWriter) error {
			_ = w.StartHash(uint64(len(fields)), small)
			for i, f := range fields {
				_ = w.HashField(f, parts[i%len(parts)])
			}
			return w.EndHash()
		}, func(k *keyModel) {
			if len(k.hash) != len(fields) {
				t.Fatalf("hash of %d, got %d", len(fields), len(k.hash))
			}
		})
		roundTrip(func(w *ObjectWriter) error {
			_ = w.StartZSet(uint64(len(fields)), small)
			for i, f := range fields {
				s := float64(i) / 3
				if i%7 == 3 {
					s = math.Inf(1 - 2*(i%2))
				}
				_ = w.ZSetMember(f, s)
			}
			return w.EndZSet()
		}, func(k *keyModel) {
			if len(k.zset) != len(fields) {
				t.Fatalf("zset of %d, got %d", len(fields), len(k.zset))
			}
		})
		// Set, as an intset when every member is an integer.
		all := true
		for _, f := range fields {
			all = all && IsSetInt(f)
		}
		roundTrip(func(w *ObjectWriter) error {
			_ = w.StartSet(uint64(len(fields)), all && small)
			for _, f := range fields {
				_ = w.SetMember(f)
			}
			return w.EndSet()
		}, func(k *keyModel) {
			if len(k.list) != len(fields) {
				t.Fatalf("set of %d, got %d", len(fields), len(k.list))
			}
		})
		// Stream: one entry per part, fields from the parts.
		plan := NewStreamPlan(lim)
		var ids []StreamID
		var ents [][][]byte
		for i, p := range parts {
			id := StreamID{uint64(1000 + i/3), uint64(i % 3)}
			e := [][]byte{[]byte("f" + strconv.Itoa(i%2)), p}
			if i%4 == 1 {
				e = append(e, p, []byte("x"))
			}
			ids = append(ids, id)
			ents = append(ents, e)
			plan.Add(id, e)
		}
		roundTrip(func(w *ObjectWriter) error {
			_ = w.StartStream(plan)
			for i := range ids {
				_ = w.StreamEntry(ids[i], ents[i])
			}
			_ = w.StreamMeta(StreamMeta{Length: uint64(len(ids)), LastID: ids[len(ids)-1]}, 0)
			return w.EndStream()
		}, func(k *keyModel) {
			if len(k.entries) != len(ids) {
				t.Fatalf("stream of %d, got %d", len(ids), len(k.entries))
			}
		})
	})
}

func BenchmarkEncodeFile(b *testing.B) {
	keys := testDataset(0)
	data := writeFile(b, keys, DefaultEncodeOptions())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		writeFile(b, keys, DefaultEncodeOptions())
	}
}

func BenchmarkDumpSmallHash(b *testing.B) {
	d := NewDump(DefaultEncodeOptions())
	var fields [][]byte
	for i := 0; i < 50; i++ {
		fields = append(fields, []byte("field:"+strconv.Itoa(i)), []byte(strconv.Itoa(i*1000)))
	}
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		_ = d.StartHash(50, true)
		for i := 0; i < len(fields); i += 2 {
			_ = d.HashField(fields[i], fields[i+1])
		}
		_ = d.EndHash()
		if _, err := d.Payload(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumpList(b *testing.B) {
	d := NewDump(DefaultEncodeOptions())
	var items [][]byte
	n := 0
	for i := 0; i < 10000; i++ {
		it := []byte("item-" + strconv.Itoa(i%500))
		items = append(items, it)
		n += len(it)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		if err := d.List(items); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Payload(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLZFCompressRedis(b *testing.B) {
	in := lzfBenchInput()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var t lzfTable
	dst := make([]byte, len(in)+8)
	for b.Loop() {
		if _, ok := lzfCompressRedis(dst, in, len(in)-4, &t); !ok {
			b.Fatal("incompressible")
		}
	}
}
