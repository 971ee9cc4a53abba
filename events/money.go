package events

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Fen is an amount of money in fen (分), the smallest unit of CNY. Money is
// an integer everywhere: in memory, in events (a JSON integer) and in
// Pebble. Text for people is a decimal yuan string, see ParseYuan and
// Fen.Yuan.
type Fen int64

// MaxFen is the largest amount accepted from text input. Parsing refuses
// larger values so that sums of many amounts stay far from int64 overflow.
const MaxFen Fen = 1_000_000_000_000_00 // one trillion yuan

// Errors returned by ParseYuan; callers map them to coded ledger errors.
var (
	ErrAmountSyntax   = errors.New("amount must be a decimal yuan string such as \"1234.56\" (at most two decimals, no sign, no exponent)")
	ErrAmountOverflow = errors.New("amount is too large")
)

// ParseYuan parses a decimal yuan string ("1234.56", "12", "0.5") into fen.
// It refuses signs, exponents, spaces, more than two decimals, leading
// zeros and values above MaxFen. Zero is accepted here; commands refuse it
// where it makes no sense.
func ParseYuan(s string) (Fen, error) {
	if s == "" || len(s) > 24 {
		return 0, ErrAmountSyntax
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, ErrAmountSyntax
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return 0, ErrAmountSyntax
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, ErrAmountSyntax
			}
		}
	}
	if len(intPart) > 13 {
		return 0, ErrAmountOverflow
	}
	y, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, ErrAmountOverflow
	}
	var f int64
	switch len(frac) {
	case 1:
		f = int64(frac[0]-'0') * 10
	case 2:
		f = int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if y > (math.MaxInt64-f)/100 {
		return 0, ErrAmountOverflow
	}
	v := Fen(y*100 + f)
	if v > MaxFen {
		return 0, ErrAmountOverflow
	}
	return v, nil
}

// Yuan formats the amount as a decimal yuan string with exactly two
// decimals, e.g. 123456 → "1234.56", -5 → "-0.05".
func (f Fen) Yuan() string {
	sign := ""
	u := uint64(f)
	if f < 0 {
		sign = "-"
		u = uint64(-(f + 1)) + 1 // safe for math.MinInt64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// AddFen adds two amounts and reports overflow instead of wrapping.
func AddFen(a, b Fen) (Fen, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}
