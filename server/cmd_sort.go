package server

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/store"
)

// SORT and SORT_RO (sort.c) over lists, sets and sorted sets, which reach
// their stores only through sortStore (txSortStore, geo_sort_store.go).

// sortStore is what SORT reads and writes besides strings.
type sortStore interface {
	// Elements returns the type of key (TypeNone if absent) and, for a
	// list, set or sorted set, its elements in native order: a list from
	// head to tail, a sorted set by rank, a set in its iteration order
	// (Redis: ascending for an intset). Other types need no elements.
	Elements(key []byte) (store.Type, [][]byte, error)
	// String returns the value of key if it holds a string.
	String(key []byte) ([]byte, bool, error)
	// HashField returns field of key if key holds a hash with it.
	HashField(key, field []byte) ([]byte, bool, error)
	// StoreList replaces key with a list of elems (as setKey: the old
	// value and TTL are dropped), or deletes key when elems is empty; it
	// reports whether a key was deleted.
	StoreList(key []byte, elems [][]byte) (deleted bool, err error)
}

// newSortStore binds the stores to a client's transaction (a test may
// swap in a fake).
var newSortStore func(c *Client) sortStore

func (s *Server) registerSort() {
	t, rc := s.cmds, s.rcmds
	t.add(rc, "sort", func(c *Client) { sortGeneric(c, false) })
	// SORT_RO is a read command in Redis, but it turns a listpack sorted
	// set into a skiplist (OBJECT ENCODING shows it), so it runs on the
	// writer.
	t.add(rc, "sort_ro", func(c *Client) { sortGeneric(c, true) }).onWriter = true
}

// txSortString is the String method of a sortStore over c's transaction.
func txSortString(c *Client, key []byte) ([]byte, bool, error) {
	m, found, err := c.tx.Lookup(c.db, key)
	if err != nil || !found || m.Type != store.TypeString {
		return nil, false, err
	}
	return m.Value, true, nil
}

// cstr is a Redis sds seen through a C string function: up to the first NUL.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortLookupPattern is lookupKeyByPattern: "#" is the element itself;
// "pre*post" the string at pre<elem>post; "pre*post->field" a hash field.
func sortLookupPattern(st sortStore, pattern, subst []byte) ([]byte, bool, error) {
	spat := cstr(pattern)
	if len(spat) == 1 && spat[0] == '#' {
		return subst, true, nil
	}
	p := bytes.IndexByte(spat, '*')
	if p < 0 {
		return nil, false, nil
	}
	var field []byte
	fieldlen := 0
	if f := bytes.Index(spat[p+1:], []byte("->")); f >= 0 && p+1+f+2 < len(spat) {
		f += p + 1
		// The field is the rest of the whole pattern (sds length).
		fieldlen = len(pattern) - f - 2
		field = pattern[f+2:]
	}
	postfixlen := len(pattern) - (p + 1)
	if fieldlen > 0 {
		postfixlen -= fieldlen + 2
	}
	key := make([]byte, 0, p+len(subst)+postfixlen)
	key = append(key, pattern[:p]...)
	key = append(key, subst...)
	key = append(key, pattern[p+1:p+1+postfixlen]...)
	if field != nil {
		return st.HashField(key, field)
	}
	return st.String(key)
}

type sortObject struct {
	obj    []byte
	score  float64
	cmpobj []byte
	hasCmp bool
}

// sortScore parses a BY value as SORT's strtod: leading space allowed, the
// rest up to a NUL must be consumed; false on a conversion error.
func sortScore(v []byte) (float64, bool) {
	s := cstr(v)
	t := strings.TrimLeft(string(s), " \t\n\v\f\r")
	if t == "" {
		// strtod consumed nothing: eptr points at the (empty) rest.
		return 0, len(s) == 0 || len(t) == len(s)
	}
	f, ok := parseDouble([]byte(t))
	if ok && f != 0 && math.Abs(f) < 0x1p-1022 {
		return f, false // strtod sets ERANGE for a subnormal result
	}
	return f, ok
}

