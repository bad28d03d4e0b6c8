package server

import "github.com/redpebble/redpebble/pubsub"

// notify fires the keyspace notification event of class for key in c.db, as
// notifyKeyspaceEvent in notify.c. Every write command calls it where Redis
// does, with Redis's event name ("lpush", "hset", "del", "expire"...), for
// client writes and writes applied from the master alike.
//
// TODO(issue 5): publish through the pub/sub hub after the write commits.
func (c *Client) notify(class pubsub.NotifyFlags, event string, key []byte) {
	_, _, _ = class, event, key
}
