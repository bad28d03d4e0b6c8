package server

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/redpebble/redpebble/replication/rdb"
	"github.com/redpebble/redpebble/store"
)

// Scripts and functions, storage only: SCRIPT LOAD/EXISTS/FLUSH keep EVAL's
// script cache (in memory, as Redis, which never persists it), and FUNCTION
// LOAD/DELETE/FLUSH/RESTORE keep function libraries in the store (Redis saves
// them in its RDB and a master propagates FUNCTION LOAD), so FUNCTION LIST,
// DUMP and STATS answer as Redis. Running Lua is not supported yet: EVAL,
// EVALSHA and FCALL of known code answer errScriptingUnsupported.

const errScriptingUnsupported = "ERR scripting is not supported by redpebble yet (the script or function is stored but cannot run)"

// funcLib is one function library.
type funcLib struct {
	name  string
	code  []byte
	funcs []funcDef
}

// funcDef is one function registered by a library.
type funcDef struct {
	name, desc string
	hasDesc    bool
	flags      []string
}

// scripting holds the script cache and the function libraries.
type scripting struct {
	mu      sync.Mutex // guards scripts, libs
	scripts map[string][]byte
	libs    map[string]*funcLib
}

func (sc *scripting) funcOwner(name string) *funcLib {
	for _, l := range sc.libs {
		for _, f := range l.funcs {
			if f.name == name {
				return l
			}
		}
	}
	return nil
}

// blobFunctionPrefix prefixes the store blob of each library.
const blobFunctionPrefix = "f:"

func (s *Server) registerScripting() {
	t, rc := s.cmds, s.rcmds
	s.scripting.scripts = map[string][]byte{}
	s.scripting.libs = map[string]*funcLib{}
	t.add(rc, "script|load", cmdScriptLoad)
	t.add(rc, "script|exists", cmdScriptExists)
	t.add(rc, "script|flush", cmdScriptFlush)
	t.add(rc, "script|kill", func(c *Client) { c.errReply("NOTBUSY No scripts in execution right now.") })
	t.add(rc, "script|help", func(c *Client) { helpReply(c, "SCRIPT", scriptHelp) })
	for _, name := range []string{"eval", "eval_ro", "evalsha", "evalsha_ro"} {
		t.add(rc, name, cmdEval)
	}
	t.add(rc, "fcall", cmdFcall)
	t.add(rc, "fcall_ro", cmdFcall)
	t.add(rc, "function|load", cmdFunctionLoad)
	t.add(rc, "function|list", cmdFunctionList)
	t.add(rc, "function|delete", cmdFunctionDelete)
	t.add(rc, "function|flush", cmdFunctionFlush)
	t.add(rc, "function|dump", cmdFunctionDump)
	t.add(rc, "function|restore", cmdFunctionRestore)
	t.add(rc, "function|stats", cmdFunctionStats)
	t.add(rc, "function|kill", func(c *Client) { c.errReply("NOTBUSY No scripts in execution right now.") })
	t.add(rc, "function|help", func(c *Client) { helpReply(c, "FUNCTION", functionHelp) })
}

// loadFunctions reads the stored libraries at start-up.
func (s *Server) loadFunctions() error {
	return s.db.View(true, func(tx *store.Tx) error {
		var err error
		tx.Blobs([]byte(blobFunctionPrefix), func(name, value []byte) bool {
			var lib *funcLib
			if lib, err = parseLibrary(bytes.Clone(value)); err != nil {
				err = fmt.Errorf("server: stored function library %q: %w", name, err)
				return false
			}
			s.scripting.libs[lib.name] = lib
			return true
		})
		return err
	})
}

var scriptHelp = []string{
	"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
	"EXISTS <sha1> [<sha1> ...]", "    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL", "    Kill the currently executing Lua script.",
	"LOAD <script>", "    Load a script into the scripts cache without executing it.",
}

