package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCSVGolden compares the two CSV exports with golden files
// (go test ./report -run CSV -update rewrites them).
func TestCSVGolden(t *testing.T) {
	in := normalInput()
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"assignments.golden.csv", func(b *bytes.Buffer) error { return WriteAssignmentsCSV(b, in.Plan) }},
		{"servers.golden.csv", func(b *bytes.Buffer) error { return WriteServersCSV(b, in.Plan) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := tc.write(&got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from the golden file:\n got: %q\nwant: %q", tc.name, got.String(), want)
			}
		})
	}
}

// TestCSVParsesAndDefuses reads the exports back with a CSV parser: one row
// per server, hostile names intact but never a formula.
func TestCSVParsesAndDefuses(t *testing.T) {
	in := hostileInput()
	in.Plan.ServerDetails[0].Hostname = "=HYPERLINK(\"http://x\",\"y\")"
	var a, s bytes.Buffer
	if err := WriteAssignmentsCSV(&a, in.Plan); err != nil {
		t.Fatal(err)
	}
	if err := WriteServersCSV(&s, in.Plan); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		buf    *bytes.Buffer
		header []string
		rows   int
	}{
		{"assignments", &a, AssignmentsHeader, len(in.Plan.Assignments)},
		{"servers", &s, ServersHeader, len(in.Plan.ServerDetails)},
	} {
		data := tc.buf.String()
		if !strings.HasPrefix(data, utf8BOM) {
			t.Errorf("%s: no UTF-8 byte order mark", tc.name)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, utf8BOM))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(recs) != tc.rows+1 || strings.Join(recs[0], ",") != strings.Join(tc.header, ",") {
			t.Errorf("%s: %d records, header %v; want %d and %v", tc.name, len(recs), recs[0], tc.rows+1, tc.header)
		}
		for _, r := range recs[1:] {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+@", rune(c[0])) {
					t.Errorf("%s: cell %q would be read as a formula", tc.name, c)
				}
			}
		}
	}
	if !strings.Contains(s.String(), `'=HYPERLINK`) {
		t.Errorf("formula hostname not defused:\n%s", s.String())
	}
}