func sortGeneric(c *Client, readonly bool) {
	desc, alpha, dontsort := false, false, false
	var limitStart, limitCount int64 = 0, -1
	var sortby, storekey []byte
	var gets [][]byte
	for j := 2; j < len(c.args); j++ {
		left := len(c.args) - j - 1
		switch opt := strings.ToLower(string(c.args[j])); {
		case opt == "asc":
			desc = false
		case opt == "desc":
			desc = true
		case opt == "alpha":
			alpha = true
		case opt == "limit" && left >= 2:
			var ok bool
			if limitStart, ok = c.argInt(j + 1); !ok {
				return
			}
			if limitCount, ok = c.argInt(j + 2); !ok {
				return
			}
			j += 2
		case !readonly && opt == "store" && left >= 1:
			storekey = c.args[j+1]
			j++
		case opt == "by" && left >= 1:
			sortby = c.args[j+1]
			if bytes.IndexByte(cstr(sortby), '*') < 0 {
				dontsort = true
			}
			j++
		case opt == "get" && left >= 1:
			gets = append(gets, c.args[j+1])
			j++
		default:
			c.errReply(errSyntax)
			return
		}
	}
	st := newSortStore(c)
	typ, elems, err := st.Elements(c.args[1])
	if err != nil {
		c.fail(err)
		return
	}
	switch typ {
	case store.TypeNone, store.TypeList, store.TypeSet, store.TypeZSet:
	default:
		c.errReply(errWrongType)
		return
	}
	if typ == store.TypeNone {
		typ, elems = store.TypeList, nil
	}
	if dontsort && typ == store.TypeSet && storekey != nil {
		// A set's order must not depend on the server: sort it.
		dontsort, alpha, sortby = false, true, nil
	}
	vectorlen := int64(len(elems))
	start := max(limitStart, 0)
	end := vectorlen - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= vectorlen {
		start = vectorlen - 1
		end = vectorlen - 2
	}
	if end >= vectorlen {
		end = vectorlen - 1
	}
	var vector []sortObject
	if dontsort && (typ == store.TypeList || typ == store.TypeZSet) {
		// Native order, DESC from the other end, LIMIT applied directly.
		if end >= start {
			for i := start; i <= end; i++ {
				k := i
				if desc {
					k = vectorlen - 1 - i
				}
				vector = append(vector, sortObject{obj: elems[k]})
			}
			end -= start
			start = 0
		}
	} else {
		vector = make([]sortObject, len(elems))
		for i, e := range elems {
			vector[i].obj = e
		}
	}
	convErr := false
	if !dontsort {
		for j := range vector {
			byval := vector[j].obj
			if sortby != nil {
				v, ok, err := sortLookupPattern(st, sortby, vector[j].obj)
				if err != nil {
					c.fail(err)
					return
				}
				if !ok {
					continue
				}
				byval = v
			}
			if alpha {
				if sortby != nil {
					vector[j].cmpobj, vector[j].hasCmp = byval, true
				}
			} else {
				var ok bool
				if vector[j].score, ok = sortScore(byval); !ok {
					convErr = true
				}
			}
		}
		byPattern, storing := sortby != nil, storekey != nil
		cmpObj := func(a, b *sortObject) int {
			var cmp int
			switch {
			case !alpha:
				switch {
				case a.score > b.score:
					cmp = 1
				case a.score < b.score:
					cmp = -1
				default:
					cmp = bytes.Compare(a.obj, b.obj)
				}
			case byPattern:
				switch {
				case !a.hasCmp || !b.hasCmp:
					switch {
					case a.hasCmp == b.hasCmp:
						cmp = 0
					case !a.hasCmp:
						cmp = -1
					default:
						cmp = 1
					}
				case storing:
					cmp = bytes.Compare(a.cmpobj, b.cmpobj)
				default:
					cmp = bytes.Compare(cstr(a.cmpobj), cstr(b.cmpobj)) // strcoll, C locale
				}
			case storing:
				cmp = bytes.Compare(a.obj, b.obj)
			default:
				cmp = bytes.Compare(cstr(a.obj), cstr(b.obj))
			}
			if desc {
				return -cmp
			}
			return cmp
		}
		if sortby != nil && (start != 0 || end != vectorlen-1) {
			pqsort(vector, cmpObj, int(start), int(end))
		} else {
			// glibc's qsort is a merge sort: stable.
			slices.SortStableFunc(vector, func(a, b sortObject) int { return cmpObj(&a, &b) })
		}
	}
	n := end - start + 1
	outputlen := n
	if len(gets) > 0 {
		outputlen = int64(len(gets)) * n
	}
	if convErr {
		c.errReply("ERR One or more scores can't be converted into double")
		return
	}
	if storekey == nil {
		mark := len(c.out)
		c.arrayLen(int(outputlen))
		for j := start; j <= end; j++ {
			if len(gets) == 0 {
				c.bulk(vector[j].obj)
			}
			for _, g := range gets {
				v, ok, err := sortLookupPattern(st, g, vector[j].obj)
				if err != nil {
					c.out = c.out[:mark]
					c.fail(err)
					return
				}
				c.bulkOrNull(v, ok)
			}
		}
		return
	}
	var out [][]byte
	for j := start; j <= end; j++ {
		if len(gets) == 0 {
			out = append(out, slices.Clone(vector[j].obj))
			continue
		}
		for _, g := range gets {
			v, ok, err := sortLookupPattern(st, g, vector[j].obj)
			if err != nil {
				c.fail(err)
				return
			}
			if !ok {
				v = []byte{}
			}
			out = append(out, slices.Clone(v))
		}
	}
	deleted, err := st.StoreList(storekey, out)
	if err != nil {
		c.fail(err)
		return
	}
	if outputlen > 0 {
		c.notify(pubsub.NotifyList, "sortstore", storekey)
	} else if deleted {
		c.notify(pubsub.NotifyGeneric, "del", storekey)
	}
	c.integer(outputlen)
}

