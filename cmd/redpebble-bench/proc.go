package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server process started by the harness on a random loopback port.
type proc struct {
	name    string // "redis" or "redpebble" (plus a role suffix in logs)
	argv    []string
	stdin   string
	env     []string
	Port    int
	Addr    string
	Dir     string
	LogPath string
	// replicaOfSet: replicaof was added to the config for restarts.
	replicaOfSet bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

var (
	procsMu sync.Mutex
	procs   []*proc
)

// killAll kills every process the harness started (on exit and on ^C).
func killAll() {
	procsMu.Lock()
	defer procsMu.Unlock()
	for _, p := range procs {
		p.Kill()
	}
}

// freePort returns a loopback port that was free a moment ago, never 6379.
func freePort() (int, error) {
	for i := 0; i < 10; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port")
}

// startRedis runs redis-server with its configuration on stdin.
func startRedis(workDir, name string, conf ...string) (*proc, error) {
	dir, err := os.MkdirTemp(workDir, name+"-")
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, Dir: dir, LogPath: filepath.Join(dir, "server.log")}
	p.argv = []string{redisServerBin, "-"}
	p.stdin = "bind 127.0.0.1\nsave \"\"\nappendonly no\ndir " + dir + "\nlogfile \"\"\n" + strings.Join(conf, "\n") + "\n"
	return p, p.start(false)
}

// startRedpebble runs the redpebble binary with --port/--bind/--dir and args.
func startRedpebble(workDir, name string, profile string, args ...string) (*proc, error) {
	dir, err := os.MkdirTemp(workDir, name+"-")
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, Dir: dir, LogPath: filepath.Join(dir, "server.log")}
	p.argv = append([]string{redpebbleBin, "--bind", "127.0.0.1", "--dir", dir}, args...)
	if profile != "" {
		p.env = []string{"REDPEBBLE_CPUPROFILE=" + profile}
	}
	return p, p.start(false)
}

func (p *proc) start(samePort bool) error {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port := p.Port
		if !samePort {
			var err error
			if port, err = freePort(); err != nil {
				return err
			}
		}
		last = p.launch(port)
		if last == nil {
			return nil
		}
		if !strings.Contains(last.Error(), "in use") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("starting %s: %v\n%s", p.name, last, p.logTail(15))
}

func (p *proc) launch(port int) error {
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	argv := slicesClone(p.argv)
	stdin := p.stdin
	if stdin != "" {
		stdin = fmt.Sprintf("port %d\n", port) + stdin
	} else {
		argv = append(argv, "--port", strconv.Itoa(port))
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), p.env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.Port = cmd, done, port
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.mu.Unlock()
	procsMu.Lock()
	if !containsProc(procs, p) {
		procs = append(procs, p)
	}
	procsMu.Unlock()
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			tail := p.logTail(20)
			if strings.Contains(tail, "in use") {
				return fmt.Errorf("port %d in use", port)
			}
			return fmt.Errorf("exited before answering PING")
		default:
		}
		if pingOnce(p.Addr) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill()
	return fmt.Errorf("no PING reply within 60s")
}

func containsProc(ps []*proc, p *proc) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// pingOnce reports whether addr answers PING with anything but -LOADING.
func pingOnce(addr string) bool {
	c, err := dial(addr, 2*time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	v, err := c.Do("PING")
	if err != nil {
		return false
	}
	if e, ok := v.(respError); ok && strings.HasPrefix(string(e), "LOADING") {
		return false
	}
	return true
}

// Pid is the running process's id (0 when not running).
func (p *proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Kill sends SIGKILL and waits for the exit.
func (p *proc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Stop sends SIGTERM (so a CPU profile is written) and waits up to 30 s,
// then kills.
func (p *proc) Stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.Kill()
	}
}

// Close stops the process and removes its directory.
func (p *proc) Close() {
	p.Stop()
	os.RemoveAll(p.Dir)
}

// Restart starts the process again on the same port and directory.
func (p *proc) Restart() error { return p.start(true) }

func (p *proc) logTail(n int) string {
	b, _ := os.ReadFile(p.LogPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// procMem reads VmRSS and VmHWM (bytes) of pid from /proc.
func procMem(pid int) (rss, hwm int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			rss = parseKB(v)
		case "VmHWM":
			hwm = parseKB(v)
		}
	}
	return rss, hwm
}

func parseKB(v string) int64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n * 1024
}

// rssSampler samples a process's RSS every 50 ms until stopped; Peak is the
// larger of the sampled maximum and the kernel's VmHWM.
type rssSampler struct {
	stop chan struct{}
	done chan struct{}
	peak int64
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			rss, hwm := procMem(pid)
			s.peak = max(s.peak, rss, hwm)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) Peak() int64 {
	close(s.stop)
	<-s.done
	return s.peak
}
