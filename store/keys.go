package store

import (
	"encoding/binary"
	"hash/crc32"
)

// Key tags: the first byte of every pebble key.
const (
	tagSys  = 0x00 // system records, not tied to a keyspace
	tagData = 0x01 // everything that belongs to one keyspace id
)

// System record kinds (second byte after tagSys).
const (
	sysFormat   = 'F' // store format version
	sysDBMap    = 'M' // logical db -> ksid table
	sysRepl     = 'R' // replication id and offset
	sysNextKS   = 'K' // next keyspace id
	sysKeyID    = 'I' // keyid high-water mark
	sysCounters = 'C' // + ksid: keys u64, expires u64
	sysDrop     = 'D' // + ksid: a dropped keyspace whose range delete may be pending
	sysLoad     = 'L' // a full-sync load in progress: the new ksids
	sysBlob     = 'B' // + name: small named blobs (script and function libraries)
	sysBacklog  = 'P' // + u64 offset: replication backlog chunks (backlog.go)
)

// Data record kinds inside a keyspace (third field after tagData|ksid).
const (
	kindMeta   = 'm' // h32(key) key -> metadata
	kindSub    = 's' // keyid ... -> subkeys of a collection
	kindExpire = 'x' // expireAt(8) key -> "" : the expiry index
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// KeyHash is the stable 32-bit hash that orders metadata keys (CRC-32C). It is
// part of the on-disk format: never change it.
func KeyHash(key []byte) uint32 { return crc32.Checksum(key, castagnoli) }

func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// ksPrefix is 01|ksid: every key of keyspace ksid starts with it.
func ksPrefix(b []byte, ksid uint32) []byte {
	return appendU32(append(b, tagData), ksid)
}

// metaKey is 01|ksid|'m'|h32(key)|key.
func metaKey(b []byte, ksid uint32, key []byte) []byte {
	b = append(ksPrefix(b, ksid), kindMeta)
	b = appendU32(b, KeyHash(key))
	return append(b, key...)
}

// metaKeyPrefixLen is the length of 01|ksid|'m'|h32 before the user key.
const metaKeyPrefixLen = 1 + 4 + 1 + 4

// metaBounds returns the bounds of all metadata keys of ksid.
func metaBounds(ksid uint32) (lo, hi []byte) {
	lo = append(ksPrefix(nil, ksid), kindMeta)
	hi = append(ksPrefix(nil, ksid), kindMeta+1)
	return
}

// SubPrefix is 01|ksid|'s'|keyid: the prefix of every subkey of one collection.
// Type code appends its own suffix to it.
func SubPrefix(b []byte, ksid uint32, keyid uint64) []byte {
	b = append(ksPrefix(b, ksid), kindSub)
	return appendU64(b, keyid)
}

// subBounds returns [SubPrefix(keyid), SubPrefix(keyid+1)).
func subBounds(ksid uint32, keyid uint64) (lo, hi []byte) {
	return SubPrefix(nil, ksid, keyid), SubPrefix(nil, ksid, keyid+1)
}

// expireKey is 01|ksid|'x'|expireAt|key.
func expireKey(b []byte, ksid uint32, at int64, key []byte) []byte {
	b = append(ksPrefix(b, ksid), kindExpire)
	b = appendU64(b, uint64(at))
	return append(b, key...)
}

func sysKey(kind byte, ksid ...uint32) []byte {
	b := []byte{tagSys, kind}
	for _, k := range ksid {
		b = appendU32(b, k)
	}
	return b
}
