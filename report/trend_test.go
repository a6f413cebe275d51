package report

import (
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// TestTrendWords checks that a trend the model did not show is said in
// words and left out of the CSV's % per year, never written as 0 %.
func TestTrendWords(t *testing.T) {
	tests := []struct {
		status     string
		pct        float64
		sig        bool
		text, cell string
	}{
		{model.TrendShown, 12.5, true, "12.5% (significant)", "12.5"},
		{model.TrendShown, -3, false, "-3.0% (n.s.)", "-3"},
		{model.TrendNotEnoughData, 0, false, "not enough data (fewer than 28 days)", ""},
		{model.TrendNotSignificant, 0, false, "no trend (not significant)", ""},
		{model.TrendImplausible, 0, false, "dropped: implausible (beyond ±100 % a year)", ""},
		{"", 7, true, "7.0% (significant)", "7"}, // a plan written before trend statuses
	}
	for _, tc := range tests {
		if got := trendText(tc.status, tc.pct, tc.sig); got != tc.text {
			t.Errorf("trendText(%q, %v) = %q, want %q", tc.status, tc.pct, got, tc.text)
		}
		if got := trendCell(tc.status, tc.pct); got != tc.cell {
			t.Errorf("trendCell(%q, %v) = %q, want %q", tc.status, tc.pct, got, tc.cell)
		}
	}
}
