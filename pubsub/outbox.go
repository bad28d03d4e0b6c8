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
// or the command loop) copies frames in without blocking, and the connection's own writer goroutine (Run) waits
// for them and writes them to the socket, as nats-server's queueOutbound and writeLoop split the work.
//
// Pending bytes live in fixed-size chunks that every Outbox shares through a pool, as Redis keeps a client's
// reply list in 16 KB blocks: a backlog grows without copying what is already queued, and once written its
// chunks take the next frames of any client, so neither a burst nor many subscribers make garbage. An Outbox is
// safe for concurrent use.
type Outbox struct {
	// mu guards every field below. It is taken inside Hub.mu (from Deliver), never the other way round.
	mu        sync.Mutex
	chunks    [][]byte // pending bytes in order, each a pooled chunk; the last one is being filled
	pending   int      // bytes in chunks
	limits    Limits
	now       func() time.Time
	softSince int64 // unix seconds when usage was first seen at or above the soft limit; 0 when below
	err       error // ErrOverLimit or ErrClosed once the outbox stops taking frames
	wake      chan struct{}
	hold      bool   // Hold was called: Append parks frames in held until Release
	held      []byte // frames appended while held, counted against the limits
	later     bool   // AppendLater queued frames the writer has not been woken for (Wake clears it)
	// writing is set while Run or WakeWrite has taken chunks out and is writing them: only one at a time writes,
	// so the bytes reach the socket in order. spare is an empty chunk list for the frames appended meanwhile.
	writing bool
	spare   [][]byte
}

// ChunkSize is the size of the pooled chunks an Outbox keeps its pending bytes in.
const ChunkSize = 16 << 10

var chunkPool = sync.Pool{New: func() any { return new([ChunkSize]byte) }}

func getChunk() []byte { return chunkPool.Get().(*[ChunkSize]byte)[:0] }

// putChunks returns chunks to the pool and clears the list.
func putChunks(cs [][]byte) {
	for i, c := range cs {
		chunkPool.Put((*[ChunkSize]byte)(c[:ChunkSize]))
		cs[i] = nil
	}
}

