package rdb

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

// FuzzDumpPayload decodes DUMP payloads (seeded from redis-server 7.0.15's
// in testdata/dump) as RESTORE does: VerifyDumpPayload, then
// DecodeValuePrefix on the whole payload. No panic, allocation bounded by
// the input, errors marked; and the value fed in two reads split anywhere
// decodes to the same events and the same outcome. The CRC is optionally
// fixed so the decoder sees mutated bodies.
func FuzzDumpPayload(f *testing.F) {
	fh, err := os.Open("../../testdata/dump/redis-7.0.15.txt")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		if parts := strings.Fields(sc.Text()); len(parts) == 3 {
			if p, err := hex.DecodeString(parts[2]); err == nil {
				f.Add(p, true, uint16(len(p)/2))
			}
		}
	}
	fh.Close()
	f.Add([]byte{0, 1, 'a'}, true, uint16(1))
	f.Fuzz(func(t *testing.T, p []byte, fixCRC bool, cut uint16) {
		if fixCRC && len(p) >= 10 {
			p = AppendDumpFooter(p[:len(p)-10:len(p)-10], Version10)
		}
		typ, _, ver, err := VerifyDumpPayload(p)
		if err != nil {
			return
		}
		// RESTORE decodes from the start of the value to the payload's end.
		whole := p[1:]
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		h := newHashHandler()
		err = DecodeValuePrefix(bytes.NewReader(whole), ver, typ, []byte("k"), KeyInfo{}, h)
		runtime.ReadMemStats(&ms)
		if alloc := ms.TotalAlloc - before; alloc > uint64(200*len(p))+16<<20 {
			t.Fatalf("decoding a %d-byte payload allocated %d bytes", len(p), alloc)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error not marked: %v", err)
		}
		k := int(cut) % (len(whole) + 1)
		h2 := newHashHandler()
		err2 := DecodeValuePrefix(io.MultiReader(bytes.NewReader(whole[:k]), bytes.NewReader(whole[k:])), ver, typ, []byte("k"), KeyInfo{}, h2)
		if (err == nil) != (err2 == nil) || h.h.Sum64() != h2.h.Sum64() || h.n != h2.n {
			t.Fatalf("split at %d differs: %v/%d vs %v/%d", k, err, h.n, err2, h2.n)
		}
	})
}
