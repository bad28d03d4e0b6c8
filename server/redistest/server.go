package redistest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartTimeout bounds how long a server may take to answer its first PING.
// The build machines are small and shared, so it is generous.
var StartTimeout = 30 * time.Second

// portAttempts is how many random ports a start tries before giving up.
const portAttempts = 5

// Server is a server process started for a test.
type Server struct {
	// Addr is the server's address, "127.0.0.1:port".
	Addr string
	// Port is the server's TCP port.
	Port int
	// Dir is the server's working directory (its "dir" directive).
	Dir string
	// LogPath is the file receiving the process's stdout and stderr.
	LogPath string

	// TLS, set by StartRedisTLS, is the client configuration that reaches
	// the server (it serves TLS only); DialTLS uses it.
	TLS *tls.Config

	t testing.TB
	// command builds the argv and stdin for a given port.
	command func(port int) (argv []string, stdin string)

	mu      sync.Mutex // guards cmd, done, waitErr
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	waitErr error         // cmd.Wait's result, valid once done is closed
}

// StartRedis starts the system's redis-server with its configuration on stdin:
// a random loopback port, "save" off, "appendonly no", dir in t.TempDir(),
// then the conf lines (e.g. "enable-debug-command yes"; later lines override
// earlier ones, so conf may also set dir or appendonly). It skips the test when
// redis-server is not on PATH, unless CI=true, where it fails it.
func StartRedis(t testing.TB, conf ...string) *Server {
	t.Helper()
	bin := redisServerBin(t)
	dir := t.TempDir()
	s := &Server{t: t, Dir: dir}
	for _, l := range conf {
		if f := strings.Fields(l); len(f) == 2 && strings.EqualFold(f[0], "dir") {
			s.Dir = f[1]
		}
	}
	s.command = redisConf(bin, "port %d\n", dir, conf)
	s.start(t, false)
	return s
}

// StartRedisTLS starts redis-server as StartRedis does but serving TLS
// only: "port 0" and "tls-port" on the random port (Addr, Port), with the conf
// lines (which must give tls-cert-file, tls-key-file, tls-ca-cert-file).
// client is the configuration its PING and DialTLS use.
func StartRedisTLS(t testing.TB, client *tls.Config, conf ...string) *Server {
	t.Helper()
	bin := redisServerBin(t)
	dir := t.TempDir()
	s := &Server{t: t, Dir: dir, TLS: client}
	s.command = redisConf(bin, "port 0\ntls-port %d\n", dir, conf)
	s.start(t, false)
	return s
}

// StartRedpebble starts the redpebble binary bin (see BuildRedpebble) with
// "--port N --bind 127.0.0.1 --dir dir" followed by args, on a random free
// loopback port.
func StartRedpebble(t testing.TB, bin, dir string, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, Dir: dir}
	s.command = func(port int) ([]string, string) {
		argv := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir}
		return append(argv, args...), ""
	}
	s.start(t, false)
	return s
}

