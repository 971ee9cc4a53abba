package events

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// decodeSlow is Decode's encoding/json path alone.
func decodeSlow(data []byte) (Envelope, error) {
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Envelope{}, err
	}
	if dec.More() {
		return Envelope{}, fmt.Errorf("trailing data")
	}
	return env, nil
}

// checkCanonical fails if the canonical scanner accepts data with a result
// encoding/json would not give.
func checkCanonical(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	fast, ok := decodeCanonicalEnvelope(data)
	if !ok {
		return false
	}
	slow, err := decodeSlow(data)
	if err != nil {
		t.Fatalf("canonical scanner accepted what encoding/json refuses (%v): %q", err, data)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("canonical scanner and encoding/json differ on %q:\n%+v\n%+v", data, fast, slow)
	}
	return true
}

func checkCanonicalDues(t *testing.T, b []byte) (accepted bool) {
	t.Helper()
	fast, ok := decodeCanonicalDues(b)
	if !ok {
		return false
	}
	var slow DuesReceived
	if err := strictUnmarshal(b, &slow); err != nil {
		t.Fatalf("canonical dues scanner accepted what encoding/json refuses (%v): %q", err, b)
	}
	if !reflect.DeepEqual(fast, Payload(slow)) {
		t.Fatalf("canonical dues scanner and encoding/json differ on %q:\n%+v\n%+v", b, fast, slow)
	}
	return true
}

