package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tlsConfig builds the server's TLS configuration from tls-cert-file,
// tls-key-file, tls-ca-cert-file/dir, tls-auth-clients, tls-protocols and
// tls-ciphers. tls-ciphersuites (TLS 1.3) is accepted but Go always uses its
// own TLS 1.3 suites; OpenSSL cipher names of tls-ciphers that Go does not
// implement are ignored.
func (s *Server) tlsConfig() (*tls.Config, error) {
	cert, err := loadKeyPair(s.cfg.String("tls-cert-file"), s.cfg.String("tls-key-file"), s.cfg.String("tls-key-file-pass"))
	if err != nil {
		return nil, fmt.Errorf("Failed to load certificate: %s: %w", s.cfg.String("tls-cert-file"), err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	pool, haveCA, err := s.tlsCAPool()
	if err != nil {
		return nil, err
	}
	if haveCA {
		tc.ClientCAs = pool
	}
	switch s.cfg.String("tls-auth-clients") {
	case "no":
		tc.ClientAuth = tls.NoClientCert
	case "optional":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if (tc.ClientAuth != tls.NoClientCert || s.cfg.Bool("tls-replication")) && !haveCA {
		return nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
	}
	if err := s.tlsVersions(tc); err != nil {
		return nil, err
	}
	tc.PreferServerCipherSuites = s.cfg.Bool("tls-prefer-server-ciphers")
	return tc, nil
}

// tlsCAPool loads tls-ca-cert-file and the certificates of tls-ca-cert-dir;
// haveCA reports whether any was configured.
func (s *Server) tlsCAPool() (pool *x509.CertPool, haveCA bool, err error) {
	pool = x509.NewCertPool()
	if f := s.cfg.String("tls-ca-cert-file"); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			return nil, false, fmt.Errorf("Failed to configure CA certificate(s) file/directory: %s", f)
		}
		haveCA = true
	}
	if d := s.cfg.String("tls-ca-cert-dir"); d != "" {
		files, _ := filepath.Glob(filepath.Join(d, "*"))
		for _, f := range files {
			if pem, err := os.ReadFile(f); err == nil && pool.AppendCertsFromPEM(pem) {
				haveCA = true
			}
		}
	}
	return pool, haveCA, nil
}

// tlsVersions applies tls-protocols and tls-ciphers to tc.
func (s *Server) tlsVersions(tc *tls.Config) error {
	if p := s.cfg.String("tls-protocols"); p != "" {
		minV, maxV, err := parseTLSProtocols(p)
		if err != nil {
			return err
		}
		tc.MinVersion, tc.MaxVersion = minV, maxV
	}
	if c := s.cfg.String("tls-ciphers"); c != "" {
		tc.CipherSuites = parseTLSCiphers(c)
	}
	return nil
}

// tlsClientConfig is the configuration of the link to a TLS master
// (tls-replication yes), as Redis's client-side context: the certificate
// presented is tls-client-cert-file/tls-client-key-file when both are set,
// else tls-cert-file/tls-key-file; the master's certificate chain must verify
// against tls-ca-cert-file/tls-ca-cert-dir (for server use), but as in Redis
// neither its host name nor its IP address is checked and no SNI is sent.
func (s *Server) tlsClientConfig() (*tls.Config, error) {
	certFile, keyFile := s.cfg.String("tls-client-cert-file"), s.cfg.String("tls-client-key-file")
	pass := s.cfg.String("tls-client-key-file-pass")
	if certFile == "" || keyFile == "" {
		certFile, keyFile = s.cfg.String("tls-cert-file"), s.cfg.String("tls-key-file")
		pass = s.cfg.String("tls-key-file-pass")
	}
	cert, err := loadKeyPair(certFile, keyFile, pass)
	if err != nil {
		return nil, fmt.Errorf("Failed to load certificate: %s: %w", certFile, err)
	}
	pool, haveCA, err := s.tlsCAPool()
	if err != nil {
		return nil, err
	}
	if !haveCA {
		return nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		// The chain is verified below, without the host name check Go's
		// default verification adds.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the master presented no certificate")
			}
			opts := x509.VerifyOptions{Roots: pool, Intermediates: x509.NewCertPool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}}
	if err := s.tlsVersions(tc); err != nil {
		return nil, err
	}
	return tc, nil
}

