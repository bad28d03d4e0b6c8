package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Errors returned by the decoder. Every error Decode produces for bad input
// wraps ErrCorrupt or ErrUnsupported (check with errors.Is); errors returned
// by a Handler are passed through unchanged.
var (
	// ErrCorrupt marks malformed or truncated input. Truncation errors also
	// match io.ErrUnexpectedEOF.
	ErrCorrupt = errors.New("rdb: corrupt input")
	// ErrChecksum marks a CRC64 mismatch; it wraps ErrCorrupt.
	ErrChecksum = fmt.Errorf("rdb: checksum mismatch: %w", ErrCorrupt)
	// ErrUnsupported marks valid-looking input this decoder cannot handle:
	// a newer RDB version, an unknown type or opcode, pre-GA module values.
	ErrUnsupported = errors.New("rdb: unsupported")
)

// Versions this decoder reads.
const (
	// MaxVersion is the newest Redis RDB version supported ("REDIS0012",
	// Redis 7.4 to 8.4).
	MaxVersion = 12
	// ValkeyVersion is the Valkey 9 RDB version supported ("VALKEY080").
	// Valkey 8 writes plain "REDIS0011" files and needs nothing special.
	ValkeyVersion = 80
	// DefaultMaxStringLen is the default cap on one RDB string (a value, or
	// one ziplist/listpack blob). Memory grows as bytes arrive, so a bogus
	// length costs at most about twice the bytes actually read.
	DefaultMaxStringLen = 512 << 20
)

// RDB opcodes (rdb.h).
const (
	opSlotImport  = 243 // Valkey 80+ (Redis 13 KEY_META is not supported)
	opSlotInfo    = 244
	opFunction2   = 245
	opFunctionPre = 246
	opModuleAux   = 247
	opIdle        = 248
	opFreq        = 249
	opAux         = 250
	opResizeDB    = 251
	opExpireMs    = 252
	opExpire      = 253
	opSelectDB    = 254
	opEOF         = 255
)

// RDB object types (rdb.h RDB_TYPE_*).
const (
	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5
	typeModulePreGA     = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18
	typeStream2         = 19
	typeSetListpack     = 20
	typeStream3         = 21
	typeHashMetaPreGA   = 22 // Valkey 80+: HASH_2
	typeHashLPExPreGA   = 23
	typeHashMetadata    = 24
	typeHashListpackEx  = 25
)

// Options tunes a decode. The zero value means defaults.
type Options struct {
	// MaxStringLen caps one RDB string (DefaultMaxStringLen when 0).
	MaxStringLen uint64
}

func (o Options) maxStr() uint64 {
	if o.MaxStringLen == 0 {
		return DefaultMaxStringLen
	}
	return o.MaxStringLen
}

// decoder holds the state of one decode and the buffers it reuses.
type decoder struct {
	r       *reader
	h       Handler
	version int
	valkey  bool

	key      []byte
	buf1     []byte // field / member / name
	buf2     []byte // value
	blob     []byte // current ziplist/listpack/intset/zipmap
	scratch1 []byte
	scratch2 []byte
	arena    []byte
	spans    []int
	fields   [][]byte
	dup      map[string]struct{}

	// onValue, when set (tests), sees each key record's value byte range.
	onValue func(typ byte, start, end int64)
}

func newDecoder(r io.Reader, h Handler, o Options) *decoder {
	return &decoder{
		r:        newReader(r, o.maxStr()),
		h:        h,
		scratch1: make([]byte, 0, 24),
		scratch2: make([]byte, 0, 24),
	}
}

func (d *decoder) corrupt(off int64, format string, args ...any) error {
	return fmt.Errorf("rdb: "+format+" at offset %d: %w", append(args, off, ErrCorrupt)...)
}

func (d *decoder) unsupported(off int64, format string, args ...any) error {
	return fmt.Errorf("rdb: "+format+" at offset %d: %w", append(args, off, ErrUnsupported)...)
}

