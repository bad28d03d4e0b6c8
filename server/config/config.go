package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redpebble/redpebble/pubsub"
)

// Sentinel errors, usable with errors.Is on what this package returns.
var (
	// ErrFatal marks a configuration that Redis would refuse to start with
	// (a *FatalError, or a *OpenError for a file that cannot be read).
	ErrFatal = errors.New("config: fatal configuration error")
	// ErrUnknownOption marks a CONFIG SET of a name that is not a directive.
	ErrUnknownOption = errors.New("config: unknown option")
	// ErrImmutable marks a CONFIG SET of a directive fixed at start-up.
	ErrImmutable = errors.New("config: immutable config")
	// ErrProtected marks a CONFIG SET of a protected directive (dir,
	// dbfilename) while enable-protected-configs does not allow it.
	ErrProtected = errors.New("config: protected config")
	// ErrInvalid marks a value a directive refuses, or a hook's refusal.
	ErrInvalid = errors.New("config: invalid value")
	// ErrInvalidConfig is returned (wrapped) by Validate.
	ErrInvalidConfig = errors.New("config: invalid configuration")
)

// Config is a parsed configuration: every directive's current value, the
// user lines, the configuration file it came from, and the hooks the server
// registered. All methods are safe for concurrent use.
type Config struct {
	// setMu serializes CONFIG SET and their hooks. Lock order: setMu, then mu.
	setMu sync.Mutex
	// mu guards vals, users, renames, hooks, file.
	mu      sync.RWMutex
	byName  map[string]*directive // canonical names and aliases
	table   []*directive
	vals    map[*directive]value
	defs    map[*directive]value
	users   [][]string
	renames [][]string
	hooks   map[*directive][]func(string) error
	file    string // absolute path of the configuration file, if any
	// userLines gives CONFIG REWRITE the current "user" lines (SetUserLines).
	userLines func() []string

	// Load-time state, used only while one goroutine parses.
	fsys       fileSystem
	loading    bool
	saveLoaded bool
	warned     map[string]bool
	warnings   []string
	reading    []string // stack of files being read, for include loops
	total      int      // bytes read so far, against maxConfigBytes
}

// DefaultConfig returns a configuration holding every directive's default.
func DefaultConfig() *Config {
	c := newConfig(osFS{})
	return c
}

func newConfig(fsys fileSystem) *Config {
	c := &Config{
		byName: map[string]*directive{},
		table:  newTable(),
		vals:   map[*directive]value{},
		defs:   map[*directive]value{},
		hooks:  map[*directive][]func(string) error{},
		fsys:   fsys,
		warned: map[string]bool{},
	}
	cwd, err := fsys.getwd()
	if err != nil {
		cwd = "/"
	}
	for _, d := range c.table {
		if _, dup := c.byName[d.name]; dup {
			panic("config: duplicate directive " + d.name)
		}
		c.byName[d.name] = d
		for _, a := range d.aliases {
			if _, dup := c.byName[a]; dup {
				panic("config: duplicate directive " + a)
			}
			c.byName[a] = d
		}
		var v value
		var reason string
		switch d.name {
		case "dir":
			v = value{s: cwd, set: true}
		case "replicaof":
			v = value{}
		default:
			v, reason = c.parseValue(d, defaultArgs(d), value{})
		}
		if reason != "" {
			panic("config: bad default for " + d.name + ": " + reason)
		}
		c.vals[d] = v
		c.defs[d] = v.clone()
	}
	return c
}

func defaultArgs(d *directive) []string {
	if d.flags&flagMultiArg != 0 {
		if d.def == "" {
			return nil
		}
		return strings.Split(d.def, " ")
	}
	return []string{d.def}
}

