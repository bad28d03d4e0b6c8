package replication

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/replication/rdb"
)

// model is a tiny in-memory interpreter of the write commands the loader
// emits: it proves that replaying them rebuilds what the RDB holds.
type model struct {
	t       *testing.T
	dbs     map[int]map[string]*mval
	unknown map[string]int
	// batches counts apply calls; written is the batch that last wrote
	// each db/key, to check the loader's fresh flag.
	batches int
	written map[string]int
	fresh   int
}

type mval struct {
	typ    string
	str    string
	list   []string
	set    map[string]bool
	zset   map[string]float64
	hash   map[string]string
	expire int64
	// streams
	entries [][]string // id, fields...
	lastID  string
	groups  map[string]*mgroup
}

type mgroup struct {
	lastID string
	pel    map[string]string // id -> consumer
	cons   map[string]bool
}

func newModel(t *testing.T) *model {
	return &model{t: t, dbs: map[int]map[string]*mval{}, unknown: map[string]int{}, written: map[string]int{}}
}

func (m *model) get(db int, key, typ string) *mval {
	d := m.dbs[db]
	if d == nil {
		d = map[string]*mval{}
		m.dbs[db] = d
	}
	v := d[key]
	if v == nil {
		v = &mval{typ: typ, set: map[string]bool{}, zset: map[string]float64{}, hash: map[string]string{}, groups: map[string]*mgroup{}}
		d[key] = v
	}
	if typ != "" && v.typ != typ {
		m.t.Fatalf("key %q: %s command on a %s", key, typ, v.typ)
	}
	return v
}

// applyLoad is the loader's apply: a batch flagged fresh must not touch a
// key that an earlier batch wrote (store.Load.UpdateFresh would not see
// that batch's records).
func (m *model) applyLoad(db int, cmds [][][]byte, fresh bool) error {
	m.batches++
	if fresh {
		m.fresh++
	}
	for _, c := range cmds {
		if len(c) < 2 || strings.EqualFold(string(c[0]), "FUNCTION") {
			continue
		}
		key := c[1]
		if strings.EqualFold(string(c[0]), "XGROUP") {
			key = c[2]
		}
		k := strconv.Itoa(db) + "/" + string(key)
		if b, ok := m.written[k]; ok && b != m.batches && fresh {
			m.t.Fatalf("batch %d is fresh but %s %q was written by batch %d", m.batches, c[0], k, b)
		}
		m.written[k] = m.batches
	}
	return m.apply(db, cmds)
}

func (m *model) apply(db int, cmds [][][]byte) error {
	for _, c := range cmds {
		a := make([]string, len(c))
		for i, x := range c {
			a[i] = string(x)
		}
		switch strings.ToUpper(a[0]) {
		case "SET":
			m.get(db, a[1], "string").str = a[2]
		case "PEXPIREAT":
			v := m.get(db, a[1], "")
			v.expire, _ = strconv.ParseInt(a[2], 10, 64)
		case "RPUSH":
			v := m.get(db, a[1], "list")
			v.list = append(v.list, a[2:]...)
		case "SADD":
			v := m.get(db, a[1], "set")
			for _, x := range a[2:] {
				v.set[x] = true
			}
		case "ZADD":
			v := m.get(db, a[1], "zset")
			for i := 2; i+1 < len(a); i += 2 {
				f, err := strconv.ParseFloat(a[i], 64)
				if err != nil {
					m.t.Fatalf("ZADD score %q: %v", a[i], err)
				}
				v.zset[a[i+1]] = f
			}
		case "HSET":
			v := m.get(db, a[1], "hash")
			for i := 2; i+1 < len(a); i += 2 {
				v.hash[a[i]] = a[i+1]
			}
		case "XADD":
			v := m.get(db, a[1], "stream")
			if a[2] == "MAXLEN" {
				continue
			}
			v.entries = append(v.entries, a[2:])
			v.lastID = a[2]
		case "XSETID":
			m.get(db, a[1], "stream").lastID = a[2]
		case "XGROUP":
			v := m.get(db, a[2], "stream")
			switch a[1] {
			case "CREATE":
				v.groups[a[3]] = &mgroup{lastID: a[4], pel: map[string]string{}, cons: map[string]bool{}}
			case "CREATECONSUMER":
				v.groups[a[3]].cons[a[4]] = true
			}
		case "XCLAIM":
			v := m.get(db, a[1], "stream")
			v.groups[a[2]].pel[a[5]] = a[3]
		default:
			m.unknown[a[0]]++
		}
	}
	return nil
}

