package pubsub

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"time"
)

var (
	// ErrOverLimit is reported by an Outbox that was cut off for exceeding its output buffer limit.
	ErrOverLimit = errors.New("pubsub: client output buffer limit reached")
	// ErrClosed is reported by an Outbox after Close.
	ErrClosed = errors.New("pubsub: outbox closed")
)

// Limits is one client-output-buffer-limit class: a hard byte limit, and a soft byte limit that may be exceeded
// for at most SoftSeconds. Zero disables a limit, as in redis.conf.
type Limits struct {
	Hard        int64
	Soft        int64
	SoftSeconds int64
}

// PubsubLimits is Redis's default "client-output-buffer-limit pubsub 32mb 8mb 60".
var PubsubLimits = Limits{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60}

// Outbox is a bounded output buffer for one client connection, ready to back a Subscriber: Append (from the Hub
// or the command loop) copies frames in without blocking, and the connection's own writer goroutine waits on Wait,
// takes the pending bytes with Drain and writes them to the socket, as nats-server's queueOutbound and writeLoop
// split the work. Run is that writer loop. An Outbox is safe for concurrent use.
type Outbox struct {
	// mu guards every field below. It is taken inside Hub.mu (from Deliver), never the other way round.
	mu        sync.Mutex
	buf       []byte
	limits    Limits
	now       func() time.Time
	softSince int64 // unix seconds when usage was first seen at or above the soft limit; 0 when below
	err       error // ErrOverLimit or ErrClosed once the outbox stops taking frames
	wake      chan struct{}
	hold      bool   // Hold was called: Append parks frames in held until Release
	held      []byte // frames appended while held, counted against the limits
}

// NewOutbox returns an empty Outbox enforcing l.
func NewOutbox(l Limits) *Outbox {
	return &Outbox{limits: l, now: time.Now, wake: make(chan struct{}, 1)}
}

// SetNow replaces the clock used for the soft limit (tests inject a fake one).
func (o *Outbox) SetNow(now func() time.Time) {
	o.mu.Lock()
	o.now = now
	o.mu.Unlock()
}

// Append copies frame to the end of the buffer and wakes the writer. It returns false, and takes nothing more,
// once the outbox is closed or over its limits: the hard limit is reached as soon as the pending bytes (this frame
// included) reach Hard, the soft one when they have stayed at or above Soft for more than SoftSeconds, both as
// checkClientOutputBufferLimits in networking.c (whole seconds, counted only when a frame is appended). Going over
// discards the pending bytes, as Redis closes such a client without flushing it.
func (o *Outbox) Append(frame []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return false
	}
	if o.hold {
		o.held = append(o.held, frame...)
	} else {
		o.buf = append(o.buf, frame...)
	}
	return o.checkLocked()
}

// checkLocked applies the limits to everything pending, cutting the outbox off when they are broken, and wakes
// the writer. o.mu must be held.
func (o *Outbox) checkLocked() bool {
	if o.overLocked(int64(len(o.buf) + len(o.held))) {
		o.err = ErrOverLimit
		o.buf, o.held = nil, nil
		o.signal()
		return false
	}
	if !o.hold {
		o.signal()
	}
	return true
}

// Hold makes Append park frames aside (still counted against the limits, not yet visible to Drain) until
// Release. A connection holds its outbox while it runs a command, so that a message published meanwhile by
// someone else cannot land inside the reply being built; Release then queues the reply and, after it, the
// parked frames.
func (o *Outbox) Hold() {
	o.mu.Lock()
	o.hold = true
	o.mu.Unlock()
}

// Release appends reply and then the frames parked since Hold, ends the hold and wakes the writer. It returns
// false, like Append, when the outbox is closed or goes over its limits.
func (o *Outbox) Release(reply []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hold = false
	if o.err != nil {
		o.held = nil
		return false
	}
	o.buf = append(o.buf, reply...)
	o.buf = append(o.buf, o.held...)
	if cap(o.held) > 64<<10 {
		o.held = nil
	} else {
		o.held = o.held[:0]
	}
	return o.checkLocked()
}

// SetLimits replaces the limits enforced from the next Append or Release on (CONFIG SET
// client-output-buffer-limit, or a client moving between the normal and pubsub classes).
func (o *Outbox) SetLimits(l Limits) {
	o.mu.Lock()
	o.limits = l
	o.mu.Unlock()
}

// overLocked reports whether used bytes break the limits, updating the soft-limit timer. o.mu must be held.
func (o *Outbox) overLocked(used int64) bool {
	l := o.limits
	if l.Hard > 0 && used >= l.Hard {
		return true
	}
	if l.Soft == 0 || used < l.Soft {
		o.softSince = 0
		return false
	}
	now := o.now().Unix()
	if o.softSince == 0 {
		o.softSince = now // first time over: start the clock
		return false
	}
	return now-o.softSince > l.SoftSeconds
}

func (o *Outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Wait returns the channel that receives a value whenever bytes were appended or the outbox was closed or cut
// off since the last receive. It is the same channel every time.
func (o *Outbox) Wait() <-chan struct{} { return o.wake }

// Drain hands over the pending bytes and empties the buffer. With an empty dst it swaps buffers rather than
// copying, so the lock is held for O(1) whatever is pending: it returns the pending bytes and keeps dst's backing
// array (the caller must not use it any more) for the next frames; the writer loop calls buf = o.Drain(buf[:0]).
// With a non-empty dst it appends the pending bytes to dst and returns it. Once the outbox is over its limit there
// is nothing to drain (the pending bytes were dropped); after Close, Drain still returns what was pending.
func (o *Outbox) Drain(dst []byte) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(dst) == 0 {
		out := o.buf
		if cap(dst) > 64<<10 || o.err != nil {
			dst = nil // do not keep a burst-sized buffer forever, nor any buffer once done
		}
		o.buf = dst[:0]
		return out
	}
	dst = append(dst, o.buf...)
	if cap(o.buf) > 64<<10 {
		o.buf = nil
	} else {
		o.buf = o.buf[:0]
	}
	return dst
}

// Len returns the number of pending bytes (parked ones included).
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf) + len(o.held)
}

// Err returns nil while the outbox takes frames, then ErrOverLimit or ErrClosed.
func (o *Outbox) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Close stops the outbox taking frames and wakes the writer, which may still Drain what was pending. Closing an
// outbox already over its limit keeps ErrOverLimit.
func (o *Outbox) Close() {
	o.mu.Lock()
	if o.err == nil {
		o.err = ErrClosed
	}
	o.mu.Unlock()
	o.signal()
}

// Run is the writer loop for one connection: it waits for frames, drains them and writes them to w, until the
// outbox is closed (it writes what was pending, then returns nil), cut off (ErrOverLimit) or w fails (that
// error). Run it on the connection's own goroutine; nothing else should write to w meanwhile.
func (o *Outbox) Run(w io.Writer) error {
	var buf []byte
	for range o.wake {
		// Let a burst being published (a pipeline of PUBLISH) pile up a little, so one write carries many frames,
		// as Redis writes a client's output once per event loop.
		if o.Len() < 16<<10 {
			runtime.Gosched()
		}
		buf = o.Drain(buf[:0])
		if len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		switch err := o.Err(); err {
		case nil:
		case ErrClosed:
			// Frames appended between the Drain above and Close are still pending: take them too. Append
			// refuses frames after Close, so this Drain is the last.
			if buf = o.Drain(buf[:0]); len(buf) > 0 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
			return nil
		default:
			return err
		}
	}
	return nil
}
