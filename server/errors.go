package server

// Client-facing error texts, in Redis 7.0's exact wording.
const (
	errSyntax        = "ERR syntax error"
	errNotInt        = "ERR value is not an integer or out of range"
	errNotFloat      = "ERR value is not a valid float"
	errOverflow      = "ERR increment or decrement would overflow"
	errWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNoSuchKey     = "ERR no such key"
	errWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	errInvalidExpire = "ERR invalid expire time in '%s' command"
	errOffsetRange   = "ERR offset is out of range"
	errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errDebugDisabled = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
)
