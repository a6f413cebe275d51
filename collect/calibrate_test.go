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
	// Cancelled before it starts: no work at all (a run that ignored the
	// context would spin for 2 × 10 s and score above zero).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c := Calibrate(ctx, 10*time.Second); c.ScorePerCore != 0 || c.ScoreAllCores != 0 {
		t.Errorf("a cancelled calibration worked: %+v", c)
	}
}
