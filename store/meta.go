package store

import (
	"encoding/binary"
	"fmt"
)

// Type is the Redis type of a key.
type Type uint8

// Redis types as stored in byte 0 of a metadata value (low 4 bits).
const (
	TypeNone   Type = 0
	TypeString Type = 1
	TypeList   Type = 2
	TypeHash   Type = 3
	TypeSet    Type = 4
	TypeZSet   Type = 5
	TypeStream Type = 6
)

// String returns the name TYPE answers.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeHash:
		return "hash"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeStream:
		return "stream"
	}
	return "none"
}

// IsCollection reports whether values of t live in subkeys under a keyid.
func (t Type) IsCollection() bool { return t >= TypeList && t <= TypeStream }

// String encodings kept in the high nibble of byte 0 for TypeString.
const (
	// StrEncAuto: OBJECT ENCODING derives int/embstr/raw from the bytes.
	StrEncAuto uint8 = 0
	// StrEncRaw: the value was modified in place (APPEND, SETRANGE, SETBIT...),
	// which Redis always leaves "raw".
	StrEncRaw uint8 = 1
)

// Meta is the decoded metadata record of one key.
//
// Layout of the value (all integers big-endian):
//
//	byte 0     type (low 4 bits) | encoding (high 4 bits)
//	bytes 1..8 expireAt, unix milliseconds, 0 = no TTL
//	string:     the raw bytes of the value
//	collection: keyid u64 | size u64 | type-specific tail (Extra)
//
// Slices in a Meta returned by a Tx alias pebble memory and stay valid until
// the Tx ends.
type Meta struct {
	Type     Type
	Enc      uint8
	ExpireAt int64
	Value    []byte // strings
	KeyID    uint64 // collections
	Size     uint64 // collections: number of elements
	Extra    []byte // collections: type-specific tail (list head/tail, stream ids...)
}

const metaHeaderLen = 9

func (m *Meta) encode(b []byte) []byte {
	b = append(b, byte(m.Type)|m.Enc<<4)
	b = binary.BigEndian.AppendUint64(b, uint64(m.ExpireAt))
	if m.Type == TypeString {
		return append(b, m.Value...)
	}
	b = binary.BigEndian.AppendUint64(b, m.KeyID)
	b = binary.BigEndian.AppendUint64(b, m.Size)
	return append(b, m.Extra...)
}

func decodeMeta(v []byte) (Meta, error) {
	if len(v) < metaHeaderLen {
		return Meta{}, fmt.Errorf("%w: metadata of %d bytes", ErrCorrupt, len(v))
	}
	m := Meta{Type: Type(v[0] & 0x0f), Enc: v[0] >> 4, ExpireAt: int64(binary.BigEndian.Uint64(v[1:9]))}
	if m.Type == TypeString {
		m.Value = v[metaHeaderLen:]
		return m, nil
	}
	if !m.Type.IsCollection() || len(v) < metaHeaderLen+16 {
		return Meta{}, fmt.Errorf("%w: metadata type %d of %d bytes", ErrCorrupt, v[0], len(v))
	}
	m.KeyID = binary.BigEndian.Uint64(v[9:17])
	m.Size = binary.BigEndian.Uint64(v[17:25])
	m.Extra = v[25:]
	return m, nil
}
