package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestProfilesWrittenWhenAsked(t *testing.T) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	t.Setenv(cpuProfileEnv, cpu)
	t.Setenv(memProfileEnv, mem)
	stop := startProfiles()
	sink := make([][]byte, 0, 100)
	for range 100 {
		sink = append(sink, make([]byte, 1024))
	}
	runtime.KeepAlive(sink)
	stop()
	for _, name := range []string{cpu, mem} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// pprof files are gzip-compressed protocol buffers.
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			t.Errorf("%s is not a pprof file (%d bytes)", name, len(data))
		}
	}
}

func TestNoProfilesUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(cpuProfileEnv, "")
	t.Setenv(memProfileEnv, "")
	startProfiles()()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("files written without being asked: %v", entries)
	}
}