// Decode reads a whole RDB file from r: the "REDIS" (or "VALKEY") magic and
// version, every AUX field, database, key and function, up to the EOF opcode
// and its CRC64 trailer, which is verified when nonzero (RDB 5+). It calls h
// for everything it finds and stops at the first error.
//
// When r is a *bufio.Reader, Decode consumes exactly the RDB bytes and
// leaves whatever follows (an AOF tail, the replication stream) unread in
// it; any other reader is wrapped in a bufio.Reader and may be read past
// the end of the RDB.
func Decode(r io.Reader, h Handler) error {
	return DecodeWithOptions(r, h, Options{})
}

// DecodeWithOptions is Decode with explicit Options.
func DecodeWithOptions(r io.Reader, h Handler, o Options) error {
	d := newDecoder(r, h, o)
	if err := d.header(); err != nil {
		return err
	}
	return d.body()
}

// DecodeValue decodes one object value of RDB type typ (the body of a DUMP
// payload, see VerifyDumpPayload) and reports it to h as key, with info's
// Expire, Idle and Freq (its Type and Encoding are filled in here).
// rdbVersion is the payload's RDB version; it matters only to tell Valkey
// 9 types (version >= 80) from Redis ones. The value must be the whole
// input: trailing bytes are reported as corruption.
func DecodeValue(r io.Reader, rdbVersion int, typ byte, key []byte, info KeyInfo, h Handler) error {
	d := newDecoder(r, h, Options{})
	d.version = rdbVersion
	d.valkey = rdbVersion >= ValkeyVersion
	d.key = append(d.key[:0], key...)
	if err := d.value(typ, info); err != nil {
		return err
	}
	if _, err := d.r.br.ReadByte(); err == nil {
		return d.corrupt(d.r.off, "trailing bytes after value")
	}
	return nil
}

// DecodeValuePrefix is DecodeValue for a value that need not be the whole
// input: what follows it is left unread. Redis's RESTORE decodes the object
// from the whole payload this way (its footer included), so a value may
// end inside the footer or leave bytes before it.
func DecodeValuePrefix(r io.Reader, rdbVersion int, typ byte, key []byte, info KeyInfo, h Handler) error {
	d := newDecoder(r, h, Options{})
	d.version = rdbVersion
	d.valkey = rdbVersion >= ValkeyVersion
	d.key = append(d.key[:0], key...)
	return d.value(typ, info)
}

// VerifyDumpPayload checks a DUMP/RESTORE payload
// (<type><value><2-byte RDB version LE><8-byte CRC64 LE>) as
// verifyDumpPayload in cluster.c does, and returns its type byte, the value
// bytes (a subslice of p) and the RDB version. A version newer than
// MaxVersion (other than Valkey's ValkeyVersion) is ErrUnsupported; a bad
// CRC is ErrChecksum.
func VerifyDumpPayload(p []byte) (typ byte, body []byte, rdbVersion int, err error) {
	if len(p) < 11 {
		return 0, nil, 0, fmt.Errorf("rdb: dump payload of %d bytes too short: %w", len(p), ErrCorrupt)
	}
	footer := p[len(p)-10:]
	rdbVersion = int(binary.LittleEndian.Uint16(footer))
	if got, want := CRC64(0, p[:len(p)-8]), binary.LittleEndian.Uint64(footer[2:]); got != want {
		return 0, nil, 0, fmt.Errorf("rdb: dump payload crc %016x, computed %016x: %w", want, got, ErrChecksum)
	}
	if rdbVersion > MaxVersion && rdbVersion != ValkeyVersion {
		return 0, nil, 0, fmt.Errorf("rdb: dump payload version %d: %w", rdbVersion, ErrUnsupported)
	}
	return p[0], p[1 : len(p)-10], rdbVersion, nil
}

