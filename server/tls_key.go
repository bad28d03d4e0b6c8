package server

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
)

// loadKeyPair loads a certificate and its private key as tls.LoadX509KeyPair
// does, with pass (tls-key-file-pass, tls-client-key-file-pass) opening an
// encrypted key as OpenSSL's PEM reader does: PKCS#8 "ENCRYPTED PRIVATE KEY"
// (PBES2: PBKDF2 with HMAC-SHA1/224/256/384/512, AES-128/192/256-CBC or
// DES-EDE3-CBC, what `openssl genpkey -aes256` and `openssl pkcs8 -topk8`
// write) and the traditional "Proc-Type: 4,ENCRYPTED" form
// (`openssl rsa -aes256 -traditional`).
func loadKeyPair(certFile, keyFile, pass string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err = decryptKeyPEM(keyPEM, []byte(pass))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", keyFile, err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// decryptKeyPEM returns data with its first private key block decrypted
// (as an unencrypted PKCS#8 "PRIVATE KEY" or the traditional block without
// its encryption headers), or data unchanged when the key is not encrypted.
func decryptKeyPEM(data, pass []byte) ([]byte, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return data, nil // no key block: X509KeyPair says so
		}
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			if len(pass) == 0 {
				return nil, errors.New("the private key is encrypted and no tls-key-file-pass is set")
			}
			der, err := decryptPKCS8(b.Bytes, pass)
			if err != nil {
				return nil, err
			}
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
		case b.Headers["Proc-Type"] == "4,ENCRYPTED":
			if len(pass) == 0 {
				return nil, errors.New("the private key is encrypted and no tls-key-file-pass is set")
			}
			// Deprecated in Go (its format is weak), but it is what OpenSSL's traditional form is.
			der, err := x509.DecryptPEMBlock(b, pass)
			if err != nil || !parsesAsKey(b.Type, der) {
				return nil, errors.New("decrypting the private key: wrong password or corrupt key")
			}
			return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der}), nil
		case b.Type == "PRIVATE KEY" || b.Type == "RSA PRIVATE KEY" || b.Type == "EC PRIVATE KEY":
			return data, nil
		}
	}
}

// parsesAsKey reports whether der is a private key of the PEM type typ.
func parsesAsKey(typ string, der []byte) bool {
	var err error
	switch typ {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(der)
	default:
		_, err = x509.ParsePKCS8PrivateKey(der)
	}
	return err == nil
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// The ASN.1 of RFC 5958's EncryptedPrivateKeyInfo and RFC 8018's PBES2.
type encryptedPrivateKeyInfo struct {
	Algo pkix
	Data []byte
}

type pkix struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KDF    pkix
	Scheme pkix
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int  `asn1:"optional"`
	PRF        pkix `asn1:"optional"`
}

// maxPBKDF2Iterations bounds the work a crafted key file can ask for
// (OpenSSL writes 2048 unless told otherwise). A variable for the fuzz test.
var maxPBKDF2Iterations = 10_000_000

// decryptPKCS8 opens a PBES2-encrypted PKCS#8 key and returns its
// unencrypted PKCS#8 DER, checked to parse.
func decryptPKCS8(der, pass []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed encrypted private key")
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("unsupported private key encryption %v (only PBES2 is)", info.Algo.Algorithm)
	}
	var p2 pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &p2); err != nil {
		return nil, errors.New("malformed PBES2 parameters")
	}
	if !p2.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("unsupported key derivation %v (only PBKDF2 is)", p2.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p2.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, errors.New("malformed PBKDF2 parameters")
	}
	if kp.Iterations < 1 || kp.Iterations > maxPBKDF2Iterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d out of range", kp.Iterations)
	}
	var prf func() hash.Hash
	switch alg := kp.PRF.Algorithm; {
	case len(alg) == 0 || alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA224):
		prf = sha256.New224
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("unsupported PBKDF2 function %v", alg)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch alg := p2.Scheme.Algorithm; {
	case alg.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case alg.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case alg.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case alg.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("unsupported private key cipher %v", alg)
	}
	if kp.KeyLength != 0 && kp.KeyLength != keyLen {
		return nil, fmt.Errorf("PBKDF2 key length %d does not fit the cipher", kp.KeyLength)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p2.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, errors.New("malformed cipher parameters")
	}
	key, err := pbkdf2.Key(prf, string(pass), kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(info.Data) == 0 || len(info.Data)%bs != 0 {
		return nil, errors.New("malformed encrypted private key data")
	}
	out := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, info.Data)
	// PKCS#7 padding; a wrong password almost always breaks it, and the
	// key must parse in any case.
	n := int(out[len(out)-1])
	if n == 0 || n > bs || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("decrypting the private key: wrong password or corrupt key")
	}
	out = out[:len(out)-n]
	if !parsesAsKey("PRIVATE KEY", out) {
		return nil, errors.New("decrypting the private key: wrong password or corrupt key")
	}
	return out, nil
}
