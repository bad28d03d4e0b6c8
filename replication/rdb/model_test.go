package rdb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"unicode/utf8"
)

// model collects everything a decode reports, for comparison with the
// fixtures' expected.json.
type model struct {
	NopHandler
	aux       map[string]string
	functions []string
	dbs       map[int]*dbModel
	cur       *dbModel
	key       *keyModel // collection being decoded
	group     *groupModel
	consumer  *consumerModel
	events    int
}

type dbModel struct {
	keys                  map[string]*keyModel
	resizeSize, resizeExp uint64
}

type keyModel struct {
	info     KeyInfo
	str      []byte
	list     [][]byte
	zset     []zsetMember
	hash     map[string][]byte
	fieldExp map[string]int64
	entries  [][]any // stream entries as [id, [fields...]]
	meta     StreamMeta
	groups   []*groupModel
	ended    bool
}

type zsetMember struct {
	member string
	score  float64
}

type groupModel struct {
	g         StreamGroup
	pel       []StreamPendingEntry
	consumers []*consumerModel
}

type consumerModel struct {
	c   StreamConsumer
	pel []StreamID
}

func newModel() *model {
	return &model{aux: map[string]string{}, dbs: map[int]*dbModel{}}
}

func (m *model) Aux(k, v []byte) error { m.aux[string(k)] = string(v); return nil }

func (m *model) SelectDB(db int) error {
	if m.dbs[db] == nil {
		m.dbs[db] = &dbModel{keys: map[string]*keyModel{}}
	}
	m.cur = m.dbs[db]
	return nil
}

func (m *model) ResizeDB(size, exp uint64) error {
	if m.cur == nil {
		return fmt.Errorf("RESIZEDB before SELECTDB")
	}
	m.cur.resizeSize, m.cur.resizeExp = size, exp
	return nil
}

func (m *model) Function(code []byte) error {
	m.functions = append(m.functions, string(code))
	return nil
}

func (m *model) newKey(key []byte, info KeyInfo) (*keyModel, error) {
	m.events++
	if m.cur == nil { // files without SELECTDB load into db 0
		_ = m.SelectDB(0)
	}
	if m.key != nil && !m.key.ended {
		return nil, fmt.Errorf("key %q started inside another key", key)
	}
	if _, dup := m.cur.keys[string(key)]; dup {
		return nil, fmt.Errorf("duplicate key %q", key)
	}
	k := &keyModel{info: info}
	m.cur.keys[string(key)] = k
	m.key = k
	return k, nil
}

func (m *model) String(key []byte, info KeyInfo, v []byte) error {
	k, err := m.newKey(key, info)
	if err != nil {
		return err
	}
	k.str = bytes.Clone(v)
	k.ended = true
	return nil
}