func (d *decoder) header() error {
	var m [9]byte
	if err := d.r.readFull(m[:], "magic"); err != nil {
		return err
	}
	var digits []byte
	switch {
	case bytes.HasPrefix(m[:], []byte("REDIS")):
		digits = m[5:]
	case bytes.HasPrefix(m[:], []byte("VALKEY")):
		digits = m[6:]
		d.valkey = true
	default:
		return fmt.Errorf("rdb: bad magic %q at offset 0: %w", m[:], ErrCorrupt)
	}
	v, err := strconv.Atoi(string(digits))
	if err != nil || v < 1 || digits[0] == '+' || digits[0] == '-' {
		return fmt.Errorf("rdb: bad version %q at offset %d: %w", digits, 9-len(digits), ErrCorrupt)
	}
	if (!d.valkey && v > MaxVersion) || (d.valkey && v != ValkeyVersion) {
		return fmt.Errorf("rdb: RDB version %d (%q) is newer than supported (%d, Valkey %d) at offset %d: %w",
			v, m[:], MaxVersion, ValkeyVersion, 9-len(digits), ErrUnsupported)
	}
	d.version = v
	return nil
}

func (d *decoder) body() error {
	info := KeyInfo{Idle: -1, Freq: -1}
	r := d.r
	for {
		start := r.off
		op, err := r.readByte("opcode")
		if err != nil {
			return err
		}
		switch op {
		case opEOF:
			if d.version < 5 {
				return nil
			}
			sum := r.crc
			stored, err := r.readUint64LE("checksum")
			if err != nil {
				return err
			}
			if stored != 0 && stored != sum {
				return fmt.Errorf("rdb: checksum %016x, computed %016x, at offset %d: %w", stored, sum, start+1, ErrChecksum)
			}
			return nil
		case opSelectDB:
			db, err := r.readLength("db number")
			if err != nil {
				return err
			}
			if db > math.MaxInt32 {
				return d.corrupt(start, "db number %d too large", db)
			}
			if err := d.h.SelectDB(int(db)); err != nil {
				return err
			}
		case opResizeDB:
			size, err := r.readLength("db size")
			if err != nil {
				return err
			}
			exp, err := r.readLength("expires size")
			if err != nil {
				return err
			}
			if err := d.h.ResizeDB(size, exp); err != nil {
				return err
			}
		case opSlotInfo:
			var v [3]uint64
			for i := range v {
				if v[i], err = r.readLength("slot info"); err != nil {
					return err
				}
			}
			if err := d.h.SlotInfo(v[0], v[1], v[2]); err != nil {
				return err
			}
		case opExpire:
			if err := r.readFull(r.tmp[:4], "expire time"); err != nil {
				return err
			}
			info.Expire = int64(int32(binary.LittleEndian.Uint32(r.tmp[:4]))) * 1000
		case opExpireMs:
			if info.Expire, err = r.readMillis("expire time"); err != nil {
				return err
			}
		case opIdle:
			idle, err := r.readLength("idle time")
			if err != nil {
				return err
			}
			if idle > math.MaxInt64 {
				return d.corrupt(start, "idle time %d too large", idle)
			}
			info.Idle = int64(idle)
		case opFreq:
			b, err := r.readByte("lfu frequency")
			if err != nil {
				return err
			}
			info.Freq = int(b)
		case opAux:
			if d.buf1, err = r.readString(d.buf1, "aux key"); err != nil {
				return err
			}
			if d.buf2, err = r.readString(d.buf2, "aux value"); err != nil {
				return err
			}
			if err := d.h.Aux(d.buf1, d.buf2); err != nil {
				return err
			}
		case opModuleAux:
			if err := d.moduleAux(start); err != nil {
				return err
			}
		case opFunction2:
			if d.buf2, err = r.readString(d.buf2, "function library"); err != nil {
				return err
			}
			if err := d.h.Function(d.buf2); err != nil {
				return err
			}
		case opFunctionPre:
			return d.unsupported(start, "pre-GA function format (Redis 7.0 RC)")
		case opSlotImport:
			if !d.valkey {
				return d.unsupported(start, "opcode %d (Redis RDB 13 KEY_META)", op)
			}
			if err := d.slotImport(); err != nil {
				return err
			}
		default:
			if !isObjectType(op, d.valkey) {
				return d.unsupported(start, "unknown RDB type or opcode %d", op)
			}
			if d.key, err = r.readString(d.key, "key"); err != nil {
				return err
			}
			vstart := r.off
			if err := d.value(op, info); err != nil {
				return err
			}
			if d.onValue != nil {
				d.onValue(op, vstart, r.off)
			}
			info = KeyInfo{Idle: -1, Freq: -1}
		}
	}
}

