package ledger

import "github.com/unionledger/unionledger/events"

// overlay is the state a group of commands decides on: the durable store
// plus what earlier commands of the same group decided. It lives for one
// group, so it holds at most MaxGroupEvents events' effects.
type overlay struct {
	base     State
	orgs     map[string]OrgInfo
	balances map[[2]string]events.Fen
	receipts map[[3]string]bool
}

func newOverlay(base State) *overlay {
	return &overlay{base: base, orgs: map[string]OrgInfo{}, balances: map[[2]string]events.Fen{}, receipts: map[[3]string]bool{}}
}

func (o *overlay) Org(org string) (OrgInfo, bool, error) {
	if info, ok := o.orgs[org]; ok {
		return info, true, nil
	}
	return o.base.Org(org)
}

func (o *overlay) Balance(org, account string) (events.Fen, error) {
	b, err := o.base.Balance(org, account)
	return b + o.balances[[2]string{org, account}], err
}

func (o *overlay) ReceiptUsed(org string, r events.Receipt) (bool, error) {
	if o.receipts[[3]string{org, r.Book, r.Number}] {
		return true, nil
	}
	return o.base.ReceiptUsed(org, r)
}

// apply records the effects of a decided payload.
func (o *overlay) apply(org string, p events.Payload) {
	if p, ok := p.(events.OrgOpened); ok {
		o.orgs[org] = OrgInfo{Name: p.Name, Chart: p.Chart}
	}
	if p, ok := p.(events.Receipted); ok {
		r := p.ReceiptRef()
		o.receipts[[3]string{org, r.Book, r.Number}] = true
	}
	for _, ps := range p.Postings() {
		o.balances[[2]string{org, ps.Account}] += ps.Amount
	}
}
