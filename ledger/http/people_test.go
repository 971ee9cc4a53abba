package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestPersonalDataErased registers a person with personal data, checks it
// is sealed in the log and readable with the key, erases the person and
// checks the data is gone, the chain still verifies and the view says
// "erased".
func TestPersonalDataErased(t *testing.T) {
	n, srv := startAPI(t)
	ctx := context.Background()
	name, idNumber, phone := "张三明", "110101199003078515", "13812345678"
	for _, c := range []string{
		ledgertest.JSON(ledgertest.Open("h1", "2010")),
		ledgertest.JSON(ledgertest.Cmd("reg", "register_person", "h1", ledgertest.Admin, "2025-01-02", map[string]string{
			"person": "p-zhang", "name": name, "id_number": idNumber, "phone": phone})),
		ledgertest.JSON(ledgertest.Cmd("grant", "grant_role", "h1", ledgertest.Admin, "2025-01-02", map[string]string{
			"person": "p-zhang", "role": "member"})),
	} {
		if status, out := post(t, srv, c); status != http.StatusCreated {
			t.Fatalf("setup: %d %v", status, out)
		}
	}
	planted := [][]byte{[]byte(name), []byte(idNumber), []byte(phone)}
	scan := func() {
		t.Helper()
		err := n.Store.Events("h1", 1, 0, func(_ uint64, st events.Stored) bool {
			for _, p := range planted {
				if bytes.Contains(st.Data, p) {
					t.Errorf("event holds %q in clear: %s", p, st.Data)
				}
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	scan()
	d, ok, err := n.Store.Personal("h1", "p-zhang")
	if err != nil || !ok || d.Name != name || d.IDNumber != idNumber {
		t.Fatalf("sealed data does not open with the person's key: %+v %v %v", d, ok, err)
	}
	person := func() PersonView {
		resp, err := http.Get(srv.URL + "/api/v1/orgs/h1/people/p-zhang")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v PersonView
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("person view: %d %v", resp.StatusCode, err)
		}
		return v
	}
	if v := person(); v.Personal != "sealed" || len(v.Roles) != 1 || v.Roles[0] != "member" {
		t.Fatalf("person view before erasure: %+v", v)
	}

	erase := ledgertest.JSON(ledgertest.Cmd("erase", "erase_person", "h1", ledgertest.Admin, "2025-02-01", map[string]string{
		"person": "p-zhang", "reason": "member asked to be forgotten"}))
	if status, out := post(t, srv, erase); status != http.StatusCreated {
		t.Fatalf("erase: %d %v", status, out)
	}
	if _, ok, err := n.Store.Personal("h1", "p-zhang"); ok || err != nil {
		t.Fatalf("personal data still readable after erasure: %v %v", ok, err)
	}
	if v := person(); v.Personal != "erased" {
		t.Fatalf("person view after erasure: %+v", v)
	}
	// The erased person cannot be named again.
	again := ledgertest.JSON(ledgertest.Cmd("grant2", "grant_role", "h1", ledgertest.Admin, "2025-02-02", map[string]string{
		"person": "p-zhang", "role": "committee"}))
	if status, out := post(t, srv, again); status != http.StatusGone || out["code"] != "person_erased" {
		t.Fatalf("naming an erased person: %d %v", status, out)
	}
	scan()
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := projections.Verify(ctx, n.Log, last, nil)
	if err != nil || rep.FirstBad != nil || rep.Messages != last {
		t.Fatalf("chain after erasure: %+v %v", rep, err)
	}
}

// PersonView is the person endpoint's answer.
type PersonView struct {
	Personal string   `json:"personal_data"`
	Roles    []string `json:"roles"`
}
