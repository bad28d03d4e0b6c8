package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// RedisVersion is the version Redis' fatal report names; redpebble speaks
// for Redis 7.0.
const RedisVersion = "7.0.15"

// maxConfigBytes bounds what one load reads, includes and standard input
// together, so a stray include of a device cannot exhaust memory.
var maxConfigBytes int64 = 64 << 20

// FatalError is a configuration Redis would refuse to start with. Its
// Error() is the report redis-server prints on standard error before
// exiting (without the final newline):
//
//	*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//	Reading the configuration file, at line 2
//	>>> 'foo bar'
//	Bad directive or wrong number of arguments
type FatalError struct {
	File   string // file (or "(command line)", "(stdin)") the line came from; informational
	Line   int    // 1-based line within the text loaded; 0 when the error is about no line
	Text   string // the offending line, trimmed
	Reason string // Redis' reason text
}

// Error returns Redis' fatal report, starting with a newline as Redis' does.
func (e *FatalError) Error() string {
	s := "\n*** FATAL CONFIG FILE ERROR (Redis " + RedisVersion + ") ***\n"
	if e.Line > 0 {
		s += fmt.Sprintf("Reading the configuration file, at line %d\n>>> '%s'\n", e.Line, e.Text)
	}
	return s + e.Reason
}

// Unwrap returns ErrFatal.
func (e *FatalError) Unwrap() error { return ErrFatal }

// OpenError is a configuration file (or include) that cannot be read. Its
// Error() is the line Redis logs before exiting.
type OpenError struct {
	Path string
	Err  error
}

// Error returns "Fatal error, can't open config file '<path>': <strerror>".
func (e *OpenError) Error() string {
	return "Fatal error, can't open config file '" + e.Path + "': " + strerror(e.Err)
}

// Unwrap returns ErrFatal and the OS error (errors.Is(err, fs.ErrNotExist) works).
func (e *OpenError) Unwrap() []error { return []error{ErrFatal, e.Err} }

// Parse reads a configuration file's text from r and returns the
// configuration, the warnings to log (one per ignored directive), or the
// error Redis would stop with. name is only used to label errors; include
// paths are resolved against the working directory (or dir, once set).
func Parse(r io.Reader, name string) (*Config, []string, error) {
	return parseFS(r, name, osFS{})
}

func parseFS(r io.Reader, name string, fsys fileSystem) (*Config, []string, error) {
	c := newConfig(fsys)
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("config: reading %s: %w", name, err)
	}
	c.total = len(data)
	if int64(c.total) > maxConfigBytes {
		return nil, nil, &FatalError{File: name, Reason: tooLarge()}
	}
	if err := c.load(string(data), name); err != nil {
		return nil, nil, err
	}
	return c, c.warnings, nil
}

// Load builds the configuration from redis-server style arguments
// (os.Args[1:]): an optional configuration file path first (any argument
// not starting with '-'), "-" first or last to read more configuration from
// standard input, then "--name value ..." groups. As main() in Redis'
// server.c does, the groups become configuration lines appended after the
// file and standard input, each value quoted, so a later directive wins. A
// value may itself start with "--" only right after an option name that has
// no value yet ("--masterauth --secret"). Errors are *FatalError or
// *OpenError, as redis-server reports them.
func Load(args []string) (*Config, []string, error) {
	return loadArgs(args, osFS{})
}

func loadArgs(args []string, fsys fileSystem) (*Config, []string, error) {
	c := newConfig(fsys)
	file, fromStdin, options := splitCommandLine(args)

	var text strings.Builder
	if file != "" || (len(args) > 0 && args[0] == "") {
		abs := file
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(c.vals[c.byName["dir"]].s, file)
		}
		data, err := c.readLimited(abs, abs)
		if err != nil {
			return nil, nil, err
		}
		text.Write(data)
		c.file = abs
		c.reading = []string{abs}
	}
	if fromStdin {
		data, err := io.ReadAll(io.LimitReader(fsys.stdin(), maxConfigBytes-int64(c.total)+1))
		if err != nil {
			return nil, nil, fmt.Errorf("config: reading standard input: %w", err)
		}
		c.total += len(data)
		if int64(c.total) > maxConfigBytes {
			return nil, nil, &FatalError{Reason: tooLarge()}
		}
		text.Write(data)
	}
	text.WriteString("\n")
	text.WriteString(options)
	name := file
	if name == "" {
		name = "(command line)"
	}
	if err := c.load(text.String(), name); err != nil {
		return nil, nil, err
	}
	// loadServerConfigFromString checks the log file can be opened.
	if lf := c.vals[c.byName["logfile"]].s; lf != "" {
		f, err := os.OpenFile(lf, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, &FatalError{Reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	return c, c.warnings, nil
}

// splitCommandLine turns arguments into the configuration file path, whether
// standard input is read, and the option text, as main() in server.c.
func splitCommandLine(args []string) (file string, fromStdin bool, options string) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file = args[0]
		j = 1
	}
	var b strings.Builder
	handledLast := true
	last := len(args) - 1
	for ; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-" && (j == 0 || j == last):
			fromStdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			words, _ := splitArgs(a)
			if len(words) != 1 {
				// Name and value in one argument ("--port 6380").
				handledLast = true
				break
			}
			handledLast = false
			nextIsOption := j != last && strings.HasPrefix(args[j+1], "--")
			switch {
			case nextIsOption && strings.EqualFold(a, "--save"):
				b.WriteString(`""`) // "--save --port 1" means save ""
				handledLast = true
			case j == last && strings.EqualFold(a, "--save"):
				b.WriteString(`""`)
			case nextIsOption && strings.EqualFold(a, "--sentinel"):
				handledLast = true
			}
		default:
			b.WriteString(catRepr(a))
			b.WriteByte(' ')
			handledLast = true
		}
	}
	return file, fromStdin, b.String()
}

