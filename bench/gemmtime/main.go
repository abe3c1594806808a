// Command gemmtime times Heed's asm.Sgemm with the arguments, method and
// output format of gemm_openblas, a C program that times OpenBLAS's
// cblas_sgemm, so the two can be run alternately, shape by shape, and
// their lines compared:
//
//	go build -o /tmp/gemmtime ./bench/gemmtime
//	/tmp/gemmtime 1 5 s 512 512 512 s 2048 2048 2048
//	OPENBLAS_CORETYPE=Cooperlake ./gemm_openblas 1 5 s 512 512 512 s 2048 2048 2048
//
// The arguments are the thread count, the number of timed samples, then one
// "s M K N" group per shape. For each shape it makes one untimed call, picks
// the calls per sample so a sample lasts at least 0.15 s, warms up for
// 0.3 s, and prints the median, minimum and maximum GFLOP/s over the
// samples of C = A·B (row-major, untransposed, α = 1, β = 0). The operands
// come from the same xorshift generator, uniform in [-1, 1).
//
// Only single precision exists in Heed, so "d" is rejected.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/heed-ml/heed/asm"
)

const usage = "usage: gemmtime threads reps s M K N [s M K N ...]"

// shape is one "s M K N" group of the command line.
type shape struct{ m, k, n int }

// config is the parsed command line.
type config struct {
	threads, reps int
	shapes        []shape
}

func main() {
	cfg, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gemmtime:", err)
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	run(os.Stdout, cfg)
}

// parseArgs reads the command line of gemm_openblas.
func parseArgs(args []string) (config, error) {
	var cfg config
	if len(args) < 6 || (len(args)-2)%4 != 0 {
		return cfg, fmt.Errorf("got %d arguments, expected threads, reps and groups of four", len(args))
	}
	var err error
	if cfg.threads, err = positive("threads", args[0]); err != nil {
		return cfg, err
	}
	if cfg.reps, err = positive("reps", args[1]); err != nil {
		return cfg, err
	}
	// The C program caps the samples at 200, and so does this one.
	cfg.reps = min(cfg.reps, 200)

	for i := 2; i < len(args); i += 4 {
		if args[i] != "s" {
			return cfg, fmt.Errorf("invalid precision %q in argument %d: Heed computes only single precision, use s", args[i], i+1)
		}
		var s shape
		dims := []*int{&s.m, &s.k, &s.n}
		for j, name := range []string{"M", "K", "N"} {
			if *dims[j], err = positive(name, args[i+1+j]); err != nil {
				return cfg, err
			}
		}
		cfg.shapes = append(cfg.shapes, s)
	}
	return cfg, nil
}

// positive parses a count that must be at least 1.
func positive(name, arg string) (int, error) {
	v, err := strconv.Atoi(arg)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("invalid %s %q: expected a positive integer", name, arg)
	}
	return v, nil
}

// xorshift is the operand generator of gemm_openblas, uniform in [-1, 1).
type xorshift uint64

func (x *xorshift) next() float32 {
	*x ^= *x << 13
	*x ^= *x >> 7
	*x ^= *x << 17
	return float32(float64(*x>>11)/float64(1<<53)*2 - 1)
}

// run times every shape of cfg and writes a header line, then one line per
// shape, to w.
func run(w io.Writer, cfg config) {
	defer asm.SetThreads(cfg.threads)()
	fmt.Fprintf(w, "# heed tier=%s threads=%d\n", asm.CurrentTier(), asm.Threads())

	rng := xorshift(88172645463325252)
	for _, s := range cfg.shapes {
		a := make([]float32, s.m*s.k)
		b := make([]float32, s.k*s.n)
		c := make([]float32, s.m*s.n)
		for i := range a {
			a[i] = rng.next()
		}
		for i := range b {
			b[i] = rng.next()
		}
		call := func() { asm.Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n) }

		// Calibrate as the C program does: one call, then enough calls for
		// 0.05 s to estimate the time of one, then samples of 0.15 s.
		start := time.Now()
		call()
		first := time.Since(start).Seconds()
		calibration := 1
		if first <= 0.05 {
			calibration = int(0.05/(first+1e-9)) + 1
		}
		start = time.Now()
		for range calibration {
			call()
		}
		perCall := time.Since(start).Seconds() / float64(calibration)
		iters := int(0.15/perCall) + 1

		for start = time.Now(); time.Since(start) < 300*time.Millisecond; {
			call()
		}

		flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		rates := make([]float64, cfg.reps)
		for r := range rates {
			start = time.Now()
			for range iters {
				call()
			}
			rates[r] = flop / (time.Since(start).Seconds() / float64(iters)) / 1e9
		}
		sort.Float64s(rates)
		median := rates[cfg.reps/2]
		fmt.Fprintf(w, "heed sgemm threads=%d M=%d K=%d N=%d median=%.2f min=%.2f max=%.2f GFLOP/s (us/call=%.2f, calls/sample=%d, samples=%d)\n",
			cfg.threads, s.m, s.k, s.n, median, rates[0], rates[cfg.reps-1], flop/median/1e3, iters, cfg.reps)
	}
}
