package nn_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// One training step on a [4, 2] batch, worked out by hand. Feature 0 holds
// 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3. Feature 1 is
// constant 2: mean 2, variance 0. With momentum 0.1 the running mean becomes
// 0.1·mean and the running variance 0.9 + 0.1·unbiased variance.
func TestBatchNormRunningStatsAfterOneStep(t *testing.T) {
	bn := nn.NewBatchNorm1D(2)
	x := tensor.New([]int{4, 2}, []float32{1, 2, 2, 2, 3, 2, 4, 2})
	y := bn.Forward(autodiff.Const(x)).Data().Data()

	wantMean := []float64{0.25, 0.2}
	wantVar := []float64{0.9 + 0.1*5.0/3.0, 0.9}
	for c := range 2 {
		if got := float64(bn.RunningMean.At(c)); math.Abs(got-wantMean[c]) > 1e-6 {
			t.Errorf("running mean[%d] = %v, want %v", c, got, wantMean[c])
		}
		if got := float64(bn.RunningVar.At(c)); math.Abs(got-wantVar[c]) > 1e-6 {
			t.Errorf("running var[%d] = %v, want %v", c, got, wantVar[c])
		}
	}
	inv := 1 / math.Sqrt(1.25+1e-5)
	for i, v := range []float64{1, 2, 3, 4} {
		if got, want := float64(y[2*i]), (v-2.5)*inv; math.Abs(got-want) > 1e-5 {
			t.Errorf("y[%d][0] = %v, want %v", i, got, want)
		}
		if y[2*i+1] != 0 {
			t.Errorf("constant feature normalised to %v, want 0", y[2*i+1])
		}
	}

	// Evaluation uses the running estimates and leaves them alone.
	bn.SetTraining(false)
	ev := bn.Forward(autodiff.Const(tensor.New([]int{1, 2}, []float32{1.25, 0.2}))).Data().Data()
	if want := (1.25 - 0.25) / math.Sqrt(wantVar[0]+1e-5); math.Abs(float64(ev[0])-want) > 1e-5 || math.Abs(float64(ev[1])) > 1e-6 {
		t.Errorf("evaluation output %v, want [%v 0]", ev, want)
	}
	if got := float64(bn.RunningMean.At(0)); math.Abs(got-0.25) > 1e-7 {
		t.Errorf("evaluation changed the running mean to %v", got)
	}
}

func TestBatchNorm2DNormalisesEachChannel(t *testing.T) {
	// 5×6 planes take the scalar loops, 6×7 the vector path. An offset of
	// 1000 on the input checks that a large mean does not swamp the spread.
	for _, hw := range [][2]int{{5, 6}, {6, 7}} {
		for _, offset := range []float32{0, 1000} {
			bn := nn.NewBatchNorm2D(3)
			bn.Weight.Data().CopyFrom(tensor.FromSlice([]float32{2, 1, 0.5}))
			bn.Bias.Data().CopyFrom(tensor.FromSlice([]float32{1, 0, -1}))
			x := tensor.AddScalar(convRandTensor(1, 4, 3, hw[0], hw[1]), offset)
			y := bn.Forward(autodiff.Const(x)).Data()
			count := float64(4 * hw[0] * hw[1])
			for c := range 3 {
				var sum, sq float64
				for n := range 4 {
					for i := range hw[0] {
						for j := range hw[1] {
							v := float64(y.At(n, c, i, j))
							sum += v
							sq += v * v
						}
					}
				}
				m := sum / count
				std := math.Sqrt(sq/count - m*m)
				wantMean := []float64{1, 0, -1}[c]
				wantStd := []float64{2, 1, 0.5}[c]
				if math.Abs(m-wantMean) > 1e-3 || math.Abs(std-wantStd) > 1e-3 {
					t.Errorf("%v planes, offset %v, channel %d: mean %v and std %v, want %v and %v", hw, offset, c, m, std, wantMean, wantStd)
				}
			}
		}
	}
}