func (c *Config) readLimited(shown, abs string) ([]byte, error) {
	data, err := c.fsys.readFile(abs)
	if err != nil {
		return nil, &OpenError{Path: shown, Err: err}
	}
	c.total += len(data)
	if int64(c.total) > maxConfigBytes {
		return nil, &FatalError{Reason: tooLarge()}
	}
	return data, nil
}

func (c *Config) warnIgnored(name string) {
	if c.warned[name] {
		return
	}
	c.warned[name] = true
	c.warnings = append(c.warnings, "directive '"+name+"' is ignored by redpebble")
}

// Deprecated directives Redis 7.0 still accepts (with this many arguments,
// the name included) and ignores silently.
var deprecatedDirectives = map[string]int{
	"list-max-ziplist-entries": 2,
	"list-max-ziplist-value":   2,
	"lua-replicate-commands":   2,
}

// load applies configuration text as loadServerConfigFromString does.
func (c *Config) load(text, file string) error {
	c.loading = true
	defer func() { c.loading = false }()
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		if k := strings.IndexByte(raw, 0); k >= 0 {
			raw = raw[:k]
		}
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(reason string) error {
			return &FatalError{File: file, Line: i + 1, Text: line, Reason: reason}
		}
		args, err := splitArgs(line)
		if err != nil {
			return fail(reasonUnbalanced)
		}
		if len(args) == 0 {
			continue
		}
		name := strings.ToLower(args[0])
		if d := c.byName[name]; d != nil {
			if d.flags&flagMultiArg == 0 && len(args) != 2 {
				return fail(reasonWrongArgs)
			}
			v, reason := c.parseValue(d, args[1:], c.vals[d])
			if reason != "" {
				return fail(reason)
			}
			c.vals[d] = v
			if d.flags&flagIgnored != 0 {
				c.warnIgnored(d.name)
			}
			continue
		}
		if n, ok := deprecatedDirectives[name]; ok && n == len(args) {
			continue
		}
		switch {
		case name == "include" && len(args) == 2:
			if reason, err := c.include(args[1]); err != nil {
				return err
			} else if reason != "" {
				return fail(reason)
			}
		case name == "rename-command" && len(args) == 3:
			c.renames = append(c.renames, append([]string{}, args[1:]...))
			c.warnIgnored("rename-command")
		case name == "user" && len(args) >= 2:
			if ValidateUser != nil {
				if err := ValidateUser(args[1:], c.users); err != nil {
					return fail(fmt.Sprintf("Error in user declaration '%s': %s", args[1], err))
				}
			}
			c.users = append(c.users, append([]string{}, args[1:]...))
		case name == "loadmodule" && len(args) >= 2:
			return fail("redpebble cannot load Redis modules")
		case strings.Contains(name, "."):
			if len(args) != 2 {
				return fail("Module config specified without value")
			}
			return fail("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")
		case name == "sentinel":
			if len(args) != 1 {
				return fail("sentinel directive while not in sentinel mode")
			}
		default:
			return fail(reasonBadDirect)
		}
	}
	return nil
}

// include loads another file (or every file a glob pattern matches,
// concatenated, as loadServerConfig does) at this point of the load. A
// relative path is relative to the current directory, which a preceding
// dir directive changes in Redis. It returns a reason for a fatal report at
// the include line (an include loop), or an error of the included text.
func (c *Config) include(path string) (string, error) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(c.vals[c.byName["dir"]].s, path)
	}
	abs = filepath.Clean(abs)
	files := []string{abs}
	shown := []string{path}
	if strings.ContainsAny(path, "*?[") {
		m, err := c.fsys.glob(abs)
		if err != nil || len(m) == 0 {
			return "", nil // glob(3) failing or matching nothing is not an error
		}
		files, shown = m, m
	}
	for _, f := range files {
		for _, r := range c.reading {
			if r == f {
				return "include loop: '" + f + "' is already being read", nil
			}
		}
	}
	var buf bytes.Buffer
	for i, f := range files {
		data, err := c.readLimited(shown[i], f)
		if err != nil {
			return "", err
		}
		buf.Write(data)
	}
	saved := c.reading
	c.reading = append(append([]string{}, saved...), files...)
	err := c.load(buf.String(), path)
	c.reading = saved
	c.loading = true
	return "", err
}

// osFS is the real file system.
type osFS struct{}

func (osFS) readFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}
func (osFS) stat(p string) (os.FileInfo, error) { return os.Stat(p) }
func (osFS) glob(p string) ([]string, error)    { return filepath.Glob(p) }
func (osFS) getwd() (string, error)             { return os.Getwd() }
func (osFS) stdin() io.Reader                   { return os.Stdin }

func tooLarge() string {
	return fmt.Sprintf("configuration larger than %d bytes", maxConfigBytes)
}
