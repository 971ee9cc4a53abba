package ledger

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/unionledger/unionledger/events"
)

// PeopleState answers the queries of the people, role and key rules.
type PeopleState interface {
	// Person reports whether a person is registered and whether erased.
	Person(org, person string) (PersonInfo, error)
	// HasRole reports whether the person holds the role now.
	HasRole(org, person string, role events.Role) (bool, error)
	// RoleHolders counts who holds the role now.
	RoleHolders(org string, role events.Role) (int, error)
	// Key returns a registered signing key.
	Key(org, key string) (KeyInfo, bool, error)
}

// PersonInfo is what the rules know of a person.
type PersonInfo struct {
	Registered bool
	Erased     bool
}

// KeyInfo is a registered public signing key.
type KeyInfo struct {
	Person  string
	Public  ed25519.PublicKey
	Revoked bool
}

// KeyStore keeps per-person data keys outside the log. Destroying a key
// erases the person's sealed data (crypto-shredding).
type KeyStore interface {
	// PersonKey returns the person's data key, creating it if absent.
	PersonKey(org, person string) ([]byte, error)
}

var peopleCommands = map[string]spec{
	"register_person": {decide: decideRegisterPerson, roles: roles(events.RoleAdmin), prepare: preparePerson},
	"erase_person":    {decide: decideErasePerson, roles: roles(events.RoleAdmin)},
	"grant_role":      {decide: decideGrantRole, roles: roles(events.RoleAdmin)},
	"revoke_role":     {decide: decideRevokeRole, roles: roles(events.RoleAdmin)},
	"register_key":    {decide: decideRegisterKey, roles: roles(events.RoleAdmin)},
	"revoke_key":      {decide: decideRevokeKey, roles: roles(events.RoleAdmin)},
}

// authorize checks that the actor holds one of the roles now. Roles are
// history (events), so "now" is the org's last event: an auditor can later
// ask who held which role at any sequence.
func authorize(st State, cmd Command, allowed []events.Role) error {
	for _, r := range allowed {
		ok, err := st.HasRole(cmd.Org, cmd.Actor, r)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	names := ""
	for i, r := range allowed {
		if i > 0 {
			names += " or "
		}
		zh, en := r.Names()
		names += en + " (" + zh + ")"
	}
	return ruleErr(CodeWrongRole, "role-required", "%s may only be done by the %s; %s does not hold that role", cmd.Type, names, cmd.Actor)
}

// registerIn is register_person's data as clients send it.
type registerIn struct {
	Person string `json:"person"`
	events.PersonalData
}

// preparePerson seals the personal fields with the person's key, so the
// rules (and the log) only ever see ciphertext. The content hash covers an
// HMAC of the personal data under the same key, not the data itself: a
// plain hash of a name or ID number could be brute-forced from the log.
func preparePerson(keys KeyStore, cmd Command) (Command, string, error) {
	var in registerIn
	if err := decodeData(cmd, &in); err != nil {
		return cmd, "", err
	}
	if !events.ValidID(in.Person) {
		return cmd, "", errField(cmd.Type, "person", "must be a person id")
	}
	out := struct {
		Person string `json:"person"`
		Sealed string `json:"sealed,omitempty"`
	}{Person: in.Person}
	ident := cmd
	ident.Data = []byte(`{"person":"` + in.Person + `"}`)
	if in.PersonalData != (events.PersonalData{}) {
		key, err := keys.PersonKey(cmd.Org, in.Person)
		if err != nil {
			return cmd, "", err
		}
		if out.Sealed, err = events.SealPersonal(key, cmd.Org, in.Person, in.PersonalData); err != nil {
			return cmd, "", err
		}
		plain, err := events.Canonical(in.PersonalData)
		if err != nil {
			return cmd, "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(plain)
		ident.Data = []byte(`{"person":"` + in.Person + `","personal_mac":"` + hex.EncodeToString(mac.Sum(nil)) + `"}`)
	}
	h, err := ident.Hash()
	if err != nil {
		return cmd, "", err
	}
	b, err := events.Canonical(out)
	if err != nil {
		return cmd, "", err
	}
	cmd.Data = b
	return cmd, h, nil
}

func person(st State, cmd Command, id string) error {
	if !events.ValidID(id) {
		return errField(cmd.Type, "person", "must be a person id")
	}
	p, err := st.Person(cmd.Org, id)
	if err != nil {
		return err
	}
	if !p.Registered {
		return ruleErr(CodeUnknownPerson, "people-registered", "person %q is not registered in this union", id)
	}
	if p.Erased {
		return ruleErr(CodePersonErased, "personal-data", "person %q was erased", id)
	}
	return nil
}

func decideRegisterPerson(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Person string `json:"person"`
		Sealed string `json:"sealed"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	p, err := st.Person(cmd.Org, in.Person)
	if err != nil {
		return nil, err
	}
	if p.Erased {
		return nil, ruleErr(CodePersonErased, "personal-data", "person %q was erased and cannot be registered again", in.Person)
	}
	if p.Registered {
		return nil, ruleErr(CodeStateConflict, "people-registered", "person %q is already registered", in.Person)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.PersonRegistered{Person: in.Person, Sealed: in.Sealed}}}, nil
}

func decideErasePerson(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Person string `json:"person"`
		Reason string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := person(st, cmd, in.Person); err != nil {
		return nil, err
	}
	if in.Reason == "" || len(in.Reason) > 500 {
		return nil, errField(cmd.Type, "reason", "is required (≤ 500 bytes)")
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.PersonErased{Person: in.Person, Reason: in.Reason}}}, nil
}

func roleIn(st State, cmd Command) (string, events.Role, error) {
	var in struct {
		Person string      `json:"person"`
		Role   events.Role `json:"role"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return "", "", err
	}
	if !in.Role.Valid() {
		return "", "", errField(cmd.Type, "role", "is not a known role")
	}
	if err := person(st, cmd, in.Person); err != nil {
		return "", "", err
	}
	return in.Person, in.Role, nil
}

func decideGrantRole(st State, cmd Command) ([]events.Draft, error) {
	p, r, err := roleIn(st, cmd)
	if err != nil {
		return nil, err
	}
	if held, err := st.HasRole(cmd.Org, p, r); err != nil {
		return nil, err
	} else if held {
		return nil, ruleErr(CodeStateConflict, "roles-history", "%s already holds the role %s", p, r)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RoleGranted{Person: p, Role: r}}}, nil
}

