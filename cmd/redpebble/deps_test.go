package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

const modulePath = "github.com/redpebble/redpebble"

// depRule is what one part of the module may import. Subpackages of a part
// (its internal/ packages, say) belong to it, unless listed as parts of their
// own.
type depRule struct {
	// internal lists the other parts it may import.
	internal []string
	// stdlibOnly forbids every import outside the standard library and the
	// parts in internal.
	stdlibOnly bool
	// external, when set, lists the only third-party module paths it may
	// import (prefixes).
	external []string
}

// depPicture is the dependency picture of STYLE.md:
// cmd → server → {store, pubsub, resp, replication, server/config}, and
// server → replication/rdb (DUMP/RESTORE and FUNCTION DUMP payloads are RDB), and
// cmd → server/config, whose Config server.New takes; server/config → {resp, pubsub}
// (sdssplitargs and the notify-keyspace-events flags are theirs);
// replication → {resp, store, pubsub, replication/rdb}; store → pebble;
// resp, pubsub, replication/rdb and server/redistest → standard library only.
var depPicture = map[string]depRule{
	// cmd builds the server's config.Config to hand to server.New.
	"cmd":              {internal: []string{"server", "server/config"}},
	"server":           {internal: []string{"store", "pubsub", "resp", "replication", "replication/rdb", "server/config"}},
	"server/config":    {internal: []string{"resp", "pubsub"}},
	"server/redistest": {stdlibOnly: true},
	"replication":      {internal: []string{"resp", "store", "pubsub", "replication/rdb"}},
	"replication/rdb":  {stdlibOnly: true},
	"store":            {external: []string{"github.com/cockroachdb/pebble"}},
	"resp":             {stdlibOnly: true},
	"pubsub":           {stdlibOnly: true},
}

// partOf returns the part of the picture that module package pkg (a path
// relative to the module) belongs to: the longest part that is pkg or one of
// its parents.
func partOf(pkg string) (string, bool) {
	best := ""
	for part := range depPicture {
		if (pkg == part || strings.HasPrefix(pkg, part+"/")) && len(part) > len(best) {
			best = part
		}
	}
	return best, best != ""
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func hasPathPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// checkDeps returns every import edge of the module's packages (full import
// paths, importer to imports) not allowed by depPicture, and every cycle
// between parts.
func checkDeps(graph map[string][]string) []string {
	var bad []string
	partEdges := map[string]map[string]bool{}
	var pkgs []string
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		rel, ok := strings.CutPrefix(pkg, modulePath+"/")
		if !ok {
			if pkg == modulePath {
				bad = append(bad, fmt.Sprintf("%s: the module root is not a package in the picture", pkg))
			}
			continue
		}
		from, ok := partOf(rel)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s: package not in the dependency picture", pkg))
			continue
		}
		rule := depPicture[from]
		for _, imp := range graph[pkg] {
			if irel, ok := strings.CutPrefix(imp, modulePath+"/"); ok {
				to, ok := partOf(irel)
				switch {
				case !ok:
					bad = append(bad, fmt.Sprintf("%s imports %s: not in the dependency picture", pkg, imp))
				case to == from:
				case slices.Contains(rule.internal, to):
					if partEdges[from] == nil {
						partEdges[from] = map[string]bool{}
					}
					partEdges[from][to] = true
				default:
					bad = append(bad, fmt.Sprintf("%s imports %s: %s → %s is not allowed", pkg, imp, from, to))
				}
				continue
			}
			if imp == modulePath {
				bad = append(bad, fmt.Sprintf("%s imports the module root", pkg))
				continue
			}
			if isStdlib(imp) {
				continue
			}
			if rule.stdlibOnly {
				bad = append(bad, fmt.Sprintf("%s imports %s: %s may import only the standard library", pkg, imp, from))
				continue
			}
			if rule.external != nil && !slices.ContainsFunc(rule.external, func(p string) bool { return hasPathPrefix(imp, p) }) {
				bad = append(bad, fmt.Sprintf("%s imports %s: %s may import only %s and the standard library", pkg, imp, from, strings.Join(rule.external, ", ")))
			}
		}
	}
	return append(bad, partCycles(partEdges)...)
}

// partCycles reports each cycle in the graph of parts.
func partCycles(edges map[string]map[string]bool) []string {
	var bad []string
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string)
	visit = func(n string) {
		state[n] = active
		stack = append(stack, n)
		var next []string
		for m := range edges[n] {
			next = append(next, m)
		}
		slices.Sort(next)
		for _, m := range next {
			switch state[m] {
			case active:
				i := slices.Index(stack, m)
				bad = append(bad, "import cycle between parts: "+strings.Join(append(slices.Clone(stack[i:]), m), " → "))
			case unseen:
				visit(m)
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	var parts []string
	for p := range edges {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	for _, p := range parts {
		if state[p] == unseen {
			visit(p)
		}
	}
	return bad
}

func TestDependencyPicture(t *testing.T) {
	root, err := redistest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "list", "-e", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			graph[f[0]] = f[1:]
		}
	}
	if len(graph[modulePath+"/server/redistest"]) == 0 {
		t.Fatalf("go list output lacks server/redistest's imports; output:\n%s", out)
	}
	for _, b := range checkDeps(graph) {
		t.Error(b)
	}
}

func TestCheckDepsCatchesBadEdges(t *testing.T) {
	m := func(s string) string { return modulePath + "/" + s }
	graph := map[string][]string{
		m("cmd/redpebble"):        {m("server"), "fmt"},
		m("server"):               {m("store"), m("resp"), "github.com/tidwall/redcon"},
		m("store"):                {"github.com/cockroachdb/pebble/v2/vfs", "github.com/tidwall/redcon"},
		m("store/internal/codec"): {m("store"), "encoding/binary"},
		m("resp"):                 {"bufio", "github.com/stretchr/testify/require"},
		m("replication"):          {m("server"), m("replication/rdb")},
		m("replication/rdb"):      {"hash/crc64"},
		m("pubsub"):               {m("resp")},
		m("util"):                 {"fmt"},
	}
	got := strings.Join(checkDeps(graph), "\n")
	for _, want := range []string{
		"store imports github.com/tidwall/redcon",
		"resp imports github.com/stretchr/testify/require",
		"replication imports " + m("server") + ": replication → server is not allowed",
		"pubsub imports " + m("resp") + ": pubsub → resp is not allowed",
		m("util") + ": package not in the dependency picture",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("violations lack %q; got:\n%s", want, got)
		}
	}
	for _, notWant := range []string{"cmd/redpebble imports", "server imports", "store/internal/codec imports", "pebble/v2/vfs"} {
		if strings.Contains(got, notWant) {
			t.Errorf("allowed edge reported (%q); got:\n%s", notWant, got)
		}
	}
	cyc := partCycles(map[string]map[string]bool{"a": {"b": true}, "b": {"c": true}, "c": {"a": true}})
	if len(cyc) != 1 || cyc[0] != "import cycle between parts: a → b → c → a" {
		t.Errorf("cycles: %q", cyc)
	}
}
