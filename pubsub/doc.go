// Package pubsub is redpebble's publish/subscribe hub: Redis's SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their
// unsubscribes, PUBLISH and SPUBLISH, PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB, keyspace
// notifications, and the glob matcher Redis uses for patterns (and that KEYS and SCAN MATCH need too).
//
// # What it owns
//
//   - Match and MatchString: a byte-wise port of stringmatchlen (util.c, Redis 7.0), quirks included.
//   - Hub: who is subscribed to what, and the routing of published messages. Semantics follow pubsub.c; the shape
//     follows nats-server (sublist.go for the tables, client.go's queueOutbound/writeLoop for output).
//   - Outbox: a bounded per-connection output buffer with Redis's client-output-buffer-limit rules, which the
//     server can use to implement Subscriber, and its writer loop (Run).
//   - NotifyFlags, ParseNotifyFlags and Hub.Notify: notify-keyspace-events as notify.c.
//
// # What it must not do
//
// It never touches a socket and never blocks a publisher on a slow client: a Subscriber's Deliver only appends to
// that client's own buffer, and the client's own goroutine writes it out. A client whose buffer goes over its limit
// is cut: Deliver returns false and the Hub unsubscribes it from everything; the server then closes the
// connection (Outbox.Run returns ErrOverLimit). It imports only the standard library and knows nothing of the
// server, the store or RESP parsing.
//
// # How to drive it
//
// The server makes one Hub. Each connection owns an Outbox and a Subscriber value (say its *conn, whose Deliver
// calls Outbox.Append and whose Proto reports the HELLO version); a goroutine per connection runs Outbox.Run on
// the socket. Command replies for a connection should go through the same Outbox so they interleave correctly
// with pushed messages.
//
//   - SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE: call Subscribe/PSubscribe/SSubscribe. The Hub delivers Redis's confirmation
//     frames to the subscriber itself, under its lock, so that no message on a channel can overtake the
//     confirmation of its subscription; the server writes nothing more. The returned counts are informational.
//   - UNSUBSCRIBE/PUNSUBSCRIBE/SUNSUBSCRIBE: likewise; no names means all, and an unsubscribe-all with nothing to
//     drop still gets one confirmation with a null name, as Redis sends.
//   - PUBLISH/SPUBLISH: Publish/SPublish return the integer reply.
//   - Disconnect: RemoveAll.
//   - Keyspace events: after each write, Notify(flags, class, event, key, db) with the configured flags.
//
// A Subscriber that is also a Replier gets the frames it causes itself — its confirmations, and what it publishes
// to itself through PublishFrom or NotifyFrom — through Reply, on the caller's goroutine, so the server can put
// them into the reply it is building. Outbox.Hold and Release park other publishers' frames while a command runs
// and queue them after its reply.
//
// Confirmation counts follow pubsub.c: SUBSCRIBE and PSUBSCRIBE (and their unsubscribes) report the client's
// channels plus patterns; SSUBSCRIBE and SUNSUBSCRIBE report its shard channels only.
//
// # Locks
//
// Lock order, outermost first (nats keeps the same in locksordering.txt):
//
//	Hub.mu      (sync.RWMutex: read for Publish and queries, write for (un)subscribe and RemoveAll)
//	  Outbox.mu (taken by Subscriber.Deliver, which the Hub calls with Hub.mu held)
//
// So Deliver must never call into the Hub, and nothing may call the Hub while holding an Outbox (or any lock that
// Deliver takes). The frame passed to Deliver is valid only during the call: the Hub encodes each distinct frame
// once per publish and protocol into reused buffers, so Deliver must copy it (Outbox.Append does).
package pubsub
