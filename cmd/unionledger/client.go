package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// client talks to a running ledger's HTTP API.
type client struct {
	base  string
	token string // API token; sent as a bearer token when set
	http  *http.Client
}

func newClient(base string) *client {
	return &client{base: strings.TrimRight(base, "/"), token: os.Getenv("UNIONLEDGER_TOKEN"), http: &http.Client{Timeout: 60 * time.Second}}
}

// addServerFlags registers --server and --token on a subcommand; the
// function it returns makes the client once the flags are parsed.
func addServerFlags(fs *flag.FlagSet) func() *client {
	server := fs.String("server", "http://127.0.0.1:8080", "ledger URL")
	token := fs.String("token", "", "API token (default: $UNIONLEDGER_TOKEN)")
	return func() *client {
		c := newClient(*server)
		if *token != "" {
			c.token = *token
		}
		return c
	}
}

// apiError is an error answer of the API.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// do sends a request and decodes a JSON answer into out, or returns an
// *apiError for error answers.
func (c *client) do(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 400 {
		ae := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Code == "" {
			return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
		}
		return resp.StatusCode, ae
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: bad JSON answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// stream sends a request and returns the response of a successful one for
// the caller to read and close; an error answer becomes an *apiError.
func (c *client) stream(ctx context.Context, method, path string, body []byte, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ae := &apiError{Status: resp.StatusCode}
	if json.Unmarshal(data, ae) != nil || ae.Code == "" {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	return nil, ae
}
