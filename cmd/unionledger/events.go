package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

func runEvents(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("events", "--org ORG [--from SEQ] [--limit N] [--follow]", stderr)
	client := addServerFlags(fs)
	org := fs.String("org", "", "union (org) name")
	from := fs.Uint64("from", 1, "first org sequence")
	limit := fs.Uint64("limit", 1000, "most events to list (without --follow)")
	follow := fs.Bool("follow", false, "keep printing new events as they become durable")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if *org == "" {
		return usageError{"--org is required"}
	}
	q := url.Values{"from": {strconv.FormatUint(*from, 10)}, "limit": {strconv.FormatUint(*limit, 10)}}
	path := "/api/v1/orgs/" + url.PathEscape(*org) + "/events?"
	c := client()
	if !*follow {
		var out struct {
			Events []json.RawMessage `json:"events"`
		}
		if _, err := c.do(ctx, "GET", path+q.Encode(), nil, &out); err != nil {
			return err
		}
		for _, e := range out.Events {
			if _, err := fmt.Fprintf(stdout, "%s\n", e); err != nil {
				return err
			}
		}
		return nil
	}
	q.Set("follow", "true")
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var ae apiError
		_ = json.NewDecoder(resp.Body).Decode(&ae)
		return &ae
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if _, err := fmt.Fprintf(stdout, "%s\n", sc.Bytes()); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
