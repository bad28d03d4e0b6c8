#!/usr/bin/env python3
"""Writes redis-7.0.15.txt: DUMP payloads (hex) of keys of every type and
encoding made by a redis-server 7.0.15 on the port given (default 7777).
Each line: <name> <encoding> <hex payload>. Used to seed FuzzRestorePayload
and by TestRestoreRedisPayloads."""
import socket, sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")

def read():
    l = f.readline()
    t = l[:1]
    if t == b"$":
        n = int(l[1:])
        if n < 0:
            return None
        return f.read(n + 2)[:-2]
    if t == b"*":
        return [read() for _ in range(int(l[1:]))]
    if t == b":":
        return int(l[1:])
    if t == b"-":
        raise Exception(l)
    return l.strip()

def cmd(*a):
    out = b"*%d\r\n" % len(a)
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    s.sendall(out)
    return read()

cmd("FLUSHALL")
cmd("SET", "str_short", "hello")
cmd("SET", "str_int", "12345")
cmd("SET", "str_negint", "-9223372036854775808")
cmd("SET", "str_bin", b"\x00\xff\r\nbin")
cmd("SET", "str_lzf", "abc" * 200)
cmd("SET", "str_empty", "")
cmd("RPUSH", "list_small", "a", "b", "c", "1", "2", "-3", "")
cmd("RPUSH", "list_big", *["element-%d" % i for i in range(2000)])
cmd("RPUSH", "list_plain_ish", "x" * 9000, "y", "z" * 5000)
cmd("SADD", "set_intset", 1, 2, 3, -5, 1 << 40)
cmd("SADD", "set_ht", "a", "b", "c")
cmd("SADD", "set_bigint", *range(600))
cmd("HSET", "hash_lp", "f1", "v1", "f2", "2", "f3", "")
cmd("HSET", "hash_ht", "f1", "v" * 100, "f2", "v2")
cmd("ZADD", "zset_lp", 1, "a", 2.5, "b", "-inf", "c", "inf", "d", 0, "e")
args = []
for i in range(200):
    args += [i * 1.5, "m%d" % i]
cmd("ZADD", "zset_sl", *args)
cmd("XADD", "stream_empty", "MAXLEN", "0", "1-1", "a", "b")
for i in range(1, 6):
    cmd("XADD", "stream_groups", "%d-0" % i, "f", i, "g", "x")
cmd("XADD", "stream_groups", "6-0", "other", "fields")
cmd("XGROUP", "CREATE", "stream_groups", "g1", "0")
cmd("XGROUP", "CREATE", "stream_groups", "g2", "$")
cmd("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "stream_groups", ">")
cmd("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "stream_groups", ">")
cmd("XGROUP", "CREATECONSUMER", "stream_groups", "g2", "carol")
cmd("XDEL", "stream_groups", "5-0")
for i in range(300):
    cmd("XADD", "stream_nodes", "*", "field", i)

with open("redis-7.0.15.txt", "w") as out:
    for k in sorted(x.decode() for x in cmd("KEYS", "*")):
        enc = cmd("OBJECT", "ENCODING", k).decode()
        out.write("%s %s %s\n" % (k, enc, cmd("DUMP", k).hex()))
