package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

const exportUsage = `--org ORG [--format csv|hledger|json | --json] [--as-of SEQ|YYYY-MM-DD] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]

Writes every posting of the union: as CSV that Excel opens in Chinese (UTF-8
with a byte-order mark, one row per posting line), or as an hledger journal
(one transaction per money event). Nothing personal is exported: no names,
reasons or payees, only sequence, dates, event type and id, accounts and
amounts.`

func runExport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("export", exportUsage, stderr)
	client := addServerFlags(fs)
	org := fs.String("org", "", "union (org) name")
	format := fs.String("format", "csv", "csv (Excel), hledger, or json (one JSON object per posting line)")
	asJSON := fs.Bool("json", false, "the same as --format json")
	asOf := fs.String("as-of", "", "an org sequence number or an accounting date YYYY-MM-DD (default: now)")
	from := fs.String("from", "", "first accounting date YYYY-MM-DD (default: the beginning)")
	to := fs.String("to", "", "last accounting date YYYY-MM-DD (default: the end)")
	out := fs.String("out", "", "write to FILE (default: standard output)")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *org == "" {
		return usageError{"--org is required"}
	}
	if *asJSON {
		*format = "json"
	}
	var ext string
	switch *format {
	case "csv":
		ext = "csv"
	case "hledger", "journal":
		ext = "journal"
	case "json", "jsonl":
		ext = "jsonl"
	default:
		return usageError{fmt.Sprintf("--format %q: csv, hledger or json", *format)}
	}
	q := url.Values{}
	if err := setAsOf(q, *asOf); err != nil {
		return err
	}
	if *from != "" {
		q.Set("from", *from)
	}
	if *to != "" {
		q.Set("to", *to)
	}
	c := client()
	path := "/api/v1/orgs/" + url.PathEscape(*org) + "/export." + ext
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// An export streams for as long as it takes: no overall timeout.
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		ae := &apiError{Status: resp.StatusCode}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		if json.Unmarshal(data, ae) != nil || ae.Code == "" {
			return fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
		}
		return ae
	}
	if *out == "" {
		_, err := io.Copy(stdout, resp.Body)
		return err
	}
	// Write beside the target and rename, so a failed export never leaves
	// a partial file under the name asked for.
	f, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".partial-*")
	if err != nil {
		return err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), *out)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", *out, n)
	return nil
}
