package server

import (
	"github.com/redpebble/redpebble/replication"
	"github.com/redpebble/redpebble/store"
)

// The backlog on disk. Each group's stream bytes are stored as one chunk
// (store.PutBacklog, keyed by the offset of its first byte) from the
// store's BeforeCommit hook, in the same pebble batch as the group's data
// and its replication position (a chained replica's position comes from
// the upstream batch; a writable master's is set here). Whatever survives a
// crash therefore ends exactly at the committed offset, and at start-up the
// chunks refill the in-memory backlog, so a sub-replica of a restarted
// redpebble continues with +CONTINUE. Chunks older than repl-backlog-size
// are range-deleted once the disk holds twice that.

// masterRestore runs at start-up, before any write: with chunks on disk the
// node had replicas, so the backlog is kept from the first write on.
func (s *Server) masterRestore() {
	var chunks []int64
	var data []byte
	end := int64(-1)
	found := false
	err := s.db.Backlog(func(first int64, p []byte) bool {
		found = true
		if end >= 0 && first != end+1 {
			chunks, data = chunks[:0], data[:0] // a gap: only what follows is usable
		}
		chunks = append(chunks, first)
		data = append(data, p...)
		end = first + int64(len(p)) - 1
		return true
	})
	if err != nil {
		s.log.Printf("Reading the replication backlog failed: %v", err)
		return
	}
	if !found {
		return
	}
	s.masterInit()
	ms := s.ms()
	if len(chunks) == 0 || end != ms.offset {
		s.log.Printf("Replication backlog on disk discarded: it ends at offset %d, the data at %d", end, ms.offset)
		return
	}
	ms.backlog, ms.chunks, ms.clearDisk = data, chunks, false
	s.log.Printf("Replication backlog restored: %d bytes, offsets %d-%d (replid %s)", len(data), end-int64(len(data))+1, end, ms.replID)
}

// masterBeforeCommit runs on the writer goroutine just before a group
// commits: it moves the group's stream bytes to ms.committing, stores them
// as a backlog chunk and, as a writable master, the new offset.
func (s *Server) masterBeforeCommit(tx *store.Tx) {
	ms := s.ms()
	ms.committing = nil
	if !ms.on {
		return
	}
	p := ms.pending
	ms.pending = nil
	ms.committing = p
	ms.mu.Lock()
	id, off, id2, off2 := ms.replID, ms.offset, ms.replID2, ms.offset2
	ms.mu.Unlock()
	if ms.freeing.Load() {
		// repl-backlog-ttl (masterFreeBacklog): the history ends here; the
		// group's bytes are not fed to a backlog that no longer exists.
		db := 0
		if rs := s.db.Repl(); rs != nil {
			db = rs.DB
		}
		tx.SetRepl(store.ReplState{ReplID: newRunID(), Offset: off, ReplID2: replication.ZeroID, Offset2: -1, DB: db})
		_ = tx.ClearBacklog()
		ms.committing, ms.chunks = nil, ms.chunks[:0]
		return
	}
	end := off + int64(len(p))
	rs, has := tx.PendingRepl()
	replica := s.isReplica()
	if !replica && !has && len(p) > 0 {
		db := max(ms.seldb, 0)
		tx.SetRepl(store.ReplState{ReplID: id, Offset: end, ReplID2: id2, Offset2: off2, DB: db})
	}
	if ms.clearDisk {
		_ = tx.ClearBacklog()
		ms.chunks, ms.clearDisk = ms.chunks[:0], false
	}
	if has && replica && ((rs.ReplID != id && rs.ReplID2 != id) || rs.Offset != end) {
		// A new history from upstream (a full sync) or bytes we could not
		// track: masterCheckPosition resets the memory backlog after the commit.
		_ = tx.ClearBacklog()
		ms.chunks = ms.chunks[:0]
		return
	}
	if len(p) == 0 {
		return
	}
	_ = tx.PutBacklog(off+1, p)
	ms.chunks = append(ms.chunks, off+1)
	size := s.cfg.Memory("repl-backlog-size")
	if end-ms.chunks[0]+1 > 2*size {
		i := 0
		for i+1 < len(ms.chunks) && end-ms.chunks[i+1]+1 >= size {
			i++
		}
		if i > 0 {
			_ = tx.TrimBacklog(ms.chunks[i])
			ms.chunks = append(ms.chunks[:0], ms.chunks[i:]...)
		}
	}
}

// masterAfterReopen re-reads the position after the store recovered from a
// disk fault: groups that were not made durable are gone, so the replicas
// are dropped and, as a master, the history continues under a new id (the
// old one valid up to what the disk kept, as after a restart).
func (s *Server) masterAfterReopen() {
	ms := s.ms()
	_ = s.db.Update(func(tx *store.Tx) error {
		if !ms.on {
			return nil
		}
		rs := s.db.Repl()
		ms.mu.Lock()
		defer ms.mu.Unlock()
		if rs == nil || len(rs.ReplID) != 40 || (rs.ReplID == ms.replID && rs.Offset == ms.offset) {
			return nil
		}
		s.log.Printf("Replication position after the store reopened: %s:%d (was %s:%d): disconnecting replicas, backlog reset", rs.ReplID, rs.Offset, ms.replID, ms.offset)
		s.dropSlavesLocked()
		ms.backlog, ms.pending, ms.clearDisk = nil, nil, true
		ms.replID, ms.offset, ms.replID2, ms.offset2 = rs.ReplID, rs.Offset, replication.ZeroID, -1
		if !s.isReplica() {
			ms.replID2, ms.offset2, ms.replID = rs.ReplID, rs.Offset+1, newRunID()
			ms.seldb = -1
			tx.SetRepl(store.ReplState{ReplID: ms.replID, Offset: ms.offset, ReplID2: ms.replID2, Offset2: ms.offset2, DB: rs.DB})
		}
		return nil
	})
}