// appendChunks copies b to the end of chunks, taking new chunks from the pool as they fill up.
func appendChunks(chunks [][]byte, b []byte) [][]byte {
	for len(b) > 0 {
		n := len(chunks)
		if n == 0 || len(chunks[n-1]) == ChunkSize {
			chunks = append(chunks, getChunk())
			n++
		}
		c := chunks[n-1]
		k := min(len(b), ChunkSize-len(c))
		chunks[n-1] = append(c, b[:k]...)
		b = b[k:]
	}
	return chunks
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

func (o *Outbox) appendLocked(b []byte) {
	o.chunks = appendChunks(o.chunks, b)
	o.pending += len(b)
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
		o.appendLocked(frame)
	}
	return o.checkLocked(true)
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
		o.appendLocked(frame)
	}
	if !o.checkLocked(false) {
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
// pending chunks and hands them to write on the caller's goroutine (write must not keep them). write must never
// wait for the peer: it writes what the socket takes at once, in order, and returns how many bytes that was (a
// non-blocking write). What it leaves, if anything, is put back first in line and the writer is woken for it, as
// it is when a write is in progress, the outbox is held or closed. Redis likewise writes a client's output from
// the thread that produced it, and installs a write handler only for what the socket did not take. A publisher
// calls it after a run of publishes with few recipients: a wakeup of the writer goroutine costs more than the
// write.
func (o *Outbox) WakeWrite(write func([][]byte) (int, error)) {
	o.mu.Lock()
	o.later = false
	if o.hold || o.writing || o.err != nil || o.pending == 0 {
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
	o.mu.Lock()
	o.putLocked(out, max(n, 0), err == nil)
	pending := o.pending > 0 || o.err != nil || err != nil
	o.mu.Unlock()
	if pending {
		o.signal()
	}
}

// takeLocked hands the pending chunks to the caller, who becomes the one writer until putLocked. o.mu must be
// held.
func (o *Outbox) takeLocked() [][]byte {
	out := o.chunks
	o.chunks, o.spare, o.pending = o.spare[:0], nil, 0
	o.writing = true
	return out
}

// putLocked ends a write started by takeLocked of which the socket took n bytes: unless the outbox was cut off
// meanwhile or keep is false (the connection is done for), the rest goes back in front of what was appended
// since; out's chunks return to the pool. o.mu must be held.
func (o *Outbox) putLocked(out [][]byte, n int, keep bool) {
	o.writing = false
	if keep && o.err != ErrOverLimit {
		var rest [][]byte
		for _, c := range out {
			if n >= len(c) {
				n -= len(c)
				continue
			}
			// Copied into fresh chunks: a write the socket cut short is rare, and the pool takes whole chunks only.
			rest = appendChunks(rest, c[n:])
			o.pending += len(c) - n
			n = 0
		}
		if rest != nil {
			o.chunks = append(rest, o.chunks...)
		}
	}
	putChunks(out)
	if o.spare == nil && cap(out) <= 64 {
		o.spare = out[:0]
	}
}

// checkLocked applies the limits to everything pending, cutting the outbox off when they are broken, and wakes
// the writer (always when cut off, else if wake and not held). o.mu must be held.
func (o *Outbox) checkLocked(wake bool) bool {
	if o.overLocked(int64(o.pending + len(o.held))) {
		o.err = ErrOverLimit
		putChunks(o.chunks)
		o.chunks, o.pending, o.held = o.chunks[:0], 0, nil
		o.signal()
		return false
	}
	if wake && !o.hold {
		o.signal()
	}
	return true
}

// Hold makes Append park frames aside (still counted against the limits, not yet visible to the writer) until
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
	o.appendLocked(reply)
	o.appendLocked(o.held)
	if cap(o.held) > 64<<10 {
		o.held = nil
	} else {
		o.held = o.held[:0]
	}
	return o.checkLocked(true)
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

// Drain appends the pending bytes to dst, empties the outbox and returns dst. Once the outbox is over its limit
// there is nothing to drain (the pending bytes were dropped); after Close, Drain still returns what was pending.
// It is for tests and tools: a connection's writer is Run.
func (o *Outbox) Drain(dst []byte) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.chunks {
		dst = append(dst, c...)
	}
	putChunks(o.chunks)
	o.chunks, o.pending = o.chunks[:0], 0
	return dst
}

// Len returns the number of pending bytes (parked ones included).
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pending + len(o.held)
}

// Err returns nil while the outbox takes frames, then ErrOverLimit or ErrClosed.
func (o *Outbox) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Close stops the outbox taking frames and wakes the writer, which still writes what was pending. Closing an
// outbox already over its limit keeps ErrOverLimit.
func (o *Outbox) Close() {
	o.mu.Lock()
	if o.err == nil {
		o.err = ErrClosed
	}
	o.mu.Unlock()
	o.signal()
}

// BuffersWriter is implemented by a writer that can write several buffers in one call, as net.Buffers does
// with writev on a socket. Run uses it when its writer has it.
type BuffersWriter interface {
	WriteBuffers(bufs [][]byte) (int64, error)
}

// Run is the writer loop for one connection: it waits for frames, takes them and writes them to w, until the
// outbox is closed (it writes what was pending, then returns nil), cut off (ErrOverLimit) or w fails (that
// error). Run it on the connection's own goroutine; nothing else should write to w meanwhile, but WakeWrite.
func (o *Outbox) Run(w io.Writer) error {
	bw, _ := w.(BuffersWriter)
	for range o.wake {
		for {
			o.mu.Lock()
			if o.writing || o.pending == 0 {
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
			var err error
			if bw != nil {
				_, err = bw.WriteBuffers(out)
			} else {
				for _, c := range out {
					if _, err = w.Write(c); err != nil {
						break
					}
				}
			}
			o.mu.Lock()
			o.putLocked(out, 0, false) // written, or the connection is done for: either way the bytes are gone
			o.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
