package pubsub

import (
	"errors"
	"io"
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
	later     bool   // AppendLater queued frames the writer has not been woken for (Wake clears it)
	// writing is set while Run or WakeWrite has taken bytes out of buf and is writing them: only one at a time
	// writes, so the bytes reach the socket in order. spare is an empty buffer that takes the next frames
	// meanwhile (the two swap, so steady traffic allocates nothing).
	writing bool
	spare   []byte
}

// keepCap is the largest buffer an Outbox keeps for reuse once it is empty; a burst's bigger ones go to the GC.
const keepCap = 64 << 10

// takeLocked hands the pending bytes to the caller, who becomes the one writer until putLocked. o.mu must be held.
func (o *Outbox) takeLocked() []byte {
	out := o.buf
	o.buf, o.spare = o.spare[:0], nil
	o.writing = true
	return out
}

// putLocked ends a write started by takeLocked: rest, the bytes of out the socket did not take, go back in front
// of what was appended meanwhile, and out's array is kept for reuse. o.mu must be held.
func (o *Outbox) putLocked(out, rest []byte) {
	o.writing = false
	if len(rest) > 0 && o.err != ErrOverLimit {
		b := make([]byte, 0, len(rest)+len(o.buf))
		b = append(append(b, rest...), o.buf...)
		o.buf = b
	}
	if cap(out) <= keepCap && o.err == nil {
		o.spare = out[:0]
	}
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

// AppendLater is Append without waking the writer: the caller wakes it with Wake once it has appended a run of
// frames (a pipeline of PUBLISH), so the writer sends the whole run in one write instead of waking, and writing,
// once per frame. first reports that this is the first frame appended with AppendLater since the last Wake: the
// caller must then call Wake once, soon, and need not for the frames after it. Going over the limits wakes the
// writer at once, as Append does.
func (o *Outbox) AppendLater(frame []byte) (ok, first bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return false, false
	}
	if o.hold {
		o.held = append(o.held, frame...)
	} else {
		o.buf = append(o.buf, frame...)
	}
	if o.overLocked(int64(len(o.buf) + len(o.held))) {
		o.err = ErrOverLimit
		o.buf, o.held = nil, nil
		o.signal()
		return false, false
	}
	first = !o.later
	o.later = true
	return true, first
}

// Wake wakes the writer for the frames AppendLater queued.
func (o *Outbox) Wake() {
	o.mu.Lock()
	o.later = false
	hold := o.hold
	o.mu.Unlock()
	if !hold { // Release wakes the writer for held frames
		o.signal()
	}
}

// WakeWrite is Wake that first tries to save the writer the wakeup: when no write is in progress, it takes the
// pending bytes and hands them to write on the caller's goroutine. write must never wait for the peer: it writes
// what the socket takes at once and returns how much that was (a non-blocking write). What it leaves, if
// anything, is put back first in line and the writer is woken for it, as it is when a write is in progress, the
// outbox is held or closed. Redis likewise writes a client's output from the thread that produced it, and
// installs a write handler only for what the socket did not take. A publisher calls it after a run of publishes
// with few recipients: a wakeup of the writer goroutine costs more than the write.
func (o *Outbox) WakeWrite(write func([]byte) (int, error)) {
	o.mu.Lock()
	o.later = false
	if o.hold || o.writing || o.err != nil || len(o.buf) == 0 {
		hold := o.hold
		o.mu.Unlock()
		if !hold {
			o.signal()
		}
		return
	}
	out := o.takeLocked()
	o.mu.Unlock()
	n, err := write(out)
	n = min(max(n, 0), len(out))
	o.mu.Lock()
	o.putLocked(out, out[n:])
	pending := len(o.buf) > 0 || o.err != nil || err != nil
	o.mu.Unlock()
	if pending {
		o.signal()
	}
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

// Run is the writer loop for one connection: it waits for frames, takes them and writes them to w, until the
// outbox is closed (it writes what was pending, then returns nil), cut off (ErrOverLimit) or w fails (that
// error). Run it on the connection's own goroutine; nothing else should write to w meanwhile, but WakeWrite.
func (o *Outbox) Run(w io.Writer) error {
	for range o.wake {
		for {
			o.mu.Lock()
			if o.writing || len(o.buf) == 0 {
				// Nothing to write, or WakeWrite is writing: it wakes us for what it leaves.
				writing, err := o.writing, o.err
				o.mu.Unlock()
				switch {
				case err == nil:
				case err == ErrClosed && writing:
					// Wait for WakeWrite to finish: it wakes us, since the outbox is closed.
				case err == ErrClosed:
					// Everything pending is written, and Append refuses frames after Close.
					return nil
				default:
					return err
				}
				break
			}
			out := o.takeLocked()
			o.mu.Unlock()
			n, err := w.Write(out)
			n = min(max(n, 0), len(out))
			o.mu.Lock()
			if err != nil {
				n = len(out) // the connection is done for: drop the bytes
			}
			o.putLocked(out, out[n:])
			o.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