// pqsort is Redis's pqsort.c (Bentley & McIlroy's quicksort that only
// recurses into parts overlapping [lrange, rrange]): SORT ... BY ... LIMIT
// uses it, and it orders equal elements its own way, which SORT shows.
func pqsort[T any](a []T, cmp func(x, y *T) int, lrange, rrange int) {
	pqsortRange(a, 0, len(a), cmp, lrange, rrange)
}

func pqsortRange[T any](a []T, lo, n int, cmp func(x, y *T) int, L, R int) {
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(x, y, z int) int {
		if cmp(&a[x], &a[y]) < 0 {
			if cmp(&a[y], &a[z]) < 0 {
				return y
			}
			if cmp(&a[x], &a[z]) < 0 {
				return z
			}
			return x
		}
		if cmp(&a[y], &a[z]) > 0 {
			return y
		}
		if cmp(&a[x], &a[z]) < 0 {
			return x
		}
		return z
	}
	for {
		if n < 7 {
			for pm := lo + 1; pm < lo+n; pm++ {
				for pl := pm; pl > lo && cmp(&a[pl-1], &a[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := lo + n/2
		if n > 7 {
			pl, pn := lo, lo+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(lo, pm)
		pa, pb := lo+1, lo+1
		pc, pd := lo+n-1, lo+n-1
		for {
			for pb <= pc {
				r := cmp(&a[pb], &a[lo])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&a[pc], &a[lo])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := lo + n
		r := min(pa-lo, pb-pa)
		vecswap(lo, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 {
			if !(R < lo || L > lo+r-1) {
				pqsortRange(a, lo, r, cmp, L, R)
			}
		}
		if r = pd - pc; r > 1 {
			lo, n = pn-r, r
			if !(R < lo || L > lo+r-1) {
				continue
			}
		}
		return
	}
}
