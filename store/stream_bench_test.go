package store

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// BenchmarkStreamAppendTrim is XADD with MAXLEN ~ 1000 on one stream.
func BenchmarkStreamAppendTrim(b *testing.B) {
	d := openMem(&testing.T{}, vfs.NewMem())
	defer d.Close()
	fv := [][]byte{[]byte("f"), []byte("12345"), []byte("g"), []byte("v")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := d.Update(func(tx *Tx) error {
			s, ok, err := tx.OpenStream(0, []byte("s"))
			if err != nil {
				return err
			}
			if !ok {
				if s, err = tx.CreateStream(0, []byte("s")); err != nil {
					return err
				}
			}
			if err := s.Append(StreamID{uint64(i + 1), 0}, fv, testLimits); err != nil {
				return err
			}
			if _, err := s.Trim(TrimArgs{Strategy: TrimMaxLen, Approx: true, MaxLen: 1000, Limit: 10000}); err != nil {
				return err
			}
			return s.Save()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
