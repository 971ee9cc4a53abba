package projections

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
)

// API tokens are secrets: they never enter the log. Only their SHA-256 is
// kept, in the x/ family that a rebuild leaves alone:
//
//	x/tok/<hex sha256(token)> → {"org","person"}
//
// A token lets its holder act as one person of one union; what that person
// may do is decided by their roles, which are history in the log.

const tokenPrefix = "ult_"

type tokenRec struct {
	Org    string `json:"org"`
	Person string `json:"person"`
}

func tokenKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return key(famSecret, "tok/", hex.EncodeToString(sum[:]))
}

// CreateToken makes a new API token for a person of a union and returns it;
// it is shown once and cannot be recovered from the store.
func (s *Store) CreateToken(org, person string) (string, error) {
	if !events.ValidOrg(org) || !events.ValidID(person) {
		return "", fmt.Errorf("projections: token for %q/%q: not a valid org and person id", org, person)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	b, err := json.Marshal(tokenRec{Org: org, Person: person})
	if err != nil {
		return "", err
	}
	if err := s.db.Set(tokenKey(token), b, pebble.Sync); err != nil {
		return "", fmt.Errorf("projections: store token: %w", err)
	}
	return token, nil
}

// Authenticate returns the union and person a token acts for.
func (s *Store) Authenticate(token string) (org, person string, ok bool, err error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return "", "", false, nil
	}
	var rec tokenRec
	found, err := getJSON(s, tokenKey(token), &rec)
	if err != nil || !found {
		return "", "", false, err
	}
	return rec.Org, rec.Person, true, nil
}

// RevokeToken deletes a token; later requests with it are unauthenticated.
func (s *Store) RevokeToken(token string) error {
	if _, _, ok, err := s.Authenticate(token); err != nil {
		return err
	} else if !ok {
		return errors.New("projections: no such token")
	}
	return s.db.Delete(tokenKey(token), pebble.Sync)
}
