package pubsub

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// recSub records every frame it is given.
type recSub struct {
	proto int
	mu    sync.Mutex
	out   []byte
	fail  bool // Deliver reports over-limit
	calls int
}

func (r *recSub) Deliver(f []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail {
		return false
	}
	r.out = append(r.out, f...)
	return true
}

func (r *recSub) Proto() int { return r.proto }

func (r *recSub) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := string(r.out)
	r.out = nil
	return s
}

func b(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// conf builds the expected confirmation bytes by hand, independently of AppendConfirm.
func conf(proto int, kind, name string, count int) string {
	h := "*3\r\n"
	if proto == 3 {
		h = ">3\r\n"
	}
	n := fmt.Sprintf("$%d\r\n%s\r\n", len(name), name)
	if name == "<nil>" {
		n = "$-1\r\n"
		if proto == 3 {
			n = "_\r\n"
		}
	}
	return fmt.Sprintf("%s$%d\r\n%s\r\n%s:%d\r\n", h, len(kind), kind, n, count)
}

func TestConfirmations(t *testing.T) {
	tests := []struct {
		name  string
		proto int
		run   func(h *Hub, s Subscriber) any
		ret   any
		want  string
	}{
		{
			name: "subscribe counts and repeats", proto: 2,
			run:  func(h *Hub, s Subscriber) any { return h.Subscribe(s, b("a", "b", "a")...) },
			ret:  []int{1, 2, 2},
			want: conf(2, "subscribe", "a", 1) + conf(2, "subscribe", "b", 2) + conf(2, "subscribe", "a", 2),
		},
		{
			name: "subscribe resp3 push", proto: 3,
			run:  func(h *Hub, s Subscriber) any { return h.Subscribe(s, b("ch")...) },
			ret:  []int{1},
			want: ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
		},
		{
			name: "psubscribe counts channels too", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				return h.PSubscribe(s, b("p*", "q*")...)
			},
			ret: []int{2, 3},
			want: conf(2, "subscribe", "a", 1) + conf(2, "psubscribe", "p*", 2) +
				conf(2, "psubscribe", "q*", 3),
		},
		{
			name: "ssubscribe counts shard channels only", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				h.PSubscribe(s, b("p*")...)
				return h.SSubscribe(s, b("x", "y")...)
			},
			ret: []int{1, 2},
			want: conf(2, "subscribe", "a", 1) + conf(2, "psubscribe", "p*", 2) +
				conf(2, "ssubscribe", "x", 1) + conf(2, "ssubscribe", "y", 2),
		},
		{
			name: "unsubscribe all with nothing resp2", proto: 2,
			run:  func(h *Hub, s Subscriber) any { return h.Unsubscribe(s) },
			ret:  []Confirm{{Name: nil, Count: 0}},
			want: "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
		},
		{
			name: "unsubscribe all with nothing resp3", proto: 3,
			run:  func(h *Hub, s Subscriber) any { return h.PUnsubscribe(s) },
			ret:  []Confirm{{Name: nil, Count: 0}},
			want: ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n",
		},
		{
			name: "unsubscribe all channels keeps pattern count", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a", "b")...)
				h.PSubscribe(s, b("p*")...)
				h.take(s)
				return h.Unsubscribe(s)
			},
			ret:  []Confirm{{Name: []byte("a"), Count: 2}, {Name: []byte("b"), Count: 1}},
			want: conf(2, "unsubscribe", "a", 2) + conf(2, "unsubscribe", "b", 1),
		},
		{
			name: "unsubscribe unknown and known", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				h.take(s)
				return h.Unsubscribe(s, b("zz", "a", "a")...)
			},
			ret: []Confirm{{Name: []byte("zz"), Count: 1}, {Name: []byte("a"), Count: 0}, {Name: []byte("a"), Count: 0}},
			want: conf(2, "unsubscribe", "zz", 1) + conf(2, "unsubscribe", "a", 0) +
				conf(2, "unsubscribe", "a", 0),
		},
		{
			name: "punsubscribe all counts channels", proto: 3,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				h.PSubscribe(s, b("p*", "q?")...)
				h.take(s)
				return h.PUnsubscribe(s)
			},
			ret:  []Confirm{{Name: []byte("p*"), Count: 2}, {Name: []byte("q?"), Count: 1}},
			want: conf(3, "punsubscribe", "p*", 2) + conf(3, "punsubscribe", "q?", 1),
		},
		{
			name: "sunsubscribe all with nothing ignores other kinds", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				h.take(s)
				return h.SUnsubscribe(s)
			},
			ret:  []Confirm{{Name: nil, Count: 0}},
			want: "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n",
		},
		{
			name: "sunsubscribe named", proto: 2,
			run: func(h *Hub, s Subscriber) any {
				h.Subscribe(s, b("a")...)
				h.SSubscribe(s, b("x", "y")...)
				h.take(s)
				return h.SUnsubscribe(s, b("y")...)
			},
			ret:  []Confirm{{Name: []byte("y"), Count: 1}},
			want: conf(2, "sunsubscribe", "y", 1),
		},
		{
			name: "binary and empty names", proto: 2,
			run:  func(h *Hub, s Subscriber) any { return h.Subscribe(s, []byte(""), []byte("a\r\nb\x00")) },
			ret:  []int{1, 2},
			want: "*3\r\n$9\r\nsubscribe\r\n$0\r\n\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\na\r\nb\x00\r\n:2\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub()
			s := &recSub{proto: tt.proto}
			got := tt.run(h, s)
			require.Equal(t, tt.ret, got)
			require.Equal(t, tt.want, s.take())
		})
	}
}

