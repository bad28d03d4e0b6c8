package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Disk faults. pebble treats a failed WAL write or sync as fatal (its
// commit pipeline is wedged afterwards: it calls Logger.Fatalf). The store
// turns that into a failed state instead of a crash:
//
//   - the failing commit returns the error (its requests are not acked) and
//     the store stops applying: every later Update fails at once with the
//     same error, without running;
//   - reads keep being served from the open pebble instance (they may still
//     see the writes of the failed group, which pebble had applied to its
//     memtable: those were never acked and vanish on recovery);
//   - once a second the writer probes the disk (write + fsync of a small
//     file in the store's directory); when that works it closes and reopens
//     pebble, which replays the WAL: the state is then what the disk holds
//     (the replication offset with it), and writes are accepted again.
//
// Fatal errors of pebble's background jobs (MANIFEST writes of flushes and
// compactions) still crash the process, as pebble intends; a restart then
// recovers from the WAL.

// ErrUnavailable is returned by reads while a reopen after a disk fault has
// not succeeded yet.
var ErrUnavailable = errors.New("store: unavailable (reopening after a disk error)")

// ErrDiskWrite matches (errors.Is) every error of a write the disk refused.
var ErrDiskWrite = errors.New("store: disk write error")

// DiskError is a write error of the disk. Its text is Redis's reply when it
// cannot persist, so that a command failing with it answers MISCONF.
type DiskError struct{ Err error }

func (e *DiskError) Error() string {
	return "MISCONF Errors writing to the AOF file: " + strings.ReplaceAll(e.Err.Error(), "\n", " ")
}

// Unwrap returns the cause.
func (e *DiskError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDiskWrite) hold.
func (e *DiskError) Is(target error) bool { return target == ErrDiskWrite }

func diskError(err error) error {
	if err == nil || errors.Is(err, ErrDiskWrite) {
		return err
	}
	return &DiskError{err}
}

// pebbleFatal is the panic value of fatalLogger.Fatalf.
type pebbleFatal struct{ msg string }

type fatalLogger struct{ pebble.Logger }

func (l fatalLogger) Fatalf(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	l.Logger.Errorf("%s", msg)
	panic(pebbleFatal{msg})
}

// guard runs fn, turning pebble's Fatalf into an error.
func (d *DB) guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			pf, ok := r.(pebbleFatal)
			if !ok {
				panic(r)
			}
			err = errors.New(pf.msg)
		}
	}()
	return fn()
}

// Failed returns the write error that stopped the store, or nil while it
// applies writes.
func (d *DB) Failed() error {
	if p := d.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Generation counts the reopens after disk faults: the data and the
// replication state may have moved back to what the disk held.
func (d *DB) Generation() uint64 { return d.gen.Load() }

// SetOnReopen installs fn, run (on its own goroutine) after each recovery
// from a disk fault. Set it before the first Update.
func (d *DB) SetOnReopen(fn func()) { d.onReopen = fn }

func (d *DB) setFailed(err error) {
	if err == nil {
		return
	}
	if d.failed.Load() == nil {
		e := diskError(err)
		d.failed.CompareAndSwap(nil, &e)
		d.opts.logf("store: write error, writes stopped until the disk recovers: %v", err)
	}
}

// refuse fails first and every request queued behind it with err.
func (d *DB) refuse(first *request, err error) {
	first.err = err
	close(first.done)
	for {
		select {
		case r := <-d.reqs:
			r.err = err
			close(r.done)
		default:
			return
		}
	}
}

// syncWAL fsyncs the WAL from any goroutine.
func (d *DB) syncWAL() error {
	if err := d.Failed(); err != nil {
		return err
	}
	d.pmu.RLock()
	defer d.pmu.RUnlock()
	rs := d.repl.Load()
	err := d.guard(func() error { return d.pdb.LogData(nil, pebble.Sync) })
	if err != nil {
		err = diskError(err)
		d.setFailed(err)
		return err
	}
	if rs != nil {
		d.durable.Store(rs)
	}
	return nil
}

func (d *DB) fs() vfs.FS {
	if d.opts.FS != nil {
		return d.opts.FS
	}
	return vfs.Default
}

// probe writes and fsyncs a small file next to the store.
func (d *DB) probe() error {
	fs := d.fs()
	name := fs.PathJoin(d.dir, "redpebble-probe")
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, 64<<10))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	_ = fs.Remove(name)
	return err
}

// tryRecover runs on the writer while failed: when the disk works again,
// reopen pebble.
func (d *DB) tryRecover() {
	if err := d.probe(); err != nil {
		return
	}
	d.pmu.Lock()
	if d.pdb != nil {
		_ = d.guard(d.pdb.Close)
		d.pdb = nil
	}
	var pdb *pebble.DB
	err := d.guard(func() error {
		var err error
		pdb, err = pebble.Open(d.dir, d.popts.Clone())
		return err
	})
	if err != nil {
		d.pmu.Unlock()
		d.opts.logf("store: reopening after the write error failed (will retry): %v", err)
		return
	}
	d.pdb = pdb
	d.countersMu.Lock()
	d.counters = map[uint32]*counter{}
	d.countersMu.Unlock()
	d.repl.Store(nil)
	d.durable.Store(nil)
	if err := d.guard(d.load); err != nil {
		_ = d.guard(pdb.Close)
		d.pdb = nil
		d.pmu.Unlock()
		d.opts.logf("store: reloading after the write error failed (will retry): %v", err)
		return
	}
	d.unsynced = false
	d.lastSync = time.Now()
	d.gen.Add(1)
	d.invalidateCache()
	d.writeErr.Store(nil)
	d.failed.Store(nil)
	d.pmu.Unlock()
	d.opts.logf("store: the disk works again, writes resumed")
	if d.onReopen != nil {
		go d.onReopen()
	}
}
