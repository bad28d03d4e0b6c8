package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var fixtureDirs = []string{
	"redis-6.2.16", "redis-7.0.15", "redis-7.0.15-rdbcompression-no", "redis-7.2.6",
	"redis-7.4.1", "redis-8.0-m01", "valkey-8.0.1",
}

const testdataDir = "../../testdata/rdb"

func decodeModel(t *testing.T, data []byte) *model {
	t.Helper()
	m := newModel()
	require.NoError(t, Decode(bytes.NewReader(data), m))
	return m
}

func requireMatches(t *testing.T, m *model, e *expectedFile) {
	t.Helper()
	diffs := m.compare(e)
	if len(diffs) > 20 {
		diffs = append(diffs[:20], "...")
	}
	require.Empty(t, diffs)
}

func TestFixtures(t *testing.T) {
	for _, dir := range fixtureDirs {
		for _, file := range []string{"dump.rdb", "psync.rdb"} {
			t.Run(dir+"/"+file, func(t *testing.T) {
				e, err := loadExpected(filepath.Join(testdataDir, dir, "expected.json"))
				require.NoError(t, err)
				data, err := os.ReadFile(filepath.Join(testdataDir, dir, file))
				require.NoError(t, err)
				m := decodeModel(t, data)
				requireMatches(t, m, e)
				if e.RDBVersion >= 7 {
					for db, dm := range m.dbs {
						exp := 0
						for _, k := range dm.keys {
							if k.info.Expire != 0 {
								exp++
							}
						}
						require.Equal(t, uint64(len(dm.keys)), dm.resizeSize, "db %d RESIZEDB size", db)
						require.Equal(t, uint64(exp), dm.resizeExp, "db %d RESIZEDB expires", db)
					}
				}
				if strings.HasPrefix(dir, "valkey") {
					require.Contains(t, m.aux, "valkey-ver")
				} else {
					require.Contains(t, m.aux, "redis-ver")
				}
				if file == "psync.rdb" {
					require.Len(t, m.aux["repl-id"], 40)
					require.Contains(t, m.aux, "repl-offset")
				}
			})
		}
	}
}

// TestPsyncStream extracts the RDB from a captured diskless full sync
// (+FULLRESYNC, $EOF:<mark>, RDB, mark) and checks Decode stops exactly at
// the end of the RDB when given a *bufio.Reader.
func TestPsyncStream(t *testing.T) {
	for _, dir := range fixtureDirs {
		t.Run(dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testdataDir, dir, "psync-stream.bin"))
			require.NoError(t, err)
			br := bufio.NewReader(bytes.NewReader(data))
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(line, "+FULLRESYNC "), line)
			line, err = br.ReadString('\n')
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(line, "$EOF:") && len(line) == 5+40+2, line)
			mark := line[5:45]
			m := newModel()
			require.NoError(t, Decode(br, m))
			rest, err := io.ReadAll(br)
			require.NoError(t, err)
			require.Equal(t, mark, string(rest))
			e, err := loadExpected(filepath.Join(testdataDir, dir, "expected.json"))
			require.NoError(t, err)
			requireMatches(t, m, e)
		})
	}
}

// sharedAssets is Redis' own test assets, read in place.
const sharedAssets = "../../../shared/fixtures/rdb/assets"

func TestRedisAssets(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedAssets, "*"))
	if len(files) == 0 {
		t.Skipf("shared fixtures not found at %s", sharedAssets)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".json") || strings.HasSuffix(f, ".txt") || strings.HasSuffix(f, ".md") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			if _, err := os.Stat(f + ".load-error.txt"); err == nil {
				err := Decode(bytes.NewReader(data), newModel())
				require.ErrorIs(t, err, ErrCorrupt)
				t.Logf("refused as expected: %v", err)
				return
			}
			e, err := loadExpected(f + ".expected.json")
			require.NoError(t, err)
			br := bufio.NewReader(bytes.NewReader(data))
			m := newModel()
			require.NoError(t, Decode(br, m))
			requireMatches(t, m, e)
			if strings.HasSuffix(f, ".aof") { // the AOF tail is left unread
				rest, _ := io.ReadAll(br)
				require.Contains(t, string(rest), "k3")
			}
		})
	}
	require.Equal(t, 10, n)
}

func TestCRC64(t *testing.T) {
	require.Equal(t, uint64(0xe9c6d914c4b8d9ca), CRC64(0, []byte("123456789")))
	require.Equal(t, CRC64(0, []byte("123456789")), CRC64(CRC64(0, []byte("1234")), []byte("56789")))
}