// take is a test helper hung off Hub to keep the table readable: it discards what s has received so far.
func (h *Hub) take(s Subscriber) { s.(*recSub).take() }

func TestPublishFramesAndCounts(t *testing.T) {
	h := NewHub()
	s2 := &recSub{proto: 2}
	s3 := &recSub{proto: 3}
	h.Subscribe(s2, b("news.art")...)
	h.PSubscribe(s2, b("news.*", "n*", "sport.*")...)
	h.Subscribe(s3, b("news.art")...)
	h.PSubscribe(s3, b("news.*")...)
	s2.take()
	s3.take()

	// s2: channel + 2 matching patterns; s3: channel + 1 pattern.
	require.Equal(t, 5, h.Publish([]byte("news.art"), []byte("hi")))
	msg2 := "*3\r\n$7\r\nmessage\r\n$8\r\nnews.art\r\n$2\r\nhi\r\n"
	msg3 := ">3\r\n$7\r\nmessage\r\n$8\r\nnews.art\r\n$2\r\nhi\r\n"
	pm := func(proto int, pat string) string {
		h := "*4\r\n"
		if proto == 3 {
			h = ">4\r\n"
		}
		return fmt.Sprintf("%s$8\r\npmessage\r\n$%d\r\n%s\r\n$8\r\nnews.art\r\n$2\r\nhi\r\n", h, len(pat), pat)
	}
	require.Equal(t, msg2+pm(2, "news.*")+pm(2, "n*"), s2.take())
	require.Equal(t, msg3+pm(3, "news.*"), s3.take())

	require.Equal(t, 0, h.Publish([]byte("weather"), []byte("x")))
	require.Equal(t, 1, h.Publish([]byte("nope"), []byte("x")), "only n* matches")
	require.Equal(t, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope\r\n$1\r\nx\r\n", s2.take())

	// Shard messages never reach patterns or plain channel subscribers.
	require.Equal(t, 0, h.SPublish([]byte("news.art"), []byte("x")))
	h.SSubscribe(s3, b("news.art")...)
	s3.take()
	require.Equal(t, 1, h.SPublish([]byte("news.art"), []byte("x")))
	require.Equal(t, ">3\r\n$8\r\nsmessage\r\n$8\r\nnews.art\r\n$1\r\nx\r\n", s3.take())
	require.Equal(t, "", s2.take())
}

func TestPublishReceivers(t *testing.T) {
	tests := []struct {
		name     string
		channels []string // one subscriber per entry
		patterns []string // one subscriber per entry
		publish  string
		want     int
	}{
		{"nobody", nil, nil, "a", 0},
		{"one channel", []string{"a"}, nil, "a", 1},
		{"three channel subscribers", []string{"a", "a", "a", "b"}, nil, "a", 3},
		{"patterns add up", []string{"a"}, []string{"*", "a", "?", "b*"}, "a", 4},
		{"same pattern twice", nil, []string{"a*", "a*"}, "abc", 2},
		{"empty channel vs star", []string{""}, []string{"*"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub()
			for _, c := range tt.channels {
				h.Subscribe(&recSub{proto: 2}, []byte(c))
			}
			for _, p := range tt.patterns {
				h.PSubscribe(&recSub{proto: 2}, []byte(p))
			}
			require.Equal(t, tt.want, h.Publish([]byte(tt.publish), []byte("m")))
		})
	}
}

func TestQueries(t *testing.T) {
	h := NewHub()
	s1, s2 := &recSub{proto: 2}, &recSub{proto: 3}
	h.Subscribe(s1, b("a", "b", "")...)
	h.Subscribe(s2, b("b", "c")...)
	h.PSubscribe(s1, b("x*", "y*")...)
	h.PSubscribe(s2, b("x*")...)
	h.SSubscribe(s1, b("s1", "s2")...)

	require.Equal(t, b("", "a", "b", "c"), h.Channels(nil))
	require.Equal(t, b("b"), h.Channels([]byte("b")))
	require.Equal(t, b(""), h.Channels([]byte("")))
	require.Equal(t, b("a", "b", "c"), h.Channels([]byte("*")), `"*" does not match the empty name`)
	require.Equal(t, []int{1, 2, 1, 0, 1}, h.NumSub(b("a", "b", "c", "d", "")...))
	require.Equal(t, 2, h.NumPat(), "distinct patterns")
	require.Equal(t, b("s1", "s2"), h.ShardChannels(nil))
	require.Equal(t, b("s2"), h.ShardChannels([]byte("*2")))
	require.Equal(t, []int{1, 0}, h.ShardNumSub(b("s1", "a")...))
	require.Empty(t, h.NumSub())

	ch, pat, sh := h.Count(s1)
	require.Equal(t, [3]int{3, 2, 2}, [3]int{ch, pat, sh})

	s1.take()
	h.RemoveAll(s1)
	ch, pat, sh = h.Count(s1)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{ch, pat, sh})
	require.Equal(t, b("b", "c"), h.Channels(nil))
	require.Equal(t, 1, h.NumPat())
	require.Empty(t, h.ShardChannels(nil))
	require.Equal(t, "", s1.take(), "RemoveAll sends nothing")

	h.PUnsubscribe(s2)
	require.Equal(t, 0, h.NumPat())
	h.Unsubscribe(s2)
	require.Empty(t, h.Channels(nil))
	require.Empty(t, h.clients, "no state left behind")
	require.Empty(t, h.patList)
}

