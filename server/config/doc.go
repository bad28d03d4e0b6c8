// Package config owns redpebble's configuration: the redis.conf directive
// table (names, aliases, types, Redis 7.0 defaults and ranges, which may
// change at run time), the parser for configuration files and redis-server
// style command lines, and the run-time side of CONFIG GET, CONFIG SET and
// CONFIG REWRITE.
//
// It behaves as Redis 7.0's config.c and main() in server.c do, down to the
// error texts: a configuration Redis would refuse stops with a *FatalError
// whose Error() is Redis' "*** FATAL CONFIG FILE ERROR ***" report, and a
// refused CONFIG SET returns a *SetError whose Error() is Redis' reply
// ("ERR CONFIG SET failed (possibly related to argument 'port') - ...").
// Those two texts are client- and operator-facing, so unlike this package's
// other errors they carry no "config:" prefix; use errors.Is with ErrFatal,
// ErrUnknownOption, ErrImmutable, ErrProtected, ErrInvalid.
//
// Directives Redis has but redpebble does not act on (save, appendonly,
// io-threads, lazyfree-*, cluster-*...) are accepted, validated as Redis
// validates them, kept for CONFIG GET and reported once each as a warning.
//
// How to drive it:
//
//	cfg, warnings, err := config.Load(os.Args[1:]) // or config.Parse(r, name)
//	if err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }
//	for _, w := range warnings { log.Print(w) }
//	if err := cfg.Validate(); err != nil { ... }
//	port := cfg.Int("port")
//	cfg.OnChange("maxclients", func(v string) error { ... })
//	err = cfg.Set("maxclients", "100")          // CONFIG SET
//	v, ok := cfg.Get("maxclients")              // CONFIG GET (glob over cfg.Names())
//	err = cfg.Rewrite(cfg.ConfigFile())         // CONFIG REWRITE
//
// What it must not do: act on the configuration (listen, chdir, open the
// log, start replication). Loading reads files (the configuration, its
// includes, standard input for "-"), stats the dir directive's target, and
// Load opens the log file for appending as Redis does; nothing else.
//
// Locks: Config.setMu serializes CONFIG SET and their hooks and is taken
// before Config.mu, which guards the values. Hooks run with mu released and
// setMu held: they may read the configuration but must not call Set.
package config
