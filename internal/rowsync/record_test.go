package rowsync

import "testing"

func TestLookHints(t *testing.T) {
	for _, tc := range []struct {
		name          string
		rec           *Record
		rows, idWidth int
	}{
		{"nil", nil, 0, 36},
		{"empty", &Record{}, 0, 36},
		{"every row known", &Record{
			Rows:      []Row{{ID: "r-1"}, {ID: "r-2"}},
			Released:  []string{"r-0"},
			Foreign:   []Remote{{ID: "f-1"}},
			Unclaimed: []Remote{{ID: "u-1"}, {ID: "u-2"}},
		}, 6, 3},
	} {
		rows, idWidth := tc.rec.LookHints()
		if rows != tc.rows || idWidth != tc.idWidth {
			t.Errorf("%s: LookHints() = (%d, %d), want (%d, %d)", tc.name, rows, idWidth, tc.rows, tc.idWidth)
		}
	}
}