func TestDropOverLimit(t *testing.T) {
	h := NewHub()
	slow, ok := &recSub{proto: 2}, &recSub{proto: 2}
	h.Subscribe(slow, b("a", "b")...)
	h.PSubscribe(slow, b("*")...)
	h.Subscribe(ok, b("a")...)
	slow.fail = true
	// Both deliveries to slow still count, as Redis counts a receiver it is about to disconnect.
	require.Equal(t, 3, h.Publish([]byte("a"), []byte("x")))
	ch, pat, sh := h.Count(slow)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{ch, pat, sh})
	require.Equal(t, []int{1, 0}, h.NumSub(b("a", "b")...))
	require.Equal(t, 0, h.NumPat())
	require.Equal(t, 1, h.Publish([]byte("a"), []byte("x")))

	// A subscriber already over its limit is dropped as soon as a confirmation cannot be delivered.
	require.Equal(t, []int{1}, h.Subscribe(slow, b("c")...))
	require.Equal(t, []int{0}, h.NumSub(b("c")...))
}

func TestConfirmBeforeMessages(t *testing.T) {
	// The confirmation of a subscription must precede any message on it, whatever publishers do meanwhile.
	h := NewHub()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				h.Publish([]byte("c"), []byte("m"))
			}
		}
	}()
	for i := 0; i < 200; i++ {
		s := &recSub{proto: 2}
		h.Subscribe(s, b("c")...)
		h.Unsubscribe(s, b("c")...)
		out := s.take()
		require.True(t, strings.HasPrefix(out, conf(2, "subscribe", "c", 1)), "got %q", out)
		require.True(t, strings.HasSuffix(out, conf(2, "unsubscribe", "c", 0)), "got %q", out)
	}
	close(done)
	wg.Wait()
}

// nopSub accepts everything and keeps nothing, so benchmarks and allocation tests measure only the Hub.
type nopSub struct {
	proto int
	n     int
}

