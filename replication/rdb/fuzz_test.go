package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// hashHandler folds every callback and its arguments into a hash, so two
// decodes of the same input can be compared cheaply.
type hashHandler struct {
	h interface {
		io.Writer
		Sum64() uint64
	}
	n int
}

func newHashHandler() *hashHandler { return &hashHandler{h: fnv.New64a()} }

func (x *hashHandler) ev(name string, parts ...[]byte) error {
	x.n++
	io.WriteString(x.h, name)
	for _, p := range parts {
		var l [8]byte
		binary.LittleEndian.PutUint64(l[:], uint64(len(p)))
		x.h.Write(l[:])
		x.h.Write(p)
	}
	return nil
}

func num(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

func (x *hashHandler) info(i KeyInfo) []byte {
	return []byte(strconv.FormatInt(i.Expire, 10) + "/" + strconv.FormatInt(i.Idle, 10) + "/" +
		strconv.Itoa(i.Freq) + "/" + i.Type.String() + "/" + strconv.Itoa(int(i.Encoding)))
}

func (x *hashHandler) Aux(k, v []byte) error { return x.ev("aux", k, v) }
func (x *hashHandler) SelectDB(db int) error { return x.ev("select", num(int64(db))) }
func (x *hashHandler) ResizeDB(a, b uint64) error {
	return x.ev("resize", num(int64(a)), num(int64(b)))
}
func (x *hashHandler) SlotInfo(a, b, c uint64) error {
	return x.ev("slot", num(int64(a)), num(int64(b)), num(int64(c)))
}
func (x *hashHandler) Function(code []byte) error { return x.ev("func", code) }
func (x *hashHandler) ModuleAux(m ModuleType, w int) error {
	return x.ev("modaux", num(int64(m.ID)), num(int64(w)))
}
func (x *hashHandler) String(k []byte, i KeyInfo, v []byte) error {
	return x.ev("str", k, x.info(i), v)
}
func (x *hashHandler) StartList(k []byte, i KeyInfo) error { return x.ev("list", k, x.info(i)) }
func (x *hashHandler) ListItem(v []byte) error             { return x.ev("li", v) }
func (x *hashHandler) EndList(k []byte) error              { return x.ev("/list", k) }
func (x *hashHandler) StartSet(k []byte, i KeyInfo) error  { return x.ev("set", k, x.info(i)) }
func (x *hashHandler) SetMember(v []byte) error            { return x.ev("sm", v) }
func (x *hashHandler) EndSet(k []byte) error               { return x.ev("/set", k) }
func (x *hashHandler) StartZSet(k []byte, i KeyInfo) error { return x.ev("zset", k, x.info(i)) }
func (x *hashHandler) ZSetMember(v []byte, s float64) error {
	return x.ev("zm", v, num(int64(math.Float64bits(s))))
}
func (x *hashHandler) EndZSet(k []byte) error              { return x.ev("/zset", k) }
func (x *hashHandler) StartHash(k []byte, i KeyInfo) error { return x.ev("hash", k, x.info(i)) }
func (x *hashHandler) HashField(f, v []byte, e int64) error {
	return x.ev("hf", f, v, num(e))
}
func (x *hashHandler) EndHash(k []byte) error                { return x.ev("/hash", k) }
func (x *hashHandler) StartStream(k []byte, i KeyInfo) error { return x.ev("stream", k, x.info(i)) }
func (x *hashHandler) StreamEntry(id StreamID, f [][]byte) error {
	return x.ev("se", append([][]byte{[]byte(id.String())}, f...)...)
}
func (x *hashHandler) StreamMeta(m StreamMeta) error {
	return x.ev("sm", []byte(m.LastID.String()+m.FirstID.String()+m.MaxDeletedID.String()), num(int64(m.Length)), num(int64(m.EntriesAdded)))
}
func (x *hashHandler) StreamGroup(g StreamGroup) error {
	return x.ev("sg", g.Name, []byte(g.LastID.String()), num(g.EntriesRead))
}
func (x *hashHandler) StreamPendingEntry(p StreamPendingEntry) error {
	return x.ev("sp", []byte(p.ID.String()), num(p.DeliveryTime), num(int64(p.DeliveryCount)))
}
func (x *hashHandler) StreamConsumer(c StreamConsumer) error {
	return x.ev("sc", c.Name, num(c.SeenTime), num(c.ActiveTime))
}
func (x *hashHandler) StreamConsumerPending(id StreamID) error {
	return x.ev("scp", []byte(id.String()))
}
func (x *hashHandler) EndStream(k []byte) error { return x.ev("/stream", k) }
func (x *hashHandler) Module(k []byte, i KeyInfo, m ModuleType) error {
	return x.ev("mod", k, x.info(i), num(int64(m.ID)))
}

// handcrafted small RDBs for the fuzz corpus.
func handcraftedSeeds() [][]byte {
	return [][]byte{
		[]byte("REDIS0004\xfe\x00\xfd\x10\x00\x00\x00\x00\x01k\x01v\xff"),
		withCRC("REDIS0009\xfa\x09redis-ver\x056.2.0\xfe\x00\xfb\x01\x00\x00\x01k\xc0\x07"),
		withCRC("REDIS0009\x01\x01l\x02\x01a\xc1\x10\x27"),
		withCRC("REDIS0009\x03\x01z\x02\x01a\x031.5\x01b\xfe"),
		withCRC("REDIS0010\x05\x01z\x01\x01a\x00\x00\x00\x00\x00\x00\xf0\x3f"),
		withCRC("REDIS0012\xf7\x81\x00\x00\x00\x00\x00\x00\x04\x01\x02\x02\x01\x05\x00\x07\x01k\x81\x00\x00\x00\x00\x00\x00\x04\x01\x05\xc3\x04\x03\x02aaa\x00"),
		withCRC("REDIS0009\x00\x01s\xc3\x04\x14\x01aa\xe0\x0e\x00"),
	}
}

// decodeSplit decodes data fed in two reads split at cut.
func decodeSplit(data []byte, cut int) (uint64, int, error) {
	h := newHashHandler()
	err := Decode(io.MultiReader(bytes.NewReader(data[:cut]), bytes.NewReader(data[cut:])), h)
	return h.h.Sum64(), h.n, err
}

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdataDir, "*", "dump.rdb"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, b := range handcraftedSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		h := newHashHandler()
		err := Decode(bytes.NewReader(data), h)
		runtime.ReadMemStats(&ms)
		// LZF can expand at most ~89x, string buffers grow at most 2x what
		// arrived; anything beyond that plus fixed buffers is a bug.
		if alloc := ms.TotalAlloc - before; alloc > uint64(200*len(data))+16<<20 {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(data), alloc)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error not marked: %v", err)
		}
		cut := len(data) / 2
		if len(data) > 0 {
			cut = int(data[0]) % (len(data) + 1)
		}
		sum, n, err2 := decodeSplit(data, cut)
		if (err == nil) != (err2 == nil) || sum != h.h.Sum64() || n != h.n {
			t.Fatalf("split at %d differs: %v/%d vs %v/%d", cut, err, h.n, err2, n)
		}
	})
}

