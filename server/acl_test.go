package server

import (
	"strings"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	auth := &command{name: "auth"}
	hello := &command{name: "hello"}
	get := &command{name: "get"}
	join := func(a [][]byte) string {
		var s []string
		for _, x := range a {
			s = append(s, string(x))
		}
		return strings.Join(s, " ")
	}
	b := func(s ...string) [][]byte {
		var out [][]byte
		for _, x := range s {
			out = append(out, []byte(x))
		}
		return out
	}
	for _, tc := range []struct {
		cmd        *command
		args, want string
	}{
		{auth, "auth pw", "auth (redacted)"},
		{auth, "AUTH user pw", "AUTH (redacted) (redacted)"},
		{hello, "hello 3 AUTH u p SETNAME n", "hello 3 AUTH (redacted) (redacted) SETNAME n"},
		{hello, "hello 3 setname auth", "hello 3 setname auth"},
		{get, "get pw", "get pw"},
	} {
		args := b(strings.Fields(tc.args)...)
		if got := join(redactArgs(tc.cmd, args)); got != tc.want {
			t.Errorf("redactArgs(%q) = %q, want %q", tc.args, got, tc.want)
		}
		if join(args) != tc.args {
			t.Errorf("redactArgs changed its input %q", tc.args)
		}
	}
}

// TestACLDescribe checks rule descriptions that need no redis-server (the
// differential tests compare the rest).
func TestACLDescribe(t *testing.T) {
	a := newACL(loadRedisCommands(), false)
	for _, tc := range []struct{ rules, want string }{
		{"", "off resetchannels -@all"},
		{"on nopass ~* &* +@all", "on nopass ~* &* +@all"},
		{"+@all -get", "off resetchannels +@all -get"},
		{"-@all +get +get", "off resetchannels -@all +get"},
		{"%R~a %W~a ~b", "off ~a ~b resetchannels -@all"},
		{"+@read -@read", "off resetchannels -@all"},
		{"(~x +get)", "off resetchannels -@all (~x resetchannels -@all +get)"},
	} {
		u := a.newUser("t")
		for _, op := range strings.Fields(tc.rules) {
			if strings.HasPrefix(op, "(") {
				op = tc.rules[strings.Index(tc.rules, "("):]
			}
			if err := a.setUser(u, op); err != nil {
				t.Fatalf("%q: %v", op, err)
			}
			if strings.HasPrefix(op, "(") {
				break
			}
		}
		if got := a.describeUser(u); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.rules, got, tc.want)
		}
	}
}
