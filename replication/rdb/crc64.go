package rdb

import "hash/crc64"

// jonesTable is the table for the reflected Jones polynomial Redis uses
// (0xad93d23594c935a9, reflected 0x95ac9329ac4bc9b5), as in crc64.c.
var jonesTable = crc64.MakeTable(0x95AC9329AC4BC9B5)

// CRC64 continues Redis's CRC-64 (Jones polynomial, reflected, initial value
// 0, no final XOR) over p, starting from crc. CRC64(0, []byte("123456789"))
// is 0xe9c6d914c4b8d9ca. It is the checksum of RDB files and of DUMP payloads.
func CRC64(crc uint64, p []byte) uint64 {
	// hash/crc64 inverts before and after; Redis does neither, so undo both.
	return ^crc64.Update(^crc, jonesTable, p)
}
