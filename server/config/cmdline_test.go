package config

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		file    string
		stdin   bool
		options string
	}{
		{"none", nil, "", false, ""},
		{"file only", []string{"/etc/redis.conf"}, "/etc/redis.conf", false, ""},
		{"options", []string{"--port", "7000", "--replicaof", "h", "6379"}, "", false, "port \"7000\" \nreplicaof \"h\" \"6379\" "},
		{"file and options", []string{"r.conf", "--port", "7000"}, "r.conf", false, "port \"7000\" "},
		{"value quoted", []string{"--requirepass", "a b\"\n\x01"}, "", false, "requirepass \"a b\\\"\\n\\x01\" "},
		{"value may start with --", []string{"--masterauth", "--secret"}, "", false, "masterauth \"--secret\" "},
		{"value after value may not", []string{"--bind", "a", "--port", "1"}, "", false, "bind \"a\" \nport \"1\" "},
		{"name and value in one", []string{"--port 7000", "--timeout", "1"}, "", false, "port 7000 \ntimeout \"1\" "},
		{"stdin first", []string{"-", "--port", "1"}, "", true, "port \"1\" "},
		{"stdin last", []string{"--port", "1", "-"}, "", true, "port \"1\" "},
		{"file then stdin", []string{"r.conf", "-"}, "r.conf", true, ""},
		{"dash in the middle is a value", []string{"--port", "1", "-", "--x", "2"}, "", false, "port \"1\" \"-\" \nx \"2\" "},
		{"save before option", []string{"--save", "--port", "1"}, "", false, "save \"\"\nport \"1\" "},
		{"save last", []string{"--port", "1", "--save"}, "", false, "port \"1\" \nsave \"\""},
		{"empty option name", []string{"--port", "1", "--"}, "", false, "port \"1\" \n "},
		{"stray value", []string{"r.conf", "extra"}, "r.conf", false, "\"extra\" "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, stdin, options := splitCommandLine(tt.args)
			require.Equal(t, tt.file, file)
			require.Equal(t, tt.stdin, stdin)
			require.Equal(t, tt.options, options)
		})
	}
}

func TestLoadArgs(t *testing.T) {
	files := map[string]string{
		"r.conf":   "port 7000\ntimeout 5\nmaxmemory 1mb\n",
		"bad.conf": "port 1\nfoo bar\n",
		"two.conf": "port 1\n\n",
	}
	t.Run("command line wins over file", func(t *testing.T) {
		c, _, err := loadArgs([]string{"r.conf", "--port", "7001", "--maxmemory", "2mb"}, newMemFS(files))
		require.NoError(t, err)
		require.Equal(t, 7001, c.Int("port"))
		require.Equal(t, 5, c.Int("timeout"))
		require.Equal(t, int64(2<<20), c.Memory("maxmemory"))
		require.Equal(t, "/work/r.conf", c.ConfigFile())
	})
	t.Run("later option wins", func(t *testing.T) {
		c, _, err := loadArgs([]string{"--port", "1", "--port", "2"}, newMemFS(nil))
		require.NoError(t, err)
		require.Equal(t, 2, c.Int("port"))
		require.Equal(t, "", c.ConfigFile())
	})
	t.Run("stdin between file and options", func(t *testing.T) {
		fsys := newMemFS(files)
		fsys.in = "port 7002\ntimeout 6\n"
		c, _, err := loadArgs([]string{"r.conf", "--timeout", "7", "-"}, fsys)
		require.NoError(t, err)
		require.Equal(t, 7002, c.Int("port"))
		require.Equal(t, 7, c.Int("timeout"))
	})
	t.Run("replicaof", func(t *testing.T) {
		c, _, err := loadArgs([]string{"--replicaof", "10.1.1.1", "6380"}, newMemFS(nil))
		require.NoError(t, err)
		h, p, ok := c.Replicaof()
		require.True(t, ok)
		require.Equal(t, "10.1.1.1", h)
		require.Equal(t, 6380, p)
	})
	t.Run("slaveof 'no one'", func(t *testing.T) {
		c, _, err := loadArgs([]string{"--slaveof", "h", "1", "--slaveof", "no", "one"}, newMemFS(nil))
		require.NoError(t, err)
		_, _, ok := c.Replicaof()
		require.False(t, ok)
	})
	errs := []struct {
		name string
		args []string
		in   string
		want string
	}{
		{"file error line", []string{"bad.conf", "--port", "5"}, "", fatal(2, "foo bar", reasonBadDirect)},
		{"option line after file", []string{"two.conf", "--bad", "1", "2"}, "", fatal(4, `bad "1" "2"`, reasonBadDirect)},
		{"options start at line 2", []string{"--port", "6", "--foo"}, "", fatal(3, "foo", reasonBadDirect)},
		{"dashed value", []string{"--port", "--6"}, "", fatal(2, `port "--6"`, reasonInteger)},
		{"replicaof port", []string{"--replicaof", "h", "p"}, "", fatal(2, `replicaof "h" "p"`, "Invalid master port")},
		{"one-arg option", []string{"--port x"}, "", fatal(2, "port x", reasonInteger)},
		{"dash in middle", []string{"--port", "1", "-", "--port", "x"}, "", fatal(2, `port "1" "-"`, reasonWrongArgs)},
		{"stdin line numbers", []string{"-", "--port", "1"}, "port y\n", fatal(1, "port y", reasonInteger)},
		{"save special case", []string{"--save", "--port", "x"}, "", fatal(3, `port "x"`, reasonInteger)},
		{"stray value", []string{"r.conf", "extra"}, "", fatal(5, `"extra"`, reasonBadDirect)},
		{"missing file", []string{"nope.conf"}, "", "Fatal error, can't open config file '/work/nope.conf': No such file or directory"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			fsys := newMemFS(files)
			fsys.in = tt.in
			_, _, err := loadArgs(tt.args, fsys)
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrFatal))
			require.Equal(t, tt.want, err.Error())
		})
	}
}