func TestCanonicalEnvelope(t *testing.T) {
	for _, env := range sampleChain(t) {
		data, err := marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		// Every sealed event takes the fast path (the golden chain has
		// escapes only inside payloads, which are copied as they are).
		if !checkCanonical(t, data) {
			t.Fatalf("canonical event not read by the scanner: %s", data)
		}
		// Variants that encoding/json reads differently or refuses.
		s := string(data)
		variants := []string{
			s + " ", s + "\n", " " + s, s + "{}", s + "}", s[:len(s)-1],
			strings.Replace(s, `"v":1`, `"V":1`, 1),
			strings.Replace(s, `"v":1`, `"v":1.0`, 1),
			strings.Replace(s, `"v":1`, `"v":01`, 1),
			strings.Replace(s, `"v":1`, `"v":-1`, 1),
			strings.Replace(s, `"v":1`, `"v":1e0`, 1),
			strings.Replace(s, `"seq":`, `"seq":0`, 1),
			strings.Replace(s, `"seq":`, `"seq":99999999999999999999`, 1),
			strings.Replace(s, `"org":"h1"`, `"org":"h\u0031"`, 1),
			strings.Replace(s, `"org":"h1"`, `"org":"h\x001"`, 1),
			strings.Replace(s, `"org":"h1"`, `"org":"h\xff1"`, 1),
			strings.Replace(s, `"org":"h1"`, `"org":"h医1"`, 1),
			strings.Replace(s, `"org":"h1"`, `"org":null`, 1),
			strings.Replace(s, `"org":"h1",`, ``, 1),
			strings.Replace(s, `"org":"h1",`, `"org":"h1","org":"h2",`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{ `, 1),
			strings.Replace(s, `"payload":{`, `"payload":[{`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":tru,`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":"\q",`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":"\u00e9",`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":-0.5e+3,"b":[1,2,{}],"c":null,"d":false,`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":[1,],`, 1),
			strings.Replace(s, `"payload":{`, `"payload":{"a":01,`, 1),
			strings.Replace(s, `"prev":`, `"sig":null,"prev":`, 1),
			strings.Replace(s, `"prev":`, `"sig":{"key":"k","alg":"ed25519","sig":"x"},"prev":`, 1),
			strings.Replace(s, `"prev":`, `"sig":{"alg":"ed25519","key":"k","sig":"x"},"prev":`, 1),
		}
		for _, v := range variants {
			checkCanonical(t, []byte(v))
		}
		if env.Type == "dues_received" {
			p := string(env.Payload)
			if !checkCanonicalDues(t, env.Payload) {
				t.Fatalf("canonical dues payload not read by the scanner: %s", p)
			}
			for _, v := range []string{
				p + " ", strings.Replace(p, `}`, `,"basis":"wage"}`, 1),
				strings.Replace(p, `"via":"bank"`, `"via":"bank","basis":"wage"`, 1),
				strings.Replace(p, `"amount_fen":6650`, `"amount_fen":-6650`, 1),
				strings.Replace(p, `"amount_fen":6650`, `"amount_fen":66.5`, 1),
				strings.Replace(p, `"amount_fen":6650`, `"amount_fen":"6650"`, 1),
				strings.Replace(p, `"member":"m0001"`, `"member":"m\"0001"`, 1),
				strings.Replace(p, `"via":"bank"`, `"via":"bank","x":1`, 1),
			} {
				checkCanonicalDues(t, []byte(v))
			}
		}
	}
}

func FuzzCanonicalEnvelope(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"a","org":"h1","seq":1,"type":"org_opened","schema":1,"aggregate":"org","recorded":"r","date":"2025-01-01","actor":"p","command":"c","command_hash":"","payload":{"name":"x","chart":"2010"},"prev":"0000000000000000000000000000000000000000000000000000000000000000"}`))
	f.Add([]byte(`{"v":1,"id":"a","org":"h1","seq":1,"type":"t","schema":1,"aggregate":"a","recorded":"r","date":"d","actor":"p","command":"c","command_hash":"h","payload":[1,-2.5e3,"\u00e9\n",true,false,null,{}],"sig":{"key":"k","alg":"a","sig":"s"},"prev":"p"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCanonical(t, data)
		checkCanonicalDues(t, data)
	})
}

func FuzzCanonicalDues(f *testing.F) {
	f.Add([]byte(`{"member":"m1","period":"2025-01","amount_fen":6650,"receipt":{"book":"B","number":"1"},"via":"bank"}`))
	f.Add([]byte(`{"member":"m1","period":"2025-01","amount_fen":-1,"receipt":{"book":"B","number":"1"},"via":"cash","basis":"wage"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCanonicalDues(t, data)
	})
}

func TestValidatorsMatchTheirPatterns(t *testing.T) {
	orgRe := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)
	dateRe := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	validDate := func(s string) bool {
		if !dateRe.MatchString(s) {
			return false
		}
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "az09-_A.\x00é"
	for range 200_000 {
		b := make([]byte, rng.IntN(36))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if s := string(b); ValidOrg(s) != orgRe.MatchString(s) {
			t.Fatalf("ValidOrg(%q) = %v", s, ValidOrg(s))
		}
	}
	for _, s := range []string{"", "a", "-a", "a-", strings.Repeat("a", 32), strings.Repeat("a", 33), "h1\n"} {
		if ValidOrg(s) != orgRe.MatchString(s) {
			t.Fatalf("ValidOrg(%q) = %v", s, ValidOrg(s))
		}
	}
	hashes := []string{"", ZeroHash, strings.Repeat("f", 64), strings.Repeat("F", 64), strings.Repeat("a", 63), strings.Repeat("a", 65), strings.Repeat("g", 64)}
	const hexAlphabet = "0123456789abcdefABCDEFg/:`@\x00\xff"
	for range 20_000 {
		b := make([]byte, 62+rng.IntN(4))
		for i := range b {
			b[i] = "0123456789abcdef"[rng.IntN(16)]
		}
		if rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = hexAlphabet[rng.IntN(len(hexAlphabet))]
		}
		hashes = append(hashes, string(b))
	}
	for _, s := range hashes {
		want := hexRe.MatchString(s)
		if validHash(s) != want || ValidDocDigest(s) != want {
			t.Fatalf("validHash(%q) = %v", s, validHash(s))
		}
		h, ok := DecodeHash(s)
		if ok != want || ok && hex.EncodeToString(h[:]) != s {
			t.Fatalf("DecodeHash(%q) = %x, %v", s, h, ok)
		}
	}
	for _, y := range []int{0, 1, 4, 100, 200, 400, 1900, 1999, 2000, 2023, 2024, 2025, 2100, 9996, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				if ValidDate(s) != validDate(s) {
					t.Fatalf("ValidDate(%q) = %v", s, ValidDate(s))
				}
			}
		}
	}
	for _, s := range []string{"", "2025-1-01", "2025-01-1", "2025/01/01", "2025-01-01 ", "+025-01-01", "2025-0a-01", "２０２５-01-01", "99999-01-01"} {
		if ValidDate(s) != validDate(s) {
			t.Fatalf("ValidDate(%q) = %v", s, ValidDate(s))
		}
	}
}