func (m *model) StartList(key []byte, info KeyInfo) error { _, err := m.newKey(key, info); return err }
func (m *model) ListItem(v []byte) error                  { m.key.list = append(m.key.list, bytes.Clone(v)); return nil }
func (m *model) EndList(key []byte) error                 { m.key.ended = true; return nil }
func (m *model) StartSet(key []byte, info KeyInfo) error  { _, err := m.newKey(key, info); return err }
func (m *model) SetMember(v []byte) error {
	m.key.list = append(m.key.list, bytes.Clone(v))
	return nil
}
func (m *model) EndSet(key []byte) error { m.key.ended = true; return nil }
func (m *model) StartZSet(key []byte, info KeyInfo) error {
	_, err := m.newKey(key, info)
	return err
}
func (m *model) ZSetMember(v []byte, s float64) error {
	m.key.zset = append(m.key.zset, zsetMember{string(v), s})
	return nil
}
func (m *model) EndZSet(key []byte) error { m.key.ended = true; return nil }
func (m *model) StartHash(key []byte, info KeyInfo) error {
	k, err := m.newKey(key, info)
	if err == nil {
		k.hash = map[string][]byte{}
		k.fieldExp = map[string]int64{}
	}
	return err
}
func (m *model) HashField(f, v []byte, exp int64) error {
	if _, dup := m.key.hash[string(f)]; dup {
		return fmt.Errorf("duplicate field %q", f)
	}
	m.key.hash[string(f)] = bytes.Clone(v)
	if exp != 0 {
		m.key.fieldExp[string(f)] = exp
	}
	return nil
}
func (m *model) EndHash(key []byte) error { m.key.ended = true; return nil }
func (m *model) StartStream(key []byte, info KeyInfo) error {
	_, err := m.newKey(key, info)
	return err
}
func (m *model) StreamEntry(id StreamID, fields [][]byte) error {
	fs := []any{}
	for _, f := range fields {
		fs = append(fs, bytesJSON(f))
	}
	m.key.entries = append(m.key.entries, []any{id.String(), fs})
	return nil
}
func (m *model) StreamMeta(s StreamMeta) error { m.key.meta = s; return nil }
func (m *model) StreamGroup(g StreamGroup) error {
	g.Name = bytes.Clone(g.Name)
	m.group = &groupModel{g: g}
	m.key.groups = append(m.key.groups, m.group)
	return nil
}
func (m *model) StreamPendingEntry(p StreamPendingEntry) error {
	m.group.pel = append(m.group.pel, p)
	return nil
}
func (m *model) StreamConsumer(c StreamConsumer) error {
	c.Name = bytes.Clone(c.Name)
	m.consumer = &consumerModel{c: c}
	m.group.consumers = append(m.group.consumers, m.consumer)
	return nil
}
func (m *model) StreamConsumerPending(id StreamID) error {
	m.consumer.pel = append(m.consumer.pel, id)
	return nil
}
func (m *model) EndStream(key []byte) error { m.key.ended = true; return nil }

// bytesJSON renders bytes as expected.json does: a string when valid UTF-8,
// else {"base64": ...}.
func bytesJSON(b []byte) any {
	if utf8.Valid(b) {
		return string(b)
	}
	return map[string]any{"base64": base64.StdEncoding.EncodeToString(b)}
}

// fromJSON decodes an expected.json <bytes>.
func fromJSON(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case map[string]any:
		s, ok := x["base64"].(string)
		if !ok {
			return nil, fmt.Errorf("bad bytes object %v", x)
		}
		return base64.StdEncoding.DecodeString(s)
	}
	return nil, fmt.Errorf("bad bytes value %T %v", v, v)
}

// expectedFile is the rdbgen-expected/1 schema.
type expectedFile struct {
	RDBVersion int `json:"rdb_version"`
	Functions  []struct {
		Name string `json:"library_name"`
		Code string `json:"code"`
	} `json:"functions"`
	Databases []struct {
		DB      int             `json:"db"`
		Keys    int             `json:"keys"`
		Expires int             `json:"expires"`
		Entries []expectedEntry `json:"entries"`
	} `json:"databases"`
}

type expectedEntry struct {
	Key      any              `json:"key"`
	Type     string           `json:"type"`
	Expire   *int64           `json:"expire_ms"`
	Freq     *int             `json:"lfu_freq"`
	Idle     *int64           `json:"lru_idle_s"`
	Value    json.RawMessage  `json:"value"`
	FieldExp map[string]int64 `json:"field_expire_ms"`
}

