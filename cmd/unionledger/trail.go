package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

func runTrail(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("trail", "--org ORG (--expense ID | --relief ID | --receipt BOOK/NUMBER | --budget YEAR | --member PERSON | --actor PERSON) [--as-of SEQ|YYYY-MM-DD] [--json]", stderr)
	client := addServerFlags(fs)
	org := fs.String("org", "", "union (org) name")
	subjects := []struct {
		kind, help string
		val        *string
	}{
		{projections.TrailExpense, "the story of an expense: request, collective decision, the chair's signature, payment", nil},
		{projections.TrailRelief, "the story of a hardship relief case (no reasons, no personal data)", nil},
		{projections.TrailReceipt, "the story of a receipt, as BOOK/NUMBER", nil},
		{projections.TrailBudget, "the story of a year's budget (YYYY) and its adjustments", nil},
		{projections.TrailMember, "everything about a person as a member (no personal data)", nil},
		{projections.TrailActor, "everything a person did, with the role they held at the time", nil},
	}
	for i := range subjects {
		subjects[i].val = fs.String(subjects[i].kind, "", subjects[i].help)
	}
	asOf := fs.String("as-of", "", "an org sequence number or an accounting date YYYY-MM-DD (default: now)")
	asJSON := fs.Bool("json", false, "print the API's JSON (one document per page of 1000 steps)")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if *org == "" {
		return usageError{"--org is required"}
	}
	var kind, id string
	for _, s := range subjects {
		if *s.val == "" {
			continue
		}
		if kind != "" {
			return usageError{"give one of --expense, --relief, --receipt, --budget, --member, --actor"}
		}
		kind, id = s.kind, *s.val
	}
	if kind == "" {
		return usageError{"give one of --expense, --relief, --receipt, --budget, --member, --actor"}
	}
	idPath := url.PathEscape(id)
	if kind == projections.TrailReceipt {
		book, number, ok := strings.Cut(id, "/")
		if !ok || book == "" || number == "" {
			return usageError{fmt.Sprintf("--receipt %q: give BOOK/NUMBER", id)}
		}
		idPath = url.PathEscape(book) + "/" + url.PathEscape(number)
	}
	q := url.Values{}
	if err := setAsOf(q, *asOf); err != nil {
		return err
	}
	base := "/api/v1/orgs/" + url.PathEscape(*org) + "/trail/" + kind + "/" + idPath
	c := client()
	var all projections.Trail
	for page := 0; ; page++ {
		path := base
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		var raw json.RawMessage
		if _, err := c.do(ctx, "GET", path, nil, &raw); err != nil {
			return err
		}
		var t projections.Trail
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		if *asJSON {
			if _, err := fmt.Fprintf(stdout, "%s\n", raw); err != nil {
				return err
			}
		} else if page == 0 {
			all = t
		} else {
			all.Steps = append(all.Steps, t.Steps...)
		}
		if t.NextAfter == 0 {
			break
		}
		q.Set("after", strconv.FormatUint(t.NextAfter, 10))
	}
	if *asJSON {
		return nil
	}
	all.NextAfter = 0
	_, err := io.WriteString(stdout, renderTrail(all))
	return err
}