func TestLZFRoundTrip(t *testing.T) {
	inputs := [][]byte{
		nil, []byte("a"), []byte("abcabcabcabcabcabcabcabc"),
		bytes.Repeat([]byte("x"), 100000),
		[]byte(strings.Repeat("hello world, ", 1000)),
	}
	rnd := make([]byte, 50000)
	x := uint32(1)
	for i := range rnd {
		x = x*1103515245 + 12345
		rnd[i] = byte(x >> 16)
	}
	inputs = append(inputs, rnd)
	for _, in := range inputs {
		c := LZFCompress(nil, in)
		require.LessOrEqual(t, len(c), len(in)+len(in)/32+1)
		out, err := LZFDecompress(c, len(in))
		require.NoError(t, err)
		require.Equal(t, len(in), len(out))
		require.True(t, bytes.Equal(in, out))
	}
	c := LZFCompress(nil, bytes.Repeat([]byte("x"), 100000))
	require.Less(t, len(c), 2000)
	_, err := LZFDecompress(c, 99999)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = LZFDecompress([]byte{0x20, 0x00}, 3) // back-reference before start
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = LZFDecompress([]byte{1, 'a'}, 2) // literal past end
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = LZFDecompress([]byte{0}, 1<<30) // impossible ratio: refused before allocating
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrCorrupt},
		{"bad magic", "REDIX0009\xff", ErrCorrupt},
		{"bad digits", "REDIS00x9\xff", ErrCorrupt},
		{"version 0", "REDIS0000\xff", ErrCorrupt},
		{"too new", "REDIS0013\xff", ErrUnsupported},
		{"valkey 81", "VALKEY081\xff", ErrUnsupported},
		{"no trailer", "REDIS0009\xff", ErrCorrupt},
		{"bad crc", "REDIS0009\xff\x01\x00\x00\x00\x00\x00\x00\x00", ErrChecksum},
		{"unknown type", "REDIS0009\x08\x01k\x01v\xff", ErrUnsupported},
		{"bad length", "REDIS0009\x00\xbfk", ErrCorrupt},
		{"pre-GA functions", "REDIS0010\xf6", ErrUnsupported},
		{"pre-GA module", "REDIS0009\x06\x01k\x05", ErrUnsupported},
		{"module aux bad when", "REDIS0009\xf7\x05\x01\x01", ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode(strings.NewReader(tt.in), NopHandler{})
			require.ErrorIs(t, err, tt.want)
			require.True(t, strings.HasPrefix(err.Error(), "rdb: "), err.Error())
			require.Contains(t, err.Error(), "offset")
		})
	}
}

func TestOldVersionsNoChecksum(t *testing.T) {
	// v4: no checksum after EOF; EXPIRETIME in seconds; a plain string.
	in := "REDIS0004\xfe\x00\xfd\x10\x00\x00\x00\x00\x01k\x01v\xff"
	m := newModel()
	require.NoError(t, Decode(strings.NewReader(in), m))
	require.Equal(t, int64(16000), m.dbs[0].keys["k"].info.Expire)
	require.Equal(t, "v", string(m.dbs[0].keys["k"].str))
}

// withCRC appends the EOF opcode and a valid CRC64 trailer to an RDB body.
func withCRC(body string) []byte {
	b := append([]byte(body), 0xff)
	return binaryAppendCRC(b)
}

func binaryAppendCRC(b []byte) []byte {
	c := CRC64(0, b)
	for i := 0; i < 8; i++ {
		b = append(b, byte(c>>(8*i)))
	}
	return b
}

func TestModulesAndOpcodes(t *testing.T) {
	// MODULE_AUX (when=2) with every module opcode, a module key, SLOT_INFO.
	mod := "\x81\x00\x00\x00\x00\x00\x00\x04\x01" // 64-bit module id
	body := "REDIS0012" +
		"\xf7" + mod + "\x02\x02" + "\x01\x05" + "\x02\x07" + "\x03abcd" + "\x04abcdefgh" + "\x05\x03xyz" + "\x00" +
		"\xfe\x00\xfb\x01\x00\xf4\x05\x01\x00" +
		"\x07\x01k" + mod + "\x05\xc3\x04\x03\x02aaa\x00"
	var got []string
	rh := &recHandler{fn: func(s string) { got = append(got, s) }}
	require.NoError(t, Decode(bytes.NewReader(withCRC(body)), rh))
	require.Equal(t, []string{"moduleaux AAAAAAAAB/1 when 2", "slot 5 1 0", "module k AAAAAAAAB/1"}, got)
}

type recHandler struct {
	NopHandler
	fn func(string)
}

func (r *recHandler) ModuleAux(m ModuleType, when int) error {
	r.fn("moduleaux " + m.Name + "/" + itoa(m.EncVer) + " when " + itoa(when))
	return nil
}
func (r *recHandler) SlotInfo(a, b, c uint64) error {
	r.fn("slot " + itoa(int(a)) + " " + itoa(int(b)) + " " + itoa(int(c)))
	return nil
}
func (r *recHandler) Module(key []byte, info KeyInfo, m ModuleType) error {
	r.fn("module " + string(key) + " " + m.Name + "/" + itoa(m.EncVer))
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestHandlerErrorStops(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdataDir, "redis-7.4.1", "dump.rdb"))
	require.NoError(t, err)
	stop := errors.New("stop here")
	err = Decode(bytes.NewReader(data), &stopHandler{err: stop})
	require.ErrorIs(t, err, stop)
	require.NotErrorIs(t, err, ErrCorrupt)
}

type stopHandler struct {
	NopHandler
	err error
	n   int
}

func (s *stopHandler) HashField(f, v []byte, exp int64) error {
	s.n++
	if s.n == 10 {
		return s.err
	}
	return nil
}
