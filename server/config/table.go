package config

import "math"

// directive is one entry of the directive table: what redis.conf calls a
// config (standardConfig in config.c).
type directive struct {
	name     string
	aliases  []string
	kind     kind
	flags    attr
	min, max int64    // numeric bounds, inclusive
	enum     []string // kindEnum words, in Redis' order
	def      string   // default, as config-file text (parsed at start-up)
	// check validates a parsed string value (kindString) and returns a reason.
	check func(s string) string
	// special hooks (kindSpecial).
	parse   func(c *Config, args []string, cur value) (value, string)
	get     func(v value) string
	rewrite func(st *rewriteState, d *directive, v, def value)
}

const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
)

func boolD(name string, def bool, fl attr, aliases ...string) *directive {
	return &directive{name: name, aliases: aliases, kind: kindBool, flags: fl, def: yesno(def)}
}

func intD(name string, min, max, def int64, fl attr, aliases ...string) *directive {
	return &directive{name: name, aliases: aliases, kind: kindInt, flags: fl, min: min, max: max, def: itoa(def)}
}

func memD(name string, min, max int64, def string, fl attr, aliases ...string) *directive {
	return &directive{name: name, aliases: aliases, kind: kindMemory, flags: fl, min: min, max: max, def: def}
}

func enumD(name string, words []string, def string, fl attr) *directive {
	return &directive{name: name, kind: kindEnum, flags: fl, enum: words, def: def}
}

func strD(name, def string, fl attr, aliases ...string) *directive {
	return &directive{name: name, aliases: aliases, kind: kindString, flags: fl, def: def}
}

func rawD(name, def string, fl attr) *directive {
	return &directive{name: name, kind: kindSpecial, flags: fl | flagMultiArg, def: def,
		parse: parseRaw, get: getRaw, rewrite: rewriteRaw}
}

// I (immutable), P (protected), X (ignored by redpebble), N (nullable
// string), U (unsigned bounds) abbreviate the flags in the table below.
const (
	fI = flagImmutable
	fP = flagProtected
	fX = flagIgnored
	fN = flagNullable
	fU = flagUnsigned
	fS = flagSensitive
)

var (
	enumLoglevel   = []string{"debug", "verbose", "notice", "warning"}
	enumFsync      = []string{"everysec", "always", "no"}
	enumProtected  = []string{"no", "yes", "local"}
	enumTLSAuth    = []string{"no", "yes", "optional"}
	enumSupervised = []string{"upstart", "systemd", "auto", "no"}
	enumSyslog     = []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	enumDisklessLd = []string{"disabled", "on-empty-db", "swapdb"}
	enumOOM        = []string{"no", "yes", "relative", "absolute"}
	enumACLPubsub  = []string{"allchannels", "resetchannels"}
	enumSanitize   = []string{"no", "yes", "clients"}
	enumEndpoint   = []string{"ip", "hostname", "unknown-endpoint"}
	enumPropagErr  = []string{"ignore", "panic", "panic-on-replicas"}
	enumMaxmemPol  = []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
		"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}
)

// DefaultBind is redpebble's default listen addresses: the line redis.conf
// ships with, rather than Redis' compiled-in "* -::*".
const DefaultBind = "127.0.0.1 -::1"

