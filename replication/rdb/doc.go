// Package rdb decodes Redis RDB files and DUMP payloads as a stream.
//
// It owns the RDB wire format only: the file layout and opcodes (rdb.h), the
// length and string encodings, LZF, CRC64, and the container encodings
// (ziplist, listpack, intset, zipmap, quicklist, stream listpacks). It knows
// nothing about storage or replication and imports only the standard library.
//
// Drive it by implementing Handler (embed NopHandler for the methods you do
// not need) and calling Decode with the RDB bytes:
//
//	err := rdb.Decode(bufio.NewReader(conn), myHandler)
//
// Decode reports AUX fields, databases, functions and keys in file order,
// and collections element by element (StartHash, HashField..., EndHash), so
// memory stays bounded by the largest single RDB string (one value or one
// ziplist/listpack blob), never by a whole collection. A handler error stops
// decoding and is returned as is.
//
// Supported: Redis RDB versions 1 to 12 (Redis 1.x to 8.4, including 7.4
// hash field TTLs), Valkey 8 (REDIS0011 with a valkey-ver AUX) and Valkey 9
// ("VALKEY080"). Module keys are skipped with the generic opcode walker
// after Handler.Module has seen them.
//
// For RESTORE, VerifyDumpPayload checks a DUMP payload and DecodeValue
// decodes its value. CRC64 and the LZF codec are exported for an RDB writer.
//
// The encoder writes what Redis 7.0 writes (RDB version 10): Writer makes
// whole files (header, AUX fields, FUNCTION2, SELECTDB/RESIZEDB, keys with
// EXPIRETIME_MS, EOF, CRC64) and Dump makes DUMP payloads; both embed
// ObjectWriter, which streams values element by element (StartHash,
// HashField..., EndHash) and assembles in memory only the compact
// encodings, bounded by Limits. Lists and streams announce their node
// count first, so they take a ListPlan or StreamPlan made in a first pass
// over the elements. Encodings, node packing, string encodings and LZF
// make Redis 7.0.15's choices, so a DUMP of the same contents is byte for
// byte Redis's, except the member order of hash tables (RDB_TYPE_SET,
// RDB_TYPE_HASH), which is the caller's.
//
// Bad input never panics: every failure is an error wrapping ErrCorrupt or
// ErrUnsupported that names what was being read and the byte offset.
package rdb
