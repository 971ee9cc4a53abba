package ledgertest

import (
	"maps"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// StatutoryFestivals are the statutory holidays on which festival gifts may
// be given everywhere (DOMAIN.md rule 4). A policy lists them as data, with
// any approved ethnic festivals.
func StatutoryFestivals() []string {
	return []string{"new_year", "spring_festival", "qingming", "labour_day", "dragon_boat", "mid_autumn", "national_day"}
}

// lifeEventCaps are DOMAIN.md's yearly caps per member for the occasions
// other than festivals: birthday 300, marriage or birth 600, hospital 1000
// (2000 with surgery), a member's death 2000, a close relative's 1000,
// retirement 1000.
func lifeEventCaps() map[string]string {
	return map[string]string{
		events.OccasionBirthday: "300.00", events.OccasionMarriage: "600.00", events.OccasionBirth: "600.00",
		events.OccasionHospital: "1000.00", events.OccasionHospitalSurgery: "2000.00",
		events.OccasionDeathMember: "2000.00", events.OccasionDeathRelative: "1000.00", events.OccasionRetirement: "1000.00",
	}
}

// AnhuiPolicy is Anhui's welfare rule for year, adopted by the chair:
// festival gifts at most 2000 yuan a year, in goods only (no cash,
// shopping cards or vouchers).
func AnhuiPolicy(org, year string) ledger.Command {
	caps := lifeEventCaps()
	caps[events.OccasionFestival] = "2000.00"
	return Cmd("welfare-policy-anhui-"+year, "adopt_welfare_policy", org, Chair, year+"-01-01", map[string]any{
		"province": "安徽", "year": year, "caps": caps, "festivals": StatutoryFestivals(),
		"forms": []string{events.FormGoods}, "source": "安徽省基层工会经费收支管理实施办法",
	})
}

// HubeiPolicy is Hubei's welfare rule for year: festival gifts at most
// festivalCap a year ("1200.00", or "1500.00" where funds allow), in goods
// or shopping cards.
func HubeiPolicy(org, year, festivalCap string) ledger.Command {
	caps := lifeEventCaps()
	caps[events.OccasionFestival] = festivalCap
	return Cmd("welfare-policy-hubei-"+year, "adopt_welfare_policy", org, Chair, year+"-01-01", map[string]any{
		"province": "湖北", "year": year, "caps": caps, "festivals": StatutoryFestivals(),
		"forms": []string{events.FormGoods, events.FormCard}, "source": "湖北省基层工会经费收支管理实施细则",
	})
}

// GuizhouPolicy is Guizhou's welfare rule for year: 500 yuan for the Spring
// Festival and 200 for each other festival, no yearly total; the Miao New
// Year (苗年) stands for an approved ethnic festival; goods, cards or cash.
func GuizhouPolicy(org, year string) ledger.Command {
	return Cmd("welfare-policy-guizhou-"+year, "adopt_welfare_policy", org, Chair, year+"-01-01", map[string]any{
		"province": "贵州", "year": year, "caps": lifeEventCaps(),
		"festival_caps":      map[string]string{"spring_festival": "500.00"},
		"other_festival_cap": "200.00",
		"festivals":          append(StatutoryFestivals(), "miao_new_year"),
		"forms":              []string{events.FormGoods, events.FormCard, events.FormCash},
		"source":             "贵州省基层工会经费收支管理办法",
	})
}

// Policy is a welfare policy command with the given data, for tests that
// vary one field of a policy.
func Policy(org, id, year string, data map[string]any) ledger.Command {
	d := maps.Clone(data)
	d["year"] = year
	if _, ok := d["province"]; !ok {
		d["province"] = "测试省"
	}
	return Cmd(id, "adopt_welfare_policy", org, Chair, year+"-01-01", d)
}

// Members registers each person and grants them the member role (会员),
// by the administrator.
func Members(org string, people ...string) []ledger.Command {
	var out []ledger.Command
	for _, p := range people {
		out = append(out,
			Cmd("reg-"+org+"-"+p, "register_person", org, Admin, "2025-01-01", map[string]string{"person": p}),
			Cmd("member-"+org+"-"+p, "grant_role", org, Admin, "2025-01-01", map[string]string{"person": p, "role": string(events.RoleMember)}))
	}
	return out
}

// Round is the treasurer's plan of welfare round id, distributed on date,
// booked to 50104 (其他活动支出), supplied by a shop; festival is empty for
// other occasions. Its expense (id id) is requested by the same command.
func Round(org, id, date, occasion, festival, standard, form string, members ...string) ledger.Command {
	data := map[string]any{
		"round": id, "occasion": occasion, "standard": standard, "form": form, "members": members,
		"supplier": "市百货公司", "account": "50104", "date": date,
	}
	if festival != "" {
		data["festival"] = festival
	}
	return Cmd(id+":plan", "plan_welfare_round", org, Treasurer, date, data)
}

// ApprovePending is the chair's signed approval of a pending expense as the
// chair's client builds it: read the expense, sign its terms. It returns
// false if the expense does not exist.
func ApprovePending(st ledger.ExpenseState, org, id, date string) (ledger.Command, bool, error) {
	e, ok, err := st.Expense(org, id)
	if err != nil || !ok {
		return ledger.Command{}, ok, err
	}
	return Approve(id, date, e.Terms(org)), true, nil
}