// slotImport skips a Valkey SLOT_IMPORT opcode: job name, n slot ranges.
func (d *decoder) slotImport() error {
	if err := d.r.skipString("slot import job"); err != nil {
		return err
	}
	n, err := d.r.readLength("slot import ranges")
	if err != nil {
		return err
	}
	for i := uint64(0); i < 2*n; i++ {
		if _, err := d.r.readLength("slot import range"); err != nil {
			return err
		}
	}
	return nil
}

func isObjectType(t byte, valkey bool) bool {
	switch {
	case t <= typeModule2, t >= typeHashZipmap && t <= typeStream3:
		return true
	case t == typeHashMetaPreGA:
		return true
	case t == typeHashLPExPreGA:
		return !valkey
	case t == typeHashMetadata || t == typeHashListpackEx:
		return !valkey
	}
	return false
}

func logicalType(t byte) Type {
	switch t {
	case typeString:
		return TypeString
	case typeList, typeListZiplist, typeListQuicklist, typeListQuicklist2:
		return TypeList
	case typeSet, typeSetIntset, typeSetListpack:
		return TypeSet
	case typeZSet, typeZSet2, typeZSetZiplist, typeZSetListpack:
		return TypeZSet
	case typeHash, typeHashZipmap, typeHashZiplist, typeHashListpack,
		typeHashMetaPreGA, typeHashLPExPreGA, typeHashMetadata, typeHashListpackEx:
		return TypeHash
	case typeStreamListpacks, typeStream2, typeStream3:
		return TypeStream
	case typeModulePreGA, typeModule2:
		return TypeModule
	}
	return 0
}

// coll reports one collection, delaying Start until the first element so
// empty collections produce no calls (Redis skips them on load).
type coll struct {
	d       *decoder
	info    KeyInfo
	started bool
}

func (c *coll) start() error {
	if c.started {
		return nil
	}
	c.started = true
	h, k := c.d.h, c.d.key
	switch c.info.Type {
	case TypeList:
		return h.StartList(k, c.info)
	case TypeSet:
		return h.StartSet(k, c.info)
	case TypeZSet:
		return h.StartZSet(k, c.info)
	default:
		return h.StartHash(k, c.info)
	}
}

func (c *coll) end() error {
	if !c.started {
		return nil
	}
	h, k := c.d.h, c.d.key
	switch c.info.Type {
	case TypeList:
		return h.EndList(k)
	case TypeSet:
		return h.EndSet(k)
	case TypeZSet:
		return h.EndZSet(k)
	default:
		return h.EndHash(k)
	}
}

func (c *coll) listItem(v []byte) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.d.h.ListItem(v)
}

func (c *coll) setMember(v []byte) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.d.h.SetMember(v)
}

func (c *coll) zsetMember(m []byte, score float64) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.d.h.ZSetMember(m, score)
}

func (c *coll) hashField(f, v []byte, exp int64) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.d.h.HashField(f, v, exp)
}

