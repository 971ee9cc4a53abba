package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// runKeygen makes a signing key for a person who signs (the chair's 一支笔).
// The private key stays on the signer's machine, in a PKCS#8 PEM file that
// OpenSSL and other tools read too; the ledger only ever sees the public
// key, registered by an administrator with register_key.
func runKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fset := newFlags("keygen", "--out FILE", stderr)
	out := fset.String("out", "", "file to write the new private key to (PKCS#8 PEM, mode 0600; never overwritten)")
	if err := parse(fset, args, stdout); err != nil {
		return done(err)
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("keygen: encode key: %w", err)
	}
	// O_EXCL: an existing key is never replaced, since losing it would
	// lose the ability to sign with the key the ledger knows.
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return failedError{fmt.Sprintf("%s exists; refusing to overwrite a key", *out)}
	}
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(*out)
		return fmt.Errorf("keygen: write %s: %w", *out, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("keygen: write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keygen: write %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "wrote the private key to %s; keep it there. Public key (for register_key):\n", *out)
	_, err = fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
	return err
}

// loadKey reads a private key written by keygen. Like ssh, it refuses a
// key file others can read.
func loadKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("key file %s is not a PKCS#8 PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key file %s holds a %T, not an ed25519 key", path, k)
	}
	return priv, nil
}
