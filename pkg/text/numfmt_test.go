package text

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		v    float64
		code string
		want string
	}{
		{42, "General", "42"},
		{0.1 + 0.2, "General", "0.3"},
		{1234567.891, "#,##0.00", "1,234,567.89"},
		{-1234.5, "#,##0.00", "-1,234.50"},
		{-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"},
		{0.125, "0.0%", "12.5%"},
		{3, "0", "3"},
		{12345.678, "0.00E+00", "1.23E+04"},
		{45352, "yyyy\\-mm\\-dd", "2024-03-01"},
		{45352.5, "m/d/yy h:mm", "2024-03-01 12:00"},
		{0.75, "h:mm:ss", "18:00:00"},
		{45352, "mmm-yy", "2024-03-01"},
		{9.99, `"$"#,##0.00`, "$9.99"},
		{9.99, `[$€-407] #,##0.00`, "€ 9.99"},
		{5, `0" items"`, "5 items"},
		{1, `"TRUE";"TRUE";"FALSE"`, "TRUE"},
		{1e20, "General", "1E+20"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, formatNumber(c.v, c.code, false), "%v with %q", c.v, c.code)
	}
	require.Equal(t, "2024-03-01", formatNumber(45352-1462, "yyyy-mm-dd", true), "1904 date system")
}

func TestXLSXCellText(t *testing.T) {
	st := &xlsxStyles{formats: map[int]string{164: "0.000"}, xfs: []int{0, 164, 14}}
	shared := []string{"zero", "one"}
	cases := []struct{ typ, style, v, want string }{
		{"s", "", "1", "one"},
		{"s", "", "7", ""},
		{"b", "", "1", "TRUE"},
		{"b", "", "0", "FALSE"},
		{"inlineStr", "", "inline", "inline"},
		{"str", "", "formula text", "formula text"},
		{"e", "", "#DIV/0!", "#DIV/0!"},
		{"", "1", "2.5", "2.500"},
		{"n", "2", "45352", "2024-03-01"},
		{"", "", "not a number", "not a number"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, xlsxCellText(c.typ, c.style, c.v, shared, st, false), "%+v", c)
	}
}