var functionHelp = []string{
	"LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library with the given library name and code.",
	"DELETE <LIBRARY NAME>", "    Delete the given library.",
	"LIST [LIBRARYNAME PATTERN] [WITHCODE]", "    Return general information on all the libraries:",
	"    * Library name", "    * The engine used to run the Library",
	"    * Library description", "    * Functions list", "    * Library code (if WITHCODE is given)",
	"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
	"STATS", "    Return information about the current function running:",
	"    * Function name", "    * Command used to run the function",
	"    * Duration in MS that the function is running",
	"    If no function is running, return nil",
	"    In addition, returns a list of available engines.",
	"KILL", "    Kill the current running function.",
	"FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.",
	"DUMP", "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
	"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
	"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
	"    control how to handle existing libraries (default APPEND):",
	"    * FLUSH: delete all existing libraries.",
	"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
	"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
	"      libraries with the new libraries (notice that even on this option there is a chance of failure",
	"      in case of functions name collision with another library).",
}

func scriptSHA(code []byte) string {
	h := sha1.Sum(code)
	return hex.EncodeToString(h[:])
}

func cmdScriptLoad(c *Client) {
	sha := scriptSHA(c.args[2])
	sc := &c.s.scripting
	sc.mu.Lock()
	sc.scripts[sha] = bytes.Clone(c.args[2])
	sc.mu.Unlock()
	c.bulkString(sha)
}

func cmdScriptExists(c *Client) {
	sc := &c.s.scripting
	c.arrayLen(len(c.args) - 2)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, a := range c.args[2:] {
		_, ok := sc.scripts[strings.ToLower(string(a))]
		c.integer(b2i(ok))
	}
}

// flushMode checks the optional SYNC|ASYNC argument of a FLUSH subcommand.
func flushMode(c *Client, errText string) bool {
	if len(c.args) > 3 {
		c.errReply(errSyntax)
		return false
	}
	if len(c.args) == 3 && !strings.EqualFold(string(c.args[2]), "SYNC") && !strings.EqualFold(string(c.args[2]), "ASYNC") {
		c.errReply(errText)
		return false
	}
	return true
}

