package rdb

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// dumpPayload builds a DUMP payload as createDumpPayload in cluster.c.
func dumpPayload(typ byte, value []byte, ver int) []byte {
	p := append([]byte{typ}, value...)
	p = binary.LittleEndian.AppendUint16(p, uint16(ver))
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

// TestDumpPayloads cuts every key of each fixture into a DUMP payload and
// checks DecodeValue reports exactly what Decode reported for that key.
func TestDumpPayloads(t *testing.T) {
	for _, dir := range fixtureDirs {
		t.Run(dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testdataDir, dir, "dump.rdb"))
			require.NoError(t, err)
			type rec struct {
				typ   byte
				key   []byte
				value []byte
			}
			var recs []rec
			d := newDecoder(bytes.NewReader(data), NopHandler{}, Options{})
			d.onValue = func(typ byte, start, end int64) {
				recs = append(recs, rec{typ: typ, key: bytes.Clone(d.key), value: data[start:end]})
			}
			require.NoError(t, d.header())
			require.NoError(t, d.body())
			require.Greater(t, len(recs), 90)
			for _, r := range recs {
				p := dumpPayload(r.typ, r.value, d.version)
				typ, body, ver, err := VerifyDumpPayload(p)
				require.NoError(t, err)
				require.Equal(t, r.typ, typ)
				require.Equal(t, d.version, ver)
				require.Equal(t, r.value, body)

				m := newModel()
				require.NoError(t, m.SelectDB(0))
				require.NoError(t, DecodeValue(bytes.NewReader(body), ver, typ, r.key, KeyInfo{Expire: 5, Idle: -1, Freq: 3}, m))
				k := m.dbs[0].keys[string(r.key)]
				require.NotNil(t, k, "key %q", r.key)
				require.True(t, k.ended)
				require.Equal(t, int64(5), k.info.Expire)
				require.Equal(t, 3, k.info.Freq)
				require.Equal(t, r.typ, k.info.Encoding)

				// Trailing garbage and a bad CRC are refused.
				err = DecodeValue(bytes.NewReader(append(bytes.Clone(body), 0)), ver, typ, r.key, KeyInfo{}, NopHandler{})
				require.ErrorIs(t, err, ErrCorrupt)
				bad := bytes.Clone(p)
				bad[len(bad)-1] ^= 1
				_, _, _, err = VerifyDumpPayload(bad)
				require.ErrorIs(t, err, ErrChecksum)
			}
		})
	}
}

// TestDumpPayloadMatchesFile compares DecodeValue against the whole-file
// decode key by key, using the model.
func TestDumpPayloadMatchesFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdataDir, "redis-7.4.1", "dump.rdb"))
	require.NoError(t, err)
	e, err := loadExpected(filepath.Join(testdataDir, "redis-7.4.1", "expected.json"))
	require.NoError(t, err)
	full := newModel()
	d := newDecoder(bytes.NewReader(data), full, Options{})
	type rec struct {
		db      int
		key     []byte
		payload []byte
		info    KeyInfo
	}
	var recs []rec
	d.onValue = func(typ byte, start, end int64) {
		var db int
		for n, dm := range full.dbs {
			if dm == full.cur {
				db = n
			}
		}
		k := full.cur.keys[string(d.key)]
		require.NotNil(t, k)
		recs = append(recs, rec{db, bytes.Clone(d.key), dumpPayload(typ, data[start:end], 12), k.info})
	}
	require.NoError(t, d.header())
	require.NoError(t, d.body())
	m := newModel()
	for _, r := range recs {
		typ, body, ver, err := VerifyDumpPayload(r.payload)
		require.NoError(t, err)
		require.NoError(t, m.SelectDB(r.db))
		require.NoError(t, DecodeValue(bytes.NewReader(body), ver, typ, r.key, r.info, m))
	}
	m.functions = full.functions
	requireMatches(t, m, e)
}

func TestVerifyDumpPayloadErrors(t *testing.T) {
	_, _, _, err := VerifyDumpPayload([]byte("short"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, _, _, err = VerifyDumpPayload(dumpPayload(0, []byte("\x01a"), 13))
	require.ErrorIs(t, err, ErrUnsupported)
	typ, body, ver, err := VerifyDumpPayload(dumpPayload(0, []byte("\x01a"), ValkeyVersion))
	require.NoError(t, err)
	require.Equal(t, byte(0), typ)
	require.Equal(t, "\x01a", string(body))
	require.Equal(t, ValkeyVersion, ver)
}

func TestValkeyHash2(t *testing.T) {
	// VALKEY080 file with a HASH_2 (type 22): field, value, 8-byte expiry.
	body := "VALKEY080\xfe\x00\x16\x01h\x02" +
		"\x01a\x011" + "\x10\x27\x00\x00\x00\x00\x00\x00" +
		"\x01b\x012" + "\xff\xff\xff\xff\xff\xff\xff\xff"
	m := newModel()
	require.NoError(t, Decode(bytes.NewReader(withCRC(body)), m))
	k := m.dbs[0].keys["h"]
	require.NotNil(t, k)
	require.Equal(t, map[string]int64{"a": 10000}, k.fieldExp)
	require.Equal(t, "2", string(k.hash["b"]))
	// The same type byte in a REDIS0012 file is the 7.4 RC layout.
	body = "REDIS0012\xfe\x00\x16\x01h\x01" + "\x82" + "\x01a\x011"
	require.Error(t, Decode(bytes.NewReader(withCRC(body)), newModel()))
	body = "REDIS0012\xfe\x00\x16\x01h\x01" + "\x40\x82" + "\x01a\x011"
	m = newModel()
	require.NoError(t, Decode(bytes.NewReader(withCRC(body)), m))
	require.Equal(t, map[string]int64{"a": 130}, m.dbs[0].keys["h"].fieldExp)
}
