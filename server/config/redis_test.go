package config

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var rewriteGolden = flag.Bool("rewrite", false, "rewrite testdata/config/bad/*.err from the real redis-server")

// testdataDir is testdata/config at the module root.
func testdataDir(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", "..", "testdata", "config"))
	require.NoError(t, err)
	return d
}

func badConfigs(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(testdataDir(t), "bad", "*.conf"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// ourReport is what redpebble prints for these arguments: the error and a
// newline, as redis-server's fprintf does.
func ourReport(t *testing.T, args []string) string {
	t.Helper()
	_, _, err := Load(args)
	require.Error(t, err, "%v must be refused", args)
	return err.Error() + "\n"
}

// TestFatalGolden checks each bad configuration against the report the real
// redis-server 7.0.15 printed for it (recorded with -rewrite).
func TestFatalGolden(t *testing.T) {
	dir := testdataDir(t)
	t.Chdir(dir) // includes are relative to the working directory
	for _, f := range badConfigs(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".conf")
		t.Run(name, func(t *testing.T) {
			rel := filepath.Join("bad", name+".conf")
			got := ourReport(t, []string{rel})
			golden := strings.TrimSuffix(f, ".conf") + ".err"
			if *rewriteGolden {
				stderr, ok := runRedis(t, dir, []string{rel})
				if !ok {
					t.Fatal("-rewrite needs redis-server on PATH")
				}
				require.NoError(t, os.WriteFile(golden, []byte(stderr), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

// runRedis runs redis-server with args in dir and returns its standard
// error. ok is false when redis-server is not installed.
func runRedis(t *testing.T, dir string, args []string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdin = strings.NewReader("")
	err = cmd.Run()
	require.Error(t, err, "redis-server %v should have refused to start", args)
	require.NoError(t, ctx.Err(), "redis-server %v did not exit", args)
	return stderr.String(), true
}

// TestFatalMatchesRedisServer runs Debian's redis-server on the same bad
// configurations and command lines and compares its report with ours.
func TestFatalMatchesRedisServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (apt-get install redis-server)")
		}
		t.Skip("redis-server is not installed; skipping the comparison with the real server")
	}
	dir := testdataDir(t)
	t.Chdir(dir)
	cases := [][]string{}
	for _, f := range badConfigs(t) {
		cases = append(cases, []string{filepath.Join("bad", filepath.Base(f))})
	}
	cases = append(cases,
		[]string{"minimal.conf", "--port", "abc"},
		[]string{"minimal.conf", "--timeout", "1", "--bogus", "1", "2"},
		[]string{"--port", "6", "--foo"},
		[]string{"--port", "--6"},
		[]string{"--replicaof", "h", "p"},
		[]string{"--port x"},
		[]string{"--port", "1", "-", "--port", "x"},
		[]string{"--save", "--port", "x"},
		[]string{"--requirepass", "a\x01b\"c", "--port", "x"},
		[]string{"--loglevel", "loud", "--port", "1"},
		[]string{"minimal.conf", "extra"},
		[]string{"bad/crlf.conf", "--port", "1"},
	)
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, _ := runRedis(t, dir, args)
			require.Equal(t, want, ourReport(t, args))
		})
	}
}
