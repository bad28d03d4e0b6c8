package pubsub

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// NotifyFlags is a set of keyspace notification classes, the notify-keyspace-events setting. The values are
// Redis's NOTIFY_* bits (server.h, 7.0).
type NotifyFlags int

// Notification classes, with their letter in notify-keyspace-events.
const (
	NotifyKeyspace NotifyFlags = 1 << 0  // K: publish on __keyspace@<db>__:<key>
	NotifyKeyevent NotifyFlags = 1 << 1  // E: publish on __keyevent@<db>__:<event>
	NotifyGeneric  NotifyFlags = 1 << 2  // g: DEL, EXPIRE, RENAME...
	NotifyString   NotifyFlags = 1 << 3  // $
	NotifyList     NotifyFlags = 1 << 4  // l
	NotifySet      NotifyFlags = 1 << 5  // s
	NotifyHash     NotifyFlags = 1 << 6  // h
	NotifyZset     NotifyFlags = 1 << 7  // z
	NotifyExpired  NotifyFlags = 1 << 8  // x
	NotifyEvicted  NotifyFlags = 1 << 9  // e
	NotifyStream   NotifyFlags = 1 << 10 // t
	NotifyKeyMiss  NotifyFlags = 1 << 11 // m: not part of A
	NotifyLoaded   NotifyFlags = 1 << 12 // modules only; no letter
	NotifyModule   NotifyFlags = 1 << 13 // d
	NotifyNew      NotifyFlags = 1 << 14 // n: not part of A

	// NotifyAll is the A alias: every type class plus x, e and d, but not K, E, m or n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZset |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// ErrNotifyFlags is returned by ParseNotifyFlags for a character that names no class.
var ErrNotifyFlags = errors.New("pubsub: invalid event class character")

// NotifyFlagsHelp is the text Redis replies with when CONFIG SET notify-keyspace-events gets a bad class.
const NotifyFlagsHelp = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// ParseNotifyFlags parses a notify-keyspace-events value, as keyspaceEventsStringToFlags in notify.c. Letters may
// repeat and come in any order; the empty string means no notifications. Like the C code, which walks a
// NUL-terminated string, it stops at the first NUL byte.
func ParseNotifyFlags(s string) (NotifyFlags, error) {
	var f NotifyFlags
	for i := 0; i < len(s) && s[i] != 0; i++ {
		switch s[i] {
		case 'A':
			f |= NotifyAll
		case 'g':
			f |= NotifyGeneric
		case '$':
			f |= NotifyString
		case 'l':
			f |= NotifyList
		case 's':
			f |= NotifySet
		case 'h':
			f |= NotifyHash
		case 'z':
			f |= NotifyZset
		case 'x':
			f |= NotifyExpired
		case 'e':
			f |= NotifyEvicted
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 't':
			f |= NotifyStream
		case 'm':
			f |= NotifyKeyMiss
		case 'd':
			f |= NotifyModule
		case 'n':
			f |= NotifyNew
		default:
			return 0, fmt.Errorf("%w %q at offset %d", ErrNotifyFlags, s[i], i)
		}
	}
	return f, nil
}

// String formats f as CONFIG GET notify-keyspace-events shows it, as keyspaceEventsFlagsToString in notify.c:
// "A" when every class of NotifyAll is set, else the type letters in the order g$lshzxetdn, then K, E and m. Like
// Redis it drops n when A is printed, so "AKEn" reads back as "AKE".
func (f NotifyFlags) String() string {
	var b []byte
	if f&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, c := range [...]struct {
			flag   NotifyFlags
			letter byte
		}{
			{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'}, {NotifyHash, 'h'},
			{NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'}, {NotifyStream, 't'},
			{NotifyModule, 'd'}, {NotifyNew, 'n'},
		} {
			if f&c.flag != 0 {
				b = append(b, c.letter)
			}
		}
	}
	if f&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// notifyBuf is scratch space for building notification channel names.
type notifyBuf struct{ ch, ev []byte }

var notifyPool = sync.Pool{New: func() any { return new(notifyBuf) }}

// Notify publishes a keyspace event, as notifyKeyspaceEvent in notify.c: nothing unless flags (the server's
// notify-keyspace-events) include class; then, with K, event on "__keyspace@<db>__:<key>", and with E, key on
// "__keyevent@<db>__:<event>". event is the Redis event name ("set", "expired", "del"...).
func (h *Hub) Notify(flags NotifyFlags, class NotifyFlags, event string, key []byte, db int) {
	h.NotifyFrom(nil, flags, class, event, key, db)
}

// NotifyFrom is Notify for an event caused by self (which may be nil), with PublishFrom's treatment of self.
func (h *Hub) NotifyFrom(self Subscriber, flags NotifyFlags, class NotifyFlags, event string, key []byte, db int) {
	if flags&class == 0 || flags&(NotifyKeyspace|NotifyKeyevent) == 0 {
		return
	}
	b := notifyPool.Get().(*notifyBuf)
	b.ev = append(b.ev[:0], event...)
	if flags&NotifyKeyspace != 0 {
		b.ch = append(b.ch[:0], "__keyspace@"...)
		b.ch = strconv.AppendInt(b.ch, int64(db), 10)
		b.ch = append(b.ch, "__:"...)
		b.ch = append(b.ch, key...)
		h.PublishFrom(self, b.ch, b.ev)
	}
	if flags&NotifyKeyevent != 0 {
		b.ch = append(b.ch[:0], "__keyevent@"...)
		b.ch = strconv.AppendInt(b.ch, int64(db), 10)
		b.ch = append(b.ch, "__:"...)
		b.ch = append(b.ch, event...)
		h.PublishFrom(self, b.ch, key)
	}
	if cap(b.ch) > 64<<10 {
		b.ch = nil
	}
	notifyPool.Put(b)
}
