package config

import (
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/redpebble/redpebble/pubsub"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// strtoll emulates C's strtoll(s, &end, base) followed by a check that *end
// is NUL: leading blanks and a sign are allowed, an empty string is 0, and
// overflow saturates.
func strtoll(s string, base int) (int64, bool) {
	p := 0
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	var v uint64
	over := false
	for p < len(s) {
		d := int(s[p]) - '0'
		if d < 0 || d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			over = true
		} else {
			v = v*uint64(base) + uint64(d)
		}
		p++
	}
	if p == start { // no digits: strtoll leaves end at the start of s
		return 0, s == ""
	}
	if p != len(s) {
		return 0, false
	}
	switch {
	case neg && (over || v > uint64(math.MaxInt64)+1):
		return math.MinInt64, true
	case neg:
		return -int64(v), true
	case over || v > math.MaxInt64:
		return math.MaxInt64, true
	}
	return int64(v), true
}

// strerror renders an OS error as C's strerror does ("No such file or
// directory"), so messages match the ones Redis prints.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return strerror(pe.Err)
	}
	return err.Error()
}

func checkBaseName(reason string) func(string) string {
	return func(s string) string {
		if strings.ContainsAny(s, "/\\") {
			return reason
		}
		return ""
	}
}

func checkAOFName(name, what string) func(string) string {
	return func(s string) string {
		if s == "" {
			return name + " can't be empty"
		}
		if strings.ContainsAny(s, "/\\") {
			return name + " can't be a path, just a " + what
		}
		return ""
	}
}

func getString(v value) string { return v.s }

// bind: up to 16 addresses; a single empty argument means none.
const maxBindAddrs = 16

func parseBind(_ *Config, args []string, _ value) (value, string) {
	if len(args) > maxBindAddrs {
		return value{}, "Too many bind addresses specified."
	}
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	return value{list: append([]string{}, args...)}, ""
}

func getBind(v value) string { return strings.Join(v.list, " ") }

func rewriteBind(st *rewriteState, d *directive, v, def value) {
	if v.equal(def) {
		st.markProcessed(d.name)
		return
	}
	line := d.name + " " + strings.Join(v.list, " ")
	if len(v.list) == 0 {
		line = d.name + ` ""`
	}
	st.rewriteLine(d.name, line, true)
}

// dir: Redis chdir()s at once; redpebble keeps the absolute path and checks
// that it is a directory, reporting the error chdir would.
func parseDir(c *Config, args []string, cur value) (value, string) {
	if len(args) != 1 {
		return value{}, reasonWrongArgs
	}
	p := args[0]
	if !filepath.IsAbs(p) {
		p = filepath.Join(cur.s, p)
	}
	p = filepath.Clean(p)
	fi, err := c.fsys.stat(p)
	if err != nil {
		return value{}, strerror(err)
	}
	if !fi.IsDir() {
		return value{}, strerror(syscall.ENOTDIR)
	}
	return value{s: p, set: true}, ""
}

func rewriteDir(st *rewriteState, d *directive, v, _ value) {
	st.rewriteLine(d.name, d.name+" "+catRepr(v.s), true)
}

// replicaof <host> <port> | replicaof no one.
func parseReplicaof(_ *Config, args []string, _ value) (value, string) {
	if len(args) != 2 {
		return value{}, reasonWrongArgs
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		return value{}, ""
	}
	port, ok := strtoll(args[1], 10)
	if !ok || port < 0 || port > 65535 {
		return value{}, "Invalid master port"
	}
	return value{s: args[0], n: port, set: true}, ""
}

func getReplicaof(v value) string {
	if !v.set {
		return ""
	}
	return v.s + " " + itoa(v.n)
}

func rewriteReplicaof(st *rewriteState, d *directive, v, _ value) {
	if !v.set {
		st.markProcessed(d.name)
		return
	}
	st.rewriteLine(d.name, d.name+" "+v.s+" "+itoa(v.n), true)
}

// Client classes of client-output-buffer-limit, in Redis' order.
const (
	classNormal = iota
	classReplica
	classPubsub
)

var oblNames = [3]string{"normal", "slave", "pubsub"}

func oblClass(name string) int {
	switch strings.ToLower(name) {
	case "normal":
		return classNormal
	case "slave", "replica":
		return classReplica
	case "pubsub":
		return classPubsub
	}
	return -1
}

