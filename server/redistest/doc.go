// Package redistest starts real Redis-protocol servers for integration tests
// and talks to them byte for byte, the way net/http/httptest serves handlers.
//
// It owns three things and imports nothing from this module:
//
//   - processes: StartRedis runs the system's redis-server with its config on
//     stdin; BuildRedpebble builds ./cmd/redpebble once per test binary (or
//     returns $REDPEBBLE_BIN when set) and StartRedpebble runs it. Both pick a random free loopback port (never
//     6379), retry when the port was taken, poll with a deadline until the
//     server answers PING, capture stdout/stderr to a file whose tail is logged
//     when the test fails, and kill the process in t.Cleanup. A Server can be
//     killed (SIGKILL), stopped (SIGTERM) and restarted on the same port and
//     directory.
//   - a minimal RESP client: Dial returns a Conn whose Do returns the raw
//     bytes of exactly one complete reply (RESP2 or RESP3, nested), DoValue a
//     parsed Value; Send, Flush and Receive drive pipelines and pub/sub.
//   - a RESP reply parser, Parse, that never panics and checks every length
//     against the input before allocating.
//
// It must not start anything on the default Redis port, must not sleep to wait
// for time, and must not be imported by non-test code.
//
// Typical use:
//
//	srv := redistest.StartRedis(t, "enable-debug-command yes")
//	c := redistest.Dial(t, srv.Addr)
//	got := c.Do("SET", "k", "v") // []byte("+OK\r\n")
//
// When no redis-server is on PATH, StartRedis skips the test, except when the
// environment variable CI is "true", where it fails it.
package redistest
