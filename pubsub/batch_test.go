package pubsub

import (
	"bytes"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// woken reports whether o's writer has a wake-up waiting (and takes it).
func woken(o *Outbox) bool {
	select {
	case <-o.Wait():
		return true
	default:
		return false
	}
}

func TestOutboxAppendLater(t *testing.T) {
	o := NewOutbox(Limits{Hard: 20})
	ok, first := o.AppendLater([]byte("ab"))
	require.True(t, ok)
	require.True(t, first, "first frame held back: the caller must Wake")
	ok, first = o.AppendLater([]byte("cd"))
	require.True(t, ok)
	require.False(t, first, "one Wake covers the run")
	require.False(t, woken(o), "AppendLater does not wake the writer")
	require.Equal(t, 4, o.Len())
	o.Wake()
	require.True(t, woken(o))
	require.False(t, woken(o))
	_, first = o.AppendLater([]byte("ef"))
	require.True(t, first, "after Wake the next run needs its own")
	require.Equal(t, "abcdef", string(o.Drain(nil)))

	// Going over the limit cuts the outbox off and wakes the writer at once.
	ok, first = o.AppendLater(make([]byte, 20))
	require.False(t, ok)
	require.False(t, first)
	require.ErrorIs(t, o.Err(), ErrOverLimit)
	require.True(t, woken(o))
	require.Zero(t, o.Len())
}

func TestOutboxAppendLaterHeld(t *testing.T) {
	o := NewOutbox(Limits{})
	o.Hold()
	_, first := o.AppendLater([]byte("msg"))
	require.True(t, first)
	o.Wake()
	require.False(t, woken(o), "held frames wait for Release")
	o.WakeWrite(func([][]byte) (int, error) { t.Fatal("wrote while held"); return 0, nil })
	require.False(t, woken(o))
	require.True(t, o.Release([]byte("reply,")))
	require.True(t, woken(o))
	require.Equal(t, "reply,msg", string(o.Drain(nil)))
}

func TestOutboxWakeWrite(t *testing.T) {
	o := NewOutbox(Limits{})
	var got []byte
	all := func(bs [][]byte) (int, error) {
		n := 0
		for _, b := range bs {
			got = append(got, b...)
			n += len(b)
		}
		return n, nil
	}

	o.AppendLater([]byte("hello "))
	o.AppendLater([]byte("world"))
	o.WakeWrite(all)
	require.Equal(t, "hello world", string(got), "written on the caller's goroutine")
	require.False(t, woken(o), "nothing left for the writer")
	require.Zero(t, o.Len())

	// The socket takes only part: the rest goes first, ahead of what comes next, and the writer is woken.
	got = got[:0]
	o.AppendLater([]byte("0123456789"))
	o.WakeWrite(func(bs [][]byte) (int, error) { got = append(got, bs[0][:4]...); return 4, nil })
	require.Equal(t, "0123", string(got))
	require.True(t, woken(o))
	require.True(t, o.Append([]byte("next")))
	require.Equal(t, "456789next", string(o.Drain(nil)))

	// Nothing pending: write is not called, and a closed outbox only wakes its writer.
	o.WakeWrite(func([][]byte) (int, error) { t.Fatal("wrote nothing"); return 0, nil })
	require.True(t, woken(o)) // the Append above
	o.AppendLater([]byte("x"))
	o.Close()
	o.WakeWrite(func([][]byte) (int, error) { t.Fatal("wrote after Close"); return 0, nil })
	require.True(t, woken(o))
	require.Equal(t, "x", string(o.Drain(nil)))
}

// TestOutboxWakeWriteRun runs WakeWrite from publishers against a running writer: every byte arrives once, in
// order, whichever of them writes it, also when the publishers' writes take only part.
func TestOutboxWakeWriteRun(t *testing.T) {
	o := NewOutbox(Limits{})
	w := &lockedBuf{}
	done := make(chan error)
	go func() { done <- o.Run(w) }()
	var mu sync.Mutex // one publisher at a time, so the expected order is known
	var want bytes.Buffer
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				mu.Lock()
				f := []byte(strconv.Itoa(p) + ":" + strconv.Itoa(i) + ";")
				want.Write(f)
				_, first := o.AppendLater(f)
				mu.Unlock()
				if first {
					o.WakeWrite(func(bs [][]byte) (int, error) {
						var b []byte
						for _, c := range bs {
							b = append(b, c...)
						}
						n := len(b) / (1 + i%3) // sometimes all, sometimes part
						return w.Write(b[:n])
					})
				}
			}
		}()
	}
	wg.Wait()
	o.Wake()
	o.Close()
	require.NoError(t, <-done)
	require.Equal(t, want.String(), string(w.buf))
}