// parseOBL parses groups of <class> <hard> <soft> <seconds> as
// updateClientOutputBufferLimit does: all groups are checked before any is
// applied, and classes not named keep their value.
func parseOBL(_ *Config, args []string, cur value) (value, string) {
	if len(args)%4 != 0 {
		return value{}, "Wrong number of arguments in buffer limit configuration."
	}
	nv := cur
	for j := 0; j < len(args); j += 4 {
		class := oblClass(args[j])
		if class < 0 {
			return value{}, "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := memtoull(args[j+1])
		soft, ok2 := memtoull(args[j+2])
		secs, ok3 := strtoll(args[j+3], 10)
		if !ok1 || !ok2 || !ok3 || int32(secs) < 0 {
			return value{}, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		nv.obl[class] = OutputBufferLimit{Hard: int64(hard), Soft: int64(soft), Seconds: int(int32(secs))}
	}
	return nv, ""
}

func getOBL(v value) string {
	var b strings.Builder
	for i, l := range v.obl {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(oblNames[i] + " " + strconv.FormatUint(uint64(l.Hard), 10) + " " +
			strconv.FormatUint(uint64(l.Soft), 10) + " " + strconv.Itoa(l.Seconds))
	}
	return b.String()
}

func rewriteOBL(st *rewriteState, d *directive, v, def value) {
	for i, l := range v.obl {
		name := oblNames[i]
		if i == classReplica {
			name = "replica"
		}
		line := d.name + " " + name + " " + formatMemory(l.Hard) + " " + formatMemory(l.Soft) + " " + strconv.Itoa(l.Seconds)
		st.rewriteLine(d.name, line, l != def.obl[i])
	}
}

func parseNotify(_ *Config, args []string, _ value) (value, string) {
	if len(args) != 1 {
		return value{}, reasonWrongArgs
	}
	f, err := pubsub.ParseNotifyFlags(args[0])
	if err != nil {
		return value{}, pubsub.NotifyFlagsHelp
	}
	return value{n: int64(f)}, ""
}

func getNotify(v value) string { return pubsub.NotifyFlags(v.n).String() }

func rewriteNotify(st *rewriteState, d *directive, v, _ value) {
	st.rewriteLine(d.name, d.name+" "+catRepr(getNotify(v)), v.n != 0)
}

// save <seconds> <changes> [...]: kept for CONFIG GET only. Within one
// configuration load, the first save line replaces the defaults and later
// ones add to it, as setConfigSaveOption does.
func parseSave(c *Config, args []string, cur value) (value, string) {
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	if len(args)%2 != 0 {
		return value{}, "Invalid save parameters"
	}
	out := []string{}
	for j, a := range args {
		v, ok := strtoll(a, 10)
		if !ok || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
			return value{}, "Invalid save parameters"
		}
		if j%2 == 1 {
			v = int64(int32(v))
		}
		out = append(out, itoa(v))
	}
	if c.loading && c.saveLoaded {
		out = append(append([]string{}, cur.list...), out...)
	}
	if c.loading {
		c.saveLoaded = true
	}
	return value{list: out}, ""
}

func rewriteSave(st *rewriteState, d *directive, v, _ value) {
	if len(v.list) == 0 {
		st.rewriteLine(d.name, d.name+` ""`, true)
	}
	for j := 0; j+1 < len(v.list); j += 2 {
		st.rewriteLine(d.name, d.name+" "+v.list[j]+" "+v.list[j+1], true)
	}
	st.markProcessed(d.name)
}

// Raw multi-argument directives redpebble only keeps (oom-score-adj-values,
// latency-tracking-info-percentiles, shutdown-on-sig*).
func parseRaw(_ *Config, args []string, _ value) (value, string) {
	if len(args) == 0 {
		return value{}, reasonWrongArgs
	}
	return value{list: append([]string{}, args...)}, ""
}

func getRaw(v value) string { return strings.Join(v.list, " ") }

func rewriteRaw(st *rewriteState, d *directive, v, def value) {
	// Redis always writes latency-tracking-info-percentiles.
	force := !v.equal(def) || d.name == "latency-tracking-info-percentiles"
	st.rewriteLine(d.name, d.name+" "+strings.Join(v.list, " "), force)
}
