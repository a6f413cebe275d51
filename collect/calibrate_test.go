package collect

import (
	"context"
	"testing"
	"time"
)

func TestWorkUnitDeterministic(t *testing.T) {
	if workUnit(7) != workUnit(7) || workUnit(7) == workUnit(8) {
		t.Fatal("workUnit is not a deterministic function of its seed")
	}
}

func TestCalibrate(t *testing.T) {
	c := Calibrate(context.Background(), 100*time.Millisecond)
	if c.ScorePerCore <= 0 || c.ScoreAllCores <= 0 || c.Threads < 1 {
		t.Fatalf("%+v", c)
	}
	// Cancelled: returns at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	Calibrate(ctx, 10*time.Second)
	if time.Since(start) > 2*time.Second {
		t.Error("a cancelled calibration kept running")
	}
}
