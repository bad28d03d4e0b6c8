package rdb

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// Writer writes a whole RDB file (version 10, as Redis 7.0): the header,
// AUX fields, functions, databases with their keys, then EOF and the CRC64.
//
//	w := rdb.NewWriter(conn, rdb.DefaultEncodeOptions())
//	w.Header()
//	w.StandardAux(rdb.AuxInfo{...})
//	w.Function(code)
//	w.SelectDB(0, keys, expires)
//	w.Key([]byte("k"), 0)
//	w.String([]byte("v"))
//	w.Close()
//
// Key sets the key of the next object; the embedded ObjectWriter's methods
// then write its value.
type Writer struct {
	ObjectWriter
	header bool
	closed bool
}

// NewWriter returns a Writer writing to w, buffering up to 64 KB.
func NewWriter(w io.Writer, o EncodeOptions) *Writer {
	return &Writer{ObjectWriter: ObjectWriter{w: w, opts: o, needKey: true}}
}

func (w *Writer) op(what string) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return w.misuse("%s after Close", what)
	}
	if !w.header && what != "Header" {
		return w.misuse("%s before Header", what)
	}
	if w.st != stIdle || w.hasKey {
		return w.misuse("%s inside an object", what)
	}
	return nil
}

// Header writes the magic "REDIS0010".
func (w *Writer) Header() error {
	if w.op("Header") != nil {
		return w.err
	}
	if w.header {
		return w.misuse("second Header")
	}
	w.header = true
	w.out = fmt.Appendf(w.out, "REDIS%04d", Version10)
	return nil
}

// Aux writes an AUX field. Values that are canonical integers are
// integer-encoded, as rdbSaveAuxFieldStrInt does.
func (w *Writer) Aux(key, value string) error {
	if w.op("Aux") != nil {
		return w.err
	}
	w.out = append(w.out, opAux)
	w.writeString([]byte(key))
	w.writeString([]byte(value))
	return w.err
}

// AuxInfo is what StandardAux writes.
type AuxInfo struct {
	RedisVer     string // "7.0.15" when empty
	CTime        int64  // unix seconds
	UsedMem      int64
	Repl         bool // write repl-stream-db, repl-id and repl-offset
	ReplStreamDB int
	ReplID       string // 40 hex characters
	ReplOffset   int64
}

// StandardAux writes the AUX fields Redis 7.0 writes, in its order:
// redis-ver, redis-bits, ctime, used-mem, [repl-stream-db, repl-id,
// repl-offset], aof-base.
func (w *Writer) StandardAux(a AuxInfo) error {
	ver := a.RedisVer
	if ver == "" {
		ver = "7.0.15"
	}
	_ = w.Aux("redis-ver", ver)
	_ = w.Aux("redis-bits", "64")
	_ = w.Aux("ctime", strconv.FormatInt(a.CTime, 10))
	_ = w.Aux("used-mem", strconv.FormatInt(a.UsedMem, 10))
	if a.Repl {
		_ = w.Aux("repl-stream-db", strconv.Itoa(a.ReplStreamDB))
		_ = w.Aux("repl-id", a.ReplID)
		_ = w.Aux("repl-offset", strconv.FormatInt(a.ReplOffset, 10))
	}
	return w.Aux("aof-base", "0")
}

// Function writes a function library (FUNCTION2): the code FUNCTION LOAD took.
func (w *Writer) Function(code []byte) error {
	if w.op("Function") != nil {
		return w.err
	}
	w.out = append(w.out, opFunction2)
	w.writeString(code)
	w.maybeFlush()
	return w.err
}

// SelectDB starts database db (SELECTDB) with its RESIZEDB hint: keys keys,
// expires of them with a TTL.
func (w *Writer) SelectDB(db int, keys, expires uint64) error {
	if w.op("SelectDB") != nil {
		return w.err
	}
	if db < 0 {
		return w.misuse("negative db %d", db)
	}
	w.out = append(w.out, opSelectDB)
	w.writeLen(uint64(db))
	w.out = append(w.out, opResizeDB)
	w.writeLen(keys)
	w.writeLen(expires)
	return w.err
}

// Key starts a key record: an EXPIRETIME_MS when expireMs (absolute unix
// ms) is nonzero; the next String or StartXxx writes the type byte, key
// and value.
func (w *Writer) Key(key []byte, expireMs int64) error {
	if w.op("Key") != nil {
		return w.err
	}
	if expireMs != 0 {
		w.out = append(w.out, opExpireMs)
		w.writeUint64LE(uint64(expireMs))
	}
	w.key = append(w.key[:0], key...)
	w.hasKey = true
	return nil
}

// Close writes EOF and the CRC64 and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.op("Close") != nil {
		return w.err
	}
	w.closed = true
	w.out = append(w.out, opEOF)
	if w.Flush() != nil {
		return w.err
	}
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], w.crc)
	if _, err := w.w.Write(sum[:]); err != nil {
		w.err = err
	}
	return w.err
}

// Dump encodes one value as a DUMP payload (RESTORE's input): the object
// encoding, then the RDB version (10) and CRC64 footer.
//
//	d := rdb.NewDump(rdb.DefaultEncodeOptions())
//	d.StartHash(2, true); d.HashField(f1, v1); d.HashField(f2, v2); d.EndHash()
//	payload, err := d.Payload()
type Dump struct {
	ObjectWriter
	payload int // length of the finished payload, 0 while writing
}

// NewDump returns an empty Dump. Reuse it with Reset: it keeps its buffers
// and the 256 KB LZF hash table its first long string allocates.
func NewDump(o EncodeOptions) *Dump {
	d := &Dump{ObjectWriter: ObjectWriter{opts: o}}
	d.dump = d
	return d
}

// Reset empties d for another value, keeping its buffers.
func (d *Dump) Reset() {
	d.out = d.out[:0]
	d.payload = 0
	d.err = nil
	d.st = stIdle
	d.remaining = 0
}

// Payload returns the DUMP payload of the value written. It is valid until
// the next Reset.
func (d *Dump) Payload() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.payload > 0 {
		return d.out[:d.payload], nil
	}
	if d.st != stIdle || len(d.out) == 0 {
		return nil, d.misuse("Payload of an incomplete value")
	}
	d.out = AppendDumpFooter(d.out, Version10)
	d.payload = len(d.out)
	return d.out, nil
}

// AppendDumpFooter appends the DUMP payload footer to p, which holds a type
// byte and an object encoding: the 2-byte RDB version (little-endian) and
// the CRC64 of everything before the checksum (little-endian), as
// createDumpPayload in cluster.c.
func AppendDumpFooter(p []byte, rdbVersion int) []byte {
	p = binary.LittleEndian.AppendUint16(p, uint16(rdbVersion))
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

// VerifyDumpPayloadFor checks a DUMP payload for a server whose RDB version
// is maxVersion, as Redis's verifyDumpPayload does: a version newer than
// maxVersion is refused (Redis 7.0 answers "DUMP payload version or
// checksum are wrong"), like a bad checksum. It returns the type byte and
// value as VerifyDumpPayload does.
func VerifyDumpPayloadFor(p []byte, maxVersion int) (typ byte, body []byte, rdbVersion int, err error) {
	typ, body, rdbVersion, err = VerifyDumpPayload(p)
	if err != nil {
		return 0, nil, 0, err
	}
	if rdbVersion > maxVersion {
		return 0, nil, 0, fmt.Errorf("rdb: dump payload version %d newer than %d: %w", rdbVersion, maxVersion, ErrUnsupported)
	}
	return typ, body, rdbVersion, nil
}
