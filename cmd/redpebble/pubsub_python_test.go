package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redpebble/redpebble/server/redistest"
)

// pyPubSub is the classic redis-py publisher/subscriber: a subscriber thread
// listens on "channel" (and a pattern), the main thread publishes, and the
// script prints what the subscriber got. It checks the receiver counts too.
const pyPubSub = `
import sys, threading, redis

port = int(sys.argv[1])
r = redis.Redis(host='127.0.0.1', port=port)
p = r.pubsub()
p.subscribe('channel')
p.psubscribe('chan*')
# wait for both confirmations so the publishes below are seen
got = []
for message in p.listen():
    got.append(message['type'])
    if len(got) == 2:
        break
assert got == ['subscribe', 'psubscribe'], got

out = []
def listen():
    for message in p.listen():
        if message['type'] == 'message':
            out.append('message %s %s' % (message['channel'].decode(), message['data'].decode()))
        elif message['type'] == 'pmessage':
            out.append('pmessage %s %s %s' % (message['pattern'].decode(), message['channel'].decode(), message['data'].decode()))
        if message['type'] == 'pmessage' and message['data'] == b'stop':
            return

t = threading.Thread(target=listen)
t.start()
n = r.publish('channel', 'hello world')
assert n == 2, n
assert r.publish('chanel', 'pattern only') == 1
assert r.publish('other', 'nobody') == 0
assert r.pubsub_numsub('channel') == [(b'channel', 1)], r.pubsub_numsub('channel')
assert r.pubsub_numpat() == 1
assert r.pubsub_channels() == [b'channel'], r.pubsub_channels()
r.publish('channel', 'stop')
t.join(10)
assert not t.is_alive()
p.unsubscribe()
p.punsubscribe()
p.close()
for line in out:
    print(line)

# RESP2 pubsub with get_message polling, as in the redis-py README
p = r.pubsub()
p.subscribe('news')
m = None
for _ in range(100):
    m = p.get_message(timeout=0.1)
    if m:
        break
assert m['type'] == 'subscribe', m
r.publish('news', 'first')
for _ in range(100):
    m = p.get_message(timeout=0.1)
    if m:
        break
print('polled %s %s' % (m['channel'].decode(), m['data'].decode()))
p.close()
`

const pyPubSubWant = `message channel hello world
pmessage chan* channel hello world
pmessage chan* chanel pattern only
message channel stop
pmessage chan* channel stop
polled news first
`

// TestPubSubRedisPy runs redis-py's publisher/subscriber against redpebble
// (and the same script against redis-server, to prove the script).
func TestPubSubRedisPy(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import redis").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-redis is required under CI: %v", err)
		}
		t.Skipf("python3 with redis-py not available: %v", err)
	}
	script := filepath.Join(t.TempDir(), "pubsub.py")
	if err := os.WriteFile(script, []byte(pyPubSub), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name, addr string) {
		_, port, _ := strings.Cut(addr, ":")
		if _, err := strconv.Atoi(port); err != nil {
			t.Fatalf("bad address %q", addr)
		}
		out, err := exec.Command(py, script, port).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if string(out) != pyPubSubWant {
			t.Fatalf("%s: redis-py got\n%s\nwant\n%s", name, out, pyPubSubWant)
		}
	}
	ref := redistest.StartRedis(t)
	run("redis-server", ref.Addr)
	sut := startUnderTest(t, t.TempDir(), false)
	run("redpebble", sut.Addr)
}
