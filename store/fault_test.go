package store

import (
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func putStringErr(d *DB, db int, key, val string, rs *ReplState) error {
	return d.Update(func(tx *Tx) error {
		old, ok, err := tx.Lookup(db, []byte(key))
		if err != nil {
			return err
		}
		var op *Meta
		if ok {
			op = &old
		}
		if rs != nil {
			tx.SetRepl(*rs)
		}
		return tx.Put(db, []byte(key), op, &Meta{Type: TypeString, Value: []byte(val)})
	})
}

func waitRecovered(t *testing.T, d *DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.Failed() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("store did not recover: %v", d.Failed())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDiskFaultStopsAndResumes: a failing WAL write/sync fails the commit,
// stops applying (later writes fail without running), keeps reads, never
// advances the replication offset past what was stored, and the store
// resumes once the disk works again, with what the disk held.
func TestDiskFaultStopsAndResumes(t *testing.T) {
	for _, mode := range []Sync{SyncAlways, SyncEverysec} {
		t.Run([]string{"everysec", "always"}[mode], func(t *testing.T) {
			ffs := NewFaultFS(vfs.NewMem())
			d := openMem(t, ffs)
			defer d.Close()
			d.SetSync(mode)
			reopened := make(chan struct{}, 1)
			d.SetOnReopen(func() { reopened <- struct{}{} })
			require.NoError(t, putStringErr(d, 0, "a", "1", &ReplState{ReplID: "r", Offset: 100}))
			require.NoError(t, d.syncWAL())
			require.EqualValues(t, 100, d.DurableRepl().Offset)

			ffs.SetFailing(true)
			// always: the commit itself fails; everysec: the NoSync commit may
			// succeed, and the once-a-second fsync reports the fault.
			err := putStringErr(d, 0, "b", "2", &ReplState{ReplID: "r", Offset: 200})
			if mode == SyncAlways {
				require.Error(t, err)
				require.EqualValues(t, 100, d.Repl().Offset, "offset of a failed commit published")
			}
			deadline := time.Now().Add(5 * time.Second)
			for d.Failed() == nil && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			require.ErrorIs(t, d.Failed(), ErrDiskWrite)
			require.Contains(t, d.Failed().Error(), ErrInjected.Error())
			require.Error(t, d.WriteError())
			require.EqualValues(t, 100, d.DurableRepl().Offset, "durable offset beyond what was stored")
			ran := false
			err = d.Update(func(tx *Tx) error { ran = true; return nil })
			require.Error(t, err)
			require.False(t, ran, "a failed store must not apply writes")
			require.Error(t, putStringErr(d, 0, "c", "3", &ReplState{ReplID: "r", Offset: 300}))
			// Reads keep working.
			v, ok := getString(t, d, 0, "a")
			require.True(t, ok)
			require.Equal(t, "1", v)
			require.Error(t, d.Flush())
			// Still failing a few probes later.
			time.Sleep(1500 * time.Millisecond)
			require.Error(t, d.Failed())

			ffs.SetFailing(false)
			waitRecovered(t, d)
			select {
			case <-reopened:
			case <-time.After(5 * time.Second):
				t.Fatal("OnReopen not called")
			}
			require.EqualValues(t, 1, d.Generation())
			require.NoError(t, d.WriteError())
			v, ok = getString(t, d, 0, "a")
			require.True(t, ok)
			require.Equal(t, "1", v)
			_, ok = getString(t, d, 0, "c")
			require.False(t, ok, "a refused write is there after recovery")
			if mode == SyncAlways {
				_, ok = getString(t, d, 0, "b")
				require.False(t, ok, "the failed commit is there after recovery")
				require.EqualValues(t, 100, d.Repl().Offset)
			}
			require.LessOrEqual(t, d.Repl().Offset, int64(200))
			require.NoError(t, putStringErr(d, 0, "d", "4", &ReplState{ReplID: "r", Offset: 400}))
			require.NoError(t, d.syncWAL())
			require.EqualValues(t, 400, d.DurableRepl().Offset)
			v, _ = getString(t, d, 0, "d")
			require.Equal(t, "4", v)
			require.NoError(t, d.Close())

			// The recovered store reopens with its data.
			d2 := openMem(t, ffs)
			defer d2.Close()
			v, _ = getString(t, d2, 0, "d")
			require.Equal(t, "4", v)
			require.EqualValues(t, 400, d2.Repl().Offset)
		})
	}
}

// TestDiskFaultLoad: a full-sync load in progress when the disk fails is
// refused, and after recovery a new load works and the old data stayed.
func TestDiskFaultLoad(t *testing.T) {
	ffs := NewFaultFS(vfs.NewMem())
	d := openMem(t, ffs)
	defer d.Close()
	d.SetSync(SyncAlways)
	putString(t, d, 0, "old", "1", 0)
	l, err := d.BeginLoad()
	require.NoError(t, err)
	ffs.SetFailing(true)
	err = l.Update(func(tx *Tx) error {
		return tx.Put(0, []byte("new"), nil, &Meta{Type: TypeString, Value: []byte("x")})
	})
	require.Error(t, err)
	require.Error(t, l.Commit(ReplState{ReplID: "r", Offset: 5}))
	v, ok := getString(t, d, 0, "old")
	require.True(t, ok)
	require.Equal(t, "1", v)
	ffs.SetFailing(false)
	waitRecovered(t, d)
	v, _ = getString(t, d, 0, "old")
	require.Equal(t, "1", v)
	_, ok = getString(t, d, 0, "new")
	require.False(t, ok)
	l2, err := d.BeginLoad()
	require.NoError(t, err)
	require.NoError(t, l2.Update(func(tx *Tx) error {
		return tx.Put(0, []byte("new"), nil, &Meta{Type: TypeString, Value: []byte("y")})
	}))
	require.NoError(t, l2.Commit(ReplState{ReplID: "r", Offset: 9}))
	v, _ = getString(t, d, 0, "new")
	require.Equal(t, "y", v)
	_, ok = getString(t, d, 0, "old")
	require.False(t, ok)
	require.False(t, errors.Is(d.WriteError(), ErrInjected))
}

// TestDiskFaultFreshLoad: a load on the UpdateFresh path (records pending in
// the load) when the disk fails: after the recovery the old load reports
// ErrLoadLost without failing the store again, its records never appear,
// and the old data stayed.
func TestDiskFaultFreshLoad(t *testing.T) {
	ffs := NewFaultFS(vfs.NewMem())
	d := openMem(t, ffs)
	defer d.Close()
	d.SetSync(SyncAlways)
	putString(t, d, 0, "old", "1", 0)
	l, err := d.BeginLoad()
	require.NoError(t, err)
	require.NoError(t, l.UpdateFresh(func(tx *Tx) error {
		return tx.Put(0, []byte("pending"), nil, &Meta{Type: TypeString, Value: []byte("x")})
	}))
	ffs.SetFailing(true)
	require.Error(t, l.UpdateFresh(func(tx *Tx) error {
		return tx.Put(0, []byte("new"), nil, &Meta{Type: TypeString, Value: []byte("x")})
	}))
	ffs.SetFailing(false)
	waitRecovered(t, d)
	require.ErrorIs(t, l.UpdateFresh(func(tx *Tx) error { return nil }), ErrLoadLost)
	require.NoError(t, d.Failed())
	require.Error(t, l.Commit(ReplState{ReplID: "r", Offset: 5}))
	require.NoError(t, d.Failed())
	v, ok := getString(t, d, 0, "old")
	require.True(t, ok)
	require.Equal(t, "1", v)
	for _, k := range []string{"pending", "new"} {
		_, ok = getString(t, d, 0, k)
		require.False(t, ok, k)
	}
	putString(t, d, 0, "after", "2", 0)
	v, _ = getString(t, d, 0, "after")
	require.Equal(t, "2", v)
}
