package server

import (
	"log"

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
