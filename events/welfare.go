package events

// Welfare (福利) is what a union gives its members on festivals and life
// events: festival gifts, a birthday cake, a gift on marriage or a birth, a
// visit in hospital, condolences, a retirement keepsake. How much a member
// may receive per occasion and calendar year, which festivals count and in
// what form, is set by the province and changes by year, so it is data: a
// policy event the union records. A round of welfare is a planned event
// naming its members; the money itself moves through the expense lifecycle
// (request, the chair's signature, payment), so welfare events post nothing.

// The welfare occasions a policy may cap.
const (
	OccasionFestival        = "festival"         // 节日慰问: yearly total over every festival
	OccasionBirthday        = "birthday"         // 生日慰问
	OccasionMarriage        = "marriage"         // 结婚慰问
	OccasionBirth           = "birth"            // 生育慰问
	OccasionHospital        = "hospital"         // 住院慰问
	OccasionHospitalSurgery = "hospital_surgery" // 住院慰问 (手术)
	OccasionDeathMember     = "death_member"     // 会员去世
	OccasionDeathRelative   = "death_relative"   // 会员直系亲属去世
	OccasionRetirement      = "retirement"       // 退休纪念
)

// WelfareOccasions lists every occasion, in a fixed order.
func WelfareOccasions() []string {
	return []string{OccasionFestival, OccasionBirthday, OccasionMarriage, OccasionBirth, OccasionHospital,
		OccasionHospitalSurgery, OccasionDeathMember, OccasionDeathRelative, OccasionRetirement}
}

// ValidOccasion reports whether s is a welfare occasion.
func ValidOccasion(s string) bool {
	for _, o := range WelfareOccasions() {
		if o == s {
			return true
		}
	}
	return false
}

// The forms a welfare gift may take. Some provinces forbid some of them
// (Anhui: no cash, shopping cards or vouchers).
const (
	FormGoods   = "goods"   // 实物
	FormCard    = "card"    // 购物卡
	FormCash    = "cash"    // 现金
	FormVoucher = "voucher" // 提货券、代金券
)

// ValidForm reports whether s is a welfare form.
func ValidForm(s string) bool {
	switch s {
	case FormGoods, FormCard, FormCash, FormVoucher:
		return true
	}
	return false
}

// WelfareCap is the most one member may receive for one occasion in one
// calendar year.
type WelfareCap struct {
	Occasion string `json:"occasion"`
	Amount   Fen    `json:"amount_fen"`
}

// FestivalCap is the most one member may receive for one festival in one
// calendar year (Guizhou: 500 yuan for the Spring Festival).
type FestivalCap struct {
	Festival string `json:"festival"`
	Amount   Fen    `json:"amount_fen"`
}

// WelfarePolicyAdopted records the provincial welfare rule in force for a
// calendar year, as the union adopts it. Caps lists each allowed occasion
// (an occasion not listed may not be given at all); for festivals the
// occasion cap is the yearly total over all festivals and is optional when
// per-festival caps are given. FestivalCaps caps named festivals;
// OtherFestivalCap (0 = none) caps each allowed festival not named there.
// Festivals lists the festivals on which gifts may be given (the statutory
// holidays and approved ethnic festivals, by name); Forms the forms allowed.
// Lists are sorted and without duplicates, so equal policies encode equally.
// A later adoption for the same year replaces the earlier one for rounds
// planned after it.
type WelfarePolicyAdopted struct {
	Province         string        `json:"province"`
	Year             string        `json:"year"`
	Caps             []WelfareCap  `json:"caps"`
	FestivalCaps     []FestivalCap `json:"festival_caps,omitempty"`
	OtherFestivalCap Fen           `json:"other_festival_cap_fen,omitempty"`
	Festivals        []string      `json:"festivals,omitempty"`
	Forms            []string      `json:"forms"`
	Source           string        `json:"source,omitempty"`
}

func (WelfarePolicyAdopted) Type() string        { return "welfare_policy_adopted" }
func (p WelfarePolicyAdopted) Aggregate() string { return "welfare-policy:" + p.Year }
func (WelfarePolicyAdopted) Postings() []Posting { return nil }

// WelfareRoundPlanned records a round of welfare (一次福利发放): the
// occasion, the festival for festival rounds, the standard per member, the
// form, the members, the supplier and the distribution date, whose calendar
// year is the year the caps count in. Total is Standard × len(Members). The
// same command requests expense Expense for Total (an expense_requested event
// right after this one), so the chair approves and the treasurer pays the
// round through the expense lifecycle. Standard, headcount and total are what
// the disclosure board publishes for each round.
type WelfareRoundPlanned struct {
	Round    string   `json:"round"`
	Occasion string   `json:"occasion"`
	Festival string   `json:"festival,omitempty"`
	Standard Fen      `json:"standard_fen"`
	Form     string   `json:"form"`
	Members  []string `json:"members"`
	Total    Fen      `json:"total_fen"`
	Supplier string   `json:"supplier"`
	Account  string   `json:"account"`
	Date     string   `json:"date"`
	Expense  string   `json:"expense"`
}

func (WelfareRoundPlanned) Type() string        { return "welfare_round_planned" }
func (p WelfareRoundPlanned) Aggregate() string { return "welfare-round:" + p.Round }
func (WelfareRoundPlanned) Postings() []Posting { return nil }

// WelfareRoundCancelled records that a round was withdrawn before payment;
// its amounts no longer count against the members' caps. The same command
// cancels the round's expense (expense_cancelled right after this one).
type WelfareRoundCancelled struct {
	Round  string `json:"round"`
	Reason string `json:"reason,omitempty"`
}

func (WelfareRoundCancelled) Type() string        { return "welfare_round_cancelled" }
func (p WelfareRoundCancelled) Aggregate() string { return "welfare-round:" + p.Round }
func (WelfareRoundCancelled) Postings() []Posting { return nil }

// welfareTypes are the events of welfare policies and rounds.
var welfareTypes = map[string]typeInfo{
	"welfare_policy_adopted":  v1[WelfarePolicyAdopted](),
	"welfare_round_planned":   v1[WelfareRoundPlanned](),
	"welfare_round_cancelled": v1[WelfareRoundCancelled](),
}
