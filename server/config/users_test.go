package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRewriteUserLines: with SetUserLines, CONFIG REWRITE replaces the old
// user lines in place and appends new ones; a nil result drops them all.
func TestRewriteUserLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	require.NoError(t, os.WriteFile(path, []byte("port 7000\nuser bob on >pw ~* +@all\ntimeout 3\nuser old off\n"), 0o600))
	c, _, err := loadArgs([]string{path}, osFS{})
	require.NoError(t, err)
	require.Len(t, c.Users(), 2)
	lines := []string{"user alice on #ab ~* &* +@all", "user bob off resetchannels -@all", "user default on nopass ~* &* +@all"}
	c.SetUserLines(func() []string { return lines })
	require.NoError(t, c.Rewrite(path))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(got), "port 7000\nuser alice on #ab ~* &* +@all\ntimeout 3\nuser bob off resetchannels -@all\n"), string(got))
	require.True(t, strings.HasSuffix(string(got), "\nuser default on nopass ~* &* +@all\n"), string(got))
	require.NotContains(t, string(got), "user old")

	c.SetUserLines(func() []string { return nil })
	require.NoError(t, c.Rewrite(path))
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(got), "port 7000\n\ntimeout 3\n"), string(got))
	require.NotContains(t, string(got), "user ")
}
