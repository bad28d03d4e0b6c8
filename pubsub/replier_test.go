package pubsub

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// replySub is a Subscriber and Replier that records which path each frame took.
type replySub struct {
	recSub
	replies []byte
}

func (r *replySub) Reply(f []byte) bool {
	r.replies = append(r.replies, f...)
	return true
}

func TestReplierGetsOwnFrames(t *testing.T) {
	h := NewHub()
	self := &replySub{recSub: recSub{proto: 3}}
	other := &recSub{proto: 3}
	h.Subscribe(self, []byte("ch"))
	h.Subscribe(other, []byte("ch"))
	require.Equal(t, string(AppendConfirm(nil, 3, KindSubscribe, []byte("ch"), 1)), string(self.replies), "confirmation goes to Reply")
	require.Empty(t, self.take())
	self.replies = nil
	other.take() // a plain Subscriber gets its confirmation through Deliver

	// Publishing to itself: Reply for self, Deliver for the others.
	require.Equal(t, 2, h.PublishFrom(self, []byte("ch"), []byte("m")))
	msg := string(AppendMessage(nil, 3, KindMessage, []byte("ch"), []byte("m")))
	require.Equal(t, msg, string(self.replies))
	require.Empty(t, self.take())
	require.Equal(t, msg, other.take())

	// Someone else's publish reaches self through Deliver.
	self.replies = nil
	require.Equal(t, 2, h.Publish([]byte("ch"), []byte("m")))
	require.Equal(t, msg, self.take())
	require.Empty(t, self.replies)

	// Keyspace events caused by self.
	h.PSubscribe(self, []byte("__keyevent@0__:*"))
	self.replies = nil
	h.NotifyFrom(self, NotifyAll|NotifyKeyevent, NotifyString, "set", []byte("k"), 0)
	require.Equal(t, string(AppendPMessage(nil, 3, []byte("__keyevent@0__:*"), []byte("__keyevent@0__:set"), []byte("k"))), string(self.replies))

	// Unsubscribe confirmations too.
	self.replies = nil
	h.Unsubscribe(self)
	require.Equal(t, string(AppendConfirm(nil, 3, KindUnsubscribe, []byte("ch"), 1)), string(self.replies))
}

func TestOutboxHoldRelease(t *testing.T) {
	o := NewOutbox(Limits{Hard: 100})
	require.True(t, o.Append([]byte("a")))
	o.Hold()
	require.True(t, o.Append([]byte("held1")))
	require.True(t, o.Append([]byte("held2")))
	require.Equal(t, "a", string(o.Drain(nil)), "held frames are not drained")
	require.Equal(t, 10, o.Len())
	require.True(t, o.Release([]byte("REPLY")))
	require.Equal(t, "REPLYheld1held2", string(o.Drain(nil)))

	// Held frames count against the hard limit.
	o.Hold()
	require.True(t, o.Append(make([]byte, 60)))
	require.False(t, o.Append(make([]byte, 60)))
	require.Equal(t, ErrOverLimit, o.Err())
	require.False(t, o.Release([]byte("x")))
	require.Equal(t, 0, o.Len())

	// SetLimits applies from the next append.
	o = NewOutbox(Limits{})
	require.True(t, o.Append(make([]byte, 1000)))
	o.SetLimits(Limits{Hard: 1500})
	require.False(t, o.Append(make([]byte, 600)))
}

func TestOutboxReleaseWakesWriter(t *testing.T) {
	o := NewOutbox(Limits{})
	o.Hold()
	o.Append([]byte("m"))
	select {
	case <-o.Wait():
		t.Fatal("a held append must not wake the writer")
	default:
	}
	o.Release([]byte("r"))
	select {
	case <-o.Wait():
	case <-time.After(time.Second):
		t.Fatal("Release did not wake the writer")
	}
	require.Equal(t, "rm", string(o.Drain(nil)))
}
