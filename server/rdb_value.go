package server

import (
	"fmt"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// One RDB object encoder for a key's value, shared by DUMP (an rdb.Dump) and
// the snapshot RDB a master sends its replicas (an rdb.Writer): both embed
// rdb.ObjectWriter. The encoding written is the one the key has (OBJECT
// ENCODING, kept by the store as Redis's conversion rules decide), as
// rdbSaveObject writes an object's current encoding; lists and streams are
// read twice (a plan of their nodes, then the elements), so no value is
// held in memory whole.

// encodeOptions are the RDB encoder options of the current configuration.
func (s *Server) encodeOptions() rdb.EncodeOptions {
	o := rdb.DefaultEncodeOptions()
	cfg := s.cfg
	o.NoCompression = !cfg.Bool("rdbcompression")
	l := &o.Limits
	l.ListMaxListpackSize = cfg.Int("list-max-listpack-size")
	l.HashMaxListpackEntries = int(cfg.Int64("hash-max-listpack-entries"))
	l.HashMaxListpackValue = int(cfg.Memory("hash-max-listpack-value"))
	l.ZSetMaxListpackEntries = int(cfg.Int64("zset-max-listpack-entries"))
	l.ZSetMaxListpackValue = int(cfg.Memory("zset-max-listpack-value"))
	l.SetMaxIntsetEntries = int(cfg.Int64("set-max-intset-entries"))
	l.StreamNodeMaxEntries = int(cfg.Int64("stream-node-max-entries"))
	l.StreamNodeMaxBytes = int(cfg.Memory("stream-node-max-bytes"))
	return o
}

// writeValue writes the value of key (metadata m) into w.
func writeValue(tx *store.Tx, db int, key []byte, m *store.Meta, w *rdb.ObjectWriter, lim rdb.Limits) error {
	switch m.Type {
	case store.TypeString:
		return w.String(m.Value)
	case store.TypeList:
		l, _, err := tx.OpenList(db, key)
		if err != nil {
			return err
		}
		plan := rdb.NewListPlan(lim)
		if err := l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool { plan.Add(v); return true }); err != nil {
			return err
		}
		if err := w.StartList(plan); err != nil {
			return err
		}
		var werr error
		if err := l.Range(0, l.Len()-1, false, func(_ int64, v []byte) bool { werr = w.ListItem(v); return werr == nil }); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		return w.EndList()
	case store.TypeSet:
		members, err := tx.SetMembers(db, m)
		if err != nil {
			return err
		}
		intset := m.Enc == setEncIntset
		for _, x := range members {
			if !intset {
				break
			}
			intset = rdb.IsSetInt(x)
		}
		if err := w.StartSet(uint64(len(members)), intset); err != nil {
			return err
		}
		for _, x := range members {
			if err := w.SetMember(x); err != nil {
				return err
			}
		}
		return w.EndSet()
	case store.TypeHash:
		h, _, err := tx.OpenHash(db, key)
		if err != nil {
			return err
		}
		if err := w.StartHash(uint64(h.Len()), m.Enc != store.HashEncHashtable); err != nil {
			return err
		}
		var werr error
		if err := h.ForEach(func(f, v []byte) bool { werr = w.HashField(f, v); return werr == nil }); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		return w.EndHash()
	case store.TypeZSet:
		small := m.Enc == zsetEncListpack
		if err := w.StartZSet(m.Size, small); err != nil {
			return err
		}
		var werr error
		// A skiplist is saved from its tail: highest score first.
		if err := tx.ZRangeByRank(db, m, 0, int64(m.Size)-1, !small, func(member []byte, score float64) bool {
			werr = w.ZSetMember(member, score)
			return werr == nil
		}); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		return w.EndZSet()
	case store.TypeStream:
		return writeStream(tx, db, key, w, lim)
	}
	return fmt.Errorf("%w: no RDB encoding for type %d", store.ErrCorrupt, m.Type)
}

func rid(id store.StreamID) rdb.StreamID { return rdb.StreamID{Ms: id.Ms, Seq: id.Seq} }

func writeStream(tx *store.Tx, db int, key []byte, w *rdb.ObjectWriter, lim rdb.Limits) error {
	s, _, err := tx.OpenStream(db, key)
	if err != nil {
		return err
	}
	plan := rdb.NewStreamPlan(lim)
	n := uint64(0)
	if err := s.Range(store.StreamID{}, store.MaxStreamID, false, func(e store.StreamEntry) bool {
		plan.Add(rid(e.ID), e.FV)
		n++
		return true
	}); err != nil {
		return err
	}
	if err := w.StartStream(plan); err != nil {
		return err
	}
	var werr error
	if err := s.Range(store.StreamID{}, store.MaxStreamID, false, func(e store.StreamEntry) bool {
		werr = w.StreamEntry(rid(e.ID), e.FV)
		return werr == nil
	}); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	groups, err := s.AllGroups()
	if err != nil {
		return err
	}
	first := s.First
	if n == 0 {
		first = store.StreamID{}
	}
	meta := rdb.StreamMeta{Length: n, LastID: rid(s.Last), HasV2Fields: true,
		FirstID: rid(first), MaxDeletedID: rid(s.MaxDeleted), EntriesAdded: s.EntriesAdded}
	if err := w.StreamMeta(meta, uint64(len(groups))); err != nil {
		return err
	}
	for _, g := range groups {
		pel, err := s.PEL(g.Name, store.StreamID{}, store.MaxStreamID, 0)
		if err != nil {
			return err
		}
		cons, err := s.Consumers(g.Name)
		if err != nil {
			return err
		}
		if err := w.StreamGroup(rdb.StreamGroup{Name: g.Name, LastID: rid(g.Last), EntriesRead: g.EntriesRead},
			uint64(len(pel)), uint64(len(cons))); err != nil {
			return err
		}
		for _, p := range pel {
			if err := w.StreamPendingEntry(rdb.StreamPendingEntry{ID: rid(p.ID), DeliveryTime: p.DeliveryTime,
				DeliveryCount: p.DeliveryCount}); err != nil {
				return err
			}
		}
		for _, cn := range cons {
			ids, err := s.ConsumerPEL(g.Name, cn.Name, store.StreamID{}, store.MaxStreamID, 0)
			if err != nil {
				return err
			}
			if err := w.StreamConsumer(rdb.StreamConsumer{Name: cn.Name, SeenTime: cn.SeenTime, ActiveTime: cn.SeenTime},
				uint64(len(ids))); err != nil {
				return err
			}
			for _, id := range ids {
				if err := w.StreamConsumerPending(rid(id)); err != nil {
					return err
				}
			}
		}
	}
	return w.EndStream()
}
