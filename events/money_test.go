package events

import (
	"errors"
	"math"
	"testing"
)

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
		err  error
	}{
		{"0", 0, nil},
		{"12", 1200, nil},
		{"12.3", 1230, nil},
		{"1234.56", 123456, nil},
		{"0.05", 5, nil},
		{"999999999999.99", 99999999999999, nil},
		{"1000000000000", MaxFen, nil},
		{"1000000000000.01", 0, ErrAmountOverflow},
		{"92233720368547758.07", 0, ErrAmountOverflow},
		{"99999999999999999999", 0, ErrAmountOverflow},
		{"-1.00", 0, ErrAmountSyntax},
		{"+1.00", 0, ErrAmountSyntax},
		{"1.234", 0, ErrAmountSyntax},
		{"1e3", 0, ErrAmountSyntax},
		{"1E3", 0, ErrAmountSyntax},
		{"0x10", 0, ErrAmountSyntax},
		{"1,000.00", 0, ErrAmountSyntax},
		{" 1.00", 0, ErrAmountSyntax},
		{"1.", 0, ErrAmountSyntax},
		{".5", 0, ErrAmountSyntax},
		{"01.00", 0, ErrAmountSyntax},
		{"", 0, ErrAmountSyntax},
		{"NaN", 0, ErrAmountSyntax},
		{"１２", 0, ErrAmountSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseYuan(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseYuan(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("ParseYuan(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFenYuan(t *testing.T) {
	tests := []struct {
		in   Fen
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {123456, "1234.56"}, {-5, "-0.05"}, {-123456, "-1234.56"},
		{math.MinInt64, "-92233720368547758.08"}, {math.MaxInt64, "92233720368547758.07"},
	}
	for _, tt := range tests {
		if got := tt.in.Yuan(); got != tt.want {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestParseYuanRoundTrip(t *testing.T) {
	for _, v := range []Fen{0, 1, 10, 99, 100, 101, 123456789, MaxFen} {
		got, err := ParseYuan(v.Yuan())
		if err != nil || got != v {
			t.Errorf("round trip %d: got %d, %v", v, got, err)
		}
	}
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"1.00", "0", "1e3", "-1", "12.345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseYuan(s)
		if err != nil {
			return
		}
		if v < 0 || v > MaxFen {
			t.Fatalf("ParseYuan(%q) = %d out of range", s, v)
		}
		back, err := ParseYuan(v.Yuan())
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d → %q → %d, %v", s, v, v.Yuan(), back, err)
		}
	})
}