func jbytes(t *testing.T, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		b, err := base64.StdEncoding.DecodeString(x["base64"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatalf("not bytes: %#v", v)
	return ""
}

func TestLoaderFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("/work/shared/fixtures/rdb/*/expected.json")
	if len(dirs) == 0 {
		t.Skip("no RDB fixtures")
	}
	for _, ej := range dirs {
		dir := filepath.Dir(ej)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "psync.rdb"))
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			m := newModel(t)
			l := newLoader(m.applyLoad, func(int, string, ...any) {})
			if err := rdb.Decode(bufio.NewReader(f), l); err != nil {
				t.Fatal(err)
			}
			if err := l.flush(); err != nil {
				t.Fatal(err)
			}
			var exp struct {
				Databases []struct {
					DB      int `json:"db"`
					Entries []struct {
						Key    any    `json:"key"`
						Type   string `json:"type"`
						Expire *int64 `json:"expire_ms"`
						Value  any    `json:"value"`
					} `json:"entries"`
				} `json:"databases"`
			}
			data, _ := os.ReadFile(ej)
			if err := json.Unmarshal(data, &exp); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, db := range exp.Databases {
				if len(m.dbs[db.DB]) != len(db.Entries) {
					t.Errorf("db %d: %d keys, want %d", db.DB, len(m.dbs[db.DB]), len(db.Entries))
				}
				for _, e := range db.Entries {
					key := jbytes(t, e.Key)
					v := m.dbs[db.DB][key]
					if v == nil {
						t.Errorf("db %d: key %q missing", db.DB, key)
						continue
					}
					n++
					if v.typ != e.Type {
						t.Errorf("%q: type %s, want %s", key, v.typ, e.Type)
						continue
					}
					want := int64(0)
					if e.Expire != nil {
						want = *e.Expire
					}
					if v.expire != want {
						t.Errorf("%q: expire %d, want %d", key, v.expire, want)
					}
					switch e.Type {
					case "string":
						if v.str != jbytes(t, e.Value) {
							t.Errorf("%q: value differs", key)
						}
					case "list":
						var w []string
						for _, x := range e.Value.([]any) {
							w = append(w, jbytes(t, x))
						}
						if strings.Join(w, "\x01") != strings.Join(v.list, "\x01") || len(w) != len(v.list) {
							t.Errorf("%q: list differs (%d vs %d elements)", key, len(v.list), len(w))
						}
					case "set":
						var w, g []string
						for _, x := range e.Value.([]any) {
							w = append(w, jbytes(t, x))
						}
						for x := range v.set {
							g = append(g, x)
						}
						sort.Strings(w)
						sort.Strings(g)
						if strings.Join(w, "\x01") != strings.Join(g, "\x01") || len(w) != len(g) {
							t.Errorf("%q: set differs", key)
						}
					case "zset":
						ws := e.Value.([]any)
						if len(ws) != len(v.zset) {
							t.Errorf("%q: %d members, want %d", key, len(v.zset), len(ws))
						}
						for _, x := range ws {
							p := x.([]any)
							mem := jbytes(t, p[0])
							f, _ := strconv.ParseFloat(p[1].(string), 64)
							if got, ok := v.zset[mem]; !ok || got != f {
								t.Errorf("%q: member %q score %v, want %v", key, mem, got, f)
							}
						}
					case "hash":
						wh := e.Value.(map[string]any)
						if len(wh) != len(v.hash) {
							t.Errorf("%q: %d fields, want %d", key, len(v.hash), len(wh))
						}
						for f, x := range wh {
							if v.hash[f] != jbytes(t, x) {
								t.Errorf("%q: field %q differs", key, f)
							}
						}
					case "stream":
						sv := e.Value.(map[string]any)
						ents := sv["entries"].([]any)
						if len(ents) != len(v.entries) {
							t.Errorf("%q: %d entries, want %d", key, len(v.entries), len(ents))
						} else {
							for i, x := range ents {
								p := x.([]any)
								g := v.entries[i]
								if g[0] != p[0].(string) {
									t.Errorf("%q: entry %d id %s, want %s", key, i, g[0], p[0])
								}
								fs := p[1].([]any)
								for j, fv := range fs {
									if j+1 >= len(g) || g[j+1] != jbytes(t, fv) {
										t.Errorf("%q: entry %s field %d differs", key, g[0], j)
										break
									}
								}
							}
						}
						if v.lastID != sv["last_id"].(string) {
							t.Errorf("%q: last id %s, want %s", key, v.lastID, sv["last_id"])
						}
						gs, _ := sv["groups"].([]any)
						if len(gs) != len(v.groups) {
							t.Errorf("%q: %d groups, want %d", key, len(v.groups), len(gs))
						}
						for _, x := range gs {
							gm := x.(map[string]any)
							g := v.groups[jbytes(t, gm["name"])]
							if g == nil {
								t.Errorf("%q: group %v missing", key, gm["name"])
								continue
							}
							if g.lastID != gm["last_delivered_id"].(string) {
								t.Errorf("%q: group last id %s, want %s", key, g.lastID, gm["last_delivered_id"])
							}
							pel := gm["pel"].([]any)
							if len(pel) != len(g.pel) {
								t.Errorf("%q: group PEL %d, want %d", key, len(g.pel), len(pel))
							}
							for _, pe := range pel {
								pp := pe.([]any)
								if g.pel[pp[0].(string)] != jbytes(t, pp[1]) {
									t.Errorf("%q: PEL %s owner %q, want %q", key, pp[0], g.pel[pp[0].(string)], pp[1])
								}
							}
						}
					}
				}
			}
			if len(m.unknown) != 0 && !(len(m.unknown) == 1 && m.unknown["FUNCTION"] > 0) {
				t.Errorf("unexpected commands: %v", m.unknown)
			}
			if l.streamDB != 0 {
				t.Errorf("repl-stream-db %d", l.streamDB)
			}
			t.Logf("%d keys checked, %d RDB keys", n, l.keys)
		})
	}
}

