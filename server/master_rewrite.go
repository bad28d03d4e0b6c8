package server

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/redpebble/redpebble/store"
)

// rewriteForPropagation turns a write's argv into what Redis 7.0 would
// propagate where replaying the argv would not give the same effect:
// SPOP → SREM of the popped members, INCRBYFLOAT → SET KEEPTTL,
// HINCRBYFLOAT → HSET, relative TTLs (EXPIRE, PEXPIRE, SETEX, PSETEX, SET
// EX/PX) → absolute PEXPIREAT / SET PXAT, a TTL already past → DEL, XADD *
// → the generated ID. Everything else is propagated as received.
func rewriteForPropagation(c *Client, tx *store.Tx, reply []byte) [][][]byte {
	argv := c.args
	name := strings.ToLower(string(argv[0]))
	b := func(s string) []byte { return []byte(s) }
	now := tx.Now()
	switch name {
	case "spop":
		members := replyStrings(reply)
		if len(members) == 0 {
			return nil
		}
		if len(argv) > 2 {
			// With a count: the whole set as DEL, else one SREM per member.
			if _, ok, err := tx.Lookup(c.db, argv[1]); err == nil && !ok {
				return [][][]byte{{b("DEL"), argv[1]}}
			}
		}
		out := make([][][]byte, len(members))
		for i, m := range members {
			out[i] = [][]byte{b("SREM"), argv[1], m}
		}
		return out
	case "getdel":
		return [][][]byte{{b("DEL"), argv[1]}}
	case "getex":
		for i := 2; i < len(argv); i++ {
			opt := strings.ToLower(string(argv[i]))
			if opt == "persist" {
				return [][][]byte{{b("PERSIST"), argv[1]}}
			}
			if i+1 >= len(argv) {
				break
			}
			t, known, ok := absExpireMs(opt, argv[i+1], now)
			if !known {
				continue
			}
			if !ok {
				break
			}
			if t <= now {
				return [][][]byte{{b("DEL"), argv[1]}}
			}
			return [][][]byte{{b("PEXPIREAT"), argv[1], b(strconv.FormatInt(t, 10))}}
		}
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		if v := replyStrings(reply); len(v) >= 2 {
			return [][][]byte{{b(strings.ToUpper(name[1:])), v[0]}}
		}
	case "blmove":
		if c.blk != nil { // served after blocking: Redis writes the shared lower-case words
			return [][][]byte{{b("LMOVE"), argv[1], argv[2], bytes.ToLower(argv[3]), bytes.ToLower(argv[4])}}
		}
		return [][][]byte{{b("LMOVE"), argv[1], argv[2], argv[3], argv[4]}}
	case "brpoplpush":
		return [][][]byte{{b("RPOPLPUSH"), argv[1], argv[2]}}
	case "lmpop", "blmpop", "zmpop", "bzmpop":
		first := 1
		if name[0] == 'b' {
			first = 2
		}
		nk, err := strconv.Atoi(string(argv[first]))
		key, n, ok := mpopReply(reply)
		if err != nil || !ok || first+1+nk >= len(argv) {
			break
		}
		where := strings.ToLower(string(argv[first+1+nk]))
		pop := map[string]string{"left": "LPOP", "right": "RPOP", "min": "ZPOPMIN", "max": "ZPOPMAX"}[where]
		if pop == "" {
			break
		}
		return [][][]byte{{b(pop), key, b(strconv.Itoa(n))}}
	case "restore":
		if len(argv) < 4 {
			break
		}
		abs := false
		for _, a := range argv[4:] {
			abs = abs || strings.EqualFold(string(a), "absttl")
		}
		ttl, err := strconv.ParseInt(string(argv[2]), 10, 64)
		if err != nil || abs || ttl == 0 {
			break
		}
		out := append([][]byte(nil), argv...)
		out[2] = b(strconv.FormatInt(now+ttl, 10))
		return [][][]byte{append(out, b("ABSTTL"))}
	case "incrbyfloat":
		if v := replyStrings(reply); len(v) == 1 {
			return [][][]byte{{b("SET"), argv[1], v[0], b("KEEPTTL")}}
		}
	case "hincrbyfloat":
		if v := replyStrings(reply); len(v) == 1 {
			return [][][]byte{{b("HSET"), argv[1], argv[2], v[0]}}
		}
	case "expire", "pexpire", "expireat", "pexpireat":
		t, err := strconv.ParseInt(string(argv[2]), 10, 64)
		if err != nil {
			break
		}
		switch name {
		case "expire":
			t = now + t*1000
		case "pexpire":
			t = now + t
		case "expireat":
			t *= 1000
		}
		if t <= now {
			return [][][]byte{{b("DEL"), argv[1]}}
		}
		out := [][]byte{b("PEXPIREAT"), argv[1], b(strconv.FormatInt(t, 10))}
		return [][][]byte{append(out, argv[3:]...)}
	case "setex", "psetex":
		t, err := strconv.ParseInt(string(argv[2]), 10, 64)
		if err != nil {
			break
		}
		if name == "setex" {
			t *= 1000
		}
		return [][][]byte{{b("SET"), argv[1], argv[3], b("PXAT"), b(strconv.FormatInt(now+t, 10))}}
	case "getset":
		return [][][]byte{{b("SET"), argv[1], argv[2]}}
	case "set":
		for i := 3; i+1 < len(argv); i++ {
			opt := strings.ToLower(string(argv[i]))
			if opt == "pxat" {
				continue
			}
			t, known, ok := absExpireMs(opt, argv[i+1], now)
			if !known {
				continue
			}
			if !ok {
				break
			}
			return [][][]byte{{b("SET"), argv[1], argv[2], b("PXAT"), b(strconv.FormatInt(t, 10))}}
		}
		// No relative expiry: propagated without GET, as setCommand.
		for i := 3; i < len(argv); i++ {
			if bytes.EqualFold(argv[i], []byte("get")) {
				out := append(append([][]byte(nil), argv[:i]...), argv[i+1:]...)
				return [][][]byte{out}
			}
		}
	case "xadd":
		id := replyStrings(reply)
		if len(id) != 1 {
			break
		}
		i := 2
		for i < len(argv) {
			opt := strings.ToLower(string(argv[i]))
			if opt == "nomkstream" {
				i++
				continue
			}
			if opt == "maxlen" || opt == "minid" {
				i++
				if i < len(argv) && (string(argv[i]) == "=" || string(argv[i]) == "~") {
					i++
				}
				i++
				if i < len(argv) && strings.EqualFold(string(argv[i]), "limit") {
					i += 2
				}
				continue
			}
			break
		}
		if i < len(argv) {
			out := append([][]byte(nil), argv...)
			out[i] = id[0]
			return [][][]byte{exactTrim(tx, c.db, out)}
		}
	case "xtrim":
		return [][][]byte{exactTrim(tx, c.db, argv)}
	}
	return [][][]byte{argv}
}

