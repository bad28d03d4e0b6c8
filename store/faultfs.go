package store

import (
	"errors"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrInjected is the error a FaultFS returns while it is failing.
var ErrInjected = errors.New("injected I/O error: no space left on device")

// FaultFS wraps a vfs.FS with a switch that makes every write, sync and
// file creation fail, to test disk faults (disk full, I/O errors). Reads
// keep working. It is safe for concurrent use.
type FaultFS struct {
	vfs.FS
	failing atomic.Bool
	// Fails counts the operations refused while failing.
	Fails atomic.Int64
}

// NewFaultFS wraps fs (vfs.NewMem() or vfs.Default).
func NewFaultFS(fs vfs.FS) *FaultFS { return &FaultFS{FS: fs} }

// SetFailing turns the fault on or off.
func (f *FaultFS) SetFailing(on bool) { f.failing.Store(on) }

func (f *FaultFS) fail() error {
	if f.failing.Load() {
		f.Fails.Add(1)
		return ErrInjected
	}
	return nil
}

func (f *FaultFS) wrap(file vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

// Create implements vfs.FS.
func (f *FaultFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.wrap(f.FS.Create(name, cat))
}

// Open implements vfs.FS.
func (f *FaultFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	return f.wrap(f.FS.Open(name, opts...))
}

// OpenReadWrite implements vfs.FS.
func (f *FaultFS) OpenReadWrite(name string, cat vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	return f.wrap(f.FS.OpenReadWrite(name, cat, opts...))
}

// ReuseForWrite implements vfs.FS.
func (f *FaultFS) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.wrap(f.FS.ReuseForWrite(oldname, newname, cat))
}

// Rename implements vfs.FS.
func (f *FaultFS) Rename(oldname, newname string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.FS.Rename(oldname, newname)
}

// Link implements vfs.FS.
func (f *FaultFS) Link(oldname, newname string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.FS.Link(oldname, newname)
}

// OpenDir implements vfs.FS.
func (f *FaultFS) OpenDir(name string) (vfs.File, error) {
	return f.wrap(f.FS.OpenDir(name))
}

// Unwrap implements vfs.FS.
func (f *FaultFS) Unwrap() vfs.FS { return f.FS }

type faultFile struct {
	vfs.File
	fs *FaultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.fail(); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.fs.fail(); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f *faultFile) Sync() error {
	if err := f.fs.fail(); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) SyncData() error {
	if err := f.fs.fail(); err != nil {
		return err
	}
	return f.File.SyncData()
}

func (f *faultFile) SyncTo(length int64) (bool, error) {
	if err := f.fs.fail(); err != nil {
		return false, err
	}
	return f.File.SyncTo(length)
}

func (f *faultFile) Preallocate(off, length int64) error {
	if err := f.fs.fail(); err != nil {
		return err
	}
	return f.File.Preallocate(off, length)
}
