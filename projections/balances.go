package projections

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
)

// orgs keeps p/org/<org>: the union's name and chart of accounts.
type orgs struct{}

func (orgs) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	o, ok := p.(events.OrgOpened)
	if !ok {
		return nil
	}
	b, err := json.Marshal(struct{ Name, Chart string }{o.Name, o.Chart})
	if err != nil {
		return err
	}
	return tx.Set(key(famProj, "org/", env.Org), b)
}

// receipts keeps, per receipt number, its first use: what makes a number
// unique (the ledger never uses one twice), the first step of its trail,
// and, in numeric order, what the funds-review committee's receipt gap
// check reads (flags.go).
//
//	p/rcpt/<org>/<book>0x00 0x01 <prefix>0x00 <n> <digits>  a number ending in 1 to 18 digits
//	p/rcpt/<org>/<book>0x00 0x02 <number>                  any other number
//
// n is the value of the trailing digits (big-endian), prefix what comes
// before them, so a book's numbers sort by prefix and then numerically;
// "7" and "007" are two numbers with one value. The value is the use
// (receiptUse): its seq, accounting date and event type. A stream that
// used a number twice (the ledger never does) keeps its first use here and
// the later ones in the trail's mentions. A book or number holding a NUL
// byte, which the ledger refuses, is not indexed.
type receipts struct{}

const (
	receiptNumeric = 0x01
	receiptOther   = 0x02
)

func receiptPrefix(org string) []byte { return key(famProj, "rcpt/", org, "/") }

func receiptKey(org string, r events.Receipt) []byte {
	if strings.IndexByte(r.Book, 0) >= 0 || strings.IndexByte(r.Number, 0) >= 0 {
		return nil
	}
	if prefix, digits, v, ok := splitNumber(r.Number); ok {
		k := keyOf(famProj, "rcpt/", org, "/", r.Book, "\x00\x01", prefix, "\x00")
		return append(binary.BigEndian.AppendUint64(k, v), digits...)
	}
	return keyOf(famProj, "rcpt/", org, "/", r.Book, "\x00\x02", r.Number)
}

// receiptUse is a receipt number's first use.
type receiptUse struct {
	Number string
	Seq    uint64
	Date   string
	Type   string
}

// encodeReceiptUse is seq (8 bytes), the date's length (a byte), the date
// and the event type.
func encodeReceiptUse(seq uint64, date, typ string) []byte {
	b := make([]byte, 0, 9+len(date)+len(typ))
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(append(b, byte(len(date))), date...)
	return append(b, typ...)
}

// receiptSeq reads the seq of a receipt's first use.
func receiptSeq(v []byte) (uint64, error) {
	if len(v) < 9 {
		return 0, errors.New("projections: corrupt receipt record")
	}
	return binary.BigEndian.Uint64(v), nil
}

func decodeReceiptUse(v []byte) (receiptUse, error) {
	seq, err := receiptSeq(v)
	if err != nil || len(v) < 9+int(v[8]) {
		return receiptUse{}, errors.New("projections: corrupt receipt record")
	}
	n := 9 + int(v[8])
	return receiptUse{Seq: seq, Date: string(v[9:n]), Type: string(v[n:])}, nil
}

func (receipts) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	r, ok := p.(events.Receipted)
	if !ok {
		return nil
	}
	k := receiptKey(env.Org, r.ReceiptRef())
	if k == nil {
		return nil
	}
	if _, used, err := tx.Get(k); err != nil || used {
		return err
	}
	return tx.Set(k, encodeReceiptUse(env.Seq, env.Date, env.Type))
}

// balances keeps, per org and account (debit-positive):
//
//	p/bcur/<org>/<acct>                 current balance
//	p/bal/<org>/<acct>0x00<seq>          balance after each event that posted, a run
//	                                      per message: (seq, balance) pairs from seq on
//	p/bd/<org>/<acct>0x00<YYYY-MM-DD>    net change posted with that accounting date
//	p/bm/<org>/<acct>0x00<YYYY-MM>       net change for that month
//	p/by/<org>/<acct>0x00<YYYY>          net change for that year
//
// "As of seq" is one reverse seek and a search in the run found; "as of
// date" sums at most the years before, the months of the year before, and
// the days of the month — a few dozen keys however long the history —
// because events may carry earlier accounting dates than events recorded
// before them.
type balances struct{}

func (balances) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	ps := p.Postings()
	if len(ps) == 0 {
		return nil
	}
	var buf [96]byte
	k := keyBuf(buf[:0])
	buckets := [3]struct{ fam, bucket string }{{"bd/", env.Date}, {"bm/", env.Date[:7]}, {"by/", env.Date[:4]}}
	for _, ps := range ps {
		k.reset(famProj).str("bcur/").str(env.Org).b('/').str(ps.Account)
		cur, err := addInt(tx, k, int64(ps.Amount))
		if err != nil {
			return err
		}
		k.reset(famProj).str("bal/").str(env.Org).b('/').str(ps.Account).b(0)
		var e [16]byte
		binary.BigEndian.PutUint64(e[:8], env.Seq)
		binary.BigEndian.PutUint64(e[8:], uint64(cur))
		tx.appendRun(k, env.Seq, e[:])
		for _, b := range buckets {
			k.reset(famProj).str(b.fam).str(env.Org).b('/').str(ps.Account).b(0).str(b.bucket)
			if _, err := addInt(tx, k, int64(ps.Amount)); err != nil {
				return err
			}
		}
	}
	return nil
}