func loadExpected(path string) (*expectedFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e expectedFile
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// compare checks the model against expected and returns every difference.
func (m *model) compare(e *expectedFile) []string {
	var diffs []string
	add := func(f string, a ...any) { diffs = append(diffs, fmt.Sprintf(f, a...)) }

	var wantFn, gotFn []string
	for _, f := range e.Functions {
		wantFn = append(wantFn, f.Code)
	}
	gotFn = append(gotFn, m.functions...)
	sort.Strings(wantFn)
	sort.Strings(gotFn)
	if fmt.Sprint(wantFn) != fmt.Sprint(gotFn) {
		add("functions: got %q want %q", gotFn, wantFn)
	}
	nonEmpty := 0
	for _, db := range m.dbs {
		if len(db.keys) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty != len(e.Databases) {
		add("non-empty dbs: got %d want %d", nonEmpty, len(e.Databases))
	}
	for _, edb := range e.Databases {
		db := m.dbs[edb.DB]
		if db == nil {
			add("db %d missing", edb.DB)
			continue
		}
		expires := 0
		for _, k := range db.keys {
			if k.info.Expire != 0 {
				expires++
			}
		}
		if len(db.keys) != edb.Keys || expires != edb.Expires {
			add("db %d: got %d keys %d expires, want %d/%d", edb.DB, len(db.keys), expires, edb.Keys, edb.Expires)
		}
		if len(edb.Entries) != edb.Keys {
			add("db %d: expected.json lists %d entries for %d keys", edb.DB, len(edb.Entries), edb.Keys)
		}
		for _, ee := range edb.Entries {
			kb, err := fromJSON(ee.Key)
			if err != nil {
				add("db %d: %v", edb.DB, err)
				continue
			}
			k := db.keys[string(kb)]
			if k == nil {
				add("db %d key %q missing", edb.DB, kb)
				continue
			}
			for _, d := range k.compare(ee) {
				add("db %d key %q: %s", edb.DB, kb, d)
			}
		}
	}
	return diffs
}

func (k *keyModel) compare(ee expectedEntry) []string {
	var diffs []string
	add := func(f string, a ...any) { diffs = append(diffs, fmt.Sprintf(f, a...)) }
	if !k.ended {
		add("not ended")
	}
	if k.info.Type.String() != ee.Type {
		add("type %s want %s", k.info.Type, ee.Type)
		return diffs
	}
	var want int64
	if ee.Expire != nil {
		want = *ee.Expire
	}
	if k.info.Expire != want {
		add("expire %d want %d", k.info.Expire, want)
	}
	if ee.Freq != nil && k.info.Freq != *ee.Freq {
		add("freq %d want %d", k.info.Freq, *ee.Freq)
	}
	if ee.Idle != nil && (k.info.Idle < 0 || k.info.Idle < *ee.Idle-1 || k.info.Idle > *ee.Idle+1) {
		add("idle %d want %d±1", k.info.Idle, *ee.Idle)
	}
	var v any
	if err := json.Unmarshal(ee.Value, &v); err != nil {
		add("value json: %v", err)
		return diffs
	}
	switch ee.Type {
	case "string":
		w, err := fromJSON(v)
		if err != nil || !bytes.Equal(w, k.str) {
			add("value %q want %q (%v)", k.str, w, err)
		}
	case "list", "set":
		arr, _ := v.([]any)
		var want [][]byte
		for _, x := range arr {
			b, err := fromJSON(x)
			if err != nil {
				add("%v", err)
			}
			want = append(want, b)
		}
		got := k.list
		if ee.Type == "set" {
			got = append([][]byte(nil), got...)
			sort.Slice(got, func(i, j int) bool { return bytes.Compare(got[i], got[j]) < 0 })
		}
		if len(got) != len(want) {
			add("%d elements want %d", len(got), len(want))
			break
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				add("element %d: %q want %q", i, got[i], want[i])
			}
		}
	case "zset":
		arr, _ := v.([]any)
		got := append([]zsetMember(nil), k.zset...)
		sort.SliceStable(got, func(i, j int) bool {
			if got[i].score != got[j].score {
				return got[i].score < got[j].score
			}
			return got[i].member < got[j].member
		})
		if len(got) != len(arr) {
			add("%d members want %d", len(got), len(arr))
			break
		}
		for i, x := range arr {
			pair, _ := x.([]any)
			if len(pair) != 2 {
				add("bad expected pair %v", x)
				continue
			}
			mb, err := fromJSON(pair[0])
			if err != nil {
				add("%v", err)
			}
			s, _ := pair[1].(string)
			ws, err := parseScore(s)
			if err != nil {
				add("%v", err)
			}
			if got[i].member != string(mb) || got[i].score != ws {
				add("member %d: %q %v want %q %v", i, got[i].member, got[i].score, mb, ws)
			}
		}
	case "hash":
		obj, _ := v.(map[string]any)
		if len(obj) != len(k.hash) {
			add("%d fields want %d", len(k.hash), len(obj))
		}
		for f, x := range obj {
			w, err := fromJSON(x)
			if err != nil {
				add("%v", err)
			}
			g, ok := k.hash[f]
			if !ok || !bytes.Equal(g, w) {
				add("field %q: %q want %q", f, g, w)
			}
		}
		wantExp := ee.FieldExp
		if wantExp == nil {
			wantExp = map[string]int64{}
		}
		if fmt.Sprint(wantExp) != fmt.Sprint(k.fieldExp) {
			add("field expiries %v want %v", k.fieldExp, wantExp)
		}
	case "stream":
		diffs = append(diffs, k.compareStream(ee.Value)...)
	}
	return diffs
}

func parseScore(s string) (float64, error) {
	switch s {
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

func (k *keyModel) compareStream(raw json.RawMessage) []string {
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		return []string{err.Error()}
	}
	got := map[string]any{
		"length":  float64(k.meta.Length),
		"last_id": k.meta.LastID.String(),
	}
	if _, ok := want["max_deleted_id"]; ok {
		got["max_deleted_id"] = k.meta.MaxDeletedID.String()
		got["entries_added"] = float64(k.meta.EntriesAdded)
		got["recorded_first_entry_id"] = k.meta.FirstID.String()
	}
	entries := []any{}
	for _, e := range k.entries {
		entries = append(entries, []any{e[0], e[1]})
	}
	got["entries"] = entries
	groups := []any{}
	wantGroups, _ := want["groups"].([]any)
	for i, g := range k.groups {
		var wg map[string]any
		if i < len(wantGroups) {
			wg, _ = wantGroups[i].(map[string]any)
		}
		gm := map[string]any{
			"name":              bytesJSON(g.g.Name),
			"last_delivered_id": g.g.LastID.String(),
		}
		if _, ok := wg["entries_read"]; ok {
			if g.g.EntriesRead == -1 {
				gm["entries_read"] = nil
			} else {
				gm["entries_read"] = float64(g.g.EntriesRead)
			}
			gm["lag"] = wg["lag"] // computed by the server, informational
		}
		owner := map[StreamID]string{}
		consumers := []any{}
		for j, c := range g.consumers {
			var wc map[string]any
			if wcs, _ := wg["consumers"].([]any); j < len(wcs) {
				wc, _ = wcs[j].(map[string]any)
			}
			pel := []any{}
			for _, id := range c.pel {
				pel = append(pel, id.String())
				owner[id] = string(c.c.Name)
			}
			cm := map[string]any{
				"name":         bytesJSON(c.c.Name),
				"seen_time_ms": float64(c.c.SeenTime),
				"pel":          pel,
			}
			if _, ok := wc["active_time_ms"]; ok {
				cm["active_time_ms"] = float64(c.c.ActiveTime)
			}
			consumers = append(consumers, cm)
		}
		pel := []any{}
		for _, p := range g.pel {
			pel = append(pel, []any{p.ID.String(), owner[p.ID], float64(p.DeliveryTime), float64(p.DeliveryCount)})
		}
		gm["pel"] = pel
		gm["consumers"] = consumers
		groups = append(groups, gm)
	}
	got["groups"] = groups
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		return []string{fmt.Sprintf("stream:\n got %s\nwant %s", gb, wb)}
	}
	return nil
}
