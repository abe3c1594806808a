package nn_test

import (
	"math"
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
	if len(bufs) != 2 || bufs[0].Name != "running_mean" || bufs[1].Name != "running_var" {
		t.Fatalf("buffers %v, want running_mean and running_var", bufs)
	}
	if bufs[0].Value.RequiresGrad() || bufs[1].Value.RequiresGrad() {
		t.Error("a running estimate requires a gradient")
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
