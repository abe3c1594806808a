package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkEachOnce runs parallelFor(n) and fails unless every index ran
// exactly once.
func checkEachOnce(t *testing.T, n int) {
	t.Helper()
	counts := make([]atomic.Int32, n)
	parallelFor(n, func(i int) { counts[i].Add(1) })
	for i := range counts {
		if got := counts[i].Load(); got != 1 {
			t.Fatalf("parallelFor(%d): index %d ran %d times, want 1", n, i, got)
		}
	}
}

func TestParallelForRunsEachIndexOnce(t *testing.T) {
	for rep := 0; rep < 200; rep++ {
		for n := 0; n <= 6; n++ {
			checkEachOnce(t, n)
		}
	}
}

// TestParallelForAfterWorkersPark waits past spinWait between calls, so
// each call must wake parked workers through their channels.
func TestParallelForAfterWorkersPark(t *testing.T) {
	for rep := 0; rep < 5; rep++ {
		checkEachOnce(t, 3)
		time.Sleep(2 * spinWait)
	}
}

// TestParallelForConcurrentAndNested calls parallelFor from several
// goroutines at once, each task calling it again; callers that find the
// pool busy must still run every index.
func TestParallelForConcurrentAndNested(t *testing.T) {
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 50; rep++ {
				parallelFor(3, func(int) {
					parallelFor(2, func(int) { total.Add(1) })
				})
			}
		}()
	}
	wg.Wait()
	if got, want := total.Load(), int64(4*50*3*2); got != want {
		t.Fatalf("nested parallelFor ran %d tasks, want %d", got, want)
	}
}

// TestParallelForOneProc checks that spinning never starves the caller
// when only one goroutine can run at a time.
func TestParallelForOneProc(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for rep := 0; rep < 20; rep++ {
		checkEachOnce(t, 4)
	}
}

// BenchmarkParallelForHandoff times a two-part parallelFor whose parts
// each spin for 20 µs: with a prompt hand-off one call takes about 20 µs,
// not 40.
func BenchmarkParallelForHandoff(b *testing.B) {
	work := func(int) {
		start := time.Now()
		for time.Since(start) < 20*time.Microsecond {
		}
	}
	for b.Loop() {
		parallelFor(2, work)
	}
}
