package resp

import "errors"

// Sentinel errors. Test with errors.Is.
var (
	// ErrIncomplete means the bytes end inside a value or command: read
	// more and call again with the longer buffer.
	ErrIncomplete = errors.New("resp: incomplete")
	// ErrProtocol marks every framing violation; the concrete error is a
	// *ProtocolError carrying the reply Redis sends before closing.
	ErrProtocol = errors.New("resp: protocol error")
	// ErrUnbalancedQuotes is returned by SplitArgs for a line Redis's
	// sdssplitargs rejects.
	ErrUnbalancedQuotes = errors.New("resp: unbalanced quotes")
	// ErrQueryBufferLimit is returned by Guard.Read when a client's pending
	// command outgrows Limits.MaxQueryBuffer; Redis closes such a client
	// without a reply.
	ErrQueryBufferLimit = errors.New("resp: query buffer limit reached")
)

// ProtocolError is a framing violation in a client command stream. Reply is
// the text Redis replies with after "-ERR ", e.g.
// "Protocol error: invalid bulk length".
type ProtocolError struct {
	Reply string
}

// Error implements error.
func (e *ProtocolError) Error() string { return "resp: " + e.Reply }

// Is makes errors.Is(err, ErrProtocol) true.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// Redis's protocol error replies (networking.c, processInlineBuffer and
// processMultibulkBuffer), without the "-ERR " prefix.
const (
	msgInvalidBulkLength      = "Protocol error: invalid bulk length"
	msgInvalidMultibulkLength = "Protocol error: invalid multibulk length"
	msgTooBigInline           = "Protocol error: too big inline request"
	msgUnbalancedQuotes       = "Protocol error: unbalanced quotes in request"
	msgTooBigMbulkCount       = "Protocol error: too big mbulk count string"
	msgTooBigBulkCount        = "Protocol error: too big bulk count string"
	msgUnauthMultibulk        = "Protocol error: unauthenticated multibulk length"
	msgUnauthBulk             = "Protocol error: unauthenticated bulk length"
	msgExpectedDollar         = "Protocol error: expected '$', got '"
)

// expectedDollar builds "Protocol error: expected '$', got 'c'" with CR and
// LF shown as a space, as addReplyErrorFormat maps them.
func expectedDollar(c byte) string {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return msgExpectedDollar + string([]byte{c}) + "'"
}