// wakeSub is a Waker subscriber that records its wake-ups.
type wakeSub struct {
	outSub
	mu     sync.Mutex
	direct []bool
}

func (s *wakeSub) DeliverLater(f []byte) (bool, bool) { return s.ob.AppendLater(f) }
func (s *wakeSub) Wake(direct bool) {
	s.mu.Lock()
	s.direct = append(s.direct, direct)
	s.mu.Unlock()
	s.ob.Wake()
}

func TestPublishBatch(t *testing.T) {
	h := NewHub()
	ch := []byte("ch")
	subs := make([]*wakeSub, DirectMax+1)
	for i := range subs {
		subs[i] = &wakeSub{outSub: outSub{ob: NewOutbox(Limits{}), proto: 2}}
		h.Subscribe(subs[i], ch)
		woken(subs[i].ob) // the confirmation
		subs[i].ob.Drain(nil)
	}
	plain := &outSub{ob: NewOutbox(Limits{}), proto: 2}
	h.Subscribe(plain, ch)
	woken(plain.ob)
	plain.ob.Drain(nil)

	var b Batch
	require.False(t, b.Pending())
	for i := 0; i < 3; i++ {
		require.Equal(t, len(subs)+1, h.PublishBatch(&b, nil, ch, []byte("m"+strconv.Itoa(i))))
	}
	require.True(t, b.Pending())
	require.Len(t, b.wake, len(subs), "one wake-up per subscriber for the whole run")
	want := string(AppendMessage(AppendMessage(AppendMessage(nil, 2, KindMessage, ch, []byte("m0")), 2, KindMessage, ch,
		[]byte("m1")), 2, KindMessage, ch, []byte("m2")))
	for _, s := range subs {
		require.False(t, woken(s.ob), "not woken before Flush")
		require.Equal(t, len(want), s.ob.Len())
	}
	require.True(t, woken(plain.ob), "a subscriber that is not a Waker is woken by Deliver")
	require.Equal(t, want, string(plain.ob.Drain(nil)))

	b.Flush()
	require.False(t, b.Pending())
	for _, s := range subs {
		require.True(t, woken(s.ob))
		require.Equal(t, []bool{false}, s.direct, "more than DirectMax recipients: their writers write")
		require.Equal(t, want, string(s.ob.Drain(nil)))
	}

	// Few recipients: direct.
	h.RemoveAll(plain)
	for _, s := range subs[1:] {
		h.RemoveAll(s)
	}
	h.PublishBatch(&b, nil, ch, []byte("x"))
	b.Flush()
	require.Equal(t, []bool{false, true}, subs[0].direct)

	// Without a Batch, PublishBatch delivers and wakes at once.
	h.PublishBatch(nil, nil, ch, []byte("y"))
	require.True(t, woken(subs[0].ob))
	require.Equal(t, []bool{false, true}, subs[0].direct)
}

// bufsWriter is a BuffersWriter that records how the chunks came.
type bufsWriter struct {
	lockedBuf
	calls, bufs int
}

func (w *bufsWriter) WriteBuffers(bs [][]byte) (int64, error) {
	w.mu.Lock()
	w.calls++
	w.bufs += len(bs)
	w.mu.Unlock()
	var n int64
	for _, b := range bs {
		m, _ := w.Write(b)
		n += int64(m)
	}
	return n, nil
}

// TestOutboxChunks: frames span chunks (one is bigger than a chunk), a write cut short in the middle of a chunk
// keeps the order, and Run hands the chunks over in one WriteBuffers call.
func TestOutboxChunks(t *testing.T) {
	var want []byte
	frame := func(i, size int) []byte {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		want = append(want, b...)
		return b
	}
	o := NewOutbox(Limits{})
	for i := 0; i < 10; i++ {
		o.Append(frame(i, 3000))
	}
	o.Append(frame(10, 40<<10))
	require.Equal(t, len(want), o.Len())
	require.Greater(t, len(want), 3*ChunkSize)

	var got []byte
	o.WakeWrite(func(bs [][]byte) (int, error) {
		require.Equal(t, (len(want)+ChunkSize-1)/ChunkSize, len(bs), "full chunks, in order")
		n := ChunkSize + 123 // into the second chunk
		got = append(append(got, bs[0]...), bs[1][:123]...)
		return n, nil
	})
	o.Append(frame(11, 10))
	require.Equal(t, len(want)-len(got), o.Len())
	w := &bufsWriter{}
	done := make(chan error)
	go func() { done <- o.Run(w) }()
	o.Close()
	require.NoError(t, <-done)
	require.Equal(t, 1, w.calls, "one WriteBuffers for everything pending")
	require.Greater(t, w.bufs, 1)
	require.True(t, bytes.Equal(want, append(got, w.buf...)), "every byte once, in order")
}