// mpopReply reads the key and the number of elements of an [BL|BZ|Z]MPOP
// reply: [key, [elements...]].
func mpopReply(r []byte) ([]byte, int, bool) {
	v, rest := replyFirstBulk(r)
	if v == nil || len(rest) == 0 || (rest[0] != '*' && rest[0] != '~') {
		return nil, 0, false
	}
	i := strings.Index(string(rest), "\r\n")
	if i < 0 {
		return nil, 0, false
	}
	n, err := strconv.Atoi(string(rest[1:i]))
	if err != nil || n < 0 {
		return nil, 0, false
	}
	return v, n, true
}

// replyFirstBulk returns the first bulk of an array or map reply and what
// follows it.
func replyFirstBulk(r []byte) ([]byte, []byte) {
	if len(r) == 0 || (r[0] != '*' && r[0] != '%') {
		return nil, nil
	}
	i := strings.Index(string(r), "\r\n")
	if i < 0 {
		return nil, nil
	}
	r = r[i+2:]
	if len(r) == 0 || r[0] != '$' {
		return nil, nil
	}
	i = strings.Index(string(r), "\r\n")
	if i < 0 {
		return nil, nil
	}
	n, err := strconv.Atoi(string(r[1:i]))
	if err != nil || n < 0 || len(r) < i+2+n+2 {
		return nil, nil
	}
	return r[i+2 : i+2+n], r[i+2+n+2:]
}

