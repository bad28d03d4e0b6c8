// Command redpebble is a Redis-protocol replica node that keeps its data in
// pebble. It starts like redis-server:
//
//	redpebble [/path/to/redis.conf] [--directive value ...]
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/redpebble/redpebble/server"
	"github.com/redpebble/redpebble/server/config"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Printf("redpebble (Redis %s compatible)\n", server.Version)
		return 0
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Println("Usage: redpebble [/path/to/redis.conf] [--directive value ...]")
		fmt.Println("       redpebble --port 7777 --dir ./data --replicaof 127.0.0.1 6379")
		return 0
	}
	cfg, warnings, err := config.Load(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		return 1
	}
	var out io.Writer = os.Stdout
	if lf := cfg.String("logfile"); lf != "" {
		f, err := os.OpenFile(lf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	logger := log.New(out, fmt.Sprintf("%d:M ", os.Getpid()), log.LstdFlags|log.Lmicroseconds)
	for _, w := range warnings {
		logger.Print(w)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		return 1
	}
	if err := os.MkdirAll(cfg.String("dir"), 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "Can't create the data directory: %v\n", err)
		return 1
	}
	if path := os.Getenv("REDPEBBLE_CPUPROFILE"); path != "" {
		// Opt-in CPU profile of the whole run, written at shutdown
		// (SIGTERM/SIGINT/SHUTDOWN; not on kill -9). Used by make bench.
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Can't create the CPU profile: %v\n", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "Can't start the CPU profile: %v\n", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		logger.Printf("Fatal error opening the data store: %v", err)
		return 1
	}
	if err := srv.Listen(); err != nil {
		logger.Printf("Warning: %v", err)
		srv.Close()
		return 1
	}
	logger.Printf("redpebble (Redis %s compatible) ready to accept connections on %v", server.Version, srv.Addrs())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case sig := <-sigs:
		logger.Printf("Received %v scheduling shutdown...", sig)
	case <-srv.Done():
	}
	if err := srv.Close(); err != nil {
		logger.Printf("Error closing the data store: %v", err)
		return 1
	}
	logger.Printf("redpebble is now ready to exit, bye bye...")
	return 0
}