// value decodes the value of type typ for d.key.
func (d *decoder) value(typ byte, info KeyInfo) error {
	info.Type = logicalType(typ)
	info.Encoding = typ
	start := d.r.off
	if info.Type == 0 {
		return d.unsupported(start, "unknown RDB object type %d for key %q", typ, d.key)
	}
	c := &coll{d: d, info: info}
	var err error
	switch typ {
	case typeString:
		if d.buf2, err = d.r.readString(d.buf2, "string value"); err != nil {
			return err
		}
		return d.h.String(d.key, info, d.buf2)
	case typeList, typeSet:
		err = d.plainList(c)
	case typeZSet, typeZSet2:
		err = d.plainZSet(c, typ == typeZSet2)
	case typeHash:
		err = d.plainHash(c)
	case typeHashMetaPreGA:
		if d.valkey {
			err = d.valkeyHash2(c)
		} else {
			err = d.metaHash(c, false)
		}
	case typeHashMetadata:
		err = d.metaHash(c, true)
	case typeListZiplist, typeListQuicklist, typeListQuicklist2:
		err = d.quicklist(c, typ)
	case typeSetIntset:
		err = d.intset(c)
	case typeSetListpack, typeZSetZiplist, typeZSetListpack, typeHashZiplist, typeHashListpack,
		typeHashZipmap, typeHashLPExPreGA, typeHashListpackEx:
		err = d.packed(c, typ)
	case typeStreamListpacks, typeStream2, typeStream3:
		return d.stream(typ, info)
	case typeModule2:
		return d.module(info, start)
	case typeModulePreGA:
		id, lerr := d.r.readLength("module id")
		if lerr != nil {
			return lerr
		}
		m := moduleTypeFromID(id)
		return d.unsupported(start, "pre-GA module value of type %s (id %d) for key %q", m.Name, id, d.key)
	}
	if err != nil {
		return err
	}
	return c.end()
}

func (d *decoder) plainList(c *coll) error {
	n, err := d.r.readLength("element count")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		if d.buf2, err = d.r.readString(d.buf2, "element"); err != nil {
			return err
		}
		if c.info.Type == TypeList {
			err = c.listItem(d.buf2)
		} else {
			err = c.setMember(d.buf2)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) plainZSet(c *coll, binaryScores bool) error {
	n, err := d.r.readLength("zset length")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		if d.buf1, err = d.r.readString(d.buf1, "zset member"); err != nil {
			return err
		}
		off := d.r.off
		var score float64
		if binaryScores {
			score, err = d.r.readDouble("zset score")
		} else {
			score, err = d.readStringDouble()
		}
		if err != nil {
			return err
		}
		if math.IsNaN(score) {
			return d.corrupt(off, "NaN score in zset %q", d.key)
		}
		if err := c.zsetMember(d.buf1, score); err != nil {
			return err
		}
	}
	return nil
}

// readStringDouble reads a ZSET (type 3) score: a length byte, with 253, 254
// and 255 standing for NaN, +inf and -inf, then that many ASCII bytes.
func (d *decoder) readStringDouble() (float64, error) {
	off := d.r.off
	n, err := d.r.readByte("zset score")
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	var b [255]byte
	if err := d.r.readFull(b[:n], "zset score"); err != nil {
		return 0, err
	}
	f, perr := strconv.ParseFloat(string(b[:n]), 64)
	if perr != nil {
		return 0, d.corrupt(off, "bad score %q", b[:n])
	}
	return f, nil
}

func (d *decoder) plainHash(c *coll) error {
	n, err := d.r.readLength("hash length")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		if d.buf1, err = d.r.readString(d.buf1, "hash field"); err != nil {
			return err
		}
		if d.buf2, err = d.r.readString(d.buf2, "hash value"); err != nil {
			return err
		}
		if err := c.hashField(d.buf1, d.buf2, 0); err != nil {
			return err
		}
	}
	return nil
}

// metaHash decodes HASH_METADATA (24: minExpire, then per field a TTL
// relative to it) or, when withMin is false, the 7.4 RC HASH_METADATA_PRE_GA
// (22: absolute expiries).
func (d *decoder) metaHash(c *coll, withMin bool) error {
	var minExpire int64
	var err error
	if withMin {
		if minExpire, err = d.r.readMillis("hash min expire"); err != nil {
			return err
		}
	}
	n, err := d.r.readLength("hash length")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		off := d.r.off
		ttl, err := d.r.readLength("hash field ttl")
		if err != nil {
			return err
		}
		var exp int64
		if ttl != 0 {
			if withMin {
				exp = int64(ttl) + minExpire - 1
			} else {
				exp = int64(ttl)
			}
			if ttl > math.MaxInt64/2 || exp <= 0 {
				return d.corrupt(off, "bad field expiry %d in hash %q", ttl, d.key)
			}
		}
		if d.buf1, err = d.r.readString(d.buf1, "hash field"); err != nil {
			return err
		}
		if d.buf2, err = d.r.readString(d.buf2, "hash value"); err != nil {
			return err
		}
		if err := c.hashField(d.buf1, d.buf2, exp); err != nil {
			return err
		}
	}
	return nil
}