func (s *nopSub) Deliver(f []byte) bool { s.n += len(f); return true }
func (s *nopSub) Proto() int            { return s.proto }

func TestPublishDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	h := NewHub()
	for i := 0; i < 50; i++ {
		s := &nopSub{proto: 2 + i%2}
		h.Subscribe(s, []byte("ch"))
		if i%5 == 0 {
			h.PSubscribe(s, []byte("c*"))
		}
	}
	ch, msg := []byte("ch"), []byte("hello")
	h.Publish(ch, msg)
	if n := testing.AllocsPerRun(200, func() { h.Publish(ch, msg) }); n != 0 {
		t.Fatalf("Publish to 50+10 subscribers allocates %v times", n)
	}
	var f NotifyFlags = NotifyAll | NotifyKeyspace | NotifyKeyevent
	h.PSubscribe(&nopSub{proto: 2}, []byte("__key*"))
	key := []byte("k")
	h.Notify(f, NotifyString, "set", key, 0)
	if n := testing.AllocsPerRun(200, func() { h.Notify(f, NotifyString, "set", key, 0) }); n != 0 {
		t.Fatalf("Notify allocates %v times", n)
	}
}

// frameReader splits a subscriber's byte stream back into frames for the concurrency test.
func parseFrames(t *testing.T, data []byte) [][]string {
	t.Helper()
	var frames [][]string
	line := func() string {
		i := bytes.Index(data, []byte("\r\n"))
		require.GreaterOrEqual(t, i, 0, "truncated stream")
		l := string(data[:i])
		data = data[i+2:]
		return l
	}
	for len(data) > 0 {
		h := line()
		require.Contains(t, "*>", h[:1])
		n, err := strconv.Atoi(h[1:])
		require.NoError(t, err)
		var f []string
		for i := 0; i < n; i++ {
			e := line()
			switch e[0] {
			case ':':
				f = append(f, e)
			case '_':
				f = append(f, "<nil>")
			case '$':
				l, err := strconv.Atoi(e[1:])
				require.NoError(t, err)
				if l < 0 {
					f = append(f, "<nil>")
					continue
				}
				f = append(f, string(data[:l]))
				data = data[l+2:]
			default:
				t.Fatalf("unexpected element %q", e)
			}
		}
		frames = append(frames, f)
	}
	return frames
}

// lockedBuf is an io.Writer for Outbox.Run in tests.
type lockedBuf struct {
	mu  sync.Mutex
	buf []byte
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	l.mu.Unlock()
	return len(p), nil
}

// outSub is a Subscriber backed by an Outbox, as the server would build one.
type outSub struct {
	ob    *Outbox
	proto int
}

func (s *outSub) Deliver(f []byte) bool { return s.ob.Append(f) }
func (s *outSub) Proto() int            { return s.proto }