// newTable returns the directive table. Ranges, defaults, aliases and
// mutability follow the standardConfig table of Redis 7.0 config.c; the
// two pebble-* directives are redpebble's own.
func newTable() []*directive {
	t := []*directive{
		// Network.
		intD("port", 0, 65535, 6379, 0),
		{name: "bind", kind: kindSpecial, flags: flagMultiArg, def: DefaultBind, parse: parseBind, get: getBind, rewrite: rewriteBind},
		boolD("protected-mode", true, 0),
		intD("tcp-backlog", 0, intMax, 511, fI),
		strD("unixsocket", "", fI|fN),
		{name: "unixsocketperm", kind: kindOctal, flags: fI | fU, min: 0, max: 0o777, def: "0"},
		intD("timeout", 0, intMax, 0, 0),
		intD("tcp-keepalive", 0, intMax, 300, 0),
		uintD("maxclients", 1, uintMax, 10000, 0),

		// General.
		boolD("daemonize", false, fI),
		strD("pidfile", "", fI|fN),
		enumD("loglevel", enumLoglevel, "notice", 0),
		strD("logfile", "", fI),
		intD("databases", 1, intMax, 16, fI),
		{name: "dir", kind: kindSpecial, flags: fP, def: ".", parse: parseDir, get: getString, rewrite: rewriteDir},
		{name: "dbfilename", kind: kindString, flags: fP, def: "dump.rdb", check: checkBaseName("dbfilename can't be a path, just a filename")},
		enumD("enable-debug-command", enumProtected, "no", fI),
		enumD("enable-protected-configs", enumProtected, "no", fI),
		intD("hz", 0, intMax, 10, 0),
		enumD("appendfsync", enumFsync, "everysec", 0),

		// Security.
		strD("requirepass", "", fN|fS),
		strD("aclfile", "", fI),

		// Replication.
		{name: "replicaof", aliases: []string{"slaveof"}, kind: kindSpecial, flags: fI | flagMultiArg, def: "", parse: parseReplicaof, get: getReplicaof, rewrite: rewriteReplicaof},
		strD("masteruser", "", fN|fS),
		strD("masterauth", "", fN|fS),
		boolD("replica-read-only", true, 0, "slave-read-only"),
		boolD("replica-serve-stale-data", true, 0, "slave-serve-stale-data"),
		strD("replica-announce-ip", "", fN, "slave-announce-ip"),
		intD("replica-announce-port", 0, 65535, 0, 0, "slave-announce-port"),
		intD("replica-priority", 0, intMax, 100, 0, "slave-priority"),
		intD("repl-timeout", 1, intMax, 60, 0),
		intD("repl-ping-replica-period", 1, intMax, 10, 0, "repl-ping-slave-period"),
		memD("repl-backlog-size", 1, llongMax, "1mb", 0),
		intD("repl-backlog-ttl", 0, longMax, 3600, 0),
		boolD("repl-diskless-sync", true, 0),
		intD("repl-diskless-sync-delay", 0, intMax, 5, 0),
		boolD("repl-disable-tcp-nodelay", false, 0),
		intD("min-replicas-to-write", 0, intMax, 0, 0, "min-slaves-to-write"),
		intD("min-replicas-max-lag", 0, intMax, 10, 0, "min-slaves-max-lag"),

		// Limits.
		memD("maxmemory", 0, -1, "0", fU),
		enumD("maxmemory-policy", enumMaxmemPol, "noeviction", 0),
		intD("lfu-log-factor", 0, intMax, 10, 0),
		intD("lfu-decay-time", 0, intMax, 1, 0),
		memD("proto-max-bulk-len", 1024*1024, longMax, "512mb", 0),
		memD("client-query-buffer-limit", 1024*1024, longMax, "1gb", fU),
		{name: "client-output-buffer-limit", kind: kindSpecial, flags: flagMultiArg,
			def:   "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
			parse: parseOBL, get: getOBL, rewrite: rewriteOBL},
		intD("busy-reply-threshold", 0, longMax, 5000, 0, "lua-time-limit"),
		intD("slowlog-log-slower-than", -1, llongMax, 10000, 0),
		intD("slowlog-max-len", 0, longMax, 128, 0),
		intD("latency-monitor-threshold", 0, llongMax, 0, 0),
		{name: "notify-keyspace-events", kind: kindSpecial, def: "", parse: parseNotify, get: getNotify, rewrite: rewriteNotify},

		// Encodings.
		sizeD("hash-max-listpack-entries", 512, false, "hash-max-ziplist-entries"),
		sizeD("hash-max-listpack-value", 64, true, "hash-max-ziplist-value"),
		sizeD("zset-max-listpack-entries", 128, false, "zset-max-ziplist-entries"),
		sizeD("zset-max-listpack-value", 64, true, "zset-max-ziplist-value"),
		sizeD("set-max-intset-entries", 512, false),
		sizeD("set-max-listpack-entries", 128, false),
		sizeD("set-max-listpack-value", 64, true),
		intD("list-max-listpack-size", intMin, intMax, -2, 0, "list-max-ziplist-size"),
		intD("list-compress-depth", 0, intMax, 0, 0),
		sizeD("stream-node-max-bytes", 4096, true),
		intD("stream-node-max-entries", 0, llongMax, 100, 0),

		// TLS.
		intD("tls-port", 0, 65535, 0, 0),
		strD("tls-cert-file", "", fN),
		strD("tls-key-file", "", fN),
		strD("tls-ca-cert-file", "", fN),
		enumD("tls-auth-clients", enumTLSAuth, "yes", 0),
		boolD("tls-replication", false, 0),
		strD("tls-protocols", "", fN),
		strD("tls-ciphersuites", "", fN),

		// redpebble's own.
		memD("pebble-cache-size", 0, llongMax, "256mb", fI),
		memD("pebble-memtable-size", 1024*1024, 4*1024*1024*1024, "64mb", fI),

		// Accepted and shown by CONFIG GET, but not acted on by redpebble.
		{name: "save", kind: kindSpecial, flags: fX | flagMultiArg, def: "3600 1 300 100 60 10000", parse: parseSave, get: getRaw, rewrite: rewriteSave},
		boolD("appendonly", false, fX),
		{name: "appendfilename", kind: kindString, flags: fX | fI, def: "appendonly.aof", check: checkAOFName("appendfilename", "filename")},
		{name: "appenddirname", kind: kindString, flags: fX | fI, def: "appendonlydir", check: checkAOFName("appenddirname", "dirname")},
		boolD("no-appendfsync-on-rewrite", false, fX),
		intD("auto-aof-rewrite-percentage", 0, intMax, 100, fX),
		memD("auto-aof-rewrite-min-size", 0, llongMax, "64mb", fX),
		boolD("aof-load-truncated", true, fX),
		boolD("aof-use-rdb-preamble", true, fX),
		boolD("aof-rewrite-incremental-fsync", true, fX),
		boolD("aof-timestamp-enabled", false, fX),
		boolD("aof-disable-auto-gc", false, fX),
		intD("io-threads", 1, 128, 1, fX|fI),
		boolD("io-threads-do-reads", false, fX|fI),
		boolD("rdbcompression", true, fX),
		boolD("rdbchecksum", true, fX|fI),
		boolD("rdb-del-sync-files", false, fX),
		boolD("rdb-save-incremental-fsync", true, fX),
		boolD("stop-writes-on-bgsave-error", true, fX),
		boolD("lazyfree-lazy-eviction", false, fX),
		boolD("lazyfree-lazy-expire", false, fX),
		boolD("lazyfree-lazy-server-del", false, fX),
		boolD("lazyfree-lazy-user-del", false, fX),
		boolD("lazyfree-lazy-user-flush", false, fX),
		boolD("replica-lazy-flush", false, fX, "slave-lazy-flush"),
		boolD("replica-ignore-maxmemory", true, fX, "slave-ignore-maxmemory"),
		boolD("replica-announced", true, fX),
		boolD("replica-ignore-disk-write-errors", false, fX),
		enumD("repl-diskless-load", enumDisklessLd, "disabled", fX),
		intD("repl-diskless-sync-max-replicas", 0, intMax, 0, fX),
		boolD("activerehashing", true, fX),
		boolD("activedefrag", false, fX),
		intD("active-defrag-cycle-min", 1, 99, 1, fX),
		intD("active-defrag-cycle-max", 1, 99, 25, fX),
		intD("active-defrag-threshold-lower", 0, 1000, 10, fX),
		intD("active-defrag-threshold-upper", 0, 1000, 100, fX),
		memD("active-defrag-ignore-bytes", 1, llongMax, "100mb", fX|fU),
		intD("active-defrag-max-scan-fields", 1, longMax, 1000, fX),
		intD("active-expire-effort", 1, 10, 1, fX),
		boolD("dynamic-hz", true, fX),
		boolD("jemalloc-bg-thread", true, fX),
		enumD("supervised", enumSupervised, "no", fX|fI),
		boolD("always-show-logo", false, fX|fI),
		boolD("set-proc-title", true, fX|fI),
		strD("proc-title-template", "{title} {listen-addr} {server-mode}", fX),
		enumD("oom-score-adj", enumOOM, "no", fX),
		rawD("oom-score-adj-values", "0 200 800", fX),
		boolD("latency-tracking", true, fX),
		rawD("latency-tracking-info-percentiles", "50 99 99.9", fX),
		boolD("syslog-enabled", false, fX|fI),
		strD("syslog-ident", "redis", fX|fI),
		enumD("syslog-facility", enumSyslog, "local0", fX|fI),
		boolD("crash-log-enabled", true, fX),
		boolD("crash-memcheck-enabled", true, fX),
		boolD("disable-thp", true, fX|fI),
		intD("maxmemory-samples", 1, intMax, 5, fX),
		intD("maxmemory-eviction-tenacity", 0, 100, 10, fX),
		{name: "maxmemory-clients", kind: kindMemory, flags: fX | flagPercent, min: -100, max: longMax, def: "0"},
		memD("hll-sparse-max-bytes", 0, longMax, "3000", fU),
		intD("tracking-table-max-keys", 0, longMax, 1000000, fX|fU),
		intD("acllog-max-len", 0, longMax, 128, 0),
		enumD("acl-pubsub-default", enumACLPubsub, "resetchannels", 0),
		enumD("sanitize-dump-payload", enumSanitize, "no", fX),
		enumD("enable-module-command", enumProtected, "no", fX|fI),
		enumD("propagation-error-behavior", enumPropagErr, "ignore", fX),
		intD("shutdown-timeout", 0, intMax, 10, fX),
		rawD("shutdown-on-sigint", "default", fX),
		rawD("shutdown-on-sigterm", "default", fX),
		strD("ignore-warnings", "", fX),
		strD("bind-source-addr", "", fX|fN),
		intD("socket-mark-id", 0, uintMax, 0, fX|fU),
		strD("server_cpulist", "", fX|fI|fN),
		strD("bio_cpulist", "", fX|fI|fN),
		strD("aof_rewrite_cpulist", "", fX|fI|fN),
		strD("bgsave_cpulist", "", fX|fI|fN),
		intD("tls-session-cache-size", 0, intMax, 20*1024, fX),
		intD("tls-session-cache-timeout", 0, intMax, 300, fX),
		boolD("tls-cluster", false, fX),
		boolD("tls-prefer-server-ciphers", false, 0),
		boolD("tls-session-caching", true, fX),
		strD("tls-key-file-pass", "", fX|fN),
		strD("tls-client-cert-file", "", fN),
		strD("tls-client-key-file", "", fN),
		strD("tls-client-key-file-pass", "", fX|fN),
		strD("tls-dh-params-file", "", fX|fN),
		strD("tls-ca-cert-dir", "", fN),
		strD("tls-ciphers", "", fN),
		boolD("cluster-enabled", false, fX|fI),
		strD("cluster-config-file", "nodes.conf", fX|fI),
		intD("cluster-node-timeout", 0, llongMax, 15000, fX),
		intD("cluster-port", 0, 65535, 0, fX|fI),
		intD("cluster-replica-validity-factor", 0, intMax, 10, fX, "cluster-slave-validity-factor"),
		intD("cluster-migration-barrier", 0, intMax, 1, fX),
		boolD("cluster-allow-replica-migration", true, fX),
		boolD("cluster-require-full-coverage", true, fX),
		boolD("cluster-replica-no-failover", false, fX, "cluster-slave-no-failover"),
		boolD("cluster-allow-reads-when-down", false, fX),
		boolD("cluster-allow-pubsubshard-when-down", true, fX),
		strD("cluster-announce-ip", "", fX|fN),
		strD("cluster-announce-hostname", "", fX|fN),
		intD("cluster-announce-port", 0, 65535, 0, fX),
		intD("cluster-announce-bus-port", 0, 65535, 0, fX),
		intD("cluster-announce-tls-port", 0, 65535, 0, fX),
		enumD("cluster-preferred-endpoint-type", enumEndpoint, "ip", fX),
		memD("cluster-link-sendbuf-limit", 0, -1, "0", fX|fU),
	}
	return t
}

// uintD is an unsigned-int directive (bounds compared as unsigned).
func uintD(name string, min, max, def int64, fl attr) *directive {
	return intD(name, min, max, def, fl|fU)
}

// sizeD is a size_t directive bounded by LONG_MAX, as the listpack limits.
func sizeD(name string, def int64, memory bool, aliases ...string) *directive {
	if memory {
		return memD(name, 0, longMax, itoa(def), fU, aliases...)
	}
	return intD(name, 0, longMax, def, fU, aliases...)
}
