package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*")

// goldenDataDir is what the dataset path of the generated fleet is written
// as in the goldens: the test generates it in a temporary directory.
const goldenDataDir = "DATA"

// TestPlanGolden plans a small generated fleet (8 servers, 7 days, seed 5)
// on the sample host catalog and compares plan.json with
// testdata/golden/plan.json: any change to the plan's schema or numbers
// shows up as a diff to review. Run with -update to rewrite the golden
// after checking the diff (go test ./cmd/kvmfit -run PlanGolden -update).
//
// It also compares assignments.csv and servers.csv when `kvmfit plan`
// writes them next to plan.json; until it does they are skipped.
func TestPlanGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("plans a generated fleet")
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	out := filepath.Join(tmp, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "samples", "generate", "--servers", "8", "--days", "7", "--seed", "5", "--out", data)
	planPath := filepath.Join(out, "plan.json")
	mustRun(t, "plan", "--data", data, "--hosts", filepath.Join("..", "..", "samples", "hosts.yaml"), "--out", planPath)

	// The plan must parse as model.Plan with nothing left over: every key
	// of plan.json is a documented field.
	raw, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p model.Plan
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("plan.json does not decode strictly as model.Plan: %v", err)
	}
	if p.Servers != 8 || len(p.ServerDetails) != 8 {
		t.Errorf("plan of %d servers (%d details), want 8", p.Servers, len(p.ServerDetails))
	}

	files := []string{"plan.json"}
	for _, f := range []string{"assignments.csv", "servers.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			files = append(files, f)
		} else {
			t.Logf("%s not written by kvmfit plan (yet): not compared", f)
		}
	}
	for _, name := range files {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		// Paths of the temporary directory vary between runs.
		got = bytes.ReplaceAll(got, []byte(data), []byte(goldenDataDir))
		got = bytes.ReplaceAll(got, []byte(filepath.ToSlash(data)), []byte(goldenDataDir))
		compareGolden(t, filepath.Join("testdata", "golden", name), got)
	}
}

// compareGolden compares got with the file at path, or rewrites the file
// with -update.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/kvmfit -run PlanGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := filepath.Join(t.TempDir(), filepath.Base(path))
		_ = os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from the golden file; got is in %s (diff them, or rerun with -update)\n%s",
			path, gotPath, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + a + "\n  got: " + b
		}
	}
	return ""
}
