package pubsub

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseNotifyFlags(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want NotifyFlags
		err  bool
	}{
		{"empty", "", 0, false},
		{"all", "A", NotifyAll, false},
		{"typical", "KEA", NotifyAll | NotifyKeyspace | NotifyKeyevent, false},
		{"each letter", "g$lshzxeKEtmdn", NotifyAll | NotifyKeyspace | NotifyKeyevent | NotifyKeyMiss | NotifyNew, false},
		{"repeats", "KKx", NotifyKeyspace | NotifyExpired, false},
		{"bad", "Kq", 0, true},
		{"case matters", "a", 0, true},
		{"stops at NUL like C", "K\x00q", NotifyKeyspace, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNotifyFlags(tt.in)
			if tt.err {
				require.ErrorIs(t, err, ErrNotifyFlags)
				require.Contains(t, err.Error(), "pubsub: ")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNotifyFlagsString(t *testing.T) {
	tests := []struct {
		name string
		in   NotifyFlags
		want string
	}{
		{"none", 0, ""},
		{"all", NotifyAll, "A"},
		{"all KE", NotifyAll | NotifyKeyspace | NotifyKeyevent, "AKE"},
		{"A swallows n", NotifyAll | NotifyNew | NotifyKeyspace, "AK"},
		{"m is outside A", NotifyAll | NotifyKeyMiss, "Am"},
		{"order", NotifyNew | NotifyModule | NotifyStream | NotifyGeneric | NotifyKeyevent | NotifyKeyspace, "gtdnKE"},
		{"almost all", NotifyAll &^ NotifyModule, "g$lshzxet"},
		{"loaded has no letter", NotifyLoaded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.String())
		})
	}
}

func FuzzParseNotifyFlags(f *testing.F) {
	for _, s := range []string{"", "A", "KEA", "g$lshzxeKEtmdn", "AKEn", "Kq", "K\x00q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(s string) {
			flags, err := ParseNotifyFlags(s)
			if err != nil {
				require.ErrorIs(t, err, ErrNotifyFlags)
				return
			}
			// Round trip, minus the n that printing A drops.
			want := flags
			if flags&NotifyAll == NotifyAll {
				want &^= NotifyNew
			}
			back, err := ParseNotifyFlags(flags.String())
			require.NoError(t, err)
			require.Equal(t, want, back)
		}
		check(s)
		check(s[:len(s)/2])
		check(s[len(s)/2:])
	})
}

func TestNotify(t *testing.T) {
	tests := []struct {
		name    string
		flags   string
		class   NotifyFlags
		space   int // messages expected on the keyspace channel
		event   int // and on the keyevent channel
		pattern int // pmessages on __key*@3__:*
	}{
		{"off", "", NotifyString, 0, 0, 0},
		{"class not enabled", "KEl", NotifyString, 0, 0, 0},
		{"no K or E", "A", NotifyString, 0, 0, 0},
		{"keyspace only", "K$", NotifyString, 1, 0, 1},
		{"keyevent only", "Eg$", NotifyString, 0, 1, 1},
		{"both", "KEA", NotifyString, 1, 1, 2},
		{"miss needs m", "KEA", NotifyKeyMiss, 0, 0, 0},
		{"miss", "KEm", NotifyKeyMiss, 1, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags, err := ParseNotifyFlags(tt.flags)
			require.NoError(t, err)
			h := NewHub()
			space, event, pat := &recSub{proto: 2}, &recSub{proto: 3}, &recSub{proto: 2}
			h.Subscribe(space, []byte("__keyspace@3__:k\x00ey"))
			h.Subscribe(event, []byte("__keyevent@3__:set"))
			h.PSubscribe(pat, []byte("__key*@3__:*"))
			space.take()
			event.take()
			pat.take()
			h.Notify(flags, tt.class, "set", []byte("k\x00ey"), 3)
			require.Len(t, parseFrames(t, []byte(space.take())), tt.space)
			require.Len(t, parseFrames(t, []byte(event.take())), tt.event)
			require.Len(t, parseFrames(t, []byte(pat.take())), tt.pattern)
		})
	}

	h := NewHub()
	space, event := &recSub{proto: 2}, &recSub{proto: 3}
	h.Subscribe(space, []byte("__keyspace@12__:user:1"))
	h.Subscribe(event, []byte("__keyevent@12__:expired"))
	space.take()
	event.take()
	h.Notify(NotifyAll|NotifyKeyspace|NotifyKeyevent, NotifyExpired, "expired", []byte("user:1"), 12)
	require.Equal(t, "*3\r\n$7\r\nmessage\r\n$22\r\n__keyspace@12__:user:1\r\n$7\r\nexpired\r\n", space.take())
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$23\r\n__keyevent@12__:expired\r\n$6\r\nuser:1\r\n", event.take())
}
