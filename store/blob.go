package store

import "github.com/cockroachdb/pebble/v2"

// Blobs are small named records outside every keyspace (function libraries):
// 00|'B'|name -> value. They are not part of a logical db, so FLUSHALL and
// SWAPDB leave them alone, as Redis leaves functions alone.

func blobKey(name []byte) []byte { return append(sysKey(sysBlob), name...) }

// PutBlob stores value under name.
func (tx *Tx) PutBlob(name, value []byte) error { return tx.b.Set(blobKey(name), value, nil) }

// DeleteBlob removes name.
func (tx *Tx) DeleteBlob(name []byte) error { return tx.b.Delete(blobKey(name), nil) }

// GetBlob returns the value under name; it is valid until the Tx ends.
func (tx *Tx) GetBlob(name []byte) ([]byte, bool, error) { return tx.get(blobKey(name)) }

// Blobs calls fn for every blob whose name starts with prefix, in name
// order; fn's slices are valid only during the call. fn returning false stops.
func (tx *Tx) Blobs(prefix []byte, fn func(name, value []byte) bool) error {
	lo := blobKey(prefix)
	hi := prefixEnd(lo)
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	n := len(sysKey(sysBlob))
	for it.First(); it.Valid(); it.Next() {
		if !fn(it.Key()[n:], it.Value()) {
			break
		}
	}
	return it.Close()
}
