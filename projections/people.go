package projections

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// people keeps persons, role holdings and signing keys:
//
//	p/person/<org>/<person>                     {"seq","sealed","erased_seq"}
//	p/role/<org>/<person>0x00<role>             seq of the grant in force
//	p/rolen/<org>/<role>                        how many hold the role now
//	p/rolehist/<org>/<person>0x00<role>0x00<seq> "grant" or "revoke": who held which role when
//	p/key/<org>/<key>                           {"person","public","seq","revoked_seq"}
//
// Erasing a person also deletes their data key (x/pk/…) in the same batch:
// the event is what destroys it, so a rebuild destroys it again.
type people struct{}

type personRec struct {
	Seq       uint64 `json:"seq"`
	Sealed    string `json:"sealed,omitempty"`
	ErasedSeq uint64 `json:"erased_seq,omitempty"`
}

type keyRec struct {
	Person     string `json:"person"`
	Public     string `json:"public"`
	Seq        uint64 `json:"seq"`
	RevokedSeq uint64 `json:"revoked_seq,omitempty"`
}

func personKey(org, person string) []byte { return key(famProj, "person/", org, "/", person) }
func roleKey(org, person string, r events.Role) []byte {
	return key(famProj, "role/", org, "/", person, byte(0), string(r))
}
func dataKeyKey(org, person string) []byte { return key(famSecret, "pk/", org, "/", person) }

func (people) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.PersonRegistered:
		return setJSON(tx, personKey(env.Org, p.Person), personRec{Seq: env.Seq, Sealed: p.Sealed})
	case events.PersonErased:
		var rec personRec
		if _, err := getJSON(tx, personKey(env.Org, p.Person), &rec); err != nil {
			return err
		}
		rec.ErasedSeq = env.Seq
		if err := setJSON(tx, personKey(env.Org, p.Person), rec); err != nil {
			return err
		}
		return tx.Delete(dataKeyKey(env.Org, p.Person))
	case events.RoleGranted:
		if err := tx.Set(roleKey(env.Org, p.Person, p.Role), be8(env.Seq)); err != nil {
			return err
		}
		if _, err := addInt(tx, key(famProj, "rolen/", env.Org, "/", string(p.Role)), 1); err != nil {
			return err
		}
		return tx.Set(key(famProj, "rolehist/", env.Org, "/", p.Person, byte(0), string(p.Role), byte(0), env.Seq), []byte("grant"))
	case events.RoleRevoked:
		if err := tx.Delete(roleKey(env.Org, p.Person, p.Role)); err != nil {
			return err
		}
		if _, err := addInt(tx, key(famProj, "rolen/", env.Org, "/", string(p.Role)), -1); err != nil {
			return err
		}
		return tx.Set(key(famProj, "rolehist/", env.Org, "/", p.Person, byte(0), string(p.Role), byte(0), env.Seq), []byte("revoke"))
	case events.KeyRegistered:
		return setJSON(tx, key(famProj, "key/", env.Org, "/", p.Key), keyRec{Person: p.Person, Public: p.Public, Seq: env.Seq})
	case events.KeyRevoked:
		var rec keyRec
		if _, err := getJSON(tx, key(famProj, "key/", env.Org, "/", p.Key), &rec); err != nil {
			return err
		}
		rec.RevokedSeq = env.Seq
		return setJSON(tx, key(famProj, "key/", env.Org, "/", p.Key), rec)
	}
	return nil
}

func setJSON(tx *Tx, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Set(k, b)
}

func getJSON(g getter, k []byte, v any) (bool, error) {
	b, ok, err := g.Get(k)
	if err != nil || !ok {
		return ok, err
	}
	if err := decodeRecord(k, b, v); err != nil {
		return false, err
	}
	return true, nil
}

// decodeRecord decodes the JSON record b stored under k.
func decodeRecord(k, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("projections: corrupt record %q: %w", k, err)
	}
	return nil
}

// Person reports whether a person is registered and whether erased.
func (s view) Person(org, person string) (ledger.PersonInfo, error) {
	var rec personRec
	ok, err := getJSON(s.g, personKey(org, person), &rec)
	return ledger.PersonInfo{Registered: ok, Erased: rec.ErasedSeq > 0}, err
}

// HasRole reports whether the person holds the role now.
func (s view) HasRole(org, person string, r events.Role) (bool, error) {
	_, ok, err := s.g.Get(roleKey(org, person, r))
	return ok, err
}

// RoleHolders counts the holders of a role now.
func (s view) RoleHolders(org string, r events.Role) (int, error) {
	n, err := getInt(s.g, key(famProj, "rolen/", org, "/", string(r)))
	return int(n), err
}

// Key returns a registered signing key.
func (s view) Key(org, k string) (ledger.KeyInfo, bool, error) {
	var rec keyRec
	ok, err := getJSON(s.g, key(famProj, "key/", org, "/", k), &rec)
	if err != nil || !ok {
		return ledger.KeyInfo{}, ok, err
	}
	pub, err := base64.StdEncoding.DecodeString(rec.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return ledger.KeyInfo{}, false, fmt.Errorf("projections: corrupt key %s", k)
	}
	return ledger.KeyInfo{Person: rec.Person, Public: pub, Revoked: rec.RevokedSeq > 0}, true, nil
}

// PersonKey returns the person's data key, creating it (synced) if absent.
// Keys live in the x/ family: never in the log, never wiped by a rebuild.
func (s *Store) PersonKey(org, person string) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	k := dataKeyKey(org, person)
	if v, ok, err := s.Get(k); err != nil || ok {
		return v, err
	}
	v := make([]byte, events.PersonKeySize)
	if _, err := rand.Read(v); err != nil {
		return nil, err
	}
	if err := s.db.Set(k, v, pebble.Sync); err != nil {
		return nil, fmt.Errorf("projections: store person key: %w", err)
	}
	return v, nil
}

// Personal opens a person's sealed data; erased (or never sealed) data
// gives ok=false.
func (s *Store) Personal(org, person string) (events.PersonalData, bool, error) {
	var rec personRec
	ok, err := getJSON(s, personKey(org, person), &rec)
	if err != nil || !ok || rec.Sealed == "" || rec.ErasedSeq > 0 {
		return events.PersonalData{}, false, err
	}
	k, ok, err := s.Get(dataKeyKey(org, person))
	if err != nil || !ok {
		return events.PersonalData{}, false, err
	}
	d, err := events.OpenPersonal(k, org, person, rec.Sealed)
	if err != nil {
		return events.PersonalData{}, false, err
	}
	return d, true, nil
}
