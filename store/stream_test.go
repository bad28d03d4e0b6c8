package store

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

var testLimits = StreamLimits{MaxEntries: 100, MaxBytes: 4096}

func TestStreamAppendRangeTrimReopen(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	require.NoError(t, d.Update(func(tx *Tx) error {
		s, err := tx.CreateStream(0, []byte("s"))
		require.NoError(t, err)
		for i := 1; i <= 250; i++ {
			require.NoError(t, s.Append(StreamID{uint64(i), 0}, [][]byte{[]byte("f"), []byte(fmt.Sprint(i))}, testLimits))
		}
		require.ErrorIs(t, s.Append(StreamID{3, 0}, [][]byte{[]byte("f"), []byte("v")}, testLimits), ErrStreamIDTooSmall)
		return s.Save()
	}))
	// 250 entries in nodes of 100: 3 nodes; ~ trimming removes whole nodes only.
	require.NoError(t, d.Update(func(tx *Tx) error {
		s, ok, err := tx.OpenStream(0, []byte("s"))
		require.NoError(t, err)
		require.True(t, ok)
		require.EqualValues(t, 250, s.Len())
		keys, _, err := s.NodeCount()
		require.NoError(t, err)
		require.Equal(t, 3, keys)
		n, err := s.Trim(TrimArgs{Strategy: TrimMaxLen, Approx: true, MaxLen: 120, Limit: 10000})
		require.NoError(t, err)
		require.EqualValues(t, 100, n)
		n, err = s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 120})
		require.NoError(t, err)
		require.EqualValues(t, 30, n)
		require.Equal(t, StreamID{131, 0}, s.First)
		ok, err = s.Delete(StreamID{131, 0})
		require.NoError(t, err)
		require.True(t, ok)
		return s.Save()
	}))
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	defer d.Close()
	require.NoError(t, d.View(true, func(tx *Tx) error {
		s, ok, err := tx.OpenStream(0, []byte("s"))
		require.NoError(t, err)
		require.True(t, ok)
		require.EqualValues(t, 119, s.Len())
		require.EqualValues(t, 250, s.EntriesAdded)
		var got []StreamID
		require.NoError(t, s.Range(StreamID{}, MaxStreamID, true, func(e StreamEntry) bool {
			got = append(got, e.ID)
			return len(got) < 2
		}))
		require.Equal(t, []StreamID{{250, 0}, {249, 0}}, got)
		e, ok, err := s.Entry(StreamID{200, 0})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "200", string(e.FV[1]))
		return nil
	}))
}

func TestStreamGroupsPEL(t *testing.T) {
	d := openMem(t, vfs.NewMem())
	defer d.Close()
	require.NoError(t, d.Update(func(tx *Tx) error {
		s, err := tx.CreateStream(0, []byte("s"))
		require.NoError(t, err)
		require.NoError(t, s.Append(StreamID{1, 1}, [][]byte{[]byte("a"), []byte("b")}, testLimits))
		g := &StreamGroup{Name: []byte("g"), EntriesRead: StreamInvalidEntriesRead}
		require.NoError(t, s.PutGroup(g))
		require.NoError(t, s.PutConsumer(g.Name, &StreamConsumer{Name: []byte("c1"), SeenTime: 5}))
		require.NoError(t, s.PutNACK(g.Name, &StreamNACK{ID: StreamID{1, 1}, Consumer: []byte("c1"), DeliveryTime: 7, DeliveryCount: 1}, nil))
		// Move it to c2.
		require.NoError(t, s.PutNACK(g.Name, &StreamNACK{ID: StreamID{1, 1}, Consumer: []byte("c2"), DeliveryTime: 8, DeliveryCount: 2}, []byte("c1")))
		n1, err := s.CountPending(g.Name, []byte("c1"))
		require.NoError(t, err)
		n2, err := s.CountPending(g.Name, []byte("c2"))
		require.NoError(t, err)
		require.Equal(t, 0, n1)
		require.Equal(t, 1, n2)
		pel, err := s.PEL(g.Name, StreamID{}, MaxStreamID, 0)
		require.NoError(t, err)
		require.Len(t, pel, 1)
		require.Equal(t, "c2", string(pel[0].Consumer))
		require.EqualValues(t, 2, pel[0].DeliveryCount)
		require.NoError(t, s.PutConsumer(g.Name, &StreamConsumer{Name: []byte("c2")}))
		pending, err := s.DelConsumer(g.Name, []byte("c2"))
		require.NoError(t, err)
		require.Equal(t, 1, pending)
		pel, err = s.PEL(g.Name, StreamID{}, MaxStreamID, 0)
		require.NoError(t, err)
		require.Empty(t, pel)
		require.NoError(t, s.DelGroup(g.Name))
		gs, err := s.AllGroups()
		require.NoError(t, err)
		require.Empty(t, gs)
		n, err := s.CountGroups()
		require.NoError(t, err)
		require.Zero(t, n)
		return s.Save()
	}))
}

func TestRaxCount(t *testing.T) {
	k := func(ms uint64) []byte { return appendID(nil, StreamID{ms, 0}) }
	require.Equal(t, 1, raxCount(nil))
	require.Equal(t, 2, raxCount([][]byte{k(1)}))
	// Two keys differing in the last ms byte: compressed prefix, branch, two leaves.
	require.Equal(t, 4+2, raxCount([][]byte{k(1), k(2)}))
}

func TestListpackSizes(t *testing.T) {
	require.EqualValues(t, 2, lpElemSize([]byte("5")))
	require.EqualValues(t, 4, lpElemSize([]byte("-5000")))
	require.EqualValues(t, 4, lpElemSize([]byte("ab")))
	require.EqualValues(t, 5, lpElemSize([]byte("007")))
	require.EqualValues(t, 10, lpElemSize([]byte("9223372036854775807")))
}