// addInt adds d to the integer at k and returns the sum. An integer this
// Tx has already added to is changed where it lies: the same balances and
// buckets are added to event after event, and setting each anew cost a
// key, a value and a map assignment every time. Such a value is the Tx's
// own (capacity 9 tells it from one a caller passed to Set, which the
// caller may share); once the Tx is committed or staged nothing changes it.
func addInt(tx *Tx, k []byte, d int64) (int64, error) {
	if tx.sink == nil {
		if v, ok := tx.dirty[string(k)]; ok && len(v) == 8 && cap(v) == 9 {
			n := int64(binary.BigEndian.Uint64(v)) + d
			binary.BigEndian.PutUint64(v, uint64(n))
			return n, nil
		}
	}
	v, err := getInt(tx, k)
	if err != nil {
		return 0, err
	}
	b := make([]byte, 8, 9)
	binary.BigEndian.PutUint64(b, uint64(v+d))
	return v + d, tx.Set(k, b)
}

// AsOf selects a point in an org's history: after org sequence Seq, or
// through accounting date Date (YYYY-MM-DD). Zero values mean "now".
type AsOf struct {
	Seq  uint64
	Date string
}

// AccountBalance is one line of a balance listing.
type AccountBalance struct {
	Account events.Account
	// Debit is the debit-positive balance; Amount is it on the account's
	// normal side (income shows positive).
	Debit  events.Fen
	Amount events.Fen
}

// Balances lists every account of the org's chart that has postings, as of
// a point in history.
func (s *Store) Balances(org string, at AsOf) ([]AccountBalance, error) {
	info, ok, err := s.Org(org)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("projections: org %q not found", org)
	}
	chart, _ := events.ChartByVersion(info.Chart)
	var out []AccountBalance
	for _, a := range chart.Accounts() {
		if _, ok, err := s.Get(key(famProj, "bcur/", org, "/", a.Code)); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		d, err := s.BalanceAsOf(org, a.Code, at)
		if err != nil {
			return nil, err
		}
		amt := d
		if a.Normal() == events.Credit {
			amt = -d
		}
		out = append(out, AccountBalance{Account: a, Debit: d, Amount: amt})
	}
	return out, nil
}

// BalanceAsOf returns one account's debit-positive balance at a point.
func (s *Store) BalanceAsOf(org, account string, at AsOf) (events.Fen, error) {
	switch {
	case at.Date != "":
		return s.balanceAsOfDate(org, account, at.Date)
	case at.Seq > 0:
		prefix := key(famProj, "bal/", org, "/", account, byte(0))
		hi := upper(prefix) // as of the last possible seq: everything
		if at.Seq < math.MaxUint64 {
			hi = key(prefix, at.Seq+1)
		}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: hi})
		if err != nil {
			return 0, err
		}
		defer it.Close()
		if !it.Last() {
			return 0, it.Error()
		}
		return balanceInRun(it.Value(), at.Seq)
	}
	return s.Balance(org, account)
}

// balanceInRun returns the balance after the last entry of a p/bal/ run at
// or before seq. The run starts at or before seq (its key says so). A value
// of 8 bytes is a balance alone, as stores written before the runs hold
// them, one key an event: it is the answer.
func balanceInRun(v []byte, seq uint64) (events.Fen, error) {
	if len(v) == 8 {
		return events.Fen(int64(binary.BigEndian.Uint64(v))), nil
	}
	if len(v) == 0 || len(v)%16 != 0 {
		return 0, fmt.Errorf("projections: corrupt balance run of %d bytes", len(v))
	}
	n := len(v) / 16
	// The first entry after seq, then the one before it.
	i := sort.Search(n, func(i int) bool { return binary.BigEndian.Uint64(v[16*i:]) > seq })
	if i == 0 {
		return 0, fmt.Errorf("projections: balance run starts after seq %d", seq)
	}
	return events.Fen(int64(binary.BigEndian.Uint64(v[16*(i-1)+8:]))), nil
}

func (s *Store) balanceAsOfDate(org, account, date string) (events.Fen, error) {
	var total int64
	sum := func(fam, lo, hi string) error {
		prefix := key(famProj, fam, org, "/", account, byte(0))
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: key(prefix, lo), UpperBound: key(prefix, hi)})
		if err != nil {
			return err
		}
		defer it.Close()
		for it.First(); it.Valid(); it.Next() {
			total += int64(binary.BigEndian.Uint64(it.Value()))
		}
		return it.Error()
	}
	y, m := date[:4], date[:7]
	if err := sum("by/", "", y); err != nil { // whole years before
		return 0, err
	}
	if err := sum("bm/", y, m); err != nil { // months of this year before this month
		return 0, err
	}
	if err := sum("bd/", m, date+"\x00"); err != nil { // days of this month through date
		return 0, err
	}
	return events.Fen(total), nil
}
