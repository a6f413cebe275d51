package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golang/snappy"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/spf13/cobra"
)

// runCmd runs the command that newCmd builds (a subcommand, without the
// root) with args, silenced as run() silences the root, and returns its
// error and what it wrote to its two streams.
func runCmd(t *testing.T, newCmd func(IO) *cobra.Command, args ...string) (err error, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := newCmd(IO{Out: &out, Err: &errb})
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetArgs(args)
	err = c.ExecuteContext(context.Background())
	return err, out.String(), errb.String()
}

func TestCollectUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--out", t.TempDir(), "--interval", "7s", "--sample", "5s"},
		{"--out", t.TempDir(), "--sample", "10ms"},
		{"--out", t.TempDir(), "--max-bytes", "lots"},
		{"--out", t.TempDir(), "--id", "a/b"},
		{"--out", t.TempDir(), "--remote-write", "http://127.0.0.1:1/api/v1/write", "--remote-write-basic-auth-password-env", "HOME"},
		{"--out", t.TempDir(), "--remote-write", "http://127.0.0.1:1/api/v1/write", "--remote-write-header", "no-equals"},
		{"--out", t.TempDir(), "--remote-write", "http://127.0.0.1:1/api/v1/write", "--remote-write-buffer", "0"},
		{"--out", t.TempDir(), "--remote-write", "http://127.0.0.1:1/api/v1/write", "--remote-write-bearer-token-file", "/nonexistent/token"},
	} {
		err, _, _ := runCmd(t, newCollectCmd, args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("collect %q: %v, want a usage error", args, err)
		}
	}
}

func TestCollectShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	out := t.TempDir()
	err, _, stderr := runCmd(t, newCollectCmd, "--out", out, "--id", "srv1", "--interval", "1s", "--sample", "250ms",
		"--duration", "2500ms", "--bench-time", "200ms")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	srv, err := dataset.ReadServer(filepath.Join(out, "srv1"))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Series.Len() < 2 || len(srv.Warnings) > 0 {
		t.Fatalf("%d rows, warnings %v", srv.Series.Len(), srv.Warnings)
	}
	inv := srv.Inventory
	if inv.Source != "kvmfit-collect" || inv.CPUScorePerCore <= 0 || inv.CPUScoreAllCores <= 0 || inv.Threads <= 0 || inv.MemTotalBytes <= 0 {
		t.Errorf("inventory %+v", inv)
	}
	if !strings.Contains(stderr, "calibration:") || !strings.Contains(stderr, "stopped:") {
		t.Errorf("stderr %q", stderr)
	}
	// A restart keeps the scores without calibrating again; it also
	// pushes its rows to a remote-write endpoint, with a token.
	var mu sync.Mutex
	var pushes int
	var auths []string
	rw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw, err := snappy.Decode(nil, body)
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization")+" "+r.Header.Get("X-Scope-OrgID"))
		if err != nil || !bytes.Contains(raw, []byte("kvmfit_cpu_busy_pct_mean")) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		pushes++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rw.Close()
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("t0k3n"), 0o600)
	err, _, stderr = runCmd(t, newCollectCmd, "--out", out, "--id", "srv1", "--interval", "1s", "--sample", "250ms", "--duration", "1500ms",
		"--remote-write", rw.URL+"/api/v1/write", "--remote-write-bearer-token-file", tok, "--remote-write-header", "X-Scope-OrgID=ops")
	if err != nil || strings.Contains(stderr, "calibrating") {
		t.Fatalf("restart: %v\n%s", err, stderr)
	}
	mu.Lock()
	if pushes < 1 || auths[0] != "Bearer t0k3n ops" || strings.Contains(stderr, "t0k3n") {
		t.Errorf("remote write: %d pushes, auth %q; stderr %s", pushes, auths, stderr)
	}
	mu.Unlock()
	if ents, _ := os.ReadDir(filepath.Join(out, "srv1", ".remote-write")); len(ents) != 0 {
		t.Errorf("%d rows left in the remote-write buffer after a clean stop", len(ents))
	}
	data, _ := os.ReadFile(filepath.Join(out, "srv1", "inventory.json"))
	var inv2 model.Inventory
	json.Unmarshal(data, &inv2)
	if inv2.CPUScorePerCore != inv.CPUScorePerCore {
		t.Errorf("score %v after restart, was %v", inv2.CPUScorePerCore, inv.CPUScorePerCore)
	}
}

func TestBenchJSON(t *testing.T) {
	err, out, _ := runCmd(t, newBenchCmd, "--time", "200ms", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		PerCore  float64 `json:"cpu_score_per_core"`
		AllCores float64 `json:"cpu_score_all_cores"`
		Threads  int     `json:"threads"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.PerCore <= 0 || c.AllCores <= 0 || c.Threads < 1 {
		t.Fatalf("%v: %s", err, out)
	}
	var ue usageError
	if err, _, _ := runCmd(t, newBenchCmd, "--time", "1ms"); !errors.As(err, &ue) {
		t.Errorf("--time 1ms: %v, want a usage error", err)
	}
}
