package server

import (
	"slices"
	"testing"
)

func TestParseLibrary(t *testing.T) {
	code := "#!lua name=liba\nredis.register_function('fa', function(keys, args) return 1 end)\n" +
		"redis.register_function{function_name='fb', callback=function() return 2 end, flags={'no-writes', 'allow-stale'}, description='the b'}\n" +
		"redis.register_function{ function_name = \"fc\", callback = function() end }\n"
	lib, err := parseLibrary([]byte(code))
	if err != nil {
		t.Fatal(err)
	}
	want := []funcDef{{name: "fa"}, {name: "fb", desc: "the b", hasDesc: true, flags: []string{"no-writes", "allow-stale"}}, {name: "fc"}}
	if lib.name != "liba" || len(lib.funcs) != len(want) {
		t.Fatalf("got %+v", lib)
	}
	for i, f := range lib.funcs {
		if f.name != want[i].name || f.desc != want[i].desc || f.hasDesc != want[i].hasDesc || !slices.Equal(f.flags, want[i].flags) {
			t.Errorf("function %d: got %+v, want %+v", i, f, want[i])
		}
	}
	for code, want := range map[string]string{
		"x":                            "ERR Missing library metadata",
		"#!lua name=a":                 "ERR Invalid library metadata",
		"#!lua\nx":                     "ERR Library name was not given",
		"#!lua name=a foo=b\nx":        "ERR Invalid metadata value given: foo=b",
		"#!lua name=a name=b\nx":       "ERR Invalid metadata value, name argument was given multiple times",
		"#!js name=a\nx":               "ERR Engine 'js' not found",
		"#!lua name=a-b\nx":            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
		"#!lua name=nofuncs\nreturn 1": "ERR No functions registered",
	} {
		if _, err := parseLibrary([]byte(code)); err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %q", code, err, want)
		}
	}
}
