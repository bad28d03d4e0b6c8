package server

import (
	"io"
	"log"
	"os"
	"strconv"
	"testing"

	"github.com/redpebble/redpebble/replication"
	"github.com/redpebble/redpebble/server/config"
)

// BenchmarkMasterApply measures applying the master's SETs through the
// command table, 1024 commands per store transaction.
func BenchmarkMasterApply(b *testing.B) {
	cfg, _, err := config.Load([]string{"--dir", b.TempDir(), "--port", "0"})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg, log.New(io.Discard, "", 0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := newMasterApplier(s)
	batch := &replication.Batch{}
	for i := 0; i < 1024; i++ {
		batch.Units = append(batch.Units, replication.Unit{Cmds: [][][]byte{{[]byte("SET"), []byte("key:" + strconv.Itoa(i)), []byte("value-value-value")}}})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 1024 {
		batch.Repl.Offset += 1024
		if _, err := a.Apply(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMasterApplyMix applies the stream of the apply workload of
// cmd/redpebble-bench (redis-benchmark -r 100000 set, lpush, hset, zadd),
// 1024 commands per batch; ns/op is per command. BENCH_OP=0..3 runs only
// SET, LPUSH, HSET or ZADD; BENCH_MEMTABLE sets pebble-memtable-size.
func BenchmarkMasterApplyMix(b *testing.B) {
	cfg, _, err := config.Load(append([]string{"--dir", b.TempDir(), "--port", "0"}, benchArgs()...))
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg, log.New(io.Discard, "", 0))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := newMasterApplier(s)
	rng := uint64(1)
	rnd := func() string {
		rng = rng*6364136223846793005 + 1442695040888963407
		return strconv.FormatUint(100000000000+(rng>>33)%100000, 10)[1:]
	}
	batch := &replication.Batch{}
	only := -1
	if v := os.Getenv("BENCH_OP"); v != "" {
		only, _ = strconv.Atoi(v)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 1024 {
		batch.Units = batch.Units[:0]
		for j := 0; j < 1024; j++ {
			var c [][]byte
			op := j % 4
			if only >= 0 {
				op = only
			}
			switch op {
			case 0:
				c = [][]byte{[]byte("SET"), []byte("key:" + rnd()), []byte("xxx")}
			case 1:
				c = [][]byte{[]byte("LPUSH"), []byte("mylist"), []byte("xxx")}
			case 2:
				c = [][]byte{[]byte("HSET"), []byte("myhash"), []byte("element:" + rnd()), []byte("xxx")}
			case 3:
				c = [][]byte{[]byte("ZADD"), []byte("myzset"), []byte(rnd()), []byte("element:" + rnd())}
			}
			batch.Units = append(batch.Units, replication.Unit{Cmds: [][][]byte{c}})
		}
		batch.Repl.Offset += 1024
		if _, err := a.Apply(batch); err != nil {
			b.Fatal(err)
		}
	}
}

func benchArgs() []string {
	if v := os.Getenv("BENCH_MEMTABLE"); v != "" {
		return []string{"--pebble-memtable-size", v}
	}
	return nil
}
