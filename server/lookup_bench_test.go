package server

import "testing"

// BenchmarkCommandLookup is the per-command table lookup of a pipelined GET.
func BenchmarkCommandLookup(b *testing.B) {
	s := &Server{rcmds: loadRedisCommands(), cmds: commandTable{}}
	s.registerAll()
	args := [][]byte{[]byte("GET"), []byte("key:000000000042")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if c, _ := s.cmds.lookup(args); c == nil {
			b.Fatal("no GET")
		}
	}
}
