package events

import "sort"

// Side is the normal balance side of an account.
type Side string

const (
	Debit  Side = "debit"
	Credit Side = "credit"
)

// Class groups accounts the way the union accounting rules (工会会计制度) do.
type Class string

const (
	Asset     Class = "asset"
	Liability Class = "liability"
	NetAsset  Class = "net_asset"
	Income    Class = "income"
	Expense   Class = "expense"
)

// Account is one line of a chart of accounts.
type Account struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Class  Class  `json:"class"`
}

// Normal is the side on which the account's balance is positive.
func (a Account) Normal() Side {
	if a.Class == Asset || a.Class == Expense {
		return Debit
	}
	return Credit
}

// Chart is a versioned chart of accounts. A union adopts one version by an
// event (org_opened); reports label accounts by the version in force.
type Chart struct {
	Version  string
	accounts map[string]Account
}

// Account looks an account code up.
func (c Chart) Account(code string) (Account, bool) {
	a, ok := c.accounts[code]
	return a, ok
}

// Postable reports whether amounts may be posted to code: it must exist and
// have no sub-accounts (post to 50102, not to 501).
func (c Chart) Postable(code string) bool {
	if _, ok := c.accounts[code]; !ok {
		return false
	}
	for k := range c.accounts {
		if len(k) > len(code) && k[:len(code)] == code {
			return false
		}
	}
	return true
}

// Accounts lists the chart in code order.
func (c Chart) Accounts() []Account {
	out := make([]Account, 0, len(c.accounts))
	for _, a := range c.accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Well-known account codes used by the ledger's own postings.
const (
	AcctCash            = "101" // 库存现金
	AcctBank            = "102" // 银行存款
	AcctPayableUpper    = "201" // 应付上级经费: the allocation share remitted upward
	AcctDues            = "401" // 会费收入
	AcctAllocation      = "402" // 拨缴经费收入
	AcctSubsidyPrefix   = "403" // 上级补助收入
	AcctExpenseFirst    = "501"
	AcctNetAssetSurplus = "331" // 结余
)

// ChartByVersion returns a chart of accounts by version ("2010", "2022").
func ChartByVersion(v string) (Chart, bool) {
	switch v {
	case "2010":
		return chart2010(), true
	case "2022":
		return chart2022(), true
	}
	return Chart{}, false
}

func build(version string, list []Account) Chart {
	m := make(map[string]Account, len(list))
	for _, a := range list {
		m[a.Code] = a
	}
	return Chart{Version: version, accounts: m}
}

// common lists the accounts both versions share.
func common() []Account {
	return []Account{
		{"101", "库存现金", "Cash on hand", Asset},
		{"102", "银行存款", "Bank deposits", Asset},
		{"201", "应付上级经费", "Allocation payable to the upper-level union", Liability},
		{"401", "会费收入", "Membership dues income", Income},
		{"402", "拨缴经费收入", "Allocated funds income", Income},
		{"403", "上级补助收入", "Upper-level subsidy income", Income},
		{"40301", "回拨补助", "Returned-allocation subsidy", Income},
		{"40302", "专项补助", "Earmarked subsidy", Income},
		{"40303", "超收补助", "Excess-collection subsidy", Income},
		{"40304", "帮扶补助", "Hardship-assistance subsidy", Income},
		{"40305", "送温暖补助", "Warmth-campaign subsidy", Income},
		{"40306", "救灾补助", "Disaster-relief subsidy", Income},
		{"40307", "其他补助", "Other subsidy", Income},
		{"404", "政府补助收入", "Government subsidy income", Income},
		{"405", "行政补助收入", "Employer administrative subsidy income", Income},
		{"406", "事业收入", "Operating income", Income},
		{"407", "投资收益", "Investment income", Income},
		{"408", "其他收入", "Other income", Income},
		{"501", "职工活动支出", "Staff activities", Expense},
		{"50101", "职工教育费", "Staff education", Expense},
		{"50102", "文体活动费", "Cultural and sports activities", Expense},
		{"50103", "宣传活动费", "Publicity activities", Expense},
		{"50104", "其他活动支出", "Other activities", Expense},
		{"502", "维权支出", "Rights protection", Expense},
		{"50201", "劳动关系协调费", "Labour-relations coordination", Expense},
		{"50202", "劳动保护费", "Labour protection", Expense},
		{"50203", "法律援助费", "Legal aid", Expense},
		{"50204", "困难职工帮扶费", "Hardship assistance", Expense},
		{"50205", "送温暖费", "Warmth campaign", Expense},
		{"50206", "其他维权支出", "Other rights protection", Expense},
		{"503", "业务支出", "Union operations", Expense},
		{"50301", "培训费", "Training", Expense},
		{"50302", "会议费", "Meetings", Expense},
		{"50303", "外事费", "Foreign affairs", Expense},
		{"50304", "专项业务费", "Earmarked operations", Expense},
		{"50305", "其他业务支出", "Other operations", Expense},
		{"504", "行政支出", "Administration", Expense},
		{"505", "资本性支出", "Capital expenditure", Expense},
		{"506", "补助下级支出", "Subsidies to lower-level unions", Expense},
		{"508", "其他支出", "Other expenditure", Expense},
		{"301", "固定基金", "Fixed-asset fund", NetAsset},
		{"321", "专用基金", "Special fund", NetAsset},
		{"322", "后备金", "Reserve", NetAsset},
	}
}

func chart2010() Chart {
	return build("2010", append(common(),
		Account{"507", "事业支出", "Operating expenditure", Expense},
		Account{"331", "结余", "Surplus", NetAsset},
	))
}

// chart2022 follows the 2022 rules as provincial rules list them: staff
// services are added, 507 becomes spending on affiliated units, and the
// surplus is 工会资金结转/结余.
func chart2022() Chart {
	return build("2022", append(common(),
		Account{"507", "对附属单位的支出", "Spending on affiliated units", Expense},
		Account{"509", "职工服务支出", "Staff services", Expense},
		Account{"331", "工会资金结转结余", "Union funds carried forward", NetAsset},
	))
}
