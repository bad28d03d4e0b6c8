package pubsub_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"

	"github.com/redpebble/redpebble/pubsub"
)

// conn is how a server connection can implement pubsub.Subscriber: frames go to its Outbox, and a goroutine of its
// own writes the Outbox to the socket.
type conn struct {
	out   *pubsub.Outbox
	proto int
}

func (c *conn) Deliver(frame []byte) bool { return c.out.Append(frame) }
func (c *conn) Proto() int                { return c.proto }

func Example() {
	hub := pubsub.NewHub()
	server, client := net.Pipe()
	c := &conn{out: pubsub.NewOutbox(pubsub.PubsubLimits), proto: 2}
	done := make(chan error)
	go func() { done <- c.out.Run(server) }() // the connection's writer goroutine

	hub.Subscribe(c, []byte("news")) // delivers the confirmation itself
	hub.PSubscribe(c, []byte("n*"))  // likewise
	n := hub.Publish([]byte("news"), []byte("hi"))

	r := bufio.NewReader(client)
	var frames []string
	for len(frames) < 4 { // subscribe, psubscribe, message, pmessage
		frames = append(frames, readFrame(r))
	}
	hub.RemoveAll(c) // on disconnect
	c.out.Close()
	server.Close()
	<-done
	client.Close()

	fmt.Println("receivers:", n)
	for _, f := range frames {
		fmt.Println(f)
	}
	// Output:
	// receivers: 2
	// subscribe news :1
	// psubscribe n* :2
	// message news hi
	// pmessage n* news hi
}

// readFrame reads one RESP2 array of bulk strings and integers and returns its elements joined by spaces.
func readFrame(r *bufio.Reader) string {
	line := func() string { l, _ := r.ReadString('\n'); return strings.TrimSuffix(l, "\r\n") }
	var n int
	fmt.Sscanf(line(), "*%d", &n)
	var parts []string
	for i := 0; i < n; i++ {
		e := line()
		if e[0] == '$' {
			e = line()
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, " ")
}
