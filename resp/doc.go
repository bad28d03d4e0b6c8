// Package resp parses and writes the Redis serialization protocol (RESP2
// and RESP3). It owns the wire format only: it knows nothing of commands,
// keys or connections beyond a net.Conn it may wrap, and imports only the
// standard library.
//
// Writing replies: the Append* functions append one reply (or an aggregate
// header) to a caller's buffer, as strconv.AppendInt does, choosing the
// RESP2 or RESP3 form from a Proto where the two differ:
//
//	b = resp.AppendArrayLen(b, 2)
//	b = resp.AppendBulkString(b, "a")
//	b = resp.AppendDouble(b, 1.5, proto)
//
// Numbers are printed as Redis 7.0 prints them: FormatDouble is C's "%.17g"
// (addReplyDouble, scores); LongDouble parses, adds and prints x87 long
// doubles exactly as INCRBYFLOAT and HINCRBYFLOAT do (string2ld, ld2string).
//
// Reading: ParseValue and ParseCommand are pure functions over a byte
// slice that return the value or command and the bytes it took, or
// ErrIncomplete when more input is needed. SplitArgs is Redis's
// sdssplitargs, used for inline commands and config lines.
//
// Serving clients: Guard wraps an accepted net.Conn (Listener does it on
// Accept) and validates the byte stream with an incremental state machine
// before a RESP reader trusts any length header; on a violation it
// sends Redis's exact protocol error and fails the read so the server
// closes the connection. It never panics, allocates nothing per read in the
// steady state, and never allocates from a length header.
//
// Following a master: Reader is a buffered reader for the replication link
// (reply lines, then an RDB payload, then the command stream with exact
// byte counts for offsets); NewEOFMarkReader ends a diskless "$EOF:<mark>"
// payload at its mark.
//
// Nothing here panics on input; errors are prefixed "resp: " and match
// ErrIncomplete, ErrProtocol, ErrUnbalancedQuotes or ErrQueryBufferLimit
// with errors.Is.
package resp