// valkeyHash2 decodes Valkey 9's HASH_2 (type 22 in VALKEY080 files): per
// field, field, value, then an 8-byte expiry in ms (-1 = none).
func (d *decoder) valkeyHash2(c *coll) error {
	n, err := d.r.readLength("hash length")
	if err != nil {
		return err
	}
	for i := uint64(0); i < n; i++ {
		if d.buf1, err = d.r.readString(d.buf1, "hash field"); err != nil {
			return err
		}
		if d.buf2, err = d.r.readString(d.buf2, "hash value"); err != nil {
			return err
		}
		exp, err := d.r.readMillis("hash field expiry")
		if err != nil {
			return err
		}
		if exp < 0 {
			exp = 0
		}
		if err := c.hashField(d.buf1, d.buf2, exp); err != nil {
			return err
		}
	}
	return nil
}

// readBlob reads a string holding a ziplist/listpack/intset/zipmap.
func (d *decoder) readBlob(what string) (int64, error) {
	off := d.r.off
	var err error
	d.blob, err = d.r.readString(d.blob, what)
	return off, err
}

func (d *decoder) blobErr(off int64, what string, err error) error {
	return fmt.Errorf("rdb: %s of key %q at offset %d: %w", what, d.key, off, err)
}

func (d *decoder) intset(c *coll) error {
	off, err := d.readBlob("intset")
	if err != nil {
		return err
	}
	it, err := newIntsetIter(d.blob)
	if err != nil {
		return d.blobErr(off, "intset", err)
	}
	for {
		v, ok, err := it.next()
		if err != nil {
			return d.blobErr(off, "intset", err)
		}
		if !ok {
			return nil
		}
		if err := c.setMember(strconv.AppendInt(d.scratch1[:0], v, 10)); err != nil {
			return err
		}
	}
}

// quicklist decodes LIST_ZIPLIST (one ziplist), LIST_QUICKLIST (n ziplists)
// and LIST_QUICKLIST_2 (n nodes, each PLAIN or a PACKED listpack).
func (d *decoder) quicklist(c *coll, typ byte) error {
	nodes := uint64(1)
	var err error
	if typ != typeListZiplist {
		if nodes, err = d.r.readLength("quicklist node count"); err != nil {
			return err
		}
	}
	for i := uint64(0); i < nodes; i++ {
		container := uint64(0)
		if typ == typeListQuicklist2 {
			off := d.r.off
			if container, err = d.r.readLength("quicklist container"); err != nil {
				return err
			}
			if container != 1 && container != 2 {
				return d.corrupt(off, "bad quicklist container %d in list %q", container, d.key)
			}
		}
		off, err := d.readBlob("quicklist node")
		if err != nil {
			return err
		}
		if container == 1 { // PLAIN: the string is one element
			if err := c.listItem(d.blob); err != nil {
				return err
			}
			continue
		}
		if err := d.eachPacked(off, typ == typeListQuicklist2, "list node", c.listItem); err != nil {
			return err
		}
	}
	return nil
}

// eachPacked calls f for every element of the ziplist or listpack in d.blob.
func (d *decoder) eachPacked(off int64, isListpack bool, what string, f func([]byte) error) error {
	if isListpack {
		it, err := newLPIter(d.blob)
		if err != nil {
			return d.blobErr(off, what, err)
		}
		for {
			s, ok, err := it.nextString(d.scratch1)
			if err != nil {
				return d.blobErr(off, what, err)
			}
			if !ok {
				return nil
			}
			if err := f(s); err != nil {
				return err
			}
		}
	}
	it, err := newZLIter(d.blob)
	if err != nil {
		return d.blobErr(off, what, err)
	}
	for {
		s, ok, err := it.nextString(d.scratch1)
		if err != nil {
			return d.blobErr(off, what, err)
		}
		if !ok {
			return nil
		}
		if err := f(s); err != nil {
			return err
		}
	}
}

