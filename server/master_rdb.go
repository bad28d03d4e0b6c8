package server

import (
	"bytes"
	"fmt"
	"io"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// The RDB a master sends to its replicas, written from a store snapshot
// with rdb.Writer: every db, every live key of every type, the function
// libraries, and the replication aux fields.

// snapInfo is what a snapshot was taken with.
type snapInfo struct {
	snap    *store.Snapshot
	keys    []int64 // per db, for RESIZEDB
	expires []int64
	aux     rdb.AuxInfo
}

// writeRDB writes the whole RDB of si to w.
func (s *Server) writeRDB(w io.Writer, si *snapInfo) error {
	o := s.encodeOptions()
	rw := rdb.NewWriter(w, o)
	if err := rw.Header(); err != nil {
		return err
	}
	if err := rw.StandardAux(si.aux); err != nil {
		return err
	}
	return si.snap.View(func(tx *store.Tx) error {
		var err error
		tx.Blobs([]byte(blobFunctionPrefix), func(_, code []byte) bool {
			err = rw.Function(code)
			return err == nil
		})
		if err != nil {
			return err
		}
		for db := range si.keys {
			if si.keys[db] == 0 {
				continue
			}
			if err := rw.SelectDB(db, uint64(si.keys[db]), uint64(si.expires[db])); err != nil {
				return err
			}
			var werr error
			ferr := tx.ForEach(db, func(key []byte, m *store.Meta) bool {
				if werr = writeRDBKey(tx, rw, o.Limits, db, key, m); werr != nil {
					werr = fmt.Errorf("key %q (%s) of db %d: %w", key, m.Type, db, werr)
				}
				return werr == nil
			})
			if werr != nil {
				return werr
			}
			if ferr != nil {
				return ferr
			}
		}
		return rw.Close()
	})
}

// writeRDBKey writes one key of a snapshot: its header, then its value.
func writeRDBKey(tx *store.Tx, rw *rdb.Writer, lim rdb.Limits, db int, key []byte, m *store.Meta) error {
	key = bytes.Clone(key) // the iteration's buffer is reused by the value's reads
	if err := rw.Key(key, m.ExpireAt); err != nil {
		return err
	}
	return writeValue(tx, db, key, m, &rw.ObjectWriter, lim)
}
