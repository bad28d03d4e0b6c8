package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// writeCerts makes a CA and, signed by it, a server certificate for
// 127.0.0.1 and a client certificate, as PEM files in dir.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "redpebble test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.crt", "CERTIFICATE", caDER)
	caKeyDER, _ := x509.MarshalECPrivateKey(caKey)
	write("ca.key", "EC PRIVATE KEY", caKeyDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP, dns ...string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		write(name+".crt", "CERTIFICATE", der)
		write(name+".key", "EC PRIVATE KEY", kder)
	}
	local := []net.IP{net.ParseIP("127.0.0.1")}
	leaf("server", 2, x509.ExtKeyUsageServerAuth, local, "localhost")
	leaf("client", 3, x509.ExtKeyUsageClientAuth, local, "localhost")
	// A server certificate for another host name only (no IP address).
	leaf("master", 4, x509.ExtKeyUsageServerAuth, nil, "master.invalid")
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tlsSetup finds redis-cli and writes writeCerts' files to a temporary
// directory; f names a file there.
func tlsSetup(t *testing.T) (cli string, f func(string) string) {
	t.Helper()
	requireBinary(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	dir := t.TempDir()
	writeCerts(t, dir)
	return cli, func(n string) string { return filepath.Join(dir, n) }
}

// TestTLS serves TLS beside the plain port and talks to it with redis-cli
// --tls: without client certificates (tls-auth-clients no), then requiring
// them (yes), then optional.
func TestTLS(t *testing.T) {
	cli, f := tlsSetup(t)
	run := func(port int, extra ...string) (string, error) {
		args := append([]string{"--tls", "--cacert", f("ca.crt"), "-h", "127.0.0.1", "-p", strconv.Itoa(port)}, extra...)
		out, err := exec.Command(cli, args...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, mode := range []string{"no", "yes", "optional"} {
		t.Run("auth-clients-"+mode, func(t *testing.T) {
			port := freeTCPPort(t)
			sut := startUnderTest(t, t.TempDir(), false, "tls-port "+strconv.Itoa(port), "tls-cert-file "+f("server.crt"),
				"tls-key-file "+f("server.key"), "tls-ca-cert-file "+f("ca.crt"), "tls-auth-clients "+mode,
				"tls-protocols TLSv1.2 TLSv1.3", "tls-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
				"tls-ciphersuites TLS_AES_128_GCM_SHA256")
			withCert := []string{"--cert", f("client.crt"), "--key", f("client.key")}
			out, err := run(port, append(withCert, "SET", "k", "over-tls")...)
			if err != nil || out != "OK" {
				t.Fatalf("SET over TLS with a client certificate: %q %v", out, err)
			}
			out, _ = run(port, "GET", "k")
			if want := map[string]bool{"no": true, "optional": true, "yes": false}[mode]; want != (out == "over-tls") {
				t.Fatalf("GET over TLS without a client certificate (tls-auth-clients %s): %q", mode, out)
			}
			// The plain port serves the same data.
			if got := string(redistest.Dial(t, sut.Addr).Do("GET", "k")); got != "$8\r\nover-tls\r\n" {
				t.Fatalf("plain GET: %q", got)
			}
			ctl := redistest.Dial(t, sut.Addr)
			if got := string(ctl.Do("CONFIG", "GET", "tls-auth-clients")); !strings.Contains(got, mode) {
				t.Fatalf("CONFIG GET tls-auth-clients: %q", got)
			}
			// CONFIG SET applies to new connections; a broken one is refused.
			ctl.MustOK("CONFIG", "SET", "tls-auth-clients", "no")
			if out, _ := run(port, "GET", "k"); out != "over-tls" {
				t.Fatalf("GET over TLS after tls-auth-clients no: %q", out)
			}
			if got := string(ctl.Do("CONFIG", "SET", "tls-cert-file", f("nosuch.crt"))); !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration.") {
				t.Fatalf("CONFIG SET of a missing certificate: %q", got)
			}
		})
	}
}

// tlsClient is a client configuration presenting dir's client certificate
// and trusting its CA.
func tlsClient(t *testing.T, dir string) *tls.Config {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}
}

// TestTLSReplicationFromRedis: redpebble follows a redis-server master that
// serves TLS only (port 0, tls-auth-clients yes), through a proxy on its
// tls-port, with tls-replication yes: full sync, the command stream, partial
// resyncs after cuts of the link. The master's certificate is for another
// host name (not checked, as in Redis). A follower trusting another CA never
// syncs, and one without tls-replication neither.
func TestTLSReplicationFromRedis(t *testing.T) {
	requireFollower(t)
	dir := t.TempDir()
	writeCerts(t, dir)
	f := func(n string) string { return filepath.Join(dir, n) }
	ctls := tlsClient(t, dir)
	// The master's certificate names master.invalid, not 127.0.0.1: Redis's
	// replica does not check the host name, nor does redpebble.
	ctls.ServerName = "master.invalid"
	master := redistest.StartRedisTLS(t, ctls, "tls-cert-file "+f("master.crt"), "tls-key-file "+f("master.key"),
		"tls-ca-cert-file "+f("ca.crt"), "enable-debug-command yes", "repl-diskless-sync-delay 0")
	mc := redistest.DialTLS(t, master.Addr, ctls)
	fillStrings(t, mc, 500, "a")
	p := startProxy(t, master.Addr)
	bin := redistest.BuildRedpebble(t)
	follower := func(caDir string, extra ...string) *redistest.Server {
		args := []string{"--replicaof", "127.0.0.1", strconv.Itoa(p.Port()), "--enable-debug-command", "yes", "--repl-timeout", "5",
			"--tls-cert-file", f("server.crt"), "--tls-key-file", f("server.key"),
			"--tls-client-cert-file", f("client.crt"), "--tls-client-key-file", f("client.key"),
			"--tls-ca-cert-file", filepath.Join(caDir, "ca.crt")}
		return redistest.StartRedpebble(t, bin, t.TempDir(), append(args, extra...)...)
	}
	rp := follower(dir, "--tls-replication", "yes")
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	if n := compareData(t, mc, rc); n < 1500 {
		t.Fatalf("compared %d keys after the full sync", n)
	}
	full0, part0 := syncCounts(t, mc)
	if full0 != 1 {
		t.Fatalf("sync_full %d after the first sync", full0)
	}
	rng := mrand.New(mrand.NewSource(7))
	workload(t, mc, rng, 3000)
	waitSynced(t, mc, rc)
	sameDigest(t, mc, rc)
	for round := 0; round < 2; round++ {
		p.Cut()
		workload(t, mc, rng, 1000)
		waitSynced(t, mc, rc)
	}
	full1, part1 := syncCounts(t, mc)
	if full1 != full0 || part1 < part0+2 {
		t.Fatalf("after 2 cuts: sync_full %d->%d, sync_partial_ok %d->%d", full0, full1, part0, part1)
	}
	if !strings.Contains(rp.Log(), "Successful partial resynchronization") {
		t.Error("the follower's log lacks the partial resync")
	}
	sameDigest(t, mc, rc)
	// The master sees the follower's link as a TLS client.
	if got := string(mc.Do("CLIENT", "LIST", "TYPE", "replica")); !strings.Contains(got, "flags=S") {
		t.Errorf("the master's replica clients: %q", got)
	}

	// Trusting another CA: the handshake fails, the link stays down.
	other := t.TempDir()
	writeCerts(t, other)
	bad := follower(other, "--tls-replication", "yes")
	plain := follower(dir)
	waitFor(t, 30*time.Second, "the certificate error in the log", func() bool {
		return strings.Contains(bad.Log(), "certificate signed by unknown authority")
	})
	for _, s := range []*redistest.Server{bad, plain} {
		if st := info(t, redistest.Dial(t, s.Addr), "replication")["master_link_status"]; st != "down" {
			t.Errorf("follower %s: master_link_status %s", s.Addr, st)
		}
	}
	if full2, _ := syncCounts(t, mc); full2 != full1 {
		t.Errorf("sync_full %d->%d after the refused followers", full1, full2)
	}
}

// TestTLSReplicaOfRedpebble: redpebble as a master serves a redis-server
// replica (tls-replication yes) on its tls-port, and a redpebble one: full
// sync and stream.
func TestTLSReplicaOfRedpebble(t *testing.T) {
	requireFollower(t)
	dir := t.TempDir()
	writeCerts(t, dir)
	f := func(n string) string { return filepath.Join(dir, n) }
	tport := freeTCPPort(t)
	rp := startUnderTest(t, t.TempDir(), false, "tls-port "+strconv.Itoa(tport), "tls-cert-file "+f("server.crt"),
		"tls-key-file "+f("server.key"), "tls-ca-cert-file "+f("ca.crt"), "enable-debug-command yes")
	mc := redistest.Dial(t, rp.Addr)
	fillStrings(t, mc, 300, "a")
	replica := redistest.StartRedis(t, "tls-replication yes", "tls-cert-file "+f("client.crt"), "tls-key-file "+f("client.key"),
		"tls-ca-cert-file "+f("ca.crt"), "replicaof 127.0.0.1 "+strconv.Itoa(tport), "enable-debug-command yes")
	rc := redistest.Dial(t, replica.Addr)
	waitSynced(t, mc, rc)
	rng := mrand.New(mrand.NewSource(3))
	workload(t, mc, rng, 2000)
	waitSynced(t, mc, rc)
	sameDigest(t, mc, rc)
	if n := compareData(t, mc, rc); n < 900 {
		t.Fatalf("compared %d keys", n)
	}
	// And a redpebble follower of redpebble over TLS.
	rp2 := redistest.StartRedpebble(t, redistest.BuildRedpebble(t), t.TempDir(), "--replicaof", "127.0.0.1", strconv.Itoa(tport),
		"--tls-replication", "yes", "--tls-cert-file", f("server.crt"), "--tls-key-file", f("server.key"),
		"--tls-client-cert-file", f("client.crt"), "--tls-client-key-file", f("client.key"), "--tls-ca-cert-file", f("ca.crt"),
		"--enable-debug-command", "yes")
	rc2 := redistest.Dial(t, rp2.Addr)
	workload(t, mc, rng, 500)
	waitSynced(t, mc, rc2)
	sameDigest(t, mc, rc2)
}

// TestTLSEncryptedKey: tls-key-file encrypted by OpenSSL (testdata/tls:
// PKCS#8 with PBES2 as `openssl pkcs8 -topk8 -v2` writes it, with several
// ciphers and PRFs, and the traditional "Proc-Type: 4,ENCRYPTED" form, EC
// and RSA) opens with tls-key-file-pass, on redis-server and redpebble
// alike; redis-cli --tls talks to both. The certificates for those keys are
// made here, signed by writeCerts' CA.
func TestTLSEncryptedKey(t *testing.T) {
	cli, f := tlsSetup(t)
	keyDir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "tls")) // the servers run elsewhere
	if err != nil {
		t.Fatal(err)
	}
	// A server certificate for each plain key of testdata/tls.
	caPair, err := tls.LoadX509KeyPair(f("ca.crt"), f("ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caPair.Certificate[0])
	for i, plain := range []string{"plain", "rsa-plain"} {
		b, err := os.ReadFile(filepath.Join(keyDir, plain+".key"))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			t.Fatalf("%s.key: %v", plain, err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(100 + i)), Subject: pkix.Name{CommonName: plain},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.(crypto.Signer).Public(), caPair.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f(plain+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := filepath.Glob(filepath.Join(keyDir, "*.key"))
	n := 0
	for _, key := range keys {
		name := strings.TrimSuffix(filepath.Base(key), ".key")
		if strings.Contains(name, "plain") {
			continue
		}
		n++
		cert := f("plain.crt")
		if strings.Contains(name, "rsa") {
			cert = f("rsa-plain.crt")
		}
		t.Run(name, func(t *testing.T) {
			for _, server := range []string{"redis-server", "redpebble"} {
				port := freeTCPPort(t)
				conf := []string{"tls-port " + strconv.Itoa(port), "tls-cert-file " + cert, "tls-key-file " + key,
					"tls-key-file-pass pw", "tls-ca-cert-file " + f("ca.crt"), "tls-auth-clients no"}
				if server == "redis-server" {
					redistest.StartRedis(t, conf...)
				} else {
					startUnderTest(t, t.TempDir(), false, conf...)
				}
				out, err := exec.Command(cli, "--tls", "--cacert", f("ca.crt"), "-h", "127.0.0.1", "-p", strconv.Itoa(port), "PING").CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != "PONG" {
					t.Fatalf("%s: PING over TLS with an encrypted key: %q %v", server, out, err)
				}
			}
		})
	}
	if n < 7 {
		t.Fatalf("%d encrypted keys in %s, want 7", n, keyDir)
	}
}
