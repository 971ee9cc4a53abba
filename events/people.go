package events

// Role is an office a person holds in a union. Who held which role when is
// history: grants and revocations are events.
type Role string

// The roles of DOMAIN.md.
const (
	RoleAdmin         Role = "admin"          // 管理员
	RoleTreasurer     Role = "treasurer"      // 会计、出纳
	RoleChair         Role = "chair"          // 工会主席
	RoleCommittee     Role = "committee"      // 工会委员
	RoleReview        Role = "review"         // 经费审查委员会 (经审会)
	RoleMember        Role = "member"         // 会员
	RoleReliefOfficer Role = "relief_officer" // 帮扶专干
	RoleAuditor       Role = "auditor"        // 上级工会审计
)

// RoleNames gives each role's Chinese and English name.
var roleNames = map[Role][2]string{
	RoleAdmin:         {"管理员", "administrator"},
	RoleTreasurer:     {"会计、出纳", "treasurer"},
	RoleChair:         {"工会主席", "chair"},
	RoleCommittee:     {"工会委员", "committee member"},
	RoleReview:        {"经费审查委员会", "funds-review committee"},
	RoleMember:        {"会员", "member"},
	RoleReliefOfficer: {"帮扶专干", "relief officer"},
	RoleAuditor:       {"上级工会审计", "upper-level auditor"},
}

// Roles lists every role in a fixed order.
func Roles() []Role {
	return []Role{RoleAdmin, RoleTreasurer, RoleChair, RoleCommittee, RoleReview, RoleMember, RoleReliefOfficer, RoleAuditor}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// Names returns the role's Chinese and English names.
func (r Role) Names() (zh, en string) { n := roleNames[r]; return n[0], n[1] }

// PersonRegistered adds a person to a union's ledger. Personal data (name,
// ID number, phone, bank account, health) is never in the log in clear:
// Sealed is AES-256-GCM ciphertext under a key kept only in the store, so
// erasing the key erases the data and leaves the chain intact.
type PersonRegistered struct {
	Person string `json:"person"`
	Sealed string `json:"sealed,omitempty"`
}

func (PersonRegistered) Type() string        { return "person_registered" }
func (p PersonRegistered) Aggregate() string { return "person:" + p.Person }
func (PersonRegistered) Postings() []Posting { return nil }

// PersonErased records that a person's key was destroyed (crypto-shredding):
// their sealed data can no longer be read; views show "erased".
type PersonErased struct {
	Person string `json:"person"`
	Reason string `json:"reason"`
}

func (PersonErased) Type() string        { return "person_erased" }
func (p PersonErased) Aggregate() string { return "person:" + p.Person }
func (PersonErased) Postings() []Posting { return nil }

// RoleGranted gives a person a role from the event's accounting date on.
type RoleGranted struct {
	Person string `json:"person"`
	Role   Role   `json:"role"`
}

func (RoleGranted) Type() string        { return "role_granted" }
func (p RoleGranted) Aggregate() string { return "person:" + p.Person }
func (RoleGranted) Postings() []Posting { return nil }

// RoleRevoked ends a person's role.
type RoleRevoked struct {
	Person string `json:"person"`
	Role   Role   `json:"role"`
}

func (RoleRevoked) Type() string        { return "role_revoked" }
func (p RoleRevoked) Aggregate() string { return "person:" + p.Person }
func (RoleRevoked) Postings() []Posting { return nil }

// KeyRegistered records a person's public ed25519 signing key. The private
// key never reaches the ledger.
type KeyRegistered struct {
	Person string `json:"person"`
	Key    string `json:"key"`
	Public string `json:"public"` // base64 (std, padded) of the 32-byte public key
}

func (KeyRegistered) Type() string        { return "key_registered" }
func (p KeyRegistered) Aggregate() string { return "key:" + p.Key }
func (KeyRegistered) Postings() []Posting { return nil }

// KeyRevoked ends a signing key: signatures made with it afterwards are
// refused; earlier ones stay valid history.
type KeyRevoked struct {
	Person string `json:"person"`
	Key    string `json:"key"`
}

func (KeyRevoked) Type() string        { return "key_revoked" }
func (p KeyRevoked) Aggregate() string { return "key:" + p.Key }
func (KeyRevoked) Postings() []Posting { return nil }

// peopleTypes are the events of people, roles and keys.
var peopleTypes = map[string]typeInfo{
	"person_registered": v1[PersonRegistered](),
	"person_erased":     v1[PersonErased](),
	"role_granted":      v1[RoleGranted](),
	"role_revoked":      v1[RoleRevoked](),
	"key_registered":    v1[KeyRegistered](),
	"key_revoked":       v1[KeyRevoked](),
}
