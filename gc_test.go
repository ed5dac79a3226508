package main

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	if tuneGC() || debug.SetGCPercent(150) != 150 {
		t.Error("GOGC set by the user was overridden")
	}
}

func TestTuneGCDefault(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "") // restored after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	if !tuneGC() || debug.SetGCPercent(100) != gcPercent {
		t.Errorf("GOGC unset: GC percent not %d", gcPercent)
	}
}
