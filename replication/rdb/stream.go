package rdb

import (
	"encoding/binary"
	"math"
)

// Stream entry flags inside a node listpack (t_stream.c).
const (
	streamItemDeleted    = 1
	streamItemSameFields = 2
)

// stream decodes STREAM_LISTPACKS (15), _2 (19) and _3 (21).
func (d *decoder) stream(typ byte, info KeyInfo) error {
	r := d.r
	if err := d.h.StartStream(d.key, info); err != nil {
		return err
	}
	nodes, err := r.readLength("stream node count")
	if err != nil {
		return err
	}
	for i := uint64(0); i < nodes; i++ {
		off := r.off
		if d.buf1, err = r.readString(d.buf1, "stream node key"); err != nil {
			return err
		}
		if len(d.buf1) != 16 {
			return d.corrupt(off, "stream node key of %d bytes in %q", len(d.buf1), d.key)
		}
		master := StreamID{binary.BigEndian.Uint64(d.buf1), binary.BigEndian.Uint64(d.buf1[8:])}
		off, err = d.readBlob("stream listpack")
		if err != nil {
			return err
		}
		if err := d.streamNode(master); err != nil {
			return d.blobErr(off, "stream listpack", err)
		}
	}
	var m StreamMeta
	if m.Length, err = r.readLength("stream length"); err != nil {
		return err
	}
	if m.LastID, err = d.readID("stream last id"); err != nil {
		return err
	}
	v2 := typ != typeStreamListpacks
	if v2 {
		m.HasV2Fields = true
		if m.FirstID, err = d.readID("stream first id"); err != nil {
			return err
		}
		if m.MaxDeletedID, err = d.readID("stream max deleted id"); err != nil {
			return err
		}
		if m.EntriesAdded, err = r.readLength("stream entries added"); err != nil {
			return err
		}
	}
	if err := d.h.StreamMeta(m); err != nil {
		return err
	}
	groups, err := r.readLength("stream group count")
	if err != nil {
		return err
	}
	for i := uint64(0); i < groups; i++ {
		if err := d.streamGroup(typ); err != nil {
			return err
		}
	}
	return d.h.EndStream(d.key)
}

func (d *decoder) readID(what string) (StreamID, error) {
	ms, err := d.r.readLength(what)
	if err != nil {
		return StreamID{}, err
	}
	seq, err := d.r.readLength(what)
	return StreamID{ms, seq}, err
}

func (d *decoder) readRawID(what string) (StreamID, error) {
	if err := d.r.readFull(d.r.tmp[:16], what); err != nil {
		return StreamID{}, err
	}
	return StreamID{binary.BigEndian.Uint64(d.r.tmp[:8]), binary.BigEndian.Uint64(d.r.tmp[8:16])}, nil
}