func TestBatchNormGradCheck(t *testing.T) {
	cases := []struct {
		name     string
		newBN    func() *nn.BatchNorm
		shape    []int
		training bool
	}{
		{"1-D training", func() *nn.BatchNorm { return nn.NewBatchNorm1D(3) }, []int{5, 3}, true},
		{"1-D with length", func() *nn.BatchNorm { return nn.NewBatchNorm1D(2) }, []int{3, 2, 4}, true},
		{"2-D training", func() *nn.BatchNorm { return nn.NewBatchNorm2D(2) }, []int{2, 2, 3, 3}, true},
		{"2-D evaluation", func() *nn.BatchNorm { return nn.NewBatchNorm2D(2) }, []int{2, 2, 3, 3}, false},
		// Planes of 32 or more elements take the vector path, which
		// recomputes x − mean in the backward pass.
		{"2-D training long planes", func() *nn.BatchNorm { return nn.NewBatchNorm2D(2) }, []int{3, 2, 6, 6}, true},
		{"2-D evaluation long planes", func() *nn.BatchNorm { return nn.NewBatchNorm2D(2) }, []int{2, 2, 4, 8}, false},
		{"1-D long length", func() *nn.BatchNorm { return nn.NewBatchNorm1D(2) }, []int{2, 2, 40}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bn := tc.newBN()
			c := tc.shape[1]
			bn.RunningMean.CopyFrom(convRandTensor(9, c))
			bn.RunningVar.CopyFrom(tensor.AddScalar(tensor.Abs(convRandTensor(8, c)), 0.5))
			bn.SetTraining(tc.training)
			f := func(xs []*autodiff.Value) *autodiff.Value {
				bn.Weight, bn.Bias = xs[1], xs[2]
				return bn.Forward(xs[0])
			}
			inputs := []*tensor.Tensor{
				tensor.MulScalar(convRandTensor(1, tc.shape...), 3),
				tensor.AddScalar(convRandTensor(2, c), 1.5),
				convRandTensor(3, c),
			}
			if err := autodiff.GradCheck(f, inputs, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBatchNormBuffersAndParams(t *testing.T) {
	bn := nn.NewBatchNorm2D(4)
	ps := bn.Params()
	if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" {
		t.Fatalf("params %v, want weight and bias", ps)
	}
	bufs := bn.Buffers()
	if len(bufs) != 3 || bufs[0].Name != "running_mean" || bufs[1].Name != "running_var" || bufs[2].Name != "num_batches_tracked" {
		t.Fatalf("buffers %v, want running_mean, running_var and num_batches_tracked", bufs)
	}
	for _, b := range bufs {
		if b.Value.RequiresGrad() {
			t.Errorf("buffer %s requires a gradient", b.Name)
		}
	}
	if got := bufs[2].Value.Shape(); len(got) != 0 {
		t.Errorf("num_batches_tracked has shape %v, want a 0-dimensional tensor as in PyTorch", got)
	}
	// Loading a checkpoint writes into the buffers; the layer must see it.
	bufs[0].Value.Data().Fill(3)
	if bn.RunningMean.At(2) != 3 {
		t.Error("writing a buffer did not reach the layer's running mean")
	}
	if got := bn.String(); got != "BatchNorm2D(4)" {
		t.Errorf("String() = %q, want BatchNorm2D(4)", got)
	}
	if !bn.Training() {
		t.Error("a new BatchNorm is not in training mode")
	}
	nn.SetTraining(bn, false)
	if bn.Training() {
		t.Error("nn.SetTraining(false) left the layer in training mode")
	}
}

func TestBatchNormBadInputPanics(t *testing.T) {
	cases := []struct {
		name, want string
		fn         func()
	}{
		{"2-D layer on 1-D input", "nn.BatchNorm2D: input shape [4 3]", func() {
			nn.NewBatchNorm2D(3).Forward(autodiff.Const(tensor.Zeros(4, 3)))
		}},
		{"channel count", "with 3 channels", func() {
			nn.NewBatchNorm1D(3).Forward(autodiff.Const(tensor.Zeros(4, 2)))
		}},
		{"one value per channel", "at least 2", func() {
			nn.NewBatchNorm1D(3).Forward(autodiff.Const(tensor.Zeros(1, 3)))
		}},
		{"zero channels", "nn.NewBatchNorm2D: 0 channels", func() { nn.NewBatchNorm2D(0) }},
		{"negative count", "nn.BatchNorm1D: invalid num_batches_tracked -1", func() {
			bn := nn.NewBatchNorm1D(3)
			bn.NumBatchesTracked.Fill(-1)
			bn.Forward(autodiff.Const(tensor.Zeros(2, 3)))
		}},
		{"fractional count", "invalid num_batches_tracked 2.5", func() {
			bn := nn.NewBatchNorm1D(3)
			bn.NumBatchesTracked.Fill(2.5)
			bn.Forward(autodiff.Const(tensor.Zeros(2, 3)))
		}},
	}
	for _, tc := range cases {
		if msg := convPanicMessage(tc.fn); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want one containing %q", tc.name, msg, tc.want)
		}
	}
	// A single sample is fine in evaluation mode.
	bn := nn.NewBatchNorm1D(3)
	bn.SetTraining(false)
	if got := bn.Forward(autodiff.Const(tensor.Ones(1, 3))).Shape(); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("evaluation on one sample: shape %v", got)
	}
}

func TestLayerNormValuesAndGrad(t *testing.T) {
	ln := nn.NewLayerNorm(4)
	y := ln.Forward(autodiff.Const(tensor.New([]int{2, 4}, []float32{1, 2, 3, 4, -2, -2, -2, -2}))).Data().Data()
	inv := 1 / math.Sqrt(1.25+1e-5)
	for j, v := range []float64{1, 2, 3, 4} {
		if got, want := float64(y[j]), (v-2.5)*inv; math.Abs(got-want) > 1e-5 {
			t.Errorf("row 0 element %d = %v, want %v", j, got, want)
		}
		if y[4+j] != 0 {
			t.Errorf("constant row normalised to %v, want 0", y[4+j])
		}
	}

	for _, shape := range [][]int{{5}, {3, 4}} {
		ln := nn.NewLayerNorm(shape...)
		f := func(xs []*autodiff.Value) *autodiff.Value {
			ln.Weight, ln.Bias = xs[1], xs[2]
			return ln.Forward(xs[0])
		}
		inputs := []*tensor.Tensor{
			tensor.MulScalar(convRandTensor(1, append([]int{2, 3}, shape...)...), 2),
			tensor.AddScalar(convRandTensor(2, shape...), 1.5),
			convRandTensor(3, shape...),
		}
		if err := autodiff.GradCheck(f, inputs, nil); err != nil {
			t.Errorf("normalised shape %v: %v", shape, err)
		}
	}
}

func TestLayerNormBadShapePanics(t *testing.T) {
	ln := nn.NewLayerNorm(3, 4)
	if msg := convPanicMessage(func() { ln.Forward(autodiff.Const(tensor.Zeros(2, 4, 3))) }); !strings.Contains(msg, "does not end in the normalised shape [3 4]") {
		t.Errorf("panic %q, want one naming the normalised shape", msg)
	}
	if msg := convPanicMessage(func() { nn.NewLayerNorm() }); !strings.Contains(msg, "nn.NewLayerNorm") {
		t.Errorf("empty shape: panic %q", msg)
	}
	if got := ln.String(); got != "LayerNorm([3 4])" {
		t.Errorf("String() = %q", got)
	}
	if ps := ln.Params(); len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" || !slices.Equal(ps[0].Value.Shape(), []int{3, 4}) {
		t.Errorf("params %v, want weight and bias of shape [3 4]", ps)
	}
	if msg := convPanicMessage(func() { nn.NewLayerNorm(3, 0) }); !strings.Contains(msg, "non-positive size") {
		t.Errorf("zero size: panic %q", msg)
	}
}