func TestConcurrentPublishSubscribe(t *testing.T) {
	h := NewHub()
	const (
		nSubs    = 8
		nPubs    = 4
		nRounds  = 300
		nPublish = 3000
		channels = 5
	)
	chName := func(i int) []byte { return []byte("ch" + strconv.Itoa(i)) }

	type result struct {
		w *lockedBuf
	}
	results := make([]result, nSubs)
	var subWG, runWG, pubWG sync.WaitGroup

	for p := 0; p < nPubs; p++ {
		pubWG.Add(1)
		go func(p int) {
			defer pubWG.Done()
			r := rand.New(rand.NewSource(int64(p)))
			for n := 0; n < nPublish; n++ {
				if r.Intn(10) == 0 {
					h.SPublish(chName(r.Intn(channels)), []byte("s"))
				} else {
					h.Publish(chName(r.Intn(channels)), []byte("p"+strconv.Itoa(p)))
				}
				if r.Intn(50) == 0 {
					h.Channels(nil)
					h.NumSub(chName(0))
					h.NumPat()
				}
			}
		}(p)
	}
	for i := 0; i < nSubs; i++ {
		s := &outSub{ob: NewOutbox(Limits{}), proto: 2 + i%2}
		w := &lockedBuf{}
		results[i] = result{w: w}
		runWG.Add(1)
		go func() {
			defer runWG.Done()
			require.NoError(t, s.ob.Run(w))
		}()
		subWG.Add(1)
		go func(i int) {
			defer subWG.Done()
			r := rand.New(rand.NewSource(int64(100 + i)))
			for round := 0; round < nRounds; round++ {
				switch r.Intn(7) {
				case 0:
					h.Subscribe(s, chName(r.Intn(channels)), chName(r.Intn(channels)))
				case 1:
					h.Unsubscribe(s, chName(r.Intn(channels)))
				case 2:
					h.PSubscribe(s, []byte("ch["+strconv.Itoa(r.Intn(channels))+"]"), []byte("c*"))
				case 3:
					h.PUnsubscribe(s)
				case 4:
					h.SSubscribe(s, chName(r.Intn(channels)))
				case 5:
					h.SUnsubscribe(s)
				case 6:
					h.Unsubscribe(s)
				}
			}
			own := []byte("own" + strconv.Itoa(i)) // at least one message per stream, whatever the scheduling
			h.Subscribe(s, own)
			h.Publish(own, []byte("x"))
			h.Unsubscribe(s)
			h.PUnsubscribe(s)
			h.SUnsubscribe(s)
			h.RemoveAll(s)
			s.ob.Close()
		}(i)
	}
	subWG.Wait()
	pubWG.Wait()
	runWG.Wait()

	require.Empty(t, h.Channels(nil))
	require.Empty(t, h.ShardChannels(nil))
	require.Zero(t, h.NumPat())

	messages := 0
	defer func() { require.Positive(t, messages, "no message was delivered at all") }()
	// Replay each stream: every message must arrive while its channel (or pattern) is subscribed according to
	// the confirmations that came before it in the same stream, and the counts must add up.
	for i, res := range results {
		subs := map[string]map[string]bool{"c": {}, "p": {}, "s": {}}
		space := map[string]string{
			"subscribe": "c", "unsubscribe": "c", "psubscribe": "p", "punsubscribe": "p",
			"ssubscribe": "s", "sunsubscribe": "s",
		}
		frames := parseFrames(t, res.w.buf)
		require.NotEmpty(t, frames)
		for _, f := range frames {
			switch f[0] {
			case "subscribe", "psubscribe", "ssubscribe":
				subs[space[f[0]]][f[1]] = true
			case "unsubscribe", "punsubscribe", "sunsubscribe":
				delete(subs[space[f[0]]], f[1])
			case "message", "pmessage", "smessage":
				messages++
			}
			switch f[0] {
			case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
			case "message":
				require.True(t, subs["c"][f[1]], "sub %d: message on %s while not subscribed", i, f[1])
				continue
			case "pmessage":
				require.True(t, subs["p"][f[1]], "sub %d: pmessage for %s while not subscribed", i, f[1])
				require.True(t, MatchString(f[1], f[2]))
				continue
			case "smessage":
				require.True(t, subs["s"][f[1]], "sub %d: smessage on %s while not subscribed", i, f[1])
				continue
			default:
				t.Fatalf("unexpected frame %q", f)
			}
			want := len(subs["c"]) + len(subs["p"])
			if space[f[0]] == "s" {
				want = len(subs["s"])
			}
			require.Equal(t, ":"+strconv.Itoa(want), f[2], "sub %d: count in %q", i, f)
		}
	}
}

// countSub is a Subscriber safe for concurrent Deliver that only counts bytes.
type countSub struct{ n atomic.Int64 }

func (s *countSub) Deliver(f []byte) bool { s.n.Add(int64(len(f))); return true }
func (s *countSub) Proto() int            { return 2 }

func benchmarkPublish(b *testing.B, n int) {
	h := NewHub()
	for i := 0; i < n; i++ {
		h.Subscribe(&nopSub{proto: 2}, []byte("news"))
	}
	h.PSubscribe(&nopSub{proto: 3}, []byte("n*"))
	ch, msg := []byte("news"), bytes.Repeat([]byte("x"), 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish(ch, msg)
	}
}

func BenchmarkPublish1(b *testing.B)   { benchmarkPublish(b, 1) }
func BenchmarkPublish50(b *testing.B)  { benchmarkPublish(b, 50) }
func BenchmarkPublish500(b *testing.B) { benchmarkPublish(b, 500) }

func BenchmarkPublishParallel50(b *testing.B) {
	h := NewHub()
	for i := 0; i < 50; i++ {
		h.Subscribe(&countSub{}, []byte("news"))
	}
	ch, msg := []byte("news"), []byte("hello")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Publish(ch, msg)
		}
	})
}
