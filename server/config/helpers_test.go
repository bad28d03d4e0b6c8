package config

import (
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"
)

// memFS is an in-memory file system for loading tests and the fuzzer.
type memFS struct {
	cwd   string
	files map[string]string // absolute path -> content
	dirs  map[string]bool
	in    string // standard input
}

func newMemFS(files map[string]string) *memFS {
	m := &memFS{cwd: "/work", files: map[string]string{}, dirs: map[string]bool{"/": true, "/work": true, "/data": true}}
	for p, c := range files {
		if !strings.HasPrefix(p, "/") {
			p = "/work/" + p
		}
		m.files[p] = c
	}
	return m
}

func (m *memFS) readFile(p string) ([]byte, error) {
	if c, ok := m.files[p]; ok {
		return []byte(c), nil
	}
	return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOENT}
}

type memInfo struct {
	name string
	dir  bool
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return 0 }
func (i memInfo) Mode() fs.FileMode  { return 0 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

func (m *memFS) stat(p string) (os.FileInfo, error) {
	if m.dirs[p] {
		return memInfo{path.Base(p), true}, nil
	}
	if _, ok := m.files[p]; ok {
		return memInfo{path.Base(p), false}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: p, Err: syscall.ENOENT}
}

func (m *memFS) glob(pattern string) ([]string, error) {
	var out []string
	for p := range m.files {
		ok, err := path.Match(pattern, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (m *memFS) getwd() (string, error) { return m.cwd, nil }
func (m *memFS) stdin() io.Reader       { return strings.NewReader(m.in) }

// fatal builds the report Redis prints for an error at a line.
func fatal(line int, text, reason string) string {
	return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line " +
		itoa(int64(line)) + "\n>>> '" + text + "'\n" + reason
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