// parseValue turns a directive's arguments into its value, or returns the
// reason Redis gives for refusing them. cur is the current value (some
// multi-argument directives update it rather than replace it).
func (c *Config) parseValue(d *directive, args []string, cur value) (value, string) {
	if d.kind == kindSpecial {
		return d.parse(c, args, cur)
	}
	if len(args) != 1 {
		return value{}, reasonWrongArgs
	}
	a := args[0]
	var v value
	switch d.kind {
	case kindBool:
		switch {
		case strings.EqualFold(a, "yes"):
			v.n = 1
		case strings.EqualFold(a, "no"):
			v.n = 0
		default:
			return value{}, reasonYesNo
		}
		if d.name == "daemonize" && v.n == 1 {
			return value{}, "redpebble does not daemonize: run it in the foreground under a supervisor"
		}
		return v, ""
	case kindEnum:
		for i, w := range d.enum {
			if strings.EqualFold(a, w) {
				return value{n: int64(i)}, ""
			}
		}
		msg := "argument(s) must be one of the following: " + strings.Join(d.enum, ", ")
		if len(msg) > 255 { // Redis copies it into a 256-byte buffer
			msg = msg[:255]
		}
		return value{}, msg
	case kindString:
		if d.check != nil {
			if r := d.check(a); r != "" {
				return value{}, r
			}
		}
		if a == "" && d.flags&flagNullable != 0 {
			return value{}, ""
		}
		return value{s: a, set: true}, ""
	case kindInt:
		n, ok := string2ll(a)
		if !ok {
			return value{}, reasonInteger
		}
		v.n = n
	case kindOctal:
		n, ok := strtoll(a, 8)
		if !ok {
			return value{}, reasonOctal
		}
		v.n = n
	case kindMemory:
		if u, ok := memtoull(a); ok {
			v.n = int64(u)
		} else if n, ok := string2ll(strings.TrimSuffix(a, "%")); d.flags&flagPercent != 0 &&
			len(a) > 1 && strings.HasSuffix(a, "%") && ok && n >= 0 {
			v.n = -n
		} else if d.flags&flagPercent != 0 {
			return value{}, reasonMemPercent
		} else {
			return value{}, reasonMemory
		}
	}
	if r := d.checkBounds(v.n); r != "" {
		return value{}, r
	}
	if d.name == "hz" { // accepted out of range but capped, as updateHZ does
		v.n = min(max(v.n, 1), 500)
	}
	return v, ""
}

// checkBounds is numericBoundaryCheck in config.c.
func (d *directive) checkBounds(n int64) string {
	if d.flags&flagUnsigned != 0 {
		u, lo, hi := uint64(n), uint64(d.min), uint64(d.max)
		if u > hi || u < lo {
			if d.kind == kindOctal {
				return fmt.Sprintf("argument must be between %o and %o inclusive", lo, hi)
			}
			return fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi)
		}
		return ""
	}
	if d.flags&flagPercent != 0 && n < 0 {
		if n < d.min {
			return fmt.Sprintf("percentage argument must be less or equal to %d", -d.min)
		}
		return ""
	}
	if n > d.max || n < d.min {
		return fmt.Sprintf("argument must be between %d and %d inclusive", d.min, d.max)
	}
	return ""
}

// format renders v as CONFIG GET shows it.
func (d *directive) format(v value) string {
	switch d.kind {
	case kindBool:
		return yesno(v.n != 0)
	case kindEnum:
		if v.n >= 0 && int(v.n) < len(d.enum) {
			return d.enum[v.n]
		}
		return "unknown"
	case kindString:
		return v.s
	case kindOctal:
		return strconv.FormatInt(v.n, 8)
	case kindMemory:
		if d.flags&flagPercent != 0 && v.n < 0 {
			return itoa(-v.n) + "%"
		}
		return strconv.FormatUint(uint64(v.n), 10)
	case kindInt:
		return itoa(v.n)
	}
	return d.get(v)
}

func (c *Config) lookup(name string) *directive {
	return c.byName[strings.ToLower(name)]
}

func (c *Config) mustLookup(name string) *directive {
	d := c.lookup(name)
	if d == nil {
		panic(fmt.Sprintf("config: unknown directive %q", name))
	}
	return d
}

