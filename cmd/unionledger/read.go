package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/unionledger/unionledger/events"
)

// readFlags are the flags every subcommand that reads a union's views
// shares: where the ledger is, which union, as of when, and JSON or text.
type readFlags struct {
	client    func() *client
	org, asOf *string
	asJSON    *bool
}

func addReadFlags(fs *flag.FlagSet) readFlags {
	return readFlags{
		client: addServerFlags(fs),
		org:    fs.String("org", "", "union (org) name"),
		asOf:   fs.String("as-of", "", "an org sequence number or an accounting date YYYY-MM-DD (default: now)"),
		asJSON: fs.Bool("json", false, "print the API's JSON"),
	}
}

// query checks --org and turns --as-of into as_of_seq or as_of_date.
func (r readFlags) query() (url.Values, error) {
	if *r.org == "" {
		return nil, usageError{"--org is required"}
	}
	q := url.Values{}
	return q, setAsOf(q, *r.asOf)
}

// setAsOf turns --as-of into as_of_seq or as_of_date.
func setAsOf(q url.Values, asOf string) error {
	switch {
	case asOf == "":
	case events.ValidDate(asOf):
		q.Set("as_of_date", asOf)
	default:
		if n, err := strconv.ParseUint(asOf, 10, 64); err == nil && n > 0 {
			q.Set("as_of_seq", asOf)
		} else {
			return usageError{fmt.Sprintf("--as-of %q: give an org sequence number or a date YYYY-MM-DD", asOf)}
		}
	}
	return nil
}

// path is the org's endpoint under /api/v1/orgs/{org}/ with the query.
func (r readFlags) path(endpoint string, q url.Values) string {
	p := "/api/v1/orgs/" + url.PathEscape(*r.org) + "/" + endpoint
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// get fetches an endpoint. With --json it prints the API's JSON verbatim and
// reports printed; otherwise it decodes the answer into v for rendering.
func (r readFlags) get(ctx context.Context, endpoint string, q url.Values, stdout io.Writer, v any) (printed bool, err error) {
	var raw json.RawMessage
	if _, err := r.client().do(ctx, "GET", r.path(endpoint, q), nil, &raw); err != nil {
		return false, err
	}
	if *r.asJSON {
		_, err := fmt.Fprintf(stdout, "%s\n", raw)
		return true, err
	}
	return false, json.Unmarshal(raw, v)
}
