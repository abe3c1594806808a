package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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

// A parallel Sgemm hands parts of its product to long-lived worker
// goroutines. The Go scheduler puts a woken goroutine on the waker's own P.
// On the development machine (a KVM guest with two vCPUs) such a worker
// started 20 to 110 µs late, often only once the caller blocked, so the two
// halves of a 512³ product ran one after the other.
//
// Each worker therefore spins on an atomic counter for spinWait after its
// last task before it parks. The caller spins too while it waits for the
// workers. Both yield with runtime.Gosched in the loop, so a spinning
// goroutine never keeps a runnable one off its P.
//
// NOTE: a worker keeps its core busy for up to spinWait after each
// parallel Sgemm, which shows as CPU time in profiles.
const spinWait = 200 * time.Microsecond

// worker is one pool goroutine and the task slot it polls.
type worker struct {
	posted   atomic.Uint64 // count of tasks posted, so a change means run body
	finished atomic.Uint64 // count of tasks finished
	parked   atomic.Bool   // true while the goroutine waits on wake
	wake     chan struct{} // capacity 1
	body     func(int)     // written before posted is incremented
	index    int
}

// loop runs the worker's tasks forever.
func (w *worker) loop() {
	var seen uint64
	for {
		w.await(seen)
		seen = w.posted.Load()
		w.body(w.index)
		w.body = nil
		w.finished.Store(seen)
	}
}

// await returns once posted differs from seen: spinning at first, then
// parked on wake. A wake token left over from an earlier task makes await
// look again, never return early.
func (w *worker) await(seen uint64) {
	for {
		start := time.Now()
		for time.Since(start) < spinWait {
			if w.posted.Load() != seen {
				return
			}
			runtime.Gosched()
		}
		// Set parked before the last load of posted. post stores posted
		// before it loads parked, so at least one side reads the other's
		// store and a task is never left waiting on a parked worker.
		w.parked.Store(true)
		if w.posted.Load() != seen {
			w.parked.Store(false)
			return
		}
		<-w.wake
		w.parked.Store(false)
	}
}

// post hands body(index) to w.
func (w *worker) post(body func(int), index int) {
	w.body, w.index = body, index
	w.posted.Add(1)
	if w.parked.Load() {
		select {
		case w.wake <- struct{}{}:
		default: // a token is already waiting
		}
	}
}

// workerPool is the shared team of workers. Only one parallelFor uses it
// at a time. A call that finds it busy, or one nested inside a task, runs
// its parts on the calling goroutine instead.
var workerPool struct {
	busy    sync.Mutex
	workers []*worker
}

// parallelFor runs body(0) to body(n-1) and returns when all have
// finished. body(0) runs on the calling goroutine and the rest on the pool.
func parallelFor(n int, body func(i int)) {
	if n <= 1 || !workerPool.busy.TryLock() {
		for i := range n {
			body(i)
		}
		return
	}
	defer workerPool.busy.Unlock()
	for len(workerPool.workers) < n-1 {
		w := &worker{wake: make(chan struct{}, 1)}
		workerPool.workers = append(workerPool.workers, w)
		go w.loop()
	}

	team := workerPool.workers[:n-1]
	for i, w := range team {
		w.post(body, i+1)
	}
	body(0)
	for _, w := range team {
		want := w.posted.Load()
		for w.finished.Load() != want {
			runtime.Gosched()
		}
	}
}