func cmdScriptFlush(c *Client) {
	if !flushMode(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option") {
		return
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	clear(sc.scripts)
	sc.mu.Unlock()
	c.ok()
}

// numKeysOK checks EVAL/FCALL's numkeys argument, as evalGenericCommand.
func numKeysOK(c *Client) bool {
	n, ok := c.argInt(2)
	if !ok {
		return false
	}
	switch {
	case n > int64(len(c.args)-3):
		c.errReply("ERR Number of keys can't be greater than number of args")
		return false
	case n < 0:
		c.errReply("ERR Number of keys can't be negative")
		return false
	}
	return true
}

func cmdEval(c *Client) {
	if !numKeysOK(c) {
		return
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if strings.HasPrefix(c.cmd.name, "evalsha") {
		if _, ok := sc.scripts[strings.ToLower(string(c.args[1]))]; !ok {
			c.errReply("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
	} else {
		// EVAL caches the script, as Redis does.
		sc.scripts[scriptSHA(c.args[1])] = bytes.Clone(c.args[1])
	}
	c.errReply(errScriptingUnsupported)
}

func cmdFcall(c *Client) {
	if !numKeysOK(c) {
		return
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.funcOwner(string(c.args[1])) == nil {
		c.errReply("ERR Function not found")
		return
	}
	c.errReply(errScriptingUnsupported)
}

// libError is a FUNCTION LOAD error with Redis's text.
type libError string

func (e libError) Error() string { return string(e) }

var (
	// redis.register_function('name', ...) or ("name", ...)
	reRegisterPos = regexp.MustCompile(`redis\.register_function\s*\(\s*(?:'([^']*)'|"([^"]*)")`)
	// redis.register_function{function_name='name', ...}
	reRegisterTable = regexp.MustCompile(`redis\.register_function\s*\(?\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}`)
	reTableField    = regexp.MustCompile(`(function_name|description)\s*=\s*(?:'([^']*)'|"([^"]*)")`)
	reTableFlags    = regexp.MustCompile(`flags\s*=\s*\{([^}]*)\}`)
	reQuoted        = regexp.MustCompile(`'([^']*)'|"([^"]*)"`)
	reLibName       = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// parseLibrary reads a library's metadata line and the functions it
// registers, as functionExtractLibMetaData and the Lua engine's
// redis.register_function would. Without a Lua interpreter the functions are
// found by their register_function calls in the source.
func parseLibrary(code []byte) (*funcLib, error) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return nil, libError("ERR Missing library metadata")
	}
	nl := bytes.IndexByte(code, '\n')
	if nl < 0 {
		return nil, libError("ERR Invalid library metadata")
	}
	parts := strings.Fields(string(code[2:nl]))
	if len(parts) == 0 {
		return nil, libError("ERR Invalid library metadata")
	}
	engine, name, named := parts[0], "", false
	for _, p := range parts[1:] {
		v, ok := strings.CutPrefix(p, "name=")
		if !ok {
			return nil, libError("ERR Invalid metadata value given: " + p)
		}
		if named {
			return nil, libError("ERR Invalid metadata value, name argument was given multiple times")
		}
		name, named = v, true
	}
	if !named {
		return nil, libError("ERR Library name was not given")
	}
	if !strings.EqualFold(engine, "lua") {
		return nil, libError(fmt.Sprintf("ERR Engine '%s' not found", engine))
	}
	if !reLibName.MatchString(name) {
		return nil, libError("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	lib := &funcLib{name: name, code: code}
	body := code[nl:]
	seen := map[string]bool{}
	add := func(f funcDef) error {
		if !reLibName.MatchString(f.name) {
			return libError("ERR Function names can only contain letters, numbers, or underscores(_) and must be at least one character long")
		}
		if seen[f.name] {
			return libError("ERR Function already exists in the library")
		}
		seen[f.name] = true
		lib.funcs = append(lib.funcs, f)
		return nil
	}
	for _, m := range reRegisterPos.FindAllSubmatch(body, -1) {
		if err := add(funcDef{name: string(m[1]) + string(m[2])}); err != nil {
			return nil, err
		}
	}
	for _, m := range reRegisterTable.FindAllSubmatch(body, -1) {
		var f funcDef
		for _, fm := range reTableField.FindAllSubmatch(m[1], -1) {
			v := string(fm[2]) + string(fm[3])
			if string(fm[1]) == "function_name" {
				f.name = v
			} else {
				f.desc, f.hasDesc = v, true
			}
		}
		if fl := reTableFlags.FindSubmatch(m[1]); fl != nil {
			for _, q := range reQuoted.FindAllSubmatch(fl[1], -1) {
				f.flags = append(f.flags, string(q[1])+string(q[2]))
			}
		}
		if err := add(f); err != nil {
			return nil, err
		}
	}
	if len(lib.funcs) == 0 {
		return nil, libError("ERR No functions registered")
	}
	return lib, nil
}

// installLibrary adds lib (replacing a library of the same name when
// replace) and stores it; the caller holds sc.mu and runs on the writer.
func (c *Client) installLibrary(lib *funcLib, replace bool) error {
	sc := &c.s.scripting
	if old := sc.libs[lib.name]; old != nil && !replace {
		return libError(fmt.Sprintf("ERR Library '%s' already exists", lib.name))
	}
	for _, f := range lib.funcs {
		if owner := sc.funcOwner(f.name); owner != nil && owner.name != lib.name {
			return libError(fmt.Sprintf("ERR Function %s already exists", f.name))
		}
	}
	if err := c.tx.PutBlob([]byte(blobFunctionPrefix+lib.name), lib.code); err != nil {
		return err
	}
	sc.libs[lib.name] = lib
	return nil
}

func cmdFunctionLoad(c *Client) {
	replace := false
	args := c.args[2:]
	if len(args) == 2 && strings.EqualFold(string(args[0]), "REPLACE") {
		replace, args = true, args[1:]
	}
	if len(args) != 1 {
		c.errReply("ERR Unknown option given: " + truncArg(args[0]))
		return
	}
	lib, err := parseLibrary(bytes.Clone(args[0]))
	if err == nil {
		sc := &c.s.scripting
		sc.mu.Lock()
		err = c.installLibrary(lib, replace)
		sc.mu.Unlock()
	}
	if err != nil {
		c.libFail(err)
		return
	}
	c.bulkString(lib.name)
}

func (c *Client) libFail(err error) {
	if le, ok := err.(libError); ok {
		c.errReply(string(le))
		return
	}
	c.fail(err)
}

// sortedLibs returns the libraries by name; the caller holds sc.mu.
func (sc *scripting) sortedLibs() []*funcLib {
	out := make([]*funcLib, 0, len(sc.libs))
	for _, l := range sc.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func cmdFunctionList(c *Client) {
	withCode := false
	var pattern []byte
	for j := 2; j < len(c.args); j++ {
		switch opt := strings.ToUpper(string(c.args[j])); {
		case opt == "WITHCODE" && !withCode:
			withCode = true
		case opt == "LIBRARYNAME" && pattern == nil:
			if j == len(c.args)-1 {
				c.errReply("ERR library name argument was not given")
				return
			}
			pattern = c.args[j+1]
			j++
		default:
			c.errReply("ERR Unknown argument " + truncArg(c.args[j]))
			return
		}
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	var libs []*funcLib
	for _, l := range sc.sortedLibs() {
		if pattern == nil || glob(pattern, []byte(l.name)) {
			libs = append(libs, l)
		}
	}
	c.arrayLen(len(libs))
	for _, l := range libs {
		c.mapLen(3 + b2iInt(withCode))
		c.bulkString("library_name")
		c.bulkString(l.name)
		c.bulkString("engine")
		c.bulkString("LUA")
		c.bulkString("functions")
		c.arrayLen(len(l.funcs))
		for _, f := range l.funcs {
			c.mapLen(3)
			c.bulkString("name")
			c.bulkString(f.name)
			c.bulkString("description")
			if f.hasDesc {
				c.bulkString(f.desc)
			} else {
				c.null()
			}
			c.bulkString("flags")
			c.setLen(len(f.flags))
			for _, fl := range f.flags {
				c.simple(fl)
			}
		}
		if withCode {
			c.bulkString("library_code")
			c.bulk(l.code)
		}
	}
}

func b2iInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmdFunctionDelete(c *Client) {
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	name := string(c.args[2])
	if sc.libs[name] == nil {
		c.errReply("ERR Library not found")
		return
	}
	if err := c.tx.DeleteBlob([]byte(blobFunctionPrefix + name)); err != nil {
		c.fail(err)
		return
	}
	delete(sc.libs, name)
	c.ok()
}

// flushLibrariesLocked deletes every library; the caller holds sc.mu.
func (c *Client) flushLibrariesLocked() error {
	sc := &c.s.scripting
	for name := range sc.libs {
		if err := c.tx.DeleteBlob([]byte(blobFunctionPrefix + name)); err != nil {
			return err
		}
	}
	clear(sc.libs)
	return nil
}

func cmdFunctionFlush(c *Client) {
	if !flushMode(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option") {
		return
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if err := c.flushLibrariesLocked(); err != nil {
		c.fail(err)
		return
	}
	c.propAlways() // functionFlushCommand counts a change even with no library
	c.ok()
}

// rdbVersion is the RDB version Redis 7.0 writes into DUMP payloads.
const rdbVersion = 10

// rdbOpcodeFunction2 is RDB_OPCODE_FUNCTION2.
const rdbOpcodeFunction2 = 245

// appendRDBLen appends an RDB length encoding.
func appendRDBLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x81), n)
}

// appendDumpFooter appends the RDB version and the CRC64 of the payload, as
// createDumpPayload.
func appendDumpFooter(b []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b))
}

func cmdFunctionDump(c *Client) {
	sc := &c.s.scripting
	sc.mu.Lock()
	var b []byte
	for _, l := range sc.sortedLibs() {
		b = append(b, rdbOpcodeFunction2)
		b = appendRDBLen(b, uint64(len(l.code)))
		b = append(b, l.code...)
	}
	sc.mu.Unlock()
	c.bulk(appendDumpFooter(b))
}

func cmdFunctionRestore(c *Client) {
	policy := "APPEND"
	if len(c.args) > 4 {
		c.errReply(errSyntax)
		return
	}
	if len(c.args) == 4 {
		policy = strings.ToUpper(string(c.args[3]))
		if policy != "FLUSH" && policy != "APPEND" && policy != "REPLACE" {
			c.errReply("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	codes, ok := parseFunctionPayload(c.args[2])
	if !ok {
		c.errReply("ERR DUMP payload version or checksum are wrong")
		return
	}
	var libs []*funcLib
	for _, code := range codes {
		lib, err := parseLibrary(code)
		if err != nil {
			c.libFail(err)
			return
		}
		libs = append(libs, lib)
	}
	sc := &c.s.scripting
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if policy == "FLUSH" {
		if err := c.flushLibrariesLocked(); err != nil {
			c.fail(err)
			return
		}
	}
	// Check everything before changing anything, as functionsLibCtxSwap.
	if policy == "APPEND" {
		for _, l := range libs {
			if sc.libs[l.name] != nil {
				c.errReply(fmt.Sprintf("ERR Library %s already exists", l.name))
				return
			}
		}
	}
	for _, l := range libs {
		if err := c.installLibrary(l, true); err != nil {
			c.libFail(err)
			return
		}
	}
	c.ok()
}

// parseFunctionPayload checks a FUNCTION DUMP payload's footer and reads its
// FUNCTION2 records.
func parseFunctionPayload(p []byte) ([][]byte, bool) {
	if len(p) < 10 {
		return nil, false
	}
	body, footer := p[:len(p)-10], p[len(p)-10:]
	if v := binary.LittleEndian.Uint16(footer); v > rdbVersion+2 {
		return nil, false
	}
	if crc := binary.LittleEndian.Uint64(footer[2:]); crc != 0 && crc != rdb.CRC64(0, p[:len(p)-8]) {
		return nil, false
	}
	var codes [][]byte
	for len(body) > 0 {
		if body[0] != rdbOpcodeFunction2 {
			return nil, false
		}
		n, ok := readRDBString(body[1:])
		if !ok {
			return nil, false
		}
		codes = append(codes, n.s)
		body = body[1+n.n:]
	}
	return codes, true
}

type rdbStr struct {
	s []byte
	n int
}

// readRDBString reads one RDB string (plain or LZF-compressed, as Redis's
// rdbSaveRawString writes library code) from p.
func readRDBString(p []byte) (rdbStr, bool) {
	readLen := func(p []byte) (uint64, int, bool, bool) { // value, bytes, encoded, ok
		if len(p) == 0 {
			return 0, 0, false, false
		}
		switch p[0] >> 6 {
		case 0:
			return uint64(p[0] & 0x3f), 1, false, true
		case 1:
			if len(p) < 2 {
				return 0, 0, false, false
			}
			return uint64(p[0]&0x3f)<<8 | uint64(p[1]), 2, false, true
		case 3:
			return uint64(p[0] & 0x3f), 1, true, true
		}
		switch p[0] {
		case 0x80:
			if len(p) < 5 {
				return 0, 0, false, false
			}
			return uint64(binary.BigEndian.Uint32(p[1:])), 5, false, true
		case 0x81:
			if len(p) < 9 {
				return 0, 0, false, false
			}
			return binary.BigEndian.Uint64(p[1:]), 9, false, true
		}
		return 0, 0, false, false
	}
	v, n, enc, ok := readLen(p)
	if !ok {
		return rdbStr{}, false
	}
	if !enc {
		if v > uint64(len(p)-n) {
			return rdbStr{}, false
		}
		return rdbStr{bytes.Clone(p[n : n+int(v)]), n + int(v)}, true
	}
	if v != 3 { // only LZF appears in function payloads
		return rdbStr{}, false
	}
	clen, n2, _, ok := readLen(p[n:])
	if !ok {
		return rdbStr{}, false
	}
	ulen, n3, _, ok := readLen(p[n+n2:])
	if !ok || ulen > 512<<20 {
		return rdbStr{}, false
	}
	start := n + n2 + n3
	if clen > uint64(len(p)-start) {
		return rdbStr{}, false
	}
	out, err := rdb.LZFDecompress(p[start:start+int(clen)], int(ulen))
	if err != nil {
		return rdbStr{}, false
	}
	return rdbStr{out, start + int(clen)}, true
}

func cmdFunctionStats(c *Client) {
	sc := &c.s.scripting
	sc.mu.Lock()
	libs, funcs := len(sc.libs), 0
	for _, l := range sc.libs {
		funcs += len(l.funcs)
	}
	sc.mu.Unlock()
	c.mapLen(2)
	c.bulkString("running_script")
	c.null()
	c.bulkString("engines")
	c.mapLen(1)
	c.bulkString("LUA")
	c.mapLen(2)
	c.bulkString("libraries_count")
	c.integer(int64(libs))
	c.bulkString("functions_count")
	c.integer(int64(funcs))
}