func (d *decoder) streamGroup(typ byte) error {
	r := d.r
	var g StreamGroup
	var err error
	if d.buf1, err = r.readString(d.buf1, "stream group name"); err != nil {
		return err
	}
	g.Name = d.buf1
	if g.LastID, err = d.readID("stream group last id"); err != nil {
		return err
	}
	g.EntriesRead = -1
	if typ != typeStreamListpacks {
		n, err := r.readLength("stream group entries read")
		if err != nil {
			return err
		}
		g.EntriesRead = int64(n) // SCG_INVALID_ENTRIES_READ (-1) is stored as 2^64-1
	}
	if err := d.h.StreamGroup(g); err != nil {
		return err
	}
	pel, err := r.readLength("stream group PEL size")
	if err != nil {
		return err
	}
	for i := uint64(0); i < pel; i++ {
		var p StreamPendingEntry
		if p.ID, err = d.readRawID("stream PEL id"); err != nil {
			return err
		}
		if p.DeliveryTime, err = r.readMillis("stream PEL delivery time"); err != nil {
			return err
		}
		if p.DeliveryCount, err = r.readLength("stream PEL delivery count"); err != nil {
			return err
		}
		if err := d.h.StreamPendingEntry(p); err != nil {
			return err
		}
	}
	consumers, err := r.readLength("stream consumer count")
	if err != nil {
		return err
	}
	for i := uint64(0); i < consumers; i++ {
		var c StreamConsumer
		if d.buf1, err = r.readString(d.buf1, "stream consumer name"); err != nil {
			return err
		}
		c.Name = d.buf1
		if c.SeenTime, err = r.readMillis("stream consumer seen time"); err != nil {
			return err
		}
		c.ActiveTime = c.SeenTime
		if typ == typeStream3 {
			if c.ActiveTime, err = r.readMillis("stream consumer active time"); err != nil {
				return err
			}
		}
		if err := d.h.StreamConsumer(c); err != nil {
			return err
		}
		n, err := r.readLength("stream consumer PEL size")
		if err != nil {
			return err
		}
		for j := uint64(0); j < n; j++ {
			id, err := d.readRawID("stream consumer PEL id")
			if err != nil {
				return err
			}
			if err := d.h.StreamConsumerPending(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamNode reports the live entries of one node listpack in d.blob.
//
//	master entry: count | deleted | num_fields | field... | 0
//	entry:        flags | ms_delta | seq_delta | [num_fields field...] value... | lp_count
func (d *decoder) streamNode(master StreamID) error {
	it, err := newLPIter(d.blob)
	if err != nil {
		return err
	}
	count, err := it.nextInt()
	if err != nil {
		return err
	}
	deleted, err := it.nextInt()
	if err != nil {
		return err
	}
	if count < 0 || deleted < 0 {
		return lpCorrupt(it.pos, "bad stream node counts %d/%d", count, deleted)
	}
	nMaster, err := it.nextInt()
	if err != nil {
		return err
	}
	if nMaster < 0 || nMaster > int64(len(d.blob)) {
		return lpCorrupt(it.pos, "bad master field count %d", nMaster)
	}
	// Master field names, copied to the front of the arena.
	d.arena = d.arena[:0]
	d.spans = d.spans[:0]
	for i := int64(0); i < nMaster; i++ {
		p := it.pos
		s, ok, err := it.nextString(d.scratch1)
		if err != nil {
			return err
		}
		if !ok {
			return lpCorrupt(p, "missing master field")
		}
		d.spans = append(d.spans, len(d.arena))
		d.arena = append(d.arena, s...)
		d.spans = append(d.spans, len(d.arena))
	}
	masterEnd := len(d.arena)
	if z, err := it.nextInt(); err != nil {
		return err
	} else if z != 0 {
		return lpCorrupt(it.pos, "master entry terminator %d, want 0", z)
	}
	var live, dead int64
	for {
		p := it.pos
		flags, v, isInt, ok, err := it.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if !isInt {
			return lpCorrupt(p, "stream entry flags %q not an integer", flags)
		}
		msDelta, err := it.nextInt()
		if err != nil {
			return err
		}
		seqDelta, err := it.nextInt()
		if err != nil {
			return err
		}
		id := StreamID{master.Ms + uint64(msDelta), master.Seq + uint64(seqDelta)}
		d.arena = d.arena[:masterEnd]
		d.spans = d.spans[:2*nMaster]
		var nf int64
		same := v&streamItemSameFields != 0
		if same {
			nf = nMaster
		} else {
			if nf, err = it.nextInt(); err != nil {
				return err
			}
			if nf < 0 || nf > int64(len(d.blob)) {
				return lpCorrupt(it.pos, "bad entry field count %d", nf)
			}
		}
		// spans for this entry start after the master spans.
		base := len(d.spans)
		for i := int64(0); i < nf; i++ {
			if same {
				d.spans = append(d.spans, d.spans[2*i], d.spans[2*i+1])
			} else if err := d.arenaAppend(&it); err != nil {
				return err
			}
			if err := d.arenaAppend(&it); err != nil {
				return err
			}
		}
		lpCount, err := it.nextInt()
		if err != nil {
			return err
		}
		want := nf + 3
		if !same {
			want = 2*nf + 4
		}
		if lpCount != want {
			return lpCorrupt(it.pos, "entry lp-count %d, want %d", lpCount, want)
		}
		if v&streamItemDeleted != 0 {
			dead++
			continue
		}
		live++
		d.fields = d.fields[:0]
		for i := base; i < len(d.spans); i += 2 {
			d.fields = append(d.fields, d.arena[d.spans[i]:d.spans[i+1]:d.spans[i+1]])
		}
		if err := d.h.StreamEntry(id, d.fields); err != nil {
			return err
		}
	}
	if live != count || dead != deleted {
		return lpCorrupt(lpHeaderSize, "stream node counts %d live/%d deleted, found %d/%d", count, deleted, live, dead)
	}
	return nil
}

// arenaAppend copies the next listpack element into the arena and records
// its span.
func (d *decoder) arenaAppend(it *lpIter) error {
	p := it.pos
	s, ok, err := it.nextString(d.scratch1)
	if err != nil {
		return err
	}
	if !ok {
		return lpCorrupt(p, "stream entry ends early")
	}
	if len(d.arena)+len(s) > math.MaxInt32 {
		return lpCorrupt(p, "stream entry too large")
	}
	d.spans = append(d.spans, len(d.arena))
	d.arena = append(d.arena, s...)
	d.spans = append(d.spans, len(d.arena))
	return nil
}
