package server

import (
	"io"
	"log"
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
