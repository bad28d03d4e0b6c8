package server

import (
	"log"
	"time"

	"github.com/tidwall/redcon"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/redpebble/redpebble/store"
)

// Disk faults (issue 7): when pebble cannot write (disk full, I/O error)
// the store stops applying and keeps serving reads (store/fault.go). A
// master then refuses write commands and PING with MISCONF, as Redis does
// when it cannot persist (writeCommandsDeniedByDiskError); a replica's
// applier fails, which drops the link without acking, and retries. When the
// disk works again the store reopens with what the disk held; a replica then
// reconnects so that its PSYNC offset is the stored one.

// testStoreFS, when set by a test, is the file system New opens the store
// on (a store.FaultFS to inject disk faults).
var testStoreFS vfs.FS

func storeOptions(o *store.Options, logger *log.Logger) {
	if testStoreFS != nil {
		o.FS = testStoreFS
	}
	o.Logf = logger.Printf
}

// diskErrorCheck returns the MISCONF text for a command refused because the
// store cannot write, or "".
func (s *Server) diskErrorCheck(c *Client, cmd *command) string {
	if c.fromMaster || s.isReplica() {
		return ""
	}
	if !cmd.has(flagWrite) && cmd.name != "ping" {
		return ""
	}
	err := s.db.Failed()
	if err == nil {
		return ""
	}
	return sanitize(err.Error()) // a store.DiskError: MISCONF Errors writing to the AOF file: ...
}

// onStoreReopen runs after the store recovered from a disk fault.
func (s *Server) onStoreReopen() {
	s.log.Printf("The disk works again: writes resumed (store generation %d)", s.db.Generation())
	s.masterAfterReopen()
	if s.isReplica() {
		s.killMasterLink()
	}
}

// outFlushChunk is how much reply data a connection holds before handle
// flushes it itself instead of waiting for the end of redcon's read batch:
// a client pipelining reads of big values without reading its replies
// holds at most this much (plus one reply) in the server.
const outFlushChunk = 256 << 10

// outputCheck runs after handle queued n reply bytes on conn. Past
// outFlushChunk it flushes; with client-output-buffer-limit normal set, a
// client that does not take the data within the soft seconds (1 s for a
// hard limit alone) is disconnected, as Redis's closeClientOnOutputBufferLimitReached.
func (s *Server) outputCheck(conn redcon.Conn, c *Client, n int) {
	c.unflushed += n
	if c.unflushed < outFlushChunk {
		return
	}
	c.unflushed = 0
	l := s.ps.normal.Load()
	nc := conn.NetConn()
	limited := l != nil && (l.Hard > 0 || l.Soft > 0)
	if limited {
		wait := time.Second
		if l.Soft > 0 && l.SoftSeconds > 0 && (l.Hard <= 0 || l.Soft < l.Hard) {
			wait = time.Duration(l.SoftSeconds) * time.Second
		}
		nc.SetWriteDeadline(time.Now().Add(wait))
	}
	err := redcon.BaseWriter(conn).Flush()
	if limited {
		nc.SetWriteDeadline(time.Time{})
	}
	if err != nil {
		if limited {
			s.log.Printf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.info(time.Now()))
		}
		c.closing = true
		conn.Close()
	}
}
