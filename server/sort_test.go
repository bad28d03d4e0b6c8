package server

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// fakeSortStore is an in-memory sortStore for testing SORT before the
// list, set and sorted-set stores exist.
type fakeSortStore struct {
	types   map[string]store.Type
	elems   map[string][][]byte // lists, sets (ascending ints), zsets by rank
	strs    map[string][]byte
	hashes  map[string]map[string][]byte
	zscores map[string]map[string]float64
}

func newFakeSortStore() *fakeSortStore {
	return &fakeSortStore{types: map[string]store.Type{}, elems: map[string][][]byte{}, strs: map[string][]byte{},
		hashes: map[string]map[string][]byte{}, zscores: map[string]map[string]float64{}}
}

func (f *fakeSortStore) Elements(key []byte) (store.Type, [][]byte, error) {
	return f.types[string(key)], f.elems[string(key)], nil
}

func (f *fakeSortStore) String(key []byte) ([]byte, bool, error) {
	v, ok := f.strs[string(key)]
	return v, ok, nil
}

func (f *fakeSortStore) HashField(key, field []byte) ([]byte, bool, error) {
	v, ok := f.hashes[string(key)][string(field)]
	return v, ok, nil
}

func (f *fakeSortStore) StoreList(key []byte, elems [][]byte) (bool, error) {
	k := string(key)
	_, existed := f.types[k]
	delete(f.types, k)
	delete(f.elems, k)
	delete(f.strs, k)
	delete(f.hashes, k)
	if len(elems) == 0 {
		return existed, nil
	}
	f.types[k] = store.TypeList
	f.elems[k] = elems
	return false, nil
}

func (f *fakeSortStore) apply(t *testing.T, args []string) {
	k := args[1]
	switch args[0] {
	case "RPUSH":
		f.types[k] = store.TypeList
		for _, e := range args[2:] {
			f.elems[k] = append(f.elems[k], []byte(e))
		}
	case "SADD": // integers only: an intset iterates in ascending order
		f.types[k] = store.TypeSet
		var ns []int
		for _, e := range args[2:] {
			n, _ := strconv.Atoi(e)
			ns = append(ns, n)
		}
		slices.Sort(ns)
		for _, n := range ns {
			f.elems[k] = append(f.elems[k], []byte(strconv.Itoa(n)))
		}
	case "ZADD":
		f.types[k] = store.TypeZSet
		sc := map[string]float64{}
		var ms []string
		for i := 2; i < len(args); i += 2 {
			s, _ := strconv.ParseFloat(args[i], 64)
			sc[args[i+1]] = s
			ms = append(ms, args[i+1])
		}
		slices.SortFunc(ms, func(a, b string) int {
			if c := cmpFloat(sc[a], sc[b]); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		for _, m := range ms {
			f.elems[k] = append(f.elems[k], []byte(m))
		}
	case "SET":
		f.types[k] = store.TypeString
		f.strs[k] = []byte(args[2])
	case "HSET":
		f.types[k] = store.TypeHash
		if f.hashes[k] == nil {
			f.hashes[k] = map[string][]byte{}
		}
		for i := 2; i < len(args); i += 2 {
			f.hashes[k][args[i]] = []byte(args[i+1])
		}
	default:
		t.Fatalf("fake: unknown setup %q", args)
	}
}

func (f *fakeSortStore) run(t *testing.T, proto resp.Proto, args ...string) []byte {
	t.Helper()
	c := &Client{s: &Server{}, proto: proto}
	for _, a := range args {
		c.args = append(c.args, []byte(a))
	}
	saved := newSortStore
	newSortStore = func(*Client) sortStore { return f }
	defer func() { newSortStore = saved }()
	switch strings.ToUpper(args[0]) {
	case "SORT":
		sortGeneric(c, false)
	case "SORT_RO":
		sortGeneric(c, true)
	case "LRANGE": // LRANGE key 0 -1
		es := f.elems[args[1]]
		c.arrayLen(len(es))
		for _, e := range es {
			c.bulk(e)
		}
	default:
		t.Fatalf("fake: unknown command %q", args)
	}
	return c.out
}

// TestSortAgainstRedis replays SORT commands recorded from redis-server
// 7.0.15 (testdata/sort_redis_gen.py) and compares replies byte for byte.
func TestSortAgainstRedis(t *testing.T) {
	data, err := os.ReadFile("testdata/sort_redis_7.0.15.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Setup [][]string `json:"setup"`
		Cases []struct {
			Args  []string `json:"args"`
			Proto int      `json:"proto"`
			Reply string   `json:"reply"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	f := newFakeSortStore()
	for _, a := range rec.Setup {
		f.apply(t, a)
	}
	bad := 0
	for i, tc := range rec.Cases {
		if zsetAlphaBy(tc.Args) {
			// Equal BY values leave a sorted set's elements in its dict's
			// iteration order, which Redis randomises per process.
			continue
		}
		want := latin1(tc.Reply)
		got := f.run(t, resp.Proto(tc.Proto), tc.Args...)
		if !bytes.Equal(got, want) {
			bad++
			t.Errorf("case %d %q:\n got  %q\n want %q", i, tc.Args, trunc(got), trunc(want))
			if bad > 10 {
				t.FailNow()
			}
		}
	}
}

func zsetAlphaBy(args []string) bool {
	if args[1] != "z" || !slices.Contains(args, "ALPHA") {
		return false
	}
	for i, a := range args {
		if a == "BY" && strings.Contains(args[i+1], "*") {
			return true
		}
	}
	return false
}
