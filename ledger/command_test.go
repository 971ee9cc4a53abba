package ledger

import (
	"encoding/json"
	"strings"
	"testing"
)

// hashData are command data of every form: plain and compact, with
// whitespace, escapes, non-ASCII, HTML characters, numbers, nesting, and
// invalid JSON.
var hashData = []string{
	`{"amount":"12.34","member":"m000123","period":"2019-05","receipt":{"book":"DUES-2019","number":"123"}}`,
	`{}`, `[]`, `null`, `true`, `0`, `-1.5e+10`, `"s"`, `[1,2.5,-0,1e3,{"a":[null,false]}]`,
	`{"a":{"b":{"c":[[],{}]}}}`,
	`{"reason":"asked to be forgotten"}`,
	`{"name":"二院工会","chart":"2022"}`,
	`{"s":"a\"b\\c\/d\u0041\u00e9\ud83d\ude00\n\t"}`,
	`{"s":"<b>&amp;</b>"}`,
	"{\"s\":\"\u2028\u2029\"}",
	"{\"s\":\"\xff\xfe\"}",
	"{\"s\":\"a\x7fb\"}",
	` {"a":1}`, `{"a":1} `, "{\n\t\"a\" : [ 1 , 2 ]\r\n}", `{"a": "x y"}`, `{"a":"x y"}`,
	`{"a":"\" "}`, `{"a":"\\" }`, `{"a":"\\\" "}`,
	``, ` `, `{`, `{"a":}`, `{"a":1}}`, `{} {}`, `{"a":"b`, "{\"a\":\"\x01\"}", `[1,]`, `01`, `{'a':1}`, `nul`,
}

// hashEnvelopes are envelopes whose strings need escaping or not.
var hashEnvelopes = []Command{
	{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "p-treasurer", Date: "2025-03-05"},
	{ID: "c2", Type: "", Org: "", Actor: "", Date: ""},
	{ID: "c3", Type: "x\"y", Org: "a\\b", Actor: "<&>", Date: "\n"},
	{ID: "c4", Type: "张", Org: "\u2028", Actor: "\xff", Date: "a\x7f"},
	{ID: "c5", Type: "receive_dues", Org: "h 1", Actor: "p~!@#$%^*()", Date: "2025-13-45"},
}

// checkHash asserts that Hash and hashGeneral agree on c, errors included,
// and reports whether the plain encoding was used.
func checkHash(t *testing.T, c Command) bool {
	t.Helper()
	got, gotErr := c.Hash()
	want, wantErr := c.hashGeneral()
	if got != want || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Errorf("%+v (data %q): Hash = %q, %v; hashGeneral = %q, %v", c, c.Data, got, gotErr, want, wantErr)
	}
	_, plain := c.appendPlainHashed(nil)
	return plain
}

func TestHashPlainMatchesGeneral(t *testing.T) {
	for _, env := range hashEnvelopes {
		for _, d := range hashData {
			c := env
			c.Data = json.RawMessage(d)
			checkHash(t, c)
		}
	}
	// Data longer than the stack buffer.
	c := hashEnvelopes[0]
	c.Data = json.RawMessage(`{"s":"` + strings.Repeat("x", 2000) + `"}`)
	if !checkHash(t, c) {
		t.Error("long plain data: not taken as plain")
	}
}

func TestHashPlainTaken(t *testing.T) {
	c := hashEnvelopes[0]
	for _, d := range []string{hashData[0], `{}`, `{"reason":"asked to be forgotten"}`, `{"name":"二院工会","chart":"2022"}`, `{"s":"a\"b\\c"}`} {
		c.Data = json.RawMessage(d)
		if !checkHash(t, c) {
			t.Errorf("%s: not taken as plain", d)
		}
	}
}

// TestHashStable pins the hash of one command: it identifies retries of
// commands already stored, so it must never change.
func TestHashStable(t *testing.T) {
	c := Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "p-treasurer", Date: "2025-03-05",
		Data: json.RawMessage(`{"member":"m1","period":"2025-03","amount":"66.50","receipt":{"book":"B1","number":"8"}}`)}
	const want = "3fa87a94e1d7a4d47f9227d3ac6252492852e6987f9a95c6b6a50935619c610e" // as computed before the plain encoding existed
	for _, data := range []string{string(c.Data), "{ \"member\": \"m1\", \"period\": \"2025-03\", \"amount\": \"66.50\",\n  \"receipt\": {\"book\": \"B1\", \"number\": \"8\"} }\n"} {
		c.Data = json.RawMessage(data)
		if got, err := c.Hash(); err != nil || got != want {
			t.Errorf("Hash of %q = %q, %v; want %q", data, got, err, want)
		}
	}
}

func FuzzCommandHash(f *testing.F) {
	for i, d := range hashData {
		env := hashEnvelopes[i%len(hashEnvelopes)]
		f.Add(env.Type, env.Org, env.Actor, env.Date, []byte(d))
	}
	f.Fuzz(func(t *testing.T, typ, org, actor, date string, data []byte) {
		checkHash(t, Command{ID: "c1", Type: typ, Org: org, Actor: actor, Date: date, Data: data})
	})
}
