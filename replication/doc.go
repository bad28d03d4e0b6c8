// Package replication follows a Redis master.
//
// Core is the replica side of the protocol as a state machine without
// sockets, goroutines or clock: the shell feeds it events (connected, a
// reply line, a loaded RDB, a stream command, a tick, the link going down)
// with the time, and executes the Actions it returns in order. It sends the
// handshake in Redis's order (PING, AUTH, REPLCONF listening-port,
// [ip-address], capa eof capa psync2, then PSYNC once the replies are read),
// understands +FULLRESYNC, +CONTINUE [replid], -NOMASTERLINK, -LOADING and
// keep-alive newlines, counts the replication offset in raw bytes (moved
// after a command is applied, past EXEC for a master MULTI), answers
// REPLCONF GETACK with the applied offset and ACKs once a second with the
// fsynced offset as FACK. Reconnects back off from 250 ms to 5 s.
//
// Replica is the shell: one goroutine owning the net.Conn, plus a reader
// goroutine while commands stream. A full sync is decoded by replication/rdb
// and turned into write commands run by the Applier into a store.Load, which
// is committed together with the new position only when the whole payload
// and its CRC are in. Stream commands are grouped into Batches applied in
// one store transaction each, with the position committed in the same
// pebble batch (store.Tx.SetRepl), so a restart continues with PSYNC.
//
// The Applier (implemented by package server) runs commands through the
// server's command table: this package never writes keys itself.
package replication
