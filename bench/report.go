package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/heed-ml/heed/asm"
	"github.com/klauspost/cpuid/v2"
)

// Options selects what Run measures.
type Options struct {
	// Threads lists the thread counts SGEMM runs with; empty means 1 and,
	// when the machine has more than one, GOMAXPROCS too.
	Threads []int
	// Shapes are the SGEMM shapes; empty means NNShapes then SquareShapes.
	Shapes []Shape
	// Gonum times gonum's Sgemm on every shape beside Heed's.
	Gonum bool
	// StreamBytes is the size of each input of the elementwise kernels;
	// 0 means 64 MiB, far past any cache.
	StreamBytes int
	// Timer sets the samples of every measurement; the zero value means
	// DefaultTimer.
	Timer Timer
	// Progress, when not nil, receives a line as each measurement starts.
	Progress io.Writer
}

// Report is the outcome of Run.
type Report struct {
	CPU        string  `json:"cpu"`
	Tier       string  `json:"tier"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	GoVersion  string  `json:"go_version"`
	Date       string  `json:"date"`
	PeakGFLOPS float64 `json:"peak_gflops_1core"` // best tier, one core
	// PeakGFLOPSByThreads is the FMA peak with each thread count of the
	// SGEMM rows, keyed by that count.
	PeakGFLOPSByThreads map[int]float64 `json:"peak_gflops_by_threads"`
	PeakAVX2GFLOPS      float64         `json:"peak_avx2_gflops_1core,omitempty"`
	CopyGBps            float64         `json:"copy_gbps"`
	Sgemm               []SgemmResult   `json:"sgemm"`
	Streams             []StreamResult  `json:"streams"`
	// MLP is filled by callers that time bench/mlp's training step, which
	// this package cannot import without depending on nn and optim.
	MLP []MLPResult `json:"mlp,omitempty"`
	// Layers is filled the same way from bench/layers: convolution,
	// pooling and small-CNN workloads, timed on one thread.
	Layers []LayerResult `json:"layers,omitempty"`
}

// LayerResult is the time of one call of a bench/layers workload on a
// batch of Batch samples (images or sequences).
type LayerResult struct {
	Name          string  `json:"name"`
	Shape         string  `json:"shape"`
	Batch         int     `json:"batch"`
	MsPerCall     float64 `json:"ms_per_call"`
	SamplesPerSec float64 `json:"samples_per_sec"`
}

// MLPResult is the rate of one 784-128-10 MLP training step with Adam, one
// goroutine for the step itself.
type MLPResult struct {
	Batch         int     `json:"batch"`
	SamplesPerSec float64 `json:"samples_per_sec"`
}

// SgemmResult is one SGEMM row of the report.
type SgemmResult struct {
	Shape      string  `json:"shape"` // M×K×N
	M          int     `json:"m"`
	K          int     `json:"k"`
	N          int     `json:"n"`
	Threads    int     `json:"threads"`
	GFLOPS     float64 `json:"gflops"`      // median of the samples
	BestGFLOPS float64 `json:"best_gflops"` // fastest sample
	// PctPeak is the median, over samples, of GFLOP/s as a share of the
	// FMA peak on as many cores timed right after.
	PctPeak      float64 `json:"pct_peak"`
	GonumGFLOPS  float64 `json:"gonum_gflops,omitempty"`
	SpeedupGonum float64 `json:"speedup_vs_gonum,omitempty"`
}

// StreamResult is one elementwise or reduction row of the report.
type StreamResult struct {
	Kernel string  `json:"kernel"`
	Bytes  int     `json:"input_bytes"` // size of each input
	GBps   float64 `json:"gbps"`
	// CopyGBps is the copy bandwidth measured with samples interleaved
	// with this kernel's.
	CopyGBps float64 `json:"copy_gbps"`
	PctCopy  float64 `json:"pct_copy"` // of CopyGBps
}

// Run measures the FMA peak and copy bandwidth, then every SGEMM shape and
// stream kernel, all in one process so the ratios are side by side.
func Run(opt Options) *Report {
	t := opt.Timer
	if t.Samples == 0 {
		t = DefaultTimer
	}
	threads := opt.Threads
	if len(threads) == 0 {
		threads = []int{1}
		if p := runtime.GOMAXPROCS(0); p > 1 {
			threads = append(threads, p)
		}
	}
	shapes := opt.Shapes
	if len(shapes) == 0 {
		shapes = append(append([]Shape(nil), NNShapes...), SquareShapes...)
	}
	streamBytes := opt.StreamBytes
	if streamBytes == 0 {
		streamBytes = 64 << 20
	}
	say := func(format string, args ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, format+"\n", args...)
		}
	}

	rep := &Report{
		CPU:                 cpuid.CPU.BrandName,
		Tier:                asm.CurrentTier().String(),
		GOMAXPROCS:          runtime.GOMAXPROCS(0),
		GoVersion:           runtime.Version(),
		Date:                time.Now().UTC().Format(time.RFC3339),
		PeakGFLOPSByThreads: map[int]float64{},
	}
	say("measuring the FMA peak")
	rep.PeakGFLOPS = PeakGFLOPS(t, asm.CurrentTier(), 1)
	for _, th := range threads {
		rep.PeakGFLOPSByThreads[th] = PeakGFLOPS(t, asm.CurrentTier(), th)
	}
	if asm.CurrentTier() > asm.TierAVX2 {
		rep.PeakAVX2GFLOPS = PeakGFLOPS(t, asm.TierAVX2, 1)
	}
	say("measuring copy bandwidth")
	rep.CopyGBps = CopyGBps(t, streamBytes)

	for _, s := range shapes {
		for _, th := range threads {
			say("sgemm %v, %d threads", s, th)
			rep.Sgemm = append(rep.Sgemm, measureSgemm(t, s, th, opt.Gonum))
		}
	}

	n := streamBytes / 4
	cp := NewCopy(streamBytes)
	for _, st := range Streams {
		say("%s on %d MiB inputs", st.Name, streamBytes>>20)
		dk, dc := t.Pair(st.New(n), cp)
		kr := Rates(dk, st.Bytes(n), 1e9)
		cr := Rates(dc, 2*float64(streamBytes), 1e9)
		rep.Streams = append(rep.Streams, StreamResult{
			Kernel: st.Name, Bytes: streamBytes, GBps: Median(kr), CopyGBps: Median(cr),
			PctCopy: 100 * MedianRatio(kr, cr),
		})
	}
	return rep
}

// measureSgemm times Heed's Sgemm on s with th threads, its samples
// interleaved with FMA-peak samples on as many cores, and gonum's on the
// same shape when withGonum is set.
func measureSgemm(t Timer, s Shape, th int, withGonum bool) SgemmResult {
	r := SgemmResult{Shape: s.String(), M: s.M, K: s.K, N: s.N, Threads: th}
	peak, peakFlops := NewPeakLoop(asm.CurrentTier(), th)
	var ds, dp []time.Duration
	withThreads(th, func() { ds, dp = t.Pair(HeedSgemm(s), peak) })
	rates := Rates(ds, s.Flops(), 1e9)
	r.GFLOPS, r.BestGFLOPS = Median(rates), Best(rates)
	if peakFlops > 0 {
		r.PctPeak = 100 * MedianRatio(rates, Rates(dp, peakFlops, 1e9))
	}
	if !withGonum {
		return r
	}
	// gonum takes seconds per call on the largest shapes, so it gets
	// fewer samples there.
	gt := t
	if s.Flops() > 4e9 {
		gt.Samples = min(t.Samples, 3)
	}
	var dg []time.Duration
	withThreads(th, func() { dg = gt.Times(GonumSgemm(s)) })
	g := Rates(dg, s.Flops(), 1e9)
	r.GonumGFLOPS = Median(g)
	r.SpeedupGonum = r.GFLOPS / r.GonumGFLOPS
	return r
}

// WriteTable prints the report as aligned text tables.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "CPU %s, tier %s, GOMAXPROCS %d, %s, %s\n", r.CPU, r.Tier, r.GOMAXPROCS, r.GoVersion, r.Date)
	fmt.Fprintf(w, "FMA peak, one core: %.1f GFLOP/s", r.PeakGFLOPS)
	if r.PeakAVX2GFLOPS > 0 {
		fmt.Fprintf(w, " (AVX2: %.1f)", r.PeakAVX2GFLOPS)
	}
	var counts []int
	for th := range r.PeakGFLOPSByThreads {
		if th > 1 {
			counts = append(counts, th)
		}
	}
	sort.Ints(counts)
	for _, th := range counts {
		fmt.Fprintf(w, "; %d threads: %.1f", th, r.PeakGFLOPSByThreads[th])
	}
	fmt.Fprintf(w, "\ncopy bandwidth: %.1f GB/s\n\n", r.CopyGBps)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SGEMM M×K×N\tthreads\tGFLOP/s\tbest\t% of peak\tgonum GFLOP/s\t× gonum\t")
	for _, s := range r.Sgemm {
		gonum, ratio := "-", "-"
		if s.GonumGFLOPS > 0 {
			gonum, ratio = fmt.Sprintf("%.1f", s.GonumGFLOPS), fmt.Sprintf("%.1f", s.SpeedupGonum)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.0f%%\t%s\t%s\t\n", s.Shape, s.Threads, s.GFLOPS, s.BestGFLOPS, s.PctPeak, gonum, ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "GFLOP/s is the median of the timed samples and best the fastest one. % of peak is the median ratio to")
	fmt.Fprintln(w, "FMA-peak samples timed alternately with the SGEMM samples, so a busy machine slows both sides; it can")
	fmt.Fprintln(w, "differ from GFLOP/s over the header's peak, which is timed separately. × gonum is the ratio of medians.")
	fmt.Fprintln(w, "See docs/benchmarks.md for the method.")
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kernel\tinput MiB\tGB/s\tcopy GB/s\t% of copy\t")
	for _, s := range r.Streams {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.0f%%\t\n", s.Kernel, s.Bytes>>20, s.GBps, s.CopyGBps, s.PctCopy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "GB/s counts the bytes each kernel reads and writes; copy GB/s is a copy timed alternately with it, and")
	fmt.Fprintln(w, "% of copy their median ratio. Kernels that read more than they write can pass 100%.")
	if len(r.MLP) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "MLP 784-128-10 train step\tbatch\tsamples/s\t")
		for _, m := range r.MLP {
			fmt.Fprintf(tw, "forward, loss, backward, Adam\t%d\t%.0f\t\n", m.Batch, m.SamplesPerSec)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Layers) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer (one thread)\tinput\tbatch\tms/call\tsamples/s\t")
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.0f\t\n", l.Name, l.Shape, l.Batch, l.MsPerCall, l.SamplesPerSec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "The layer cases match the conv, pool, cnn and attn sections of the PyTorch anchor benchmark (torch_bench.py).")
	return nil
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
