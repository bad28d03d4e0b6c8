package server

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"

	"github.com/redpebble/redpebble/store"
)

// DEBUG DIGEST, as computeDatasetDigest and xorObjectDigest in Redis's
// debug.c: keys and unordered elements are combined with xor, ordered ones
// with mixDigest, so equal datasets give equal digests whatever their order.

// xorDigest xors SHA1(p) into d.
func xorDigest(d *[20]byte, p []byte) {
	h := sha1.Sum(p)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mixDigest sets d = SHA1(d xor SHA1(p)).
func mixDigest(d *[20]byte, p []byte) {
	xorDigest(d, p)
	*d = sha1.Sum(d[:])
}

// redisObjType is Redis's OBJ_* number of a type, hashed into the digest.
func redisObjType(t store.Type) uint32 {
	switch t {
	case store.TypeString:
		return 0
	case store.TypeList:
		return 1
	case store.TypeSet:
		return 2
	case store.TypeZSet:
		return 3
	case store.TypeHash:
		return 4
	case store.TypeStream:
		return 6
	}
	return 5
}

// valueDigester mixes the elements of one collection type into d.
type valueDigester func(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error

// digesters holds the per-type digest functions of collection types; each
// type's file registers its own.
var digesters = map[store.Type]valueDigester{}

// objectDigest mixes the type, value and expire flag of one key into d.
func (s *Server) objectDigest(tx *store.Tx, db int, key []byte, m *store.Meta, d *[20]byte) error {
	var aux [4]byte
	binary.BigEndian.PutUint32(aux[:], redisObjType(m.Type))
	mixDigest(d, aux[:])
	if m.Type == store.TypeString {
		mixDigest(d, m.Value)
	} else if fn := digesters[m.Type]; fn != nil {
		if err := fn(tx, db, key, m, d); err != nil {
			return err
		}
	}
	if m.ExpireAt != 0 {
		xorDigest(d, []byte("!!expire!!"))
	}
	return nil
}

// datasetDigest is DEBUG DIGEST over every db.
func (s *Server) datasetDigest(tx *store.Tx) ([20]byte, error) {
	var final [20]byte
	for db := 0; db < s.db.Databases(); db++ {
		if s.db.DBSize(db) == 0 {
			continue
		}
		var aux [4]byte
		binary.BigEndian.PutUint32(aux[:], uint32(db))
		mixDigest(&final, aux[:])
		var ferr error
		err := tx.ForEach(db, func(key []byte, m *store.Meta) bool {
			var d [20]byte
			mixDigest(&d, key)
			if ferr = s.objectDigest(tx, db, key, m, &d); ferr != nil {
				return false
			}
			xorDigest(&final, d[:])
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return final, err
		}
	}
	return final, nil
}

func digestHex(d [20]byte) string { return hex.EncodeToString(d[:]) }
