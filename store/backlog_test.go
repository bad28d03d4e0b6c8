package store

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

type chunk struct {
	first int64
	p     string
}

func backlogChunks(t *testing.T, d *DB) []chunk {
	t.Helper()
	var out []chunk
	require.NoError(t, d.Backlog(func(first int64, p []byte) bool {
		out = append(out, chunk{first, string(p)})
		return true
	}))
	return out
}

// Backlog chunks written from the BeforeCommit hook are in the group's batch
// (with its position), survive a reopen in offset order, and are trimmed
// and cleared by range.
func TestBacklogChunks(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	var pending []byte
	next := int64(1)
	d.SetBeforeCommit(func(tx *Tx) {
		rs, ok := tx.PendingRepl()
		if len(pending) == 0 {
			return
		}
		require.True(t, ok)
		require.Equal(t, next+int64(len(pending))-1, rs.Offset)
		require.NoError(t, tx.PutBacklog(next, pending))
		next += int64(len(pending))
		pending = nil
	})
	write := func(s string) {
		require.NoError(t, d.Update(func(tx *Tx) error {
			pending = append(pending, s...)
			tx.SetRepl(ReplState{ReplID: "x", Offset: next + int64(len(pending)) - 1})
			return tx.Put(0, []byte(s), nil, &Meta{Type: TypeString, Value: []byte(s)})
		}))
	}
	for _, s := range []string{"aaa", "bb", "cccc", "d"} {
		write(s)
	}
	want := []chunk{{1, "aaa"}, {4, "bb"}, {6, "cccc"}, {10, "d"}}
	require.Equal(t, want, backlogChunks(t, d))
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	require.Equal(t, want, backlogChunks(t, d))
	require.Equal(t, int64(10), d.Repl().Offset)
	require.NoError(t, d.Update(func(tx *Tx) error { return tx.TrimBacklog(6) }))
	require.Equal(t, want[2:], backlogChunks(t, d))
	require.NoError(t, d.Update(func(tx *Tx) error {
		if err := tx.ClearBacklog(); err != nil {
			return err
		}
		return tx.PutBacklog(11, []byte("after")) // a later Set in the same batch survives
	}))
	require.Equal(t, []chunk{{11, "after"}}, backlogChunks(t, d))
	_, ok := (&Tx{}).PendingRepl()
	require.False(t, ok)
	require.NoError(t, d.Close())
}