// start launches the process and waits until it answers PING. With fixedPort
// it reuses s.Port (a restart); otherwise it picks random ports, retrying
// when the process exits complaining that its port is taken.
func (s *Server) start(t testing.TB, fixedPort bool) {
	t.Helper()
	if s.LogPath == "" {
		s.LogPath = filepath.Join(t.TempDir(), "server.log")
		t.Cleanup(s.cleanup)
	}
	var lastErr error
	for attempt := 0; attempt < portAttempts; attempt++ {
		port := s.Port
		if !fixedPort {
			p, err := freePort()
			if err != nil {
				t.Fatalf("redistest: %v", err)
			}
			port = p
		}
		err := s.launch(port)
		if err == nil {
			return
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
		if fixedPort {
			// The old listener may linger briefly; poll again.
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Fatalf("redistest: starting server: %v\n--- log tail (%s) ---\n%s", lastErr, s.LogPath, s.LogTail(40))
}

var errPortTaken = errors.New("port taken")

// launch starts the process on port and waits for PING.
func (s *Server) launch(port int) error {
	argv, stdin := s.command(port)
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "### redistest: starting %q on port %d at %s\n", argv, port, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done, s.waitErr = cmd, done, nil
	s.Port = port
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()

	deadline := time.Now().Add(StartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.mu.Lock()
			werr := s.waitErr
			s.mu.Unlock()
			tail := s.LogTail(20)
			if strings.Contains(tail, "in use") || strings.Contains(tail, "Could not create server TCP listening socket") ||
				strings.Contains(tail, "Could not create server TLS listening socket") {
				return fmt.Errorf("%w: %d: process exited: %v", errPortTaken, port, werr)
			}
			return fmt.Errorf("process exited before answering PING: %v", werr)
		default:
		}
		if pingOnce(s.Addr, s.TLS) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("no PING reply on %s within %v", s.Addr, StartTimeout)
}

// pingOnce reports whether addr answers PING with any complete reply (an
// error such as NOAUTH still proves the server is serving).
func pingOnce(addr string, tc *tls.Config) bool {
	var nc net.Conn
	var err error
	if tc != nil {
		nc, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, tc)
	} else {
		nc, err = net.DialTimeout("tcp", addr, time.Second)
	}
	if err != nil {
		return false
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	raw, v, err := readReply(bufio.NewReader(nc))
	if err != nil {
		return false
	}
	// LOADING means the dataset is not served yet.
	return !(v.Kind == KindError && bytes.HasPrefix(raw, []byte("-LOADING")))
}

// freePort returns a loopback port that was free a moment ago, never 6379.
func freePort() (int, error) {
	for i := 0; i < 10; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
	return 0, errors.New("finding a free port: only 6379 offered")
}

// signal sends sig to the running process and waits up to timeout for it to
// exit, returning its exit error (nil for status 0).
func (s *Server) signal(sig os.Signal, timeout time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("redistest: server was never started")
	}
	select {
	case <-done:
		return errors.New("redistest: server is not running")
	default:
	}
	if err := cmd.Process.Signal(sig); err != nil {
		return err
	}
	return s.WaitExit(timeout)
}

func (s *Server) kill() {
	_ = s.signal(syscall.SIGKILL, time.Minute)
}

// Kill sends SIGKILL and waits for the process to exit; it does nothing if
// the process is not running.
func (s *Server) Kill() {
	s.t.Helper()
	if !s.Running() {
		return
	}
	if err := s.signal(syscall.SIGKILL, time.Minute); err != nil && !isSignalExit(err) {
		s.t.Fatalf("redistest: kill: %v", err)
	}
}

func isSignalExit(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && !ee.Exited()
}

// Stop sends SIGTERM, waits for the process to exit and returns its exit
// error: nil when it exited with status 0. It fails the test if the process
// does not exit within StartTimeout.
func (s *Server) Stop() error {
	s.t.Helper()
	err := s.signal(syscall.SIGTERM, StartTimeout)
	if errors.Is(err, errExitTimeout) {
		s.kill()
		s.t.Fatalf("redistest: server did not exit within %v of SIGTERM", StartTimeout)
	}
	return err
}

var errExitTimeout = errors.New("redistest: timed out waiting for the server to exit")

// WaitExit waits up to timeout for the process to exit on its own (after
// SHUTDOWN, say) and returns its exit error: nil for status 0.
func (s *Server) WaitExit(timeout time.Duration) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return errors.New("redistest: server was never started")
	}
	select {
	case <-done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.waitErr
	case <-time.After(timeout):
		return errExitTimeout
	}
}

// Running reports whether the process is still running.
func (s *Server) Running() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Restart starts the process again with the same port, directory and
// arguments, after Kill, Stop or an exit of its own.
func (s *Server) Restart() {
	s.t.Helper()
	if s.Running() {
		s.t.Fatalf("redistest: Restart while the server is running")
	}
	s.start(s.t, true)
}

// Log returns everything the process has written to stdout and stderr.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// LogTail returns the last n lines of the process's output.
func (s *Server) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (s *Server) cleanup() {
	if s.Running() {
		s.kill()
	}
	if s.t.Failed() {
		s.t.Logf("redistest: server %s log tail (%s):\n%s", s.Addr, s.LogPath, s.LogTail(40))
	}
}

var build struct {
	once sync.Once
	path string
	err  error
}

// BuildRedpebble builds ./cmd/redpebble (CGO_ENABLED=0) once per test binary
// and returns the binary's path. It fails the test if the build fails. When
// the environment variable REDPEBBLE_BIN names a binary, that binary is
// returned instead of building one.
func BuildRedpebble(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("REDPEBBLE_BIN"); p != "" {
		return p
	}
	build.once.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			build.err = err
			return
		}
		dir, err := os.MkdirTemp("", "redpebble-build-")
		if err != nil {
			build.err = err
			return
		}
		out := filepath.Join(dir, "redpebble")
		cmd := exec.Command(goTool(), "build", "-o", out, "./cmd/redpebble")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/redpebble: %v\n%s", err, msg)
			return
		}
		build.path = out
	})
	if build.err != nil {
		t.Fatalf("redistest: %v", build.err)
	}
	return build.path
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// ModuleRoot returns the directory holding the go.mod that encloses the
// current working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("redistest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// redisServerBin finds redis-server on PATH; without it the test is skipped,
// or failed under CI=true.
func redisServerBin(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server not found on PATH (required under CI): %v", err)
		}
		t.Skipf("redistest: redis-server not found on PATH, skipping: %v", err)
	}
	return bin
}

// redisConf is the command of a redis-server reading its configuration from
// stdin: listen (a format taking the port), loopback, no persistence, dir,
// then the conf lines.
func redisConf(bin, listen, dir string, conf []string) func(port int) ([]string, string) {
	return func(port int) ([]string, string) {
		var b strings.Builder
		fmt.Fprintf(&b, listen, port)
		fmt.Fprintf(&b, "bind 127.0.0.1\nsave \"\"\nappendonly no\ndir %s\nlogfile \"\"\n", dir)
		for _, l := range conf {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		return []string{bin, "-"}, b.String()
	}
}
