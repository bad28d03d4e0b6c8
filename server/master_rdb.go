package server

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// The RDB a master sends to its replicas, written from a store snapshot
// with rdb.Writer: every db, every live key of every type, the function
// libraries, and the replication aux fields.

// rdbLimits are the encoding thresholds of the configuration.
func (s *Server) rdbLimits() rdb.EncodeOptions {
	o := rdb.DefaultEncodeOptions()
	l := &o.Limits
	l.HashMaxListpackEntries = int(s.cfg.Int64("hash-max-listpack-entries"))
	l.HashMaxListpackValue = int(s.cfg.Memory("hash-max-listpack-value"))
	l.ZSetMaxListpackEntries = int(s.cfg.Int64("zset-max-listpack-entries"))
	l.ZSetMaxListpackValue = int(s.cfg.Memory("zset-max-listpack-value"))
	l.SetMaxIntsetEntries = int(s.cfg.Int64("set-max-intset-entries"))
	l.ListMaxListpackSize = s.cfg.Int("list-max-listpack-size")
	l.StreamNodeMaxEntries = int(s.cfg.Int64("stream-node-max-entries"))
	l.StreamNodeMaxBytes = int(s.cfg.Memory("stream-node-max-bytes"))
	o.NoCompression = !s.cfg.Bool("rdbcompression")
	return o
}

// snapInfo is what a snapshot was taken with.
type snapInfo struct {
	snap    *store.Snapshot
	keys    []int64 // per db, for RESIZEDB
	expires []int64
	aux     rdb.AuxInfo
}

// writeRDB writes the whole RDB of si to w.
func (s *Server) writeRDB(w io.Writer, si *snapInfo) error {
	o := s.rdbLimits()
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
				if werr = s.writeRDBKey(tx, rw, &o.Limits, db, key, m); werr != nil {
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

func (s *Server) writeRDBKey(tx *store.Tx, rw *rdb.Writer, lim *rdb.Limits, db int, key []byte, m *store.Meta) error {
	key = bytes.Clone(key)
	if err := rw.Key(key, m.ExpireAt); err != nil {
		return err
	}
	switch m.Type {
	case store.TypeString:
		return rw.String(m.Value)
	case store.TypeList:
		l, _, err := tx.OpenList(db, key)
		if err != nil {
			return err
		}
		plan := rdb.NewListPlan(*lim)
		if err := l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool { plan.Add(v); return true }); err != nil {
			return err
		}
		if err := rw.StartList(plan); err != nil {
			return err
		}
		var werr error
		if err := l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool { werr = rw.ListItem(v); return werr == nil }); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		return rw.EndList()
	case store.TypeSet:
		members, err := tx.SetMembers(db, m)
		if err != nil {
			return err
		}
		all := len(members) <= lim.SetMaxIntsetEntries
		for _, mb := range members {
			if !all {
				break
			}
			all = rdb.IsSetInt(mb)
		}
		if err := rw.StartSet(uint64(len(members)), lim.IntsetSet(len(members), all)); err != nil {
			return err
		}
		for _, mb := range members {
			if err := rw.SetMember(mb); err != nil {
				return err
			}
		}
		return rw.EndSet()
	case store.TypeHash:
		h, _, err := tx.OpenHash(db, key)
		if err != nil {
			return err
		}
		n := int(h.Len())
		var pairs [][2][]byte
		small := false
		if n <= lim.HashMaxListpackEntries {
			maxLen := 0
			if err := h.ForEach(func(f, v []byte) bool {
				pairs = append(pairs, [2][]byte{bytes.Clone(f), bytes.Clone(v)})
				maxLen = max(maxLen, len(f), len(v))
				return true
			}); err != nil {
				return err
			}
			n = len(pairs)
			small = lim.SmallHash(n, maxLen)
		}
		if err := rw.StartHash(uint64(n), small); err != nil {
			return err
		}
		if pairs != nil || n == 0 {
			for _, p := range pairs {
				if err := rw.HashField(p[0], p[1]); err != nil {
					return err
				}
			}
			return rw.EndHash()
		}
		var werr error
		if err := h.ForEach(func(f, v []byte) bool { werr = rw.HashField(f, v); return werr == nil }); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		return rw.EndHash()
	case store.TypeZSet:
		type zm struct {
			m []byte
			s float64
		}
		var all []zm
		maxLen := 0
		if err := tx.ZForEach(db, m, func(member []byte, score float64) bool {
			all = append(all, zm{bytes.Clone(member), score})
			maxLen = max(maxLen, len(member))
			return true
		}); err != nil {
			return err
		}
		small := lim.SmallZSet(len(all), maxLen)
		if !small {
			// A skiplist is written from its tail (highest score first).
			for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
				all[i], all[j] = all[j], all[i]
			}
		}
		if err := rw.StartZSet(uint64(len(all)), small); err != nil {
			return err
		}
		for _, e := range all {
			if err := rw.ZSetMember(e.m, e.s); err != nil {
				return err
			}
		}
		return rw.EndZSet()
	case store.TypeStream:
		return writeRDBStream(tx, rw, lim, db, key)
	}
	return rw.String(nil)
}

