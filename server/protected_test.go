package server

import "testing"

func TestProtectedDenied(t *testing.T) {
	for _, tc := range []struct {
		protected, nopass bool
		addr              string
		want              bool
	}{
		{true, true, "192.0.2.7:5000", true},
		{true, true, "[2001:db8::1]:5000", true},
		{true, true, "127.0.0.1:5000", false},
		{true, true, "127.3.2.1:5000", false},
		{true, true, "[::1]:5000", false},
		{true, true, "/unixsocket:0", false},
		{true, false, "192.0.2.7:5000", false},
		{false, true, "192.0.2.7:5000", false},
	} {
		if got := protectedDenied(tc.protected, tc.nopass, tc.addr); got != tc.want {
			t.Errorf("protectedDenied(%v, %v, %q) = %v, want %v", tc.protected, tc.nopass, tc.addr, got, tc.want)
		}
	}
}
