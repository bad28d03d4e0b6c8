package store

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// The replication position (with the stream's db) is committed with the
// data of its batch and survives a reopen; a Load commits its own position.
func TestReplStateWithData(t *testing.T) {
	fs := vfs.NewMem()
	d := openMem(t, fs)
	rs := ReplState{ReplID: "8b012635d8c4a2aa0b6571dd1f61441140761ed6", Offset: 1234, ReplID2: "0000000000000000000000000000000000000000", Offset2: -1, DB: 7}
	require.NoError(t, d.Update(func(tx *Tx) error {
		tx.SetRepl(rs)
		return tx.Put(7, []byte("k"), nil, &Meta{Type: TypeString, Value: []byte("v")})
	}))
	require.Equal(t, rs, *d.Repl())
	require.NoError(t, d.Close())
	d = openMem(t, fs)
	require.Equal(t, rs, *d.Repl())
	require.NotNil(t, d.DurableRepl())
	require.Equal(t, int64(1), d.DBSize(7))

	l, err := d.BeginLoad()
	require.NoError(t, err)
	require.NoError(t, l.Update(func(tx *Tx) error {
		return tx.Put(0, []byte("new"), nil, &Meta{Type: TypeString, Value: []byte("x")})
	}))
	require.Equal(t, rs, *d.Repl(), "a load does not move the position before Commit")
	require.Equal(t, int64(0), d.DBSize(0))
	rs2 := ReplState{ReplID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Offset: 9, ReplID2: rs.ReplID2, Offset2: -1, DB: 3}
	require.NoError(t, l.Commit(rs2))
	require.Equal(t, rs2, *d.Repl())
	require.Equal(t, rs2, *d.DurableRepl())
	require.Equal(t, int64(1), d.DBSize(0))
	require.Equal(t, int64(0), d.DBSize(7))
	require.NoError(t, d.Close())
}

// Records written before ReplState had a DB field decode with db 0.
func TestDecodeReplWithoutDB(t *testing.T) {
	rs := ReplState{ReplID: "x", Offset: 5, ReplID2: "y", Offset2: 6, DB: 4}
	enc := encodeRepl(&rs)
	old, err := decodeRepl(enc[:len(enc)-8])
	require.NoError(t, err)
	rs.DB = 0
	require.Equal(t, rs, old)
	full, err := decodeRepl(enc)
	require.NoError(t, err)
	require.Equal(t, 4, full.DB)
}
