package server

import (
	"math/rand"
	"slices"
	"testing"
)

func TestBitfieldOverflow(t *testing.T) {
	// Redis docs: BITFIELD mykey OVERFLOW ... INCRBY u2 102 1 from 3.
	if o, v := checkUnsignedBitfieldOverflow(3, 1, 2, bfWrap); o != 1 || v != 0 {
		t.Errorf("u2 wrap: %d %d", o, v)
	}
	if o, v := checkUnsignedBitfieldOverflow(3, 1, 2, bfSat); o != 1 || v != 3 {
		t.Errorf("u2 sat: %d %d", o, v)
	}
	if o, v := checkSignedBitfieldOverflow(127, 1, 8, bfWrap); o != 1 || v != -128 {
		t.Errorf("i8 wrap: %d %d", o, v)
	}
	if o, v := checkSignedBitfieldOverflow(-128, -1, 8, bfSat); o != -1 || v != -128 {
		t.Errorf("i8 sat: %d %d", o, v)
	}
	if o, _ := checkSignedBitfieldOverflow(-9223372036854775808, -1, 64, bfFail); o != -1 {
		t.Errorf("i64 fail: %d", o)
	}
	buf := make([]byte, 3)
	setUnsignedBitfield(buf, 7, 5, 23)
	if buf[0] != 0b00000001 || buf[1] != 0b01110000 {
		t.Errorf("set u5 at 7: %08b", buf)
	}
	if v := getSignedBitfield(buf, 7, 5); v != -9 {
		t.Errorf("get i5 at 7: %d", v)
	}
}

func TestBitposHelpers(t *testing.T) {
	if p := bitpos([]byte{0xff, 0xf0}, 0); p != 12 {
		t.Errorf("bitpos 0: %d", p)
	}
	if p := bitpos([]byte{0, 0}, 1); p != -1 {
		t.Errorf("bitpos 1: %d", p)
	}
	if p := bitpos([]byte{0xff}, 0); p != 8 {
		t.Errorf("bitpos all ones: %d", p)
	}
	if n := popcount([]byte("foobar")); n != 26 {
		t.Errorf("popcount: %d", n)
	}
}

// TestPqsort: the partial quicksort orders the requested range like a full
// sort when all elements differ.
func TestPqsort(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 200; n += 7 {
		a := r.Perm(n)
		want := slices.Clone(a)
		slices.Sort(want)
		for _, lr := range [][2]int{{0, n - 1}, {0, n / 3}, {n / 2, n - 1}, {n / 4, n / 2}} {
			if n == 0 || lr[1] < lr[0] {
				continue
			}
			b := slices.Clone(a)
			pqsort(b, func(x, y *int) int { return *x - *y }, lr[0], lr[1])
			if !slices.Equal(b[lr[0]:lr[1]+1], want[lr[0]:lr[1]+1]) {
				t.Fatalf("n=%d range %v: %v", n, lr, b)
			}
		}
	}
}
