package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Developer aid: OPENCLAW_PROVIDER_CPUPROFILE and OPENCLAW_PROVIDER_MEMPROFILE
// name files that receive a pprof CPU profile of the provider's whole run and
// a heap profile at its end (Terraform starts the provider, so a flag cannot
// reach it; the environment does). See tools/bench-plan.sh.
const (
	cpuProfileEnv = "OPENCLAW_PROVIDER_CPUPROFILE"
	memProfileEnv = "OPENCLAW_PROVIDER_MEMPROFILE"
)

// startProfiles starts what the environment asks for and returns the
// function that writes the profiles out; it reports on stderr and never
// stops the provider.
func startProfiles() (stop func()) {
	cpuFile, memFile := os.Getenv(cpuProfileEnv), os.Getenv(memProfileEnv)
	var cpu *os.File
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", cpuProfileEnv, err)
		} else {
			cpu = f
		}
	}
	if memFile != "" {
		// Every allocation, so alloc_space totals are exact, not sampled.
		runtime.MemProfileRate = 1
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if memFile != "" {
			if err := writeHeapProfile(memFile); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", memProfileEnv, err)
			}
		}
	}
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