func decideRevokeRole(st State, cmd Command) ([]events.Draft, error) {
	p, r, err := roleIn(st, cmd)
	if err != nil {
		return nil, err
	}
	if held, err := st.HasRole(cmd.Org, p, r); err != nil {
		return nil, err
	} else if !held {
		return nil, ruleErr(CodeStateConflict, "roles-history", "%s does not hold the role %s", p, r)
	}
	if r == events.RoleAdmin {
		if n, err := st.RoleHolders(cmd.Org, r); err != nil {
			return nil, err
		} else if n <= 1 {
			return nil, ruleErr(CodeStateConflict, "roles-history", "%s is the last administrator; grant the role to someone else first", p)
		}
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RoleRevoked{Person: p, Role: r}}}, nil
}

func decideRegisterKey(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Person string `json:"person"`
		Key    string `json:"key"`
		Public string `json:"public"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := person(st, cmd, in.Person); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Key) {
		return nil, errField(cmd.Type, "key", "must be a key id")
	}
	pub, err := base64.StdEncoding.DecodeString(in.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, ruleErr(CodeInvalid, "signing-keys", "public must be a base64 ed25519 public key (32 bytes)")
	}
	if _, ok, err := st.Key(cmd.Org, in.Key); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "signing-keys", "key id %q is already registered", in.Key)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.KeyRegistered{Person: in.Person, Key: in.Key, Public: in.Public}}}, nil
}

func decideRevokeKey(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Key string `json:"key"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	k, ok, err := st.Key(cmd.Org, in.Key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeInvalid, "signing-keys", "key %q is not registered", in.Key)
	}
	if k.Revoked {
		return nil, ruleErr(CodeStateConflict, "signing-keys", "key %q is already revoked", in.Key)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.KeyRevoked{Person: k.Person, Key: in.Key}}}, nil
}