func FuzzLZF(f *testing.F) {
	f.Add([]byte("hello hello hello hello"), 23)
	f.Add([]byte{0x20, 0x00}, 3)
	f.Add(LZFCompress(nil, bytes.Repeat([]byte("abc"), 300)), 900)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n > 1<<20 || n < -1 {
			n %= 1 << 20
		}
		if out, err := LZFDecompress(data, n); err == nil && len(out) != n {
			t.Fatalf("got %d bytes, want %d", len(out), n)
		}
		for _, cut := range []int{len(data), len(data) / 2} {
			in := data[:cut]
			c := LZFCompress(nil, in)
			out, err := LZFDecompress(c, len(in))
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("round trip of %d bytes: %v", len(in), err)
			}
		}
	})
}

func packedSeeds(f *testing.F, ziplist bool) {
	seeds, _ := filepath.Glob(filepath.Join(testdataDir, "*", "dump.rdb"))
	// Collect real blobs by decoding a few fixtures with a blob-grabbing reader.
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		d := newDecoder(bytes.NewReader(b), NopHandler{}, Options{})
		d.h = &blobGrabber{d: d, f: f, ziplist: ziplist}
		_ = d.header()
		_ = d.body()
	}
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xff})
}

// blobGrabber adds the blob behind each list element to the fuzz corpus.
type blobGrabber struct {
	NopHandler
	d       *decoder
	f       *testing.F
	ziplist bool
	n       int
}

func (g *blobGrabber) ListItem([]byte) error {
	if g.n < 20 && len(g.d.blob) > 10 && (g.d.blob[len(g.d.blob)-1] == 0xff) {
		if _, err := zlValidate(g.d.blob); (err == nil) == g.ziplist {
			g.f.Add(bytes.Clone(g.d.blob))
			g.n++
		}
	}
	return nil
}

func FuzzListpack(f *testing.F) {
	packedSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := lpValidate(data)
		if err != nil {
			return
		}
		it, _ := newLPIter(data)
		var scratch []byte
		for i := 0; ; i++ {
			s, ok, err := it.nextString(scratch)
			if err != nil || (!ok && i != n) {
				t.Fatalf("second walk differs at %d: %v", i, err)
			}
			if !ok {
				break
			}
			if len(s) > len(data) {
				t.Fatal("element longer than blob")
			}
		}
	})
}

func FuzzZiplist(f *testing.F) {
	packedSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := zlValidate(data)
		if err != nil {
			return
		}
		it, _ := newZLIter(data)
		for i := 0; ; i++ {
			_, ok, err := it.nextString(nil)
			if err != nil || (!ok && i != n) {
				t.Fatalf("second walk differs at %d: %v", i, err)
			}
			if !ok {
				break
			}
		}
	})
}

func FuzzIntsetZipmap(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0})
	f.Add([]byte("\x02\x02f1\x02\x00v1\x02f2\x02\x00v2\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if it, err := newIntsetIter(data); err == nil {
			for {
				if _, ok, err := it.next(); !ok || err != nil {
					break
				}
			}
		}
		if it, err := newZipmapIter(data); err == nil {
			for {
				if _, _, ok, err := it.next(); !ok || err != nil {
					break
				}
			}
		}
	})
}

type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.total = ms.TotalAlloc
}
