package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// againstRedis reports whether a second redis-server stands in for redpebble
// (REDPEBBLE_DIFF_AGAINST=redis), which proves the tests themselves.
func againstRedis() bool { return os.Getenv("REDPEBBLE_DIFF_AGAINST") == "redis" }

// requireBinary skips the test while cmd/redpebble/main.go does not exist,
// unless a redis-server stands in for redpebble or REDPEBBLE_BIN names a
// prebuilt binary.
func requireBinary(t *testing.T) {
	t.Helper()
	if againstRedis() || os.Getenv("REDPEBBLE_BIN") != "" {
		return
	}
	root, err := redistest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "redpebble", "main.go")); err != nil {
		t.Skip("cmd/redpebble/main.go does not exist yet; set REDPEBBLE_DIFF_AGAINST=redis to run against a second redis-server")
	}
}

// startUnderTest starts the server under test on dir with conf given as
// redis.conf lines ("appendfsync always"): redpebble, which receives them as
// "--directive value" flags, or redis-server under REDPEBBLE_DIFF_AGAINST=redis.
// With durable set, the redis stand-in also gets "appendonly yes", since
// redpebble always persists.
func startUnderTest(t *testing.T, dir string, durable bool, conf ...string) *redistest.Server {
	t.Helper()
	requireBinary(t)
	if againstRedis() {
		lines := append([]string{"dir " + dir}, conf...)
		if durable {
			lines = append(lines, "appendonly yes")
		}
		return redistest.StartRedis(t, lines...)
	}
	bin := redistest.BuildRedpebble(t)
	return redistest.StartRedpebble(t, bin, dir, confArgs(conf)...)
}

// confArgs turns redis.conf lines into command-line flags.
func confArgs(conf []string) []string {
	var args []string
	for _, l := range conf {
		name, value, _ := strings.Cut(strings.TrimSpace(l), " ")
		args = append(args, "--"+name)
		if value != "" {
			args = append(args, value)
		}
	}
	return args
}

// binaryUnderTest returns the executable under test: the built redpebble, or
// redis-server under REDPEBBLE_DIFF_AGAINST=redis.
func binaryUnderTest(t *testing.T) string {
	t.Helper()
	requireBinary(t)
	if againstRedis() {
		return "redis-server"
	}
	return redistest.BuildRedpebble(t)
}
