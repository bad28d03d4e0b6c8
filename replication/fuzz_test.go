package replication

import (
	"bytes"
	"testing"
	"time"
)

// FuzzCoreLines drives the core with arbitrary reply lines and stream
// commands: it must never panic, never report an applied offset beyond
// what it read, and only ask for actions that fit its state.
func FuzzCoreLines(f *testing.F) {
	f.Add([]byte("+PONG\n+OK\n+OK\n+FULLRESYNC 8b012635d8c4a2aa0b6571dd1f61441140761ed6 100\n\n$EOF:0123456789012345678901234567890123456789\n"))
	f.Add([]byte("+PONG\n+OK\n+OK\n+CONTINUE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"))
	f.Add([]byte("-NOAUTH x\n-ERR\n+OK\n+OK\n+FULLRESYNC x -5\n$-1\n"))
	f.Add([]byte("+PONG\n+OK\n+OK\n+FULLRESYNC 8b012635d8c4a2aa0b6571dd1f61441140761ed6 0\n$3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := time.Unix(1700000000, 0)
		c := NewCore(Config{Host: "m", Port: 1, ListeningPort: 2, Timeout: time.Minute, MaxBatch: 4, MasterAuth: "x"}, nil)
		var pending *Batch
		handle := func(acts []Action) {
			for _, a := range acts {
				switch a.Kind {
				case ActApply:
					pending = a.Batch
				case ActLoad:
					if a.Size < -1 || (a.Mark != nil && len(a.Mark) != 40) {
						t.Fatalf("bad load action %+v", a)
					}
				}
			}
		}
		handle(c.Start(now))
		handle(c.Connected(now))
		for i, line := range bytes.Split(data, []byte("\n")) {
			now = now.Add(100 * time.Millisecond)
			switch st := c.Status().State; st {
			case StateSync:
				handle(c.Loaded(now, nil, len(line)%16))
			case StateConnected:
				args := bytes.Fields(line)
				handle(c.Command(now, args, int64(len(line)+1)))
				if pending == nil && i%3 == 0 {
					handle(c.Flush())
				}
				if pending != nil {
					b := pending
					pending = nil
					handle(c.Applied(now, b, b.DB, nil))
				}
			case StateConnect:
				handle(c.Tick(now.Add(10*time.Second), 0))
				handle(c.Connected(now))
			default:
				handle(c.Line(now, line))
			}
			s := c.Status()
			if s.Offset > s.ReadOffset {
				t.Fatalf("applied %d > read %d", s.Offset, s.ReadOffset)
			}
		}
	})
}
