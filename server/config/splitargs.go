package config

import (
	"strings"

	"github.com/redpebble/redpebble/resp"
)

// splitArgs splits a line into arguments the way sdssplitargs in sds.c does
// (resp.SplitArgs, shared with inline commands). errUnbalanced is its error
// for quotes that do not close or a closing quote followed by a non-blank.
func splitArgs(line string) ([]string, error) { return resp.SplitArgs(line) }

var errUnbalanced = resp.ErrUnbalancedQuotes

// isSpace reports whether b is a space as C's isspace() sees it.
func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

// catRepr quotes s the way sdscatrepr in sds.c does: inside double quotes,
// with \\ \" \n \r \t \a \b escaped, other printable ASCII as is, and any
// other byte as \xHH (lower-case hex).
func catRepr(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