// replyStrings extracts the strings of a bulk, an array or set of bulks, or
// a simple string / double reply (nil for a null or an error).
func replyStrings(r []byte) [][]byte {
	if len(r) == 0 {
		return nil
	}
	line := func(p []byte) (string, []byte, bool) {
		i := strings.Index(string(p), "\r\n")
		if i < 0 {
			return "", nil, false
		}
		return string(p[1:i]), p[i+2:], true
	}
	var bulk func(p []byte) ([]byte, []byte, bool)
	bulk = func(p []byte) ([]byte, []byte, bool) {
		if len(p) == 0 {
			return nil, nil, false
		}
		switch p[0] {
		case '$':
			h, rest, ok := line(p)
			if !ok {
				return nil, nil, false
			}
			n, err := strconv.Atoi(h)
			if err != nil || n < 0 || len(rest) < n+2 {
				return nil, nil, false
			}
			return rest[:n], rest[n+2:], true
		case '+', ',':
			h, rest, ok := line(p)
			return []byte(h), rest, ok
		}
		return nil, nil, false
	}
	switch r[0] {
	case '$', '+', ',':
		v, _, ok := bulk(r)
		if !ok {
			return nil
		}
		return [][]byte{v}
	case '*', '~':
		h, rest, ok := line(r)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(h)
		if err != nil || n <= 0 {
			return nil
		}
		out := make([][]byte, 0, n)
		for i := 0; i < n; i++ {
			var v []byte
			if v, rest, ok = bulk(rest); !ok {
				return nil
			}
			out = append(out, v)
		}
		return out
	}
	return nil
}

// exactTrim rewrites an approximate "MAXLEN|MINID ~ n [LIMIT l]" of XADD or
// XTRIM into the exact "= <result>" it came to, as Redis propagates it, so
// the replica's different node layout cannot trim differently.
func exactTrim(tx *store.Tx, db int, argv [][]byte) [][]byte {
	for i := 2; i+2 < len(argv); i++ {
		opt := strings.ToLower(string(argv[i]))
		if (opt != "maxlen" && opt != "minid") || string(argv[i+1]) != "~" {
			continue
		}
		st, ok, err := tx.OpenStream(db, argv[1])
		if err != nil || !ok {
			return argv
		}
		thr := []byte(strconv.FormatUint(st.Len(), 10))
		if opt == "minid" {
			first, ok, err := st.FirstValid()
			if err != nil {
				return argv
			}
			if !ok {
				first = st.Last
				if next, ok := first.Incr(); ok {
					first = next
				}
			}
			thr = []byte(first.String())
		}
		out := append([][]byte(nil), argv[:i+1]...)
		out = append(out, []byte("="), thr)
		rest := argv[i+3:]
		if len(rest) >= 2 && strings.EqualFold(string(rest[0]), "limit") {
			rest = rest[2:]
		}
		return append(out, rest...)
	}
	return argv
}

// absExpireMs turns a SET/GETEX expiry option (ex, px, exat, pxat) and its
// argument into an absolute unix time in milliseconds. known is false for
// any other option; ok is false when the argument is not an integer.
func absExpireMs(opt string, arg []byte, now int64) (t int64, known, ok bool) {
	switch opt {
	case "ex", "px", "exat", "pxat":
	default:
		return 0, false, false
	}
	t, err := strconv.ParseInt(string(arg), 10, 64)
	if err != nil {
		return 0, true, false
	}
	switch opt {
	case "ex":
		t = now + t*1000
	case "px":
		t = now + t
	case "exat":
		t *= 1000
	}
	return t, true, true
}
