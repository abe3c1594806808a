package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threadOverride is the thread count set by SetThreads, or 0 to follow
// GOMAXPROCS.
var threadOverride atomic.Int64

// SetThreads sets how many goroutines Sgemm splits a large product across.
// n <= 0 restores the default, runtime.GOMAXPROCS(0) read at each call. It
// returns a function that restores the previous setting. The result of
// Sgemm does not depend on the thread count: each element of C is computed
// by one goroutine in the same order whatever the split.
func SetThreads(n int) (restore func()) {
	if n < 0 {
		n = 0
	}
	prev := threadOverride.Swap(int64(n))
	return func() { threadOverride.Store(prev) }
}

// Threads returns the number of goroutines Sgemm uses for a large product.
func Threads() int {
	if n := threadOverride.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// workerPool runs parallel tasks on long-lived goroutines, so a parallel
// Sgemm costs a channel send per task instead of a goroutine start.
var workerPool struct {
	mu      sync.Mutex
	started int
	tasks   chan func()
}

// parallelFor runs body(0) to body(n-1) and returns when all have
// finished. body(0) runs on the calling goroutine and the rest on the pool.
func parallelFor(n int, body func(i int)) {
	if n <= 1 {
		if n == 1 {
			body(0)
		}
		return
	}
	workerPool.mu.Lock()
	if workerPool.tasks == nil {
		workerPool.tasks = make(chan func())
	}
	for workerPool.started < n-1 {
		workerPool.started++
		go func(tasks <-chan func()) {
			for t := range tasks {
				t()
			}
		}(workerPool.tasks)
	}
	tasks := workerPool.tasks
	workerPool.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(n - 1)
	for i := 1; i < n; i++ {
		tasks <- func() {
			defer wg.Done()
			body(i)
		}
	}
	body(0)
	wg.Wait()
}