// Channels are split across workers for inputs of a million elements or
// more. Each channel is computed whole by one worker, so the split must
// not change a single bit.
func TestBatchNormParallelMatchesSerial(t *testing.T) {
	xt := tensor.MulScalar(convRandTensor(1, 8, 16, 96, 96), 3)
	gy := convRandTensor(2, 8, 16, 96, 96)
	run := func() (y, dx, dgamma []float32) {
		bn := nn.NewBatchNorm2D(16)
		x := autodiff.Param(xt.Clone())
		out := bn.Forward(x)
		out.BackwardWith(gy)
		return out.Data().Data(), x.Grad().Data(), bn.Weight.Grad().Data()
	}
	var y1, dx1, dg1, y2, dx2, dg2 []float32
	poolWithProcs(1, func() { y1, dx1, dg1 = run() })
	poolWithProcs(2, func() { y2, dx2, dg2 = run() })
	if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) || !slices.Equal(dg1, dg2) {
		t.Error("results on two threads differ from one thread")
	}
}

// cumulativeBatches are three [3, 2] training batches for the cumulative
// average, worked out by hand. Feature 1 is twice feature 0.
//
//	feature 0: {0, 1, 2}  mean 1, squared deviations 1+0+1 = 2,  unbiased variance 2/2 = 1
//	           {1, 2, 3}  mean 2, squared deviations 1+0+1 = 2,  unbiased variance 1
//	           {3, 6, 9}  mean 6, squared deviations 9+0+9 = 18, unbiased variance 9
//	feature 1: means 2, 4, 12 and unbiased variances 4, 4, 36
//
// The cumulative average running + (batch − running)/n gives for the mean
// of feature 0: 0 + (1 − 0)/1 = 1, then 1 + (2 − 1)/2 = 1.5, then
// 1.5 + (6 − 1.5)/3 = 3 = (1 + 2 + 6)/3; for its variance (1 + 1 + 9)/3 =
// 11/3. Feature 1 gets mean (2 + 4 + 12)/3 = 6 and variance
// (4 + 4 + 36)/3 = 44/3.
var cumulativeBatches = [][]float32{
	{0, 0, 1, 2, 2, 4},
	{1, 2, 2, 4, 3, 6},
	{3, 6, 6, 12, 9, 18},
}