// renderTrail is the readable trail: one line per step (sequence, date,
// role(s) held then, actor, what they did, the main amount, the signature),
// then indented details. English, with the Chinese terms beside; columns are
// aligned by display width (a Chinese character takes two).
func renderTrail(t projections.Trail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Audit trail 审计轨迹: %s\n", t.Subject)
	view := "now"
	switch {
	case t.AsOfSeq > 0:
		view = fmt.Sprintf("as of seq %d", t.AsOfSeq)
	case t.AsOfDate != "":
		view = "as of " + t.AsOfDate
	}
	steps := "steps"
	if len(t.Steps) == 1 {
		steps = "step"
	}
	fmt.Fprintf(&b, "union %s, chart of accounts %s, %s: %d %s\n\n", t.Org, t.Chart, view, len(t.Steps), steps)

	seqW, roleW, actorW := 0, 0, 0
	roles := make([]string, len(t.Steps))
	for i, s := range t.Steps {
		roles[i] = trailRoles(s.Roles)
		seqW = max(seqW, len(fmt.Sprint(s.Seq))+1)
		roleW = max(roleW, trailWidth(roles[i]))
		actorW = max(actorW, trailWidth(s.Actor))
	}
	const indent = "      "
	for i, s := range t.Steps {
		main := s.Action + " " + s.Object
		if len(s.Amounts) > 0 {
			main += "  " + trailMoney(s.Amounts[0].AmountFen)
		}
		if s.Signature != nil {
			main += "  signature " + s.Signature.Key + " " + trailVerdict(*s.Signature)
		}
		line := trailPad("#"+fmt.Sprint(s.Seq), seqW) + "  " + s.Date + "  " + trailPad(roles[i], roleW) + "  " + trailPad(s.Actor, actorW) + "  " + main
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		detail := func(label, text string) {
			if text != "" {
				fmt.Fprintf(&b, "%s%-10s %s\n", indent, label, text)
			}
		}
		detail("note", s.Note)
		if len(s.Amounts) > 1 {
			var as []string
			for _, a := range s.Amounts {
				as = append(as, a.Name+" "+trailMoney(a.AmountFen))
			}
			detail("amounts", strings.Join(as, ", "))
		}
		if s.Receipt != nil {
			detail("receipt", s.Receipt.Book+"/"+s.Receipt.Number)
		}
		for j, l := range s.Lines {
			label := ""
			if j == 0 {
				label = "lines"
			}
			fmt.Fprintf(&b, "%s%-10s %s\n", indent, label, trailLine(l, false))
		}
		for j, l := range s.Postings {
			label := ""
			if j == 0 {
				label = "postings"
			}
			fmt.Fprintf(&b, "%s%-10s %s\n", indent, label, trailLine(l, true))
		}
		if sg := s.Signature; sg != nil {
			text := fmt.Sprintf("%s (%s", sg.Key, sg.Alg)
			if sg.Signer != "" {
				text += ", registered to " + sg.Signer
			}
			text += ")"
			if sg.Statement != "" {
				text += " over " + sg.Statement
			}
			text += ": " + trailVerdict(*sg)
			if !sg.Verified {
				text += ": " + sg.Reason
			}
			if sg.KeyRevokedSeq > 0 {
				text += fmt.Sprintf("; key revoked at #%d", sg.KeyRevokedSeq)
				if sg.KeyRevokedSeq > s.Seq {
					text += ", after it signed"
				}
			}
			detail("signature", text)
		}
		if d := s.Decision; d != nil {
			detail("decision", fmt.Sprintf("%s (#%d): %s, held %s; attendees %s; minutes sha256 %s",
				d.ID, d.Seq, d.Meeting, d.Held, strings.Join(d.Attendees, ", "), d.MinutesHash))
		}
		for j, d := range s.Documents {
			label := ""
			if j == 0 {
				label = "documents"
			}
			fmt.Fprintf(&b, "%s%-10s %s sha256 %s\n", indent, label, d.Name, d.SHA256)
		}
		detail("event", fmt.Sprintf("%s, recorded %s, command %s, id %s", s.Type, s.Recorded, s.Command, s.EventID))
		detail("hash", s.Hash)
	}
	return b.String()
}

func trailRoles(rs []projections.TrailRole) string {
	if len(rs) == 0 {
		return "(no role)"
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s (%s)", r.Role, r.NameZH))
	}
	return strings.Join(out, ", ")
}

func trailVerdict(s projections.TrailSignature) string {
	if s.Verified {
		return "✓ verified"
	}
	return "✗ NOT verified"
}

// trailLine is a posting (debit/credit) or a budget line with the
// account's names.
func trailLine(l projections.TrailLine, posting bool) string {
	amt := l.AmountFen
	side := ""
	if posting {
		side = "debit  "
		if amt < 0 {
			side, amt = "credit ", -amt
		}
	}
	name := strings.TrimSpace(l.NameZH + " " + l.NameEN)
	return fmt.Sprintf("%s%-6s %15s  %s", side, l.Account, trailMoney(amt), name)
}

// trailMoney formats fen as yuan with thousands separators: ¥12,000.00.
func trailMoney(fen int64) string {
	y := events.Fen(fen).Yuan()
	sign := ""
	if strings.HasPrefix(y, "-") {
		sign, y = "-", y[1:]
	}
	whole, frac, _ := strings.Cut(y, ".")
	var g []string
	for len(whole) > 3 {
		g = append([]string{whole[len(whole)-3:]}, g...)
		whole = whole[:len(whole)-3]
	}
	g = append([]string{whole}, g...)
	return sign + "¥" + strings.Join(g, ",") + "." + frac
}

// trailWidth is the display width of s: East Asian wide characters take
// two columns.
func trailWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
			w += 2
		default:
			w++
		}
	}
	return w
}

func trailPad(s string, w int) string {
	if n := trailWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
