package server

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/tls holds OpenSSL's encrypted forms (password "pw") of
// plain.key (EC) and rsa-plain.key (RSA); see its README.md.
var tlsKeyDir = filepath.Join("..", "testdata", "tls")

func parseAnyKey(t *testing.T, data []byte) crypto.PrivateKey {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block")
	}
	var k any
	var err error
	switch b.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		t.Fatalf("%s: %v", b.Type, err)
	}
	return k
}

func TestDecryptKeyPEM(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(tlsKeyDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type equaler interface{ Equal(crypto.PrivateKey) bool }
	ec, rsa := parseAnyKey(t, read("plain.key")).(equaler), parseAnyKey(t, read("rsa-plain.key")).(equaler)
	files, _ := filepath.Glob(filepath.Join(tlsKeyDir, "*.key"))
	n := 0
	for _, file := range files {
		name := filepath.Base(file)
		if strings.Contains(name, "plain") {
			continue
		}
		n++
		data := read(name)
		got, err := decryptKeyPEM(data, []byte("pw"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := ec
		if strings.Contains(name, "rsa") {
			want = rsa
		}
		if !want.Equal(parseAnyKey(t, got)) {
			t.Fatalf("%s: the decrypted key is not the original", name)
		}
		for _, pass := range []string{"wrong", "pw ", ""} {
			if _, err := decryptKeyPEM(data, []byte(pass)); err == nil {
				t.Errorf("%s: password %q accepted", name, pass)
			}
		}
	}
	if n < 7 {
		t.Fatalf("%d encrypted keys in %s, want 7", n, tlsKeyDir)
	}
	// A plain key passes through unchanged; garbage is left to X509KeyPair.
	plain := read("plain.key")
	if got, err := decryptKeyPEM(plain, []byte("pw")); err != nil || string(got) != string(plain) {
		t.Errorf("plain key: %v", err)
	}
	if _, err := decryptKeyPEM([]byte("garbage"), nil); err != nil {
		t.Errorf("garbage: %v", err)
	}
}

// FuzzDecryptKey feeds the encrypted-key reader (PEM, the PKCS#8 ASN.1,
// the PBES2 parameters) seeded from testdata/tls, whole and with its DER
// cut in two: it never panics, and a cut key never opens.
func FuzzDecryptKey(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(tlsKeyDir, "*.key"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(len(b)/2))
	}
	maxPBKDF2Iterations = 4096 // mutated counts would make each input take seconds
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		decryptKeyPEM(data, []byte("pw"))
		if b, _ := pem.Decode(data); b != nil && b.Type == "ENCRYPTED PRIVATE KEY" && len(b.Bytes) > 0 {
			k := int(cut) % len(b.Bytes)
			part := pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: b.Bytes[:k]})
			if _, err := decryptKeyPEM(part, []byte("pw")); err == nil {
				t.Fatalf("a key cut at %d of %d bytes opened", k, len(b.Bytes))
			}
		}
	})
}