// pairIter yields pairs (or triplets) from a ziplist or listpack blob.
type pairIter struct {
	lp    lpIter
	zl    zlIter
	zm    zipmapIter
	kind  byte // 'l', 'z' or 'm'
	count int
}

func (p *pairIter) next(s1, s2 []byte) (a, b []byte, ok bool, err error) {
	if p.kind == 'm' {
		return p.zm.next()
	}
	get := func(s []byte) ([]byte, bool, error) {
		if p.kind == 'l' {
			return p.lp.nextString(s)
		}
		return p.zl.nextString(s)
	}
	a, ok, err = get(s1)
	if !ok || err != nil {
		return nil, nil, false, err
	}
	b, ok, err = get(s2)
	if err != nil {
		return nil, nil, false, err
	}
	if !ok {
		return nil, nil, false, fmt.Errorf("odd number of elements: %w", ErrCorrupt)
	}
	return a, b, true, nil
}

// packed decodes the single-blob encodings of sets, sorted sets and hashes.
// Like Redis' integrity checks, it rejects duplicate members/fields.
func (d *decoder) packed(c *coll, typ byte) error {
	var err error
	if typ == typeHashListpackEx {
		// minExpire is a hint only: each field carries its absolute expiry.
		if _, err = d.r.readMillis("hash min expire"); err != nil {
			return err
		}
	}
	what := "listpack"
	switch typ {
	case typeZSetZiplist, typeHashZiplist:
		what = "ziplist"
	case typeHashZipmap:
		what = "zipmap"
	}
	off, err := d.readBlob(what)
	if err != nil {
		return err
	}
	if d.dup == nil {
		d.dup = make(map[string]struct{})
	}
	clear(d.dup)
	seen := func(k []byte) bool {
		if _, ok := d.dup[string(k)]; ok {
			return true
		}
		d.dup[string(k)] = struct{}{}
		return false
	}
	if typ == typeSetListpack {
		return d.eachPacked(off, true, "set listpack", func(m []byte) error {
			if seen(m) {
				return d.corrupt(off, "duplicate member %q in set listpack of key %q", m, d.key)
			}
			return c.setMember(m)
		})
	}
	var p pairIter
	switch what {
	case "listpack":
		p.kind = 'l'
		p.lp, err = newLPIter(d.blob)
	case "ziplist":
		p.kind = 'z'
		p.zl, err = newZLIter(d.blob)
	default:
		p.kind = 'm'
		p.zm, err = newZipmapIter(d.blob)
	}
	if err != nil {
		return d.blobErr(off, what, err)
	}
	triplets := typ == typeHashListpackEx || typ == typeHashLPExPreGA
	for {
		a, b, ok, err := p.next(d.scratch1, d.scratch2)
		if err != nil {
			return d.blobErr(off, what, err)
		}
		if !ok {
			return nil
		}
		if seen(a) {
			return d.corrupt(off, "duplicate element %q in %s of key %q", a, what, d.key)
		}
		switch c.info.Type {
		case TypeZSet:
			score, perr := strconv.ParseFloat(string(b), 64)
			if perr != nil && !isRangeErr(perr) || math.IsNaN(score) {
				return d.corrupt(off, "bad score %q in %s of key %q", b, what, d.key)
			}
			err = c.zsetMember(a, score)
		default:
			var exp int64
			if triplets {
				exp, err = p.lp.nextInt()
				if err != nil {
					return d.blobErr(off, what, err)
				}
				if exp < 0 {
					return d.corrupt(off, "bad field expiry %d in %s of key %q", exp, what, d.key)
				}
			}
			err = c.hashField(a, b, exp)
		}
		if err != nil {
			return err
		}
	}
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}
