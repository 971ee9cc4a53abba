package events

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// PersonalData is what the ledger may know of a person but must never write
// in clear: the law on personal information (个人信息保护法) treats ID,
// health and financial data as sensitive, and the log is immutable.
type PersonalData struct {
	Name        string `json:"name,omitempty"`
	IDNumber    string `json:"id_number,omitempty"`
	Phone       string `json:"phone,omitempty"`
	BankAccount string `json:"bank_account,omitempty"`
	Address     string `json:"address,omitempty"`
	Health      string `json:"health,omitempty"`
}

// PersonKeySize is the size of a person's data key (AES-256).
const PersonKeySize = 32

// ErrSealed says sealed personal data cannot be opened: wrong key, erased
// key, or tampered ciphertext.
var ErrSealed = errors.New("sealed personal data cannot be opened")

func personAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != PersonKeySize {
		return nil, fmt.Errorf("events: person key must be %d bytes", PersonKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// SealPersonal encrypts d with the person's key (AES-256-GCM, random nonce),
// bound to org and person so a ciphertext cannot be moved to someone else.
// The result is base64 of nonce||ciphertext.
func SealPersonal(key []byte, org, person string, d PersonalData) (string, error) {
	return seal(key, []byte(org+"/"+person), d)
}

// OpenPersonal decrypts sealed personal data.
func OpenPersonal(key []byte, org, person, sealed string) (PersonalData, error) {
	var d PersonalData
	err := open(key, []byte(org+"/"+person), sealed, &d)
	return d, err
}

// seal encrypts the JSON of v under key with aad as associated data: base64
// of nonce||ciphertext.
func seal(key, aad []byte, v any) (string, error) {
	aead, err := personAEAD(key)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, aad)), nil
}

// open reverses seal into v; any failure (wrong or erased key, tampered or
// moved ciphertext) is ErrSealed.
func open(key, aad []byte, sealed string, v any) error {
	aead, err := personAEAD(key)
	if err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize() {
		return ErrSealed
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], aad)
	if err != nil || json.Unmarshal(plain, v) != nil {
		return ErrSealed
	}
	return nil
}
