package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fuzzFS maps the sample configurations under /work so that includes in
// fuzzed input resolve without touching the real file system.
func fuzzFS(tb testing.TB, seeds map[string]string) *memFS {
	return newMemFS(seeds)
}

func loadSeeds(tb testing.TB) map[string]string {
	dir := testdataDir(tb)
	out := map[string]string{}
	for _, pat := range []string{"*.conf", "bad/*.conf", "bad/inc/*.conf", "fragments/*.conf"} {
		files, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, f)
			out[rel] = string(data)
		}
	}
	return out
}

// FuzzParse feeds configuration text whole, and split in two as a file
// followed by standard input ("redpebble file -"), which Redis concatenates:
// both must give the same outcome. Neither may panic or allocate without
// bound.
func FuzzParse(f *testing.F) {
	seeds := loadSeeds(f)
	for _, s := range seeds {
		f.Add(s, uint16(len(s)/2))
	}
	f.Add("include includes.conf\ninclude fragments/*.conf\ninclude includes.conf", uint16(10))
	f.Add("include self.conf", uint16(3))
	f.Add("save 1 2\nsave 3 4\nbind a b c\nreplicaof x 1\nclient-output-buffer-limit normal 1 2 3", uint16(9))
	f.Fuzz(func(t *testing.T, text string, cut uint16) {
		watchdog := time.AfterFunc(60*time.Second, func() { panic(fmt.Sprintf("FuzzParse stuck on %q", text)) })
		defer watchdog.Stop()
		files := map[string]string{"self.conf": "include self.conf\n"}
		for k, v := range seeds {
			files[k] = v
		}
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		// Parse itself: must not panic.
		_, _, _ = parseFS(strings.NewReader(text), "fuzz.conf", fuzzFS(t, files))

		// Whole, as a configuration file.
		files["/work/fuzz-first.conf"] = text
		c1, _, err1 := loadArgs([]string{"fuzz-first.conf"}, fuzzFS(t, files))

		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20+uint64(len(text))*1024 {
			t.Fatalf("parsing %d bytes allocated %d bytes", len(text), grew)
		}

		// Split: the first part as the file, the rest on standard input.
		k := int(cut) % (len(text) + 1)
		files["/work/fuzz-first.conf"] = text[:k]
		fsys := fuzzFS(t, files)
		fsys.in = text[k:]
		c2, _, err2 := loadArgs([]string{"fuzz-first.conf", "-"}, fsys)

		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("whole: %v\nsplit: %v", err1, err2)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Fatalf("whole: %q\nsplit: %q", err1, err2)
			}
			return
		}
		s1, s2 := snapshot(c1), snapshot(c2)
		for name, v := range s1 {
			if s2[name] != v {
				t.Fatalf("%s: whole %q, split %q", name, v, s2[name])
			}
		}
		// What CONFIG GET shows, CONFIG SET takes back unchanged.
		for _, name := range c1.Names() {
			if !c1.Mutable(name) || c1.lookup(name).flags&flagProtected != 0 {
				continue
			}
			v, _ := c1.Get(name)
			if err := c1.Set(name, v); err != nil {
				t.Fatalf("CONFIG SET %s %q (from CONFIG GET): %v", name, v, err)
			}
			if v2, _ := c1.Get(name); v2 != v {
				t.Fatalf("CONFIG SET %s %q then GET gives %q", name, v, v2)
			}
		}
	})
}

// FuzzSet checks CONFIG SET on any directive: no panic, a failed set
// changes nothing, and a successful one shows a value CONFIG SET takes back.
func FuzzSet(f *testing.F) {
	c := DefaultConfig()
	for i, n := range c.Names() {
		v, _ := c.Get(n)
		f.Add(uint16(i), v)
	}
	for _, v := range []string{"", " ", "1x", "-1", "yes", "NO ONE", "18446744073709551616", "10%", "a  b", "\x00", `"`, "KEA"} {
		f.Add(uint16(3), v)
	}
	names := c.Names()
	f.Fuzz(func(t *testing.T, i uint16, v string) {
		c, _, err := parseFS(strings.NewReader("enable-protected-configs yes"), "f", newMemFS(nil))
		if err != nil {
			t.Fatal(err)
		}
		name := names[int(i)%len(names)]
		before := snapshot(c)
		if err := c.Set(name, v); err != nil {
			after := snapshot(c)
			for k, x := range before {
				if after[k] != x {
					t.Fatalf("failed SET %s %q changed %s from %q to %q", name, v, k, x, after[k])
				}
			}
			return
		}
		got, _ := c.Get(name)
		if err := c.Set(name, got); err != nil {
			t.Fatalf("SET %s %q ok, but SET of its GET %q fails: %v", name, v, got, err)
		}
		if again, _ := c.Get(name); again != got {
			t.Fatalf("SET %s %q: GET %q, after SET of it GET %q", name, v, got, again)
		}
	})
}
