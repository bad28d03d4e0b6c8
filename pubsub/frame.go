package pubsub

import "strconv"

// Reply kinds, as the first element of every pub/sub frame Redis sends.
const (
	KindSubscribe    = "subscribe"
	KindUnsubscribe  = "unsubscribe"
	KindPSubscribe   = "psubscribe"
	KindPUnsubscribe = "punsubscribe"
	KindSSubscribe   = "ssubscribe"
	KindSUnsubscribe = "sunsubscribe"
	KindMessage      = "message"
	KindPMessage     = "pmessage"
	KindSMessage     = "smessage"
)

// appendHeader appends the frame header for n elements: a RESP2 array ('*') or, for RESP3 clients, a push ('>'),
// as addReplyPubsub* in pubsub.c choose with c->resp.
func appendHeader(dst []byte, proto, n int) []byte {
	if proto == 3 {
		dst = append(dst, '>')
	} else {
		dst = append(dst, '*')
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

func appendBulk(dst []byte, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

func appendBulkString(dst []byte, s string) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendConfirm appends the confirmation frame Redis sends for one (un)subscription: kind is one of the Kind*
// subscribe/unsubscribe constants, name the channel or pattern, count the client's running count. A nil name is
// written as a null (RESP2 "$-1", RESP3 "_"), which Redis sends when an unsubscribe-all finds nothing to drop
// (addReplyPubsubUnsubscribed with a NULL channel). The Hub already delivers these frames itself; AppendConfirm is
// exported for servers that replay confirmations, for instance inside MULTI.
func AppendConfirm(dst []byte, proto int, kind string, name []byte, count int) []byte {
	dst = appendHeader(dst, proto, 3)
	dst = appendBulkString(dst, kind)
	switch {
	case name != nil:
		dst = appendBulk(dst, name)
	case proto == 3:
		dst = append(dst, "_\r\n"...)
	default:
		dst = append(dst, "$-1\r\n"...)
	}
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(count), 10)
	return append(dst, '\r', '\n')
}

// AppendMessage appends a "message" (or, with kind KindSMessage, "smessage") frame for channel and msg.
func AppendMessage(dst []byte, proto int, kind string, channel, msg []byte) []byte {
	dst = appendHeader(dst, proto, 3)
	dst = appendBulkString(dst, kind)
	dst = appendBulk(dst, channel)
	return appendBulk(dst, msg)
}

// AppendPMessage appends a "pmessage" frame: the pattern that matched, the channel and msg.
func AppendPMessage(dst []byte, proto int, pattern, channel, msg []byte) []byte {
	dst = appendHeader(dst, proto, 4)
	dst = appendBulkString(dst, KindPMessage)
	dst = appendBulk(dst, pattern)
	dst = appendBulk(dst, channel)
	return appendBulk(dst, msg)
}
