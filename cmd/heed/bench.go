package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/bench"
	"github.com/heed-ml/heed/bench/layers"
	"github.com/heed-ml/heed/bench/mlp"
)

func init() {
	register(command{name: "bench", summary: "kernel-by-kernel benchmarks against the FMA peak, memory bandwidth and gonum", run: runBench})
}

// runBench measures the kernels and prints the report.
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: heed bench [flags]\n\nMeasures the FMA peak and copy bandwidth, then SGEMM on the network and square\nshapes and the elementwise kernels, and prints each as a share of those limits.\nThen it times the MLP training step and, on one thread, the convolution,\npooling and small-CNN workloads of the PyTorch anchor benchmark.\n\nflags:")
		fs.PrintDefaults()
	}
	jsonOut := fs.Bool("json", false, "print the report as JSON instead of tables")
	threadList := fs.String("threads", "", "comma-separated SGEMM thread counts (default 1 and GOMAXPROCS)")
	shapeList := fs.String("shapes", "", "comma-separated SGEMM shapes as MxKxN, or \"nn\" or \"square\" (default both sets)")
	noGonum := fs.Bool("nogonum", false, "skip timing gonum's Sgemm")
	samples := fs.Int("samples", bench.DefaultTimer.Samples, "timed samples per measurement; the median is reported")
	sample := fs.Duration("sample", bench.DefaultTimer.MinSample, "minimum duration of one sample")
	streamMiB := fs.Int("stream-mib", 64, "size of each elementwise input in MiB")
	quiet := fs.Bool("q", false, "do not print progress to standard error")
	noMLP := fs.Bool("nomlp", false, "skip timing the MLP training step")
	noLayers := fs.Bool("nolayers", false, "skip timing the convolution, pooling and small-CNN workloads")

	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: heed bench takes only flags", fs.Arg(0))
	}
	if *samples < 1 {
		return fmt.Errorf("invalid -samples %d: need at least 1", *samples)
	}
	if *sample <= 0 || *sample > time.Minute {
		return fmt.Errorf("invalid -sample %v: want a duration between 0 and 1m, such as 50ms", *sample)
	}
	if *streamMiB < 1 || *streamMiB > 4096 {
		return fmt.Errorf("invalid -stream-mib %d: want 1 to 4096", *streamMiB)
	}

	threads, err := parseThreads(*threadList)
	if err != nil {
		return err
	}
	shapes, err := parseShapes(*shapeList)
	if err != nil {
		return err
	}

	opt := bench.Options{
		Threads:     threads,
		Shapes:      shapes,
		Gonum:       !*noGonum,
		StreamBytes: *streamMiB << 20,
		Timer:       bench.Timer{MinSample: *sample, Samples: *samples},
	}
	if !*quiet {
		opt.Progress = os.Stderr
	}

	rep := bench.Run(opt)
	if !*noMLP {
		for _, batch := range []int{32, 128} {
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "MLP training step, batch %d\n", batch)
			}
			d := opt.Timer.PerOp(mlp.NewStep(batch, 1))
			rep.MLP = append(rep.MLP, bench.MLPResult{Batch: batch, SamplesPerSec: float64(batch) / d.Seconds()})
		}
	}

	if !*noLayers {
		rep.Layers = timeLayers(opt.Timer, opt.Progress)
	}

	if *jsonOut {
		return rep.WriteJSON(os.Stdout)
	}
	return rep.WriteTable(os.Stdout)
}

// timeLayers times every bench/layers workload on one thread, the setting
// the PyTorch anchor uses for its conv, pool, cnn and attn sections.
func timeLayers(t bench.Timer, progress io.Writer) []bench.LayerResult {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	defer asm.SetThreads(1)()

	var out []bench.LayerResult
	for _, c := range layers.Cases() {
		if progress != nil {
			fmt.Fprintf(progress, "%s, %s\n", c.Name, c.Shape)
		}
		d := t.PerOp(c.New())
		out = append(out, bench.LayerResult{
			Name: c.Name, Shape: c.Shape, Batch: c.Batch,
			MsPerCall:     float64(d) / float64(time.Millisecond),
			SamplesPerSec: float64(c.Batch) / d.Seconds(),
		})
	}
	return out
}

func parseThreads(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4*runtime.NumCPU() {
			return nil, fmt.Errorf("invalid -threads entry %q: want a count from 1 to %d", f, 4*runtime.NumCPU())
		}
		out = append(out, n)
	}
	return out, nil
}

func parseShapes(s string) ([]bench.Shape, error) {
	if s == "" {
		return nil, nil
	}
	var out []bench.Shape
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "nn":
			out = append(out, bench.NNShapes...)
			continue
		case "square":
			out = append(out, bench.SquareShapes...)
			continue
		}
		dims := strings.Split(strings.ReplaceAll(f, "×", "x"), "x")
		if len(dims) != 3 {
			return nil, fmt.Errorf("invalid -shapes entry %q: want MxKxN such as 32x784x128, nn or square", f)
		}
		var v [3]int
		for i, d := range dims {
			n, err := strconv.Atoi(d)
			if err != nil || n < 1 || n > 1<<16 {
				return nil, fmt.Errorf("invalid -shapes entry %q: each dimension must be from 1 to 65536", f)
			}
			v[i] = n
		}
		out = append(out, bench.Shape{M: v[0], K: v[1], N: v[2]})
	}
	return out, nil
}
