package config

import (
	"math"
	"strconv"
	"strings"
)

// kind is how a directive's arguments are parsed, shown and rewritten.
type kind uint8

const (
	kindBool    kind = iota // yes/no
	kindInt                 // plain integer (string2ll rules)
	kindMemory              // byte count with optional k/kb/m/mb/g/gb unit
	kindOctal               // octal integer (unixsocketperm)
	kindEnum                // one of a fixed set of words
	kindString              // one string argument
	kindSpecial             // own parse/get/rewrite functions
)

// attr describes what may be done with a directive.
type attr uint16

const (
	flagImmutable attr = 1 << iota // CONFIG SET refuses it
	flagProtected                  // CONFIG SET refuses it unless enable-protected-configs allows
	flagIgnored                    // accepted and kept, but redpebble does not act on it
	flagMultiArg                   // takes any number of arguments (validated by its parser)
	flagNullable                   // empty string means "unset" (not rewritten)
	flagUnsigned                   // bounds are compared as unsigned, as for Redis' unsigned C types
	flagPercent                    // a memory value that also accepts "N%"
	flagSensitive                  // holds a secret (passwords)
)

// value is the stored state of one directive; which fields are used depends
// on the directive's kind.
type value struct {
	n    int64    // bool (0/1), int, memory, octal, enum index
	s    string   // string; replicaof host
	list []string // bind addresses, raw multi-arg values
	obl  [3]OutputBufferLimit
	set  bool // replicaof: a master is configured; string: value is not NULL
}

func (v value) clone() value {
	if v.list != nil {
		v.list = append([]string(nil), v.list...)
	}
	return v
}

func (v value) equal(o value) bool {
	if v.n != o.n || v.s != o.s || v.set != o.set || v.obl != o.obl || len(v.list) != len(o.list) {
		return false
	}
	for i := range v.list {
		if v.list[i] != o.list[i] {
			return false
		}
	}
	return true
}

// OutputBufferLimit is one class of client-output-buffer-limit.
type OutputBufferLimit struct {
	Hard, Soft int64 // bytes; 0 means no limit
	Seconds    int   // how long the soft limit may be exceeded
}

// Reason texts, worded as Redis 7.0 config.c words them.
const (
	reasonYesNo      = "argument must be 'yes' or 'no'"
	reasonInteger    = "argument couldn't be parsed into an integer"
	reasonMemory     = "argument must be a memory value"
	reasonMemPercent = "argument must be a memory or percent value"
	reasonOctal      = "argument couldn't be parsed as an octal number"
	reasonWrongArgs  = "wrong number of arguments"
	reasonBadDirect  = "Bad directive or wrong number of arguments"
	reasonUnbalanced = "Unbalanced quotes in configuration line"
)

// string2ll parses s as strictly as string2ll in util.c: an optional '-',
// no leading zeros, no '+', no blanks, no overflow.
func string2ll(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	p := s
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// memtoull parses a memory value as memtoull in Redis 7.0's util.c does,
// including its quirks: an empty number means 0, a number too large for
// 64 bits saturates, and the unit multiplication wraps around.
func memtoull(s string) (uint64, bool) {
	u := 0
	for u < len(s) && s[u] >= '0' && s[u] <= '9' {
		u++
	}
	var mul uint64
	switch strings.ToLower(s[u:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if u >= 128 {
		return 0, false
	}
	var v uint64
	if u > 0 {
		var err error
		v, err = strconv.ParseUint(s[:u], 10, 64)
		if err != nil {
			v = math.MaxUint64 // strtoull saturates on ERANGE
		}
	}
	return v * mul, true
}

// formatMemory writes a byte count the way rewriteConfigFormatMemory does.
func formatMemory(b int64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case b != 0 && b%gb == 0:
		return strconv.FormatInt(b/gb, 10) + "gb"
	case b != 0 && b%mb == 0:
		return strconv.FormatInt(b/mb, 10) + "mb"
	case b != 0 && b%kb == 0:
		return strconv.FormatInt(b/kb, 10) + "kb"
	}
	return strconv.FormatInt(b, 10)
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
