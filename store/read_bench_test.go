package store

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// benchStrings opens a store holding n string keys "key:%012d" (as
// redis-benchmark -r n), optionally flushed out of the memtable.
func benchStrings(b *testing.B, n int, memtable uint64, flush bool) (*DB, [][]byte) {
	o := DefaultOptions()
	o.FS = vfs.NewMem()
	o.MemTableSize = memtable
	d, err := Open("db", o)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
	for i := 0; i < n; i += 1000 {
		err := d.Update(func(tx *Tx) error {
			for _, k := range keys[i:min(i+1000, n)] {
				old, found, err := tx.Lookup(0, k)
				if err != nil {
					return err
				}
				m := Meta{Type: TypeString, Value: []byte("xxx")}
				var op *Meta
				if found {
					op = &old
				}
				if err := tx.Put(0, k, op, &m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if flush {
		if err := d.pdb.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	return d, keys
}

// BenchmarkViewLookup is GET's store work: one read Tx and one metadata
// lookup of a random key of 100000.
func BenchmarkViewLookup(b *testing.B) {
	for _, c := range []struct {
		name     string
		memtable uint64
		flush    bool
	}{{"memtable64M", 64 << 20, false}, {"flushed", 64 << 20, true}} {
		b.Run(c.name, func(b *testing.B) {
			d, keys := benchStrings(b, 100000, c.memtable, c.flush)
			defer d.Close()
			r := rand.New(rand.NewSource(1))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := keys[r.Intn(len(keys))]
				err := d.View(false, func(tx *Tx) error {
					_, _, err := tx.Lookup(0, k)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
