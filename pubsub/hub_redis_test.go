package pubsub

import (
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHubAgainstRedis runs the same subscription story on a real redis-server and on a Hub and compares the bytes
// each subscriber receives, for RESP2 and RESP3, and the PUBLISH/PUBSUB replies.
func TestHubAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	pub := startRedis(t)
	for _, proto := range []int{2, 3} {
		t.Run("resp"+string(rune('0'+proto)), func(t *testing.T) {
			sub := pub.dial(t)
			if proto == 3 {
				_, err := sub.do("HELLO", "3")
				require.NoError(t, err)
			}
			h := NewHub()
			s := &recSub{proto: proto}

			// same checks that the subscriber connection got exactly what the Hub delivered to s.
			same := func(what string) {
				t.Helper()
				want := s.take()
				require.NotEmpty(t, want, what)
				got, err := sub.raw(len(want))
				require.NoError(t, err, what)
				require.Equal(t, want, string(got), what)
			}
			cmd := func(args ...string) {
				t.Helper()
				require.NoError(t, sub.send(args...))
			}
			publish := func(kind string, ch, msg string) {
				t.Helper()
				v, err := pub.do(kind, ch, msg)
				require.NoError(t, err)
				var n int
				if kind == "PUBLISH" {
					n = h.Publish([]byte(ch), []byte(msg))
				} else {
					n = h.SPublish([]byte(ch), []byte(msg))
				}
				require.Equal(t, int64(n), v, "%s %s", kind, ch)
			}
			strs := func(v any) []string {
				var out []string
				for _, x := range v.([]any) {
					out = append(out, x.(string))
				}
				sort.Strings(out)
				return out
			}
			names := func(bs [][]byte) []string {
				var out []string
				for _, b := range bs {
					out = append(out, string(b))
				}
				return out
			}

			cmd("SUBSCRIBE", "a", "b", "a", "")
			h.Subscribe(s, b("a", "b", "a", "")...)
			same("subscribe")
			cmd("PSUBSCRIBE", "a*", "p*", "a*")
			h.PSubscribe(s, b("a*", "p*", "a*")...)
			same("psubscribe")
			cmd("SSUBSCRIBE", "s1", "s2")
			h.SSubscribe(s, b("s1", "s2")...)
			same("ssubscribe")

			v, err := pub.do("PUBSUB", "CHANNELS")
			require.NoError(t, err)
			require.Equal(t, strs(v), names(h.Channels(nil)))
			v, err = pub.do("PUBSUB", "CHANNELS", "?")
			require.NoError(t, err)
			require.Equal(t, strs(v), names(h.Channels([]byte("?"))))
			v, err = pub.do("PUBSUB", "NUMPAT")
			require.NoError(t, err)
			require.Equal(t, int64(h.NumPat()), v)
			v, err = pub.do("PUBSUB", "SHARDCHANNELS", "*1")
			require.NoError(t, err)
			require.Equal(t, strs(v), names(h.ShardChannels([]byte("*1"))))
			v, err = pub.do("PUBSUB", "NUMSUB", "a", "zz")
			require.NoError(t, err)
			require.Equal(t, []any{"a", int64(h.NumSub(b("a")...)[0]), "zz", int64(0)}, v)

			publish("PUBLISH", "a", "hello")
			same("message + pmessage")
			publish("PUBLISH", "pq", "x\r\ny")
			same("pmessage")
			publish("PUBLISH", "", "empty channel")
			same("message on the empty channel")
			publish("PUBLISH", "zz", "nobody")
			publish("SPUBLISH", "s1", "shard")
			same("smessage")

			cmd("UNSUBSCRIBE", "b", "zz", "")
			h.Unsubscribe(s, b("b", "zz", "")...)
			same("unsubscribe named")
			cmd("UNSUBSCRIBE") // only "a" is left, so dict order does not matter
			h.Unsubscribe(s)
			same("unsubscribe all")
			cmd("UNSUBSCRIBE")
			h.Unsubscribe(s)
			same("unsubscribe nothing")
			cmd("PUNSUBSCRIBE", "p*")
			h.PUnsubscribe(s, b("p*")...)
			same("punsubscribe named")
			cmd("PUNSUBSCRIBE")
			h.PUnsubscribe(s)
			same("punsubscribe all")
			cmd("PUNSUBSCRIBE")
			h.PUnsubscribe(s)
			same("punsubscribe nothing")
			cmd("SUNSUBSCRIBE", "s2")
			h.SUnsubscribe(s, b("s2")...)
			same("sunsubscribe named")
			cmd("SUNSUBSCRIBE")
			h.SUnsubscribe(s)
			same("sunsubscribe all")
			cmd("SUNSUBSCRIBE")
			h.SUnsubscribe(s)
			same("sunsubscribe nothing")

			// Keyspace notifications for a SET, received through a channel and a pattern.
			_, err = pub.do("CONFIG", "SET", "notify-keyspace-events", "KEA")
			require.NoError(t, err)
			cmd("SUBSCRIBE", "__keyspace@0__:k1")
			h.Subscribe(s, b("__keyspace@0__:k1")...)
			same("subscribe keyspace")
			cmd("PSUBSCRIBE", "__keyevent@*")
			h.PSubscribe(s, b("__keyevent@*")...)
			same("psubscribe keyevent")
			_, err = pub.do("SET", "k1", "v")
			require.NoError(t, err)
			h.Notify(NotifyAll|NotifyKeyspace|NotifyKeyevent, NotifyString, "set", []byte("k1"), 0)
			same("notifications for SET")
			_, err = pub.do("CONFIG", "SET", "notify-keyspace-events", "")
			require.NoError(t, err)

			// Nothing more may be waiting on the subscriber connection.
			require.NoError(t, sub.c.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
			n, err := sub.r.Read(make([]byte, 1))
			require.Zero(t, n, "redis sent more than the Hub did")
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		})
	}
}

// TestNotifyFlagsAgainstRedis checks ParseNotifyFlags and String against CONFIG SET/GET notify-keyspace-events.
func TestNotifyFlagsAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	rc := startRedis(t)
	inputs := []string{"", "A", "KEA", "AKEn", "g$lshzxeKEtmdn", "nd", "Em", "Ex", "q", "KEAq", "xxxx"}
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 60; i++ {
		inputs = append(inputs, randomGlob(r, "Ag$lshzxeKEtmdnq", 6))
	}
	for _, in := range inputs {
		_, setErr := rc.do("CONFIG", "SET", "notify-keyspace-events", in)
		flags, err := ParseNotifyFlags(in)
		if setErr != nil {
			require.Error(t, err, "redis rejects %q", in)
			require.Contains(t, setErr.Error(), NotifyFlagsHelp)
			continue
		}
		require.NoError(t, err, "redis accepts %q", in)
		v, err := rc.do("CONFIG", "GET", "notify-keyspace-events")
		require.NoError(t, err)
		require.Equal(t, v.([]any)[1], flags.String(), "CONFIG GET after setting %q", in)
	}
	require.False(t, strings.Contains(NotifyFlagsHelp, "pubsub"))
}