var maxStreamID = store.StreamID{Ms: math.MaxUint64, Seq: math.MaxUint64}

func writeRDBStream(tx *store.Tx, rw *rdb.Writer, lim *rdb.Limits, db int, key []byte) error {
	st, _, err := tx.OpenStream(db, key)
	if err != nil {
		return err
	}
	plan := rdb.NewStreamPlan(*lim)
	if err := st.Range(store.StreamID{}, maxStreamID, false, func(e store.StreamEntry) bool {
		plan.Add(rid(e.ID), e.FV)
		return true
	}); err != nil {
		return err
	}
	if err := rw.StartStream(plan); err != nil {
		return err
	}
	var werr error
	if err := st.Range(store.StreamID{}, maxStreamID, false, func(e store.StreamEntry) bool {
		werr = rw.StreamEntry(rid(e.ID), e.FV)
		return werr == nil
	}); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	groups, err := st.AllGroups()
	if err != nil {
		return err
	}
	meta := rdb.StreamMeta{Length: st.Len(), LastID: rid(st.Last), HasV2Fields: true, FirstID: rid(st.First),
		MaxDeletedID: rid(st.MaxDeleted), EntriesAdded: st.EntriesAdded}
	if err := rw.StreamMeta(meta, uint64(len(groups))); err != nil {
		return err
	}
	for _, g := range groups {
		pel, err := st.PEL(g.Name, store.StreamID{}, maxStreamID, 0)
		if err != nil {
			return err
		}
		cons, err := st.Consumers(g.Name)
		if err != nil {
			return err
		}
		if err := rw.StreamGroup(rdb.StreamGroup{Name: g.Name, LastID: rid(g.Last), EntriesRead: g.EntriesRead},
			uint64(len(pel)), uint64(len(cons))); err != nil {
			return err
		}
		for _, p := range pel {
			if err := rw.StreamPendingEntry(rdb.StreamPendingEntry{ID: rid(p.ID), DeliveryTime: p.DeliveryTime,
				DeliveryCount: p.DeliveryCount}); err != nil {
				return err
			}
		}
		for _, c := range cons {
			ids, err := st.ConsumerPEL(g.Name, c.Name, store.StreamID{}, maxStreamID, 0)
			if err != nil {
				return err
			}
			if err := rw.StreamConsumer(rdb.StreamConsumer{Name: c.Name, SeenTime: c.SeenTime, ActiveTime: c.SeenTime},
				uint64(len(ids))); err != nil {
				return err
			}
			for _, id := range ids {
				if err := rw.StreamConsumerPending(rid(id)); err != nil {
					return err
				}
			}
		}
	}
	return rw.EndStream()
}

var _ = time.Now