// newCumulativeBatchNorm returns a BatchNorm1D(2) in cumulative mode that
// has trained on cumulativeBatches.
func newCumulativeBatchNorm() *nn.BatchNorm {
	bn := nn.NewBatchNorm1D(2)
	bn.CumulativeAverage = true
	for _, b := range cumulativeBatches {
		bn.Forward(autodiff.Const(tensor.New([]int{3, 2}, slices.Clone(b))))
	}
	return bn
}

func checkRunningStats(t *testing.T, bn *nn.BatchNorm, wantMean, wantVar []float64, wantCount float32) {
	t.Helper()
	for c := range wantMean {
		if got := float64(bn.RunningMean.At(c)); math.Abs(got-wantMean[c]) > 1e-6 {
			t.Errorf("running mean[%d] = %v, want %v", c, got, wantMean[c])
		}
		if got := float64(bn.RunningVar.At(c)); math.Abs(got-wantVar[c]) > 1e-5 {
			t.Errorf("running var[%d] = %v, want %v", c, got, wantVar[c])
		}
	}
	if got := bn.NumBatchesTracked.Item(); got != wantCount {
		t.Errorf("num_batches_tracked = %v, want %v", got, wantCount)
	}
}

func TestBatchNormCumulativeAverage(t *testing.T) {
	// After the first batch the running estimates are that batch's
	// statistics alone: the initial 0 and 1 get weight 0.
	bn := nn.NewBatchNorm1D(2)
	bn.CumulativeAverage = true
	bn.Forward(autodiff.Const(tensor.New([]int{3, 2}, slices.Clone(cumulativeBatches[0]))))
	checkRunningStats(t, bn, []float64{1, 2}, []float64{1, 4}, 1)

	bn = newCumulativeBatchNorm()
	checkRunningStats(t, bn, []float64{3, 6}, []float64{11.0 / 3, 44.0 / 3}, 3)
	if bn.RunningMean.At(0) != 3 {
		t.Errorf("running mean[0] = %v, want exactly 3", bn.RunningMean.At(0))
	}

	// Evaluation normalises with the running estimates and moves neither
	// them nor the count: x = 5 on feature 0 gives (5 − 3)/√(11/3 + eps).
	bn.SetTraining(false)
	for range 2 {
		y := bn.Forward(autodiff.Const(tensor.New([]int{1, 2}, []float32{5, 6}))).Data().Data()
		if want := 2 / math.Sqrt(11.0/3+1e-5); math.Abs(float64(y[0])-want) > 1e-5 {
			t.Errorf("evaluation output[0] = %v, want %v", y[0], want)
		}
		if math.Abs(float64(y[1])) > 1e-6 {
			t.Errorf("evaluation output[1] = %v, want 0", y[1])
		}
	}
	checkRunningStats(t, bn, []float64{3, 6}, []float64{11.0 / 3, 44.0 / 3}, 3)

	// Back in training mode the fourth batch, {3, 3, 3} with mean 3 and
	// variance 0, gets weight 1/4: mean 3 + (3 − 3)/4 = 3, variance
	// 11/3 + (0 − 11/3)/4 = 11/4.
	bn.SetTraining(true)
	bn.Forward(autodiff.Const(tensor.New([]int{3, 2}, []float32{3, 6, 3, 6, 3, 6})))
	checkRunningStats(t, bn, []float64{3, 6}, []float64{11.0 / 4, 11}, 4)
}

