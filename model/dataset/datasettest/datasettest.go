package datasettest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Server is one server of a test dataset.
type Server struct {
	ID        string
	Inventory model.Inventory
	// Samples are written in order; none leaves the server without data.
	Samples []model.Sample
}

// Write writes the servers, in order, as a dataset at dir, and fails t on
// any error.
func Write(t testing.TB, dir string, servers ...Server) {
	t.Helper()
	w, err := dataset.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		sw, err := w.AddServer(s.ID, s.Inventory)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range s.Samples {
			if err := sw.Write(x); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// Files returns every file under root by its path relative to root, with
// its bytes: two datasets written alike compare equal.
func Files(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SamplesCSV reads the server directory dir and returns its samples as the
// samples CSV (dataset.HeaderLine, then one dataset.AppendRow per sample),
// whatever format they are stored in: what a test that fingerprints a
// server's samples compares.
func SamplesCSV(t testing.TB, dir string) []byte {
	t.Helper()
	srv, err := dataset.ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte(dataset.HeaderLine())
	for i := range srv.Series.Len() {
		out = dataset.AppendRow(out, srv.Series.At(i))
	}
	return out
}
