package replication

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// Scripted scenarios for the Core, in the style of datadriven tests:
// testdata/core/*.txt hold blocks of
//
//	<event>
//	----
//	<actions the core returned, one per line>
//
// separated by blank lines. go test -run TestCoreScripts -rewrite rewrites
// the expected parts from the current behaviour (review the diff!).
//
// Events: init [replid=ID offset=N db=N auth=P user=U ip=IP maxbatch=N],
// start, connected, line <text> (nothing after "line" is a keep-alive),
// cmd <args...> (the RESP bytes of args count), raw <n> (keep-alive bytes),
// flush, applied [db=N] [err=text], loaded [db=N] [err=text],
// tick <duration> [durable=N], down <err>, stop, status.

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of scripted tests")

type script struct {
	t     *testing.T
	core  *Core
	now   time.Time
	batch *Batch
}

func quoteArgs(args [][]byte) string {
	var parts []string
	for _, a := range args {
		s := string(a)
		if q := strconv.Quote(s); s == "" || strings.ContainsAny(s, " \"") || q[1:len(q)-1] != s {
			s = q
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func fmtActions(acts []Action, sc *script) string {
	var b strings.Builder
	for _, a := range acts {
		switch a.Kind {
		case ActLog:
			fmt.Fprintf(&b, "log[%d]: %s\n", a.Level, a.Text)
		case ActConnect:
			fmt.Fprintf(&b, "connect %s:%d\n", a.Host, a.Port)
		case ActSend:
			for _, c := range a.Cmds {
				fmt.Fprintf(&b, "send %s\n", quoteArgs(c))
			}
		case ActSendRaw:
			fmt.Fprintf(&b, "sendraw %q\n", a.Raw)
		case ActReadLine:
			b.WriteString("readline\n")
		case ActLoad:
			fmt.Fprintf(&b, "load size=%d mark=%q repl=%s:%d\n", a.Size, a.Mark, a.Repl.ReplID, a.Repl.Offset)
		case ActStream:
			b.WriteString("stream\n")
		case ActApply:
			sc.batch = a.Batch
			bt := a.Batch
			fmt.Fprintf(&b, "apply db=%d end=%s:%d", bt.DB, bt.Repl.ReplID, bt.Repl.Offset)
			if bt.Repl.ReplID2 != ZeroID {
				fmt.Fprintf(&b, " id2=%s:%d", bt.Repl.ReplID2, bt.Repl.Offset2)
			}
			b.WriteString("\n")
			for _, u := range bt.Units {
				var cs []string
				for _, c := range u.Cmds {
					cs = append(cs, quoteArgs(c))
				}
				fmt.Fprintf(&b, "  unit [%s]\n", strings.Join(cs, "; "))
			}
		case ActClose:
			b.WriteString("close\n")
		}
	}
	return b.String()
}

func kv(fields []string) map[string]string {
	m := map[string]string{}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		m[k] = v
	}
	return m
}

func (sc *script) run(ev string) string {
	t := sc.t
	name, rest, _ := strings.Cut(ev, " ")
	fields := strings.Fields(rest)
	var acts []Action
	switch name {
	case "init":
		m := kv(fields)
		cfg := Config{Host: "master", Port: 6379, ListeningPort: 7000, Timeout: 60 * time.Second,
			MasterAuth: m["auth"], MasterUser: m["user"], AnnounceIP: m["ip"]}
		if n, err := strconv.Atoi(m["maxbatch"]); err == nil {
			cfg.MaxBatch = n
		}
		var rs *store.ReplState
		if id := m["replid"]; id != "" {
			off, _ := strconv.ParseInt(m["offset"], 10, 64)
			db, _ := strconv.Atoi(m["db"])
			rs = &store.ReplState{ReplID: id, Offset: off, DB: db, ReplID2: ZeroID, Offset2: -1}
		}
		sc.core = NewCore(cfg, rs)
		sc.now = time.Unix(1700000000, 0)
	case "start":
		acts = sc.core.Start(sc.now)
	case "connected":
		acts = sc.core.Connected(sc.now)
	case "line":
		acts = sc.core.Line(sc.now, []byte(rest))
	case "cmd":
		args := make([][]byte, len(fields))
		for i, f := range fields {
			if uq, err := strconv.Unquote(f); err == nil {
				f = uq
			}
			args[i] = []byte(f)
		}
		var raw []byte
		raw = resp.AppendArrayLen(raw, len(args))
		for _, a := range args {
			raw = resp.AppendBulk(raw, a)
		}
		acts = sc.core.Command(sc.now, args, int64(len(raw)))
	case "raw":
		n, _ := strconv.ParseInt(rest, 10, 64)
		acts = sc.core.Command(sc.now, nil, n)
	case "flush":
		acts = sc.core.Flush()
	case "applied":
		m := kv(fields)
		if sc.batch == nil {
			t.Fatalf("applied without a batch")
		}
		db := sc.batch.DB
		if v, ok := m["db"]; ok {
			db, _ = strconv.Atoi(v)
		}
		var err error
		if _, e, ok := strings.Cut(rest, "err="); ok {
			err = fmt.Errorf("%s", e)
		}
		acts = sc.core.Applied(sc.now, sc.batch, db, err)
		sc.batch = nil
	case "loaded":
		m := kv(fields)
		db, _ := strconv.Atoi(m["db"])
		var err error
		if _, e, ok := strings.Cut(rest, "err="); ok {
			err = fmt.Errorf("%s", e)
		}
		acts = sc.core.Loaded(sc.now, err, db)
	case "tick":
		d, err := time.ParseDuration(fields[0])
		if err != nil {
			t.Fatalf("tick: %v", err)
		}
		sc.now = sc.now.Add(d)
		durable, _ := strconv.ParseInt(kv(fields[1:])["durable"], 10, 64)
		acts = sc.core.Tick(sc.now, durable)
	case "down":
		acts = sc.core.LinkDown(sc.now, fmt.Errorf("%s", rest))
	case "stop":
		acts = sc.core.Stop()
	case "status":
		st := sc.core.Status()
		return fmt.Sprintf("state=%s replid=%s offset=%d read=%d replid2=%s offset2=%d full=%d partial=%d\n",
			st.State, st.ReplID, st.Offset, st.ReadOffset, st.ReplID2, st.Offset2, st.FullSyncs, st.PartialSyncs)
	default:
		t.Fatalf("unknown event %q", ev)
	}
	return fmtActions(acts, sc)
}

func TestCoreScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/core/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := &script{t: t}
			var out strings.Builder
			lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
			for i := 0; i < len(lines); {
				l := lines[i]
				if l == "" || strings.HasPrefix(l, "#") {
					out.WriteString(l + "\n")
					i++
					continue
				}
				ev := l
				i++
				if i >= len(lines) || lines[i] != "----" {
					t.Fatalf("%s:%d: expected ---- after %q", f, i, ev)
				}
				i++
				var want strings.Builder
				for i < len(lines) && lines[i] != "" {
					want.WriteString(lines[i] + "\n")
					i++
				}
				got := sc.run(ev)
				out.WriteString(ev + "\n----\n" + got)
				if !*rewrite && got != want.String() {
					t.Errorf("%s: after %q\ngot:\n%s\nwant:\n%s", f, ev, got, want.String())
				}
			}
			if *rewrite {
				if err := os.WriteFile(f, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