// The momentum form counts batches too, as PyTorch does, but its running
// estimates do not depend on the count: the first batch of
// cumulativeBatches moves the mean of feature 0 from 0 to 0.1·1 = 0.1 and
// its variance from 1 to 0.9 + 0.1·1 = 1, whatever the count was.
func TestBatchNormMomentumCountsBatches(t *testing.T) {
	bn := nn.NewBatchNorm1D(2)
	bn.NumBatchesTracked.Fill(41)
	bn.Forward(autodiff.Const(tensor.New([]int{3, 2}, slices.Clone(cumulativeBatches[0]))))
	checkRunningStats(t, bn, []float64{0.1, 0.2}, []float64{1, 0.9 + 0.1*4}, 42)
}

func TestBatchNormCheckpointKeepsCount(t *testing.T) {
	src := nn.NewSequential(newCumulativeBatchNorm())
	path := filepath.Join(t.TempDir(), "bn.ckpt")
	if err := nn.SaveCheckpoint(path, nn.State(src)); err != nil {
		t.Fatal(err)
	}
	dstBN := nn.NewBatchNorm1D(2)
	dstBN.CumulativeAverage = true
	dst := nn.NewSequential(dstBN)
	if err := nn.LoadCheckpoint(path, nn.State(dst)); err != nil {
		t.Fatal(err)
	}
	checkRunningStats(t, dstBN, []float64{3, 6}, []float64{11.0 / 3, 44.0 / 3}, 3)

	// The restored count weights the next batch 1/4, exactly as in the
	// layer that was saved.
	x := tensor.New([]int{3, 2}, []float32{3, 6, 3, 6, 3, 6})
	src.Forward(autodiff.Const(x))
	dst.Forward(autodiff.Const(x))
	srcBN := src.Layers()[0].(*nn.BatchNorm)
	if !tensor.Equal(srcBN.RunningMean, dstBN.RunningMean) {
		t.Errorf("running mean after the next batch: loaded %v, saved %v", dstBN.RunningMean.Data(), srcBN.RunningMean.Data())
	}
	if !tensor.Equal(srcBN.RunningVar, dstBN.RunningVar) {
		t.Errorf("running var after the next batch: loaded %v, saved %v", dstBN.RunningVar.Data(), srcBN.RunningVar.Data())
	}
	if !tensor.Equal(srcBN.NumBatchesTracked, dstBN.NumBatchesTracked) {
		t.Errorf("num_batches_tracked after the next batch: loaded %v, saved %v", dstBN.NumBatchesTracked.Item(), srcBN.NumBatchesTracked.Item())
	}
}

// A checkpoint written before num_batches_tracked existed contains only the
// running estimates. LoadCheckpoint rejects it by name and changes nothing.
// Leaving the count out of the state, as BatchNorm's doc comment shows,
// loads it with the count at 0.
func TestBatchNormCheckpointWithoutCount(t *testing.T) {
	src := nn.NewSequential(newCumulativeBatchNorm())
	old := slices.DeleteFunc(nn.State(src), func(p nn.Param) bool { return p.Name == "0.num_batches_tracked" })
	path := filepath.Join(t.TempDir(), "old.ckpt")
	if err := nn.SaveCheckpoint(path, old); err != nil {
		t.Fatal(err)
	}

	bn := nn.NewBatchNorm1D(2)
	bn.CumulativeAverage = true
	dst := nn.NewSequential(bn)
	err := nn.LoadCheckpoint(path, nn.State(dst))
	if err == nil {
		t.Fatal("loading a checkpoint without the count succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "missing from the file: 0.num_batches_tracked") {
		t.Fatalf("loading a checkpoint without the count: error %q, want one naming 0.num_batches_tracked", err)
	}
	checkRunningStats(t, bn, []float64{0, 0}, []float64{1, 1}, 0)

	state := slices.DeleteFunc(nn.State(dst), func(p nn.Param) bool {
		return p.Name == "num_batches_tracked" || strings.HasSuffix(p.Name, ".num_batches_tracked")
	})
	if err := nn.LoadCheckpoint(path, state); err != nil {
		t.Fatal(err)
	}
	checkRunningStats(t, bn, []float64{3, 6}, []float64{11.0 / 3, 44.0 / 3}, 0)

	// With the count at 0 the next batch counts as the first and replaces
	// the loaded estimates: {3, 3, 3} gives mean 3 and variance 0.
	bn.Forward(autodiff.Const(tensor.New([]int{3, 2}, []float32{3, 6, 3, 6, 3, 6})))
	checkRunningStats(t, bn, []float64{3, 6}, []float64{0, 0}, 1)
}