// Get returns the value of directive name (or alias) as CONFIG GET shows it:
// memory values as plain byte counts, booleans as yes/no, bind as a
// space-separated list, client-output-buffer-limit as
// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".
// ok is false for a name that is no directive.
func (c *Config) Get(name string) (string, bool) {
	d := c.lookup(name)
	if d == nil {
		return "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return d.format(c.vals[d]), true
}

// Names returns every directive name and alias CONFIG GET answers to,
// sorted, for the server's glob matching.
func (c *Config) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Canonical returns the primary name of a directive given its name or an
// alias ("slaveof" gives "replicaof"), or "" if name is no directive.
func (c *Config) Canonical(name string) string {
	if d := c.lookup(name); d != nil {
		return d.name
	}
	return ""
}

// Mutable reports whether CONFIG SET may change directive name.
func (c *Config) Mutable(name string) bool {
	d := c.lookup(name)
	return d != nil && d.flags&flagImmutable == 0
}

// Ignored reports whether redpebble accepts directive name without acting on it.
func (c *Config) Ignored(name string) bool {
	d := c.lookup(name)
	return d != nil && d.flags&flagIgnored != 0
}

// Sensitive reports whether directive name holds a secret that logs and
// MONITOR must not show (requirepass, masterauth, masteruser).
func (c *Config) Sensitive(name string) bool {
	d := c.lookup(name)
	return d != nil && d.flags&flagSensitive != 0
}

func (c *Config) val(name string, kinds ...kind) (*directive, value) {
	d := c.mustLookup(name)
	ok := false
	for _, k := range kinds {
		ok = ok || d.kind == k
	}
	if !ok {
		panic(fmt.Sprintf("config: directive %q has another type", name))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return d, c.vals[d]
}

// Int returns an integer directive ("port", "databases", "hz",
// "unixsocketperm"...). It panics if name is no integer directive: that is
// a programming error.
func (c *Config) Int(name string) int {
	_, v := c.val(name, kindInt, kindOctal)
	return int(v.n)
}

// Int64 is Int for the directives whose range exceeds 32 bits
// ("slowlog-log-slower-than", "stream-node-max-entries").
func (c *Config) Int64(name string) int64 {
	_, v := c.val(name, kindInt, kindOctal)
	return v.n
}

// Bool returns a yes/no directive. It panics if name is no such directive.
func (c *Config) Bool(name string) bool {
	_, v := c.val(name, kindBool)
	return v.n != 0
}

// Memory returns a byte-count directive ("maxmemory", "proto-max-bulk-len").
// A maxmemory-clients percentage is returned negated (-10 for "10%"), as
// Redis stores it. It panics if name is no memory directive.
func (c *Config) Memory(name string) int64 {
	_, v := c.val(name, kindMemory)
	return v.n
}

// String returns a string or enum directive, or any directive in its
// CONFIG GET form. It panics if name is no directive.
func (c *Config) String(name string) string {
	d := c.mustLookup(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return d.format(c.vals[d])
}

// Strings returns a multi-argument directive's arguments ("bind", "save").
// It panics if name is no such directive.
func (c *Config) Strings(name string) []string {
	d := c.mustLookup(name)
	if d.kind != kindSpecial || d.flags&flagMultiArg == 0 || d.name == "replicaof" || d.name == "client-output-buffer-limit" {
		panic(fmt.Sprintf("config: directive %q is not a list", name))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string{}, c.vals[d].list...)
}

// Replicaof returns the configured master, if any.
func (c *Config) Replicaof() (host string, port int, ok bool) {
	_, v := c.val("replicaof", kindSpecial)
	return v.s, int(v.n), v.set
}

// ClientOutputBufferLimit returns the limits of a client class: "normal",
// "replica" (or "slave") or "pubsub". Unknown classes give zeros.
func (c *Config) ClientOutputBufferLimit(class string) (hard, soft int64, secs int) {
	_, v := c.val("client-output-buffer-limit", kindSpecial)
	i := oblClass(class)
	if i < 0 {
		return 0, 0, 0
	}
	l := v.obl[i]
	return l.Hard, l.Soft, l.Seconds
}

// KeyspaceEvents returns notify-keyspace-events as pubsub's Notify* flags.
func (c *Config) KeyspaceEvents() pubsub.NotifyFlags {
	_, v := c.val("notify-keyspace-events", kindSpecial)
	return pubsub.NotifyFlags(v.n)
}

// Users returns the arguments of every "user" line, in order (the user name
// first, then its ACL rules), unparsed.
func (c *Config) Users() [][]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([][]string, len(c.users))
	for i, u := range c.users {
		out[i] = append([]string{}, u...)
	}
	return out
}

// ConfigFile returns the absolute path of the configuration file the
// configuration was loaded from, or "" (CONFIG REWRITE then refuses).
func (c *Config) ConfigFile() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.file
}

// OnChange registers fn to run after a CONFIG SET changes directive name
// (or its alias), with the new value in CONFIG GET form. If fn returns an
// error the previous value is restored and the CONFIG SET fails with the
// error's text, as Redis' apply functions do. fn runs without the
// configuration's locks held, so it may read the configuration, but it
// must not call Set (CONFIG SET calls are serialized). It panics if name
// is no directive.
func (c *Config) OnChange(name string, fn func(newValue string) error) {
	d := c.mustLookup(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks[d] = append(c.hooks[d], fn)
}

// SetError is a refused CONFIG SET. Its Error() is the reply Redis sends.
type SetError struct {
	Name    string // the argument the error is about, as given
	Reason  string // Redis' reason text; empty for ErrUnknownOption
	Unknown bool   // the name is no directive
	kind    error
}

// Error returns the reply Redis 7.0 gives, e.g. "ERR CONFIG SET failed
// (possibly related to argument 'port') - can't set immutable config".
func (e *SetError) Error() string {
	if e.Unknown {
		return "ERR Unknown option or number of arguments for CONFIG SET - '" + e.Name + "'"
	}
	if e.Reason == "" {
		return "ERR CONFIG SET failed (possibly related to argument '" + e.Name + "')"
	}
	return "ERR CONFIG SET failed (possibly related to argument '" + e.Name + "') - " + e.Reason
}

// Unwrap returns the sentinel (ErrUnknownOption, ErrImmutable, ErrProtected
// or ErrInvalid) the error is an instance of.
func (e *SetError) Unwrap() error { return e.kind }

// Set changes one directive at run time, as CONFIG SET name value from a
// non-local client. See SetMany.
func (c *Config) Set(name, value string) error {
	return c.SetMany([][2]string{{name, value}}, false)
}

// SetMany is CONFIG SET with one or more name/value pairs, applied all or
// nothing as configSetCommand does: unknown names, immutable or protected
// directives and duplicates are refused first; then every value is parsed
// (multi-argument values are split on single spaces); then the OnChange
// hooks of the directives whose value changed run; any failure restores
// every previous value. localClient says whether the client connects over
// loopback or a unix socket (for enable-protected-configs local).
func (c *Config) SetMany(pairs [][2]string, localClient bool) error {
	return c.setMany(pairs, localClient, false)
}

// SetInternal changes a directive on the server's own behalf, bypassing the
// immutable and protected checks: REPLICAOF updates "replicaof" (value
// "host port" or "no one") this way so that CONFIG GET and CONFIG REWRITE
// show the current master. Values are parsed and hooks run as for Set.
func (c *Config) SetInternal(name, value string) error {
	return c.setMany([][2]string{{name, value}}, true, true)
}

func (c *Config) setMany(pairs [][2]string, localClient, internal bool) error {
	c.setMu.Lock()
	defer c.setMu.Unlock()

	ds := make([]*directive, len(pairs))
	var first error
	for i, p := range pairs {
		d := c.lookup(p[0])
		if d == nil {
			if first == nil || !first.(*SetError).Unknown {
				first = &SetError{Name: p[0], Unknown: true, kind: ErrUnknownOption}
			}
			continue
		}
		if first != nil {
			continue
		}
		if d.flags&flagImmutable != 0 && !internal {
			first = &SetError{Name: p[0], Reason: "can't set immutable config", kind: ErrImmutable}
			continue
		}
		if d.flags&flagProtected != 0 && !internal && !c.protectedAllowed(localClient) {
			first = &SetError{Name: p[0], Reason: "can't set protected config", kind: ErrProtected}
			continue
		}
		for j := 0; j < i; j++ {
			if ds[j] == d {
				first = &SetError{Name: p[0], Reason: "duplicate parameter", kind: ErrInvalid}
			}
		}
		ds[i] = d
	}
	if first != nil {
		return first
	}

	c.mu.Lock()
	old := make([]value, len(pairs))
	for i, d := range ds {
		old[i] = c.vals[d].clone()
	}
	restore := func() {
		for i := len(ds) - 1; i >= 0; i-- {
			c.vals[ds[i]] = old[i]
		}
	}
	type change struct {
		d     *directive
		name  string
		value string
	}
	var changed []change
	for i, d := range ds {
		args := []string{pairs[i][1]}
		if d.flags&flagMultiArg != 0 {
			args = nil
			if pairs[i][1] != "" {
				args = strings.Split(pairs[i][1], " ")
			}
		}
		nv, reason := c.parseValue(d, args, c.vals[d])
		if reason != "" {
			restore()
			c.mu.Unlock()
			return &SetError{Name: strings.ToLower(pairs[i][0]), Reason: reason, kind: ErrInvalid}
		}
		if !nv.equal(c.vals[d]) {
			c.vals[d] = nv
			changed = append(changed, change{d, strings.ToLower(pairs[i][0]), d.format(nv)})
		}
	}
	hooks := make([][]func(string) error, len(changed))
	for i, ch := range changed {
		hooks[i] = append(hooks[i], c.hooks[ch.d]...)
	}
	c.mu.Unlock()

	for i, ch := range changed {
		for _, fn := range hooks[i] {
			if err := fn(ch.value); err != nil {
				c.mu.Lock()
				restore()
				c.mu.Unlock()
				// Hand the restored values back to the hooks that saw the new
				// ones, as restoreBackupConfig re-runs the apply functions.
				for k := 0; k <= i; k++ {
					restored := c.mustGet(changed[k].d)
					for _, h := range hooks[k] {
						_ = h(restored)
					}
				}
				return &SetError{Name: ch.name, Reason: err.Error(), kind: ErrInvalid}
			}
		}
	}
	return nil
}

func (c *Config) mustGet(d *directive) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return d.format(c.vals[d])
}

// protectedAllowed is allowProtectedAction for enable-protected-configs.
func (c *Config) protectedAllowed(local bool) bool {
	d := c.byName["enable-protected-configs"]
	c.mu.RLock()
	v := c.vals[d].n
	c.mu.RUnlock()
	return d.enum[v] == "yes" || (d.enum[v] == "local" && local)
}

// Validate checks the configuration as a whole, the way Redis refuses to
// start after loading it: somewhere to listen, a master port that is not 0.
func (c *Config) Validate() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g := func(name string) value { return c.vals[c.byName[name]] }
	if (g("port").n == 0 || len(g("bind").list) == 0) && g("tls-port").n == 0 && !g("unixsocket").set {
		return fmt.Errorf("%w: configured to not listen anywhere (port, bind, tls-port and unixsocket)", ErrInvalidConfig)
	}
	if r := g("replicaof"); r.set && r.n == 0 {
		return fmt.Errorf("%w: replicaof %s with port 0", ErrInvalidConfig, r.s)
	}
	if g("cluster-enabled").n != 0 {
		return fmt.Errorf("%w: cluster-enabled yes is not supported by redpebble", ErrInvalidConfig)
	}
	if g("tls-port").n != 0 || g("tls-replication").n != 0 {
		if !g("tls-cert-file").set || !g("tls-key-file").set {
			return fmt.Errorf("%w: TLS needs tls-cert-file and tls-key-file", ErrInvalidConfig)
		}
	}
	return nil
}

// fileSystem is what loading needs from the OS; tests and the fuzzer swap
// in an in-memory one.
type fileSystem interface {
	readFile(path string) ([]byte, error)
	stat(path string) (os.FileInfo, error)
	glob(pattern string) ([]string, error)
	getwd() (string, error)
	stdin() io.Reader
}