// dialMaster opens the link to the master: plain TCP, or with
// tls-replication yes a TLS connection whose handshake completes within
// ctx's deadline (the replica's connect timeout).
func (s *Server) dialMaster(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	if !s.cfg.Bool("tls-replication") {
		return d.DialContext(ctx, network, addr)
	}
	tc, err := s.tlsClientConfig()
	if err != nil {
		return nil, err
	}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(nc, tc)
	if err := conn.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("TLS handshake with the master: %w", err)
	}
	return conn, nil
}

// parseTLSProtocols reads tls-protocols ("TLSv1.2 TLSv1.3").
func parseTLSProtocols(p string) (uint16, uint16, error) {
	var minV, maxV uint16
	for _, w := range strings.Fields(p) {
		var v uint16
		switch strings.ToLower(w) {
		case "tlsv1":
			v = tls.VersionTLS10
		case "tlsv1.1":
			v = tls.VersionTLS11
		case "tlsv1.2":
			v = tls.VersionTLS12
		case "tlsv1.3":
			v = tls.VersionTLS13
		default:
			return 0, 0, fmt.Errorf("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
		}
		if minV == 0 || v < minV {
			minV = v
		}
		if v > maxV {
			maxV = v
		}
	}
	if minV == 0 {
		return 0, 0, fmt.Errorf("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
	}
	return minV, maxV, nil
}

// openSSLCiphers maps OpenSSL TLS 1.2 cipher names to Go's suites.
var openSSLCiphers = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

func parseTLSCiphers(list string) []uint16 {
	var out []uint16
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if id, ok := openSSLCiphers[strings.ToUpper(n)]; ok {
			out = append(out, id)
		}
	}
	return out
}

// listenTLS opens the tls-port listeners on the bind addresses.
func (s *Server) listenTLS() ([]net.Listener, error) {
	port := s.cfg.Int("tls-port")
	if port == 0 {
		if s.cfg.Bool("tls-replication") {
			// As Redis's start-up (tlsConfigure whenever tls-port or
			// tls-replication is on): a link configuration that does not
			// load refuses to start, rather than failing each connect.
			if _, err := s.tlsClientConfig(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	tc, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	s.tlsCfg.Store(tc)
	s.hookTLS()
	var lns []net.Listener
	for _, addr := range s.cfg.Strings("bind") {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
		if err != nil {
			if optional {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("Could not create server TLS listening socket %s:%d: %w", addr, port, err)
		}
		lns = append(lns, s.tlsListener(ln))
	}
	return lns, nil
}

// tlsListener serves TLS on ln. Every handshake takes the current
// configuration, so CONFIG SET of the tls-* directives applies to new
// connections; tcp-keepalive is set on the TCP socket underneath.
func (s *Server) tlsListener(ln net.Listener) net.Listener {
	tc := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return s.tlsCfg.Load(), nil }}
	return tls.NewListener(keepAliveListener{ln, s}, tc)
}

// hookTLS makes CONFIG SET of the TLS directives rebuild the configuration
// (tlsConfigure): a configuration that does not load refuses the CONFIG SET.
func (s *Server) hookTLS() {
	for _, name := range []string{"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-auth-clients",
		"tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-replication"} {
		s.cfg.OnChange(name, func(string) error {
			tc, err := s.tlsConfig()
			if err != nil {
				s.log.Printf("Failed to update TLS configuration: %v", err)
				return errors.New("Unable to update TLS configuration. Check server logs.")
			}
			s.tlsCfg.Store(tc)
			return nil
		})
	}
}
