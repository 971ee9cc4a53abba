package ledger

import (
	"testing"
)

// checkDuesPlain asserts that the plain decoder either declines data or
// gives exactly what decodeData gives, and reports whether it accepted.
func checkDuesPlain(t *testing.T, data []byte) bool {
	t.Helper()
	fast, ok := decodeDuesPlain(data)
	var slow duesIn
	err := decodeData(Command{Type: "receive_dues", Data: data}, &slow)
	if !ok {
		if fast != (duesIn{}) {
			t.Errorf("%q: declined but returned %+v", data, fast)
		}
		return false
	}
	if err != nil {
		t.Errorf("%q: plain decoder accepted %+v, decodeData refused: %v", data, fast, err)
	} else if fast != slow {
		t.Errorf("%q: plain decoder gave %+v, decodeData %+v", data, fast, slow)
	}
	return true
}

// duesDataCases are receive_dues data with whether the plain decoder
// should take them.
var duesDataCases = []struct {
	data  string
	plain bool
}{
	// The plain form, as clients send it.
	{`{"amount":"12.34","member":"m000123","period":"2019-05","receipt":{"book":"DUES-2019","number":"123"}}`, true},
	{`{"member":"m1","period":"2025-03","amount":"66.50","receipt":{"book":"B1","number":"8"}}`, true},
	{`{"member":"m1","period":"2025-03","wage":"6789.00","basis":"basic_salary","amount":"33.90","via":"cash","receipt":{"book":"B1","number":"8"}}`, true},
	{`{}`, true},
	{`{"receipt":{}}`, true},
	{`{"receipt":{"number":"8"}}`, true},
	{`{"member":""}`, true},
	{`{"member":"a b/c<>&'~ !"}`, true},
	{" \t\r\n{ \"member\" : \"m1\" ,\n\t\"receipt\" : { \"book\" : \"B\" , \"number\" : \"1\" } } \n", true},
	{`{"amount":"-1.00","period":"2025-13","via":"cheque","basis":"x"}`, true}, // bad values are the rules' to refuse

	// Escapes, non-ASCII and control characters.
	{`{"member":"m\u0031"}`, false},
	{`{"member":"a\"b"}`, false},
	{`{"member":"a\\b"}`, false},
	{`{"member":"a\/b"}`, false},
	{`{"member":"张三"}`, false},
	{"{\"member\":\"\xff\"}", false},
	{"{\"member\":\"a\x7fb\"}", false},
	{"{\"member\":\"a\tb\"}", false},
	{"{\"member\":\"a\x00b\"}", false},
	{`{"mem\u0062er":"m1"}`, false},
	{"\xef\xbb\xbf{}", false},

	// Keys: unknown, differently cased, folded, repeated.
	{`{"tip":"1"}`, false},
	{`{"":"1"}`, false},
	{`{"Member":"m1"}`, false},
	{`{"MEMBER":"m1"}`, false},
	{`{"receipt":{"Book":"B1"}}`, false},
	{`{"baſis":"wage"}`, false},
	{`{"member":"a","member":"b"}`, false},
	{`{"receipt":{"book":"a"},"receipt":{"number":"b"}}`, false},
	{`{"receipt":{"book":"a","book":"b"}}`, false},
	{`{"receipt":{"book":"a","x":"b"}}`, false},

	// Other kinds of value.
	{`null`, false},
	{`[]`, false},
	{`"x"`, false},
	{`{"member":null}`, false},
	{`{"receipt":null}`, false},
	{`{"amount":66.5}`, false},
	{`{"amount":1}`, false},
	{`{"via":true}`, false},
	{`{"member":["a"]}`, false},
	{`{"receipt":"B1/7"}`, false},
	{`{"receipt":{"book":{"a":"b"}}}`, false},
	{`{"receipt":{"book":1}}`, false},

	// Broken syntax and trailing data.
	{``, false},
	{` `, false},
	{`{`, false},
	{`}`, false},
	{`{"member"}`, false},
	{`{"member":}`, false},
	{`{"member":"a"`, false},
	{`{"member":"a`, false},
	{`{"member":"a",}`, false},
	{`{,"member":"a"}`, false},
	{`{"member":"a" "period":"b"}`, false},
	{`{"member";"a"}`, false},
	{`{'member':'a'}`, false},
	{`{} {}`, false},
	{`{}}`, false},
	{`{}]`, false},
	{`{}x`, false},
	{`{},`, false},
	{"{}\v", false},
	{"{\u00a0}", false},
}

func TestDecodeDuesPlain(t *testing.T) {
	for _, tc := range duesDataCases {
		if got := checkDuesPlain(t, []byte(tc.data)); got != tc.plain {
			t.Errorf("%q: plain decoder took it: %v, want %v", tc.data, got, tc.plain)
		}
	}
}

// TestDecodeDuesPlainMutations checks the property on every one-byte
// change of plain data: a byte replaced by, or a byte inserted from, a set
// chosen to break the form in each way, and each byte deleted.
func TestDecodeDuesPlainMutations(t *testing.T) {
	bytes := []byte{'"', '\\', ' ', '\t', '\n', '{', '}', '[', ',', ':', '0', '-', '.', 'e', 'a', 'M', 'n', 'u', 0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xff}
	for _, tc := range duesDataCases[:3] {
		base := []byte(tc.data)
		for i := 0; i <= len(base); i++ {
			if i < len(base) {
				checkDuesPlain(t, append(append([]byte{}, base[:i]...), base[i+1:]...))
			}
			for _, c := range bytes {
				if i < len(base) {
					b := append([]byte{}, base...)
					b[i] = c
					checkDuesPlain(t, b)
				}
				checkDuesPlain(t, append(append(append([]byte{}, base[:i]...), c), base[i:]...))
			}
		}
	}
}

func FuzzDuesData(f *testing.F) {
	for _, tc := range duesDataCases {
		f.Add([]byte(tc.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDuesPlain(t, data)
	})
}