// TestLoaderFreshBatches drives the loader with small keys, a collection
// too big for one batch and a duplicate key: batches are cut between keys,
// and only those that cannot see an earlier batch's key are fresh.
func TestLoaderFreshBatches(t *testing.T) {
	m := newModel(t)
	l := newLoader(m.applyLoad, func(int, string, ...any) {})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.ResizeDB(3000, 0))
	for i := 0; i < 3000; i++ {
		k := []byte("k" + strconv.Itoa(i))
		must(l.String(k, rdb.KeyInfo{Expire: int64(i % 2)}, []byte("v")))
	}
	before := m.batches
	if before < 3 || m.fresh != m.batches {
		t.Fatalf("after 3000 small keys: %d batches, %d fresh; want >= 3, all fresh", m.batches, m.fresh)
	}
	// 40k fields of 1 KB: more than one batch even inside the key.
	big := make([]byte, 1024)
	must(l.StartHash([]byte("big"), rdb.KeyInfo{}))
	for i := 0; i < 40000; i++ {
		must(l.HashField([]byte("f"+strconv.Itoa(i)), big, 0))
	}
	must(l.EndHash([]byte("big")))
	must(l.String([]byte("after"), rdb.KeyInfo{}, []byte("v")))
	// A duplicate of k1 (an RDB no Redis writes, but not one to corrupt us).
	must(l.String([]byte("k1"), rdb.KeyInfo{}, []byte("again")))
	must(l.flush())
	if m.batches-before < 2 {
		t.Fatalf("the big hash took %d batches", m.batches-before)
	}
	if m.fresh == m.batches {
		t.Fatal("every batch fresh: the continuation of the big hash must not be")
	}
	if got := len(m.dbs[0]["big"].hash); got != 40000 {
		t.Fatalf("big hash has %d fields", got)
	}
	if got := m.dbs[0]["k1"].str; got != "again" {
		t.Fatalf("k1 = %q", got)
	}
}
