package pubsub

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is an injected clock for the soft limit.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestOutbox(l Limits) (*Outbox, *fakeClock) {
	o := NewOutbox(l)
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	o.SetNow(c.now)
	return o, c
}

func TestOutboxHardLimit(t *testing.T) {
	o, _ := newTestOutbox(Limits{Hard: 10})
	require.True(t, o.Append([]byte("12345")))
	require.True(t, o.Append([]byte("6789")))
	require.Equal(t, 9, o.Len())
	require.False(t, o.Append([]byte("0")), "10 bytes reach the hard limit")
	require.ErrorIs(t, o.Err(), ErrOverLimit)
	require.Zero(t, o.Len(), "pending bytes are dropped")
	require.False(t, o.Append([]byte("x")))
	require.Empty(t, o.Drain(nil))
	o.Close()
	require.ErrorIs(t, o.Err(), ErrOverLimit, "Close keeps the reason")
}

func TestOutboxSoftLimit(t *testing.T) {
	o, c := newTestOutbox(Limits{Soft: 10, SoftSeconds: 60})
	big := make([]byte, 10)
	require.True(t, o.Append(big), "first time over the soft limit starts the clock")
	c.advance(60 * time.Second)
	require.True(t, o.Append([]byte("x")), "60s over is still allowed")
	c.advance(time.Second)
	require.False(t, o.Append([]byte("x")), "61s over is not")
	require.ErrorIs(t, o.Err(), ErrOverLimit)
}

func TestOutboxSoftLimitResets(t *testing.T) {
	o, c := newTestOutbox(Limits{Soft: 10, SoftSeconds: 60})
	require.True(t, o.Append(make([]byte, 12)))
	o.Drain(nil)
	c.advance(30 * time.Second)
	require.True(t, o.Append([]byte("x")), "below the soft limit: the clock resets")
	c.advance(100 * time.Second)
	require.True(t, o.Append(make([]byte, 10)), "over again: a new clock starts")
	c.advance(60 * time.Second)
	require.True(t, o.Append([]byte("x")))
	c.advance(time.Second)
	require.False(t, o.Append([]byte("x")))
}

func TestOutboxNoLimits(t *testing.T) {
	o, c := newTestOutbox(Limits{})
	for i := 0; i < 100; i++ {
		require.True(t, o.Append(make([]byte, 1<<10)))
		c.advance(time.Hour)
	}
	require.Equal(t, 100<<10, o.Len())
	require.Equal(t, Limits{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60}, PubsubLimits)
}

func TestOutboxDrainWaitClose(t *testing.T) {
	o := NewOutbox(PubsubLimits)
	select {
	case <-o.Wait():
		t.Fatal("woken with nothing pending")
	default:
	}
	require.True(t, o.Append([]byte("ab")))
	require.True(t, o.Append([]byte("cd")))
	<-o.Wait() // one wake-up for both frames
	select {
	case <-o.Wait():
		t.Fatal("second wake-up")
	default:
	}
	require.Equal(t, "xabcd", string(o.Drain([]byte("x"))))
	require.Empty(t, o.Drain(nil))

	require.True(t, o.Append([]byte("ef")))
	o.Close()
	require.False(t, o.Append([]byte("gh")))
	require.ErrorIs(t, o.Err(), ErrClosed)
	require.Equal(t, "ef", string(o.Drain(nil)), "Close keeps what was pending")
	<-o.Wait()
}

func TestOutboxRun(t *testing.T) {
	o := NewOutbox(Limits{Hard: 1 << 20})
	w := &lockedBuf{}
	done := make(chan error)
	go func() { done <- o.Run(w) }()
	for i := 0; i < 100; i++ {
		require.True(t, o.Append([]byte("0123456789")))
	}
	o.Close()
	require.NoError(t, <-done)
	require.Len(t, w.buf, 1000)

	o = NewOutbox(Limits{Hard: 5})
	go func() { done <- o.Run(w) }()
	require.False(t, o.Append([]byte("0123456789")))
	require.ErrorIs(t, <-done, ErrOverLimit)

	o = NewOutbox(Limits{})
	boom := errors.New("boom")
	go func() { done <- o.Run(failWriter{boom}) }()
	require.True(t, o.Append([]byte("x")))
	require.ErrorIs(t, <-done, boom)
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestOutboxAsSubscriberIsDropped(t *testing.T) {
	h := NewHub()
	s := &outSub{ob: NewOutbox(Limits{Hard: 200}), proto: 2}
	h.Subscribe(s, []byte("ch"))
	n := 0
	for s.ob.Err() == nil {
		n += h.Publish([]byte("ch"), []byte("0123456789"))
	}
	require.Greater(t, n, 1)
	require.Equal(t, []int{0}, h.NumSub([]byte("ch")), "cut off and unsubscribed")
	require.Equal(t, 0, h.Publish([]byte("ch"), []byte("x")))
}
