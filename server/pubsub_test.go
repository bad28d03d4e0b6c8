package server

import (
	"testing"

	"github.com/redpebble/redpebble/pubsub"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/server/config"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	cfg, _, err := config.Load([]string{"--dir", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// recSub is a subscriber registered straight in the hub.
type recSub struct{ out *pubsub.Outbox }

func (r *recSub) Deliver(f []byte) bool { return r.out.Append(f) }
func (r *recSub) Proto() int            { return 2 }

// TestPublishFromMaster: the replication stream runs PUBLISH through the
// command table with fromMaster set; it is not a write (a read-only replica
// accepts it) and delivers to local subscribers.
func TestPublishFromMaster(t *testing.T) {
	s := newTestServer(t)
	cmd, _ := s.cmds.lookup([][]byte{[]byte("publish"), []byte("ch"), []byte("m")})
	if cmd == nil || cmd.has(flagWrite) {
		t.Fatalf("PUBLISH must be in the table and not be a write command: %+v", cmd)
	}
	sub := &recSub{out: pubsub.NewOutbox(pubsub.Limits{})}
	s.ps.hub.Subscribe(sub, []byte("ch"))
	sub.out.Drain(nil)
	master := &Client{s: s, proto: resp.RESP2, authed: true, fromMaster: true}
	master.args = [][]byte{[]byte("PUBLISH"), []byte("ch"), []byte("from master")}
	s.call(master)
	if got := string(master.out); got != ":1\r\n" {
		t.Fatalf("PUBLISH from master replied %q", got)
	}
	want := string(pubsub.AppendMessage(nil, 2, pubsub.KindMessage, []byte("ch"), []byte("from master")))
	if got := string(sub.out.Drain(nil)); got != want {
		t.Fatalf("subscriber got %q, want %q", got, want)
	}
}

// TestNotifyAppliedWrites: keyspace events fire for writes applied from the
// master too, after the commit, in order.
func TestNotifyAppliedWrites(t *testing.T) {
	s := newTestServer(t)
	if err := s.cfg.Set("notify-keyspace-events", "KEA"); err != nil {
		t.Fatal(err)
	}
	sub := &recSub{out: pubsub.NewOutbox(pubsub.Limits{})}
	s.ps.hub.PSubscribe(sub, []byte("__keyevent@0__:*"))
	sub.out.Drain(nil)
	master := &Client{s: s, proto: resp.RESP2, authed: true, fromMaster: true}
	for _, args := range [][]string{{"SET", "k", "v"}, {"EXPIRE", "k", "100"}, {"DEL", "k"}} {
		master.args = nil
		for _, a := range args {
			master.args = append(master.args, []byte(a))
		}
		master.out = master.out[:0]
		s.call(master)
	}
	var want []byte
	for _, ev := range []string{"set", "expire", "del"} {
		want = pubsub.AppendPMessage(want, 2, []byte("__keyevent@0__:*"), []byte("__keyevent@0__:"+ev), []byte("k"))
	}
	if got := string(sub.out.Drain(nil)); got != string(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}
