package attention

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// decoderLayerFields returns pointers to the layer's parameters in the
// order of Params, so a gradient check can swap in its own values.
func decoderLayerFields(l *DecoderLayer) []**autodiff.Value {
	return []**autodiff.Value{
		&l.SelfAttn.InProjWeight, &l.SelfAttn.InProjBias, &l.SelfAttn.OutProj.Weight, &l.SelfAttn.OutProj.Bias,
		&l.CrossAttn.InProjWeight, &l.CrossAttn.InProjBias, &l.CrossAttn.OutProj.Weight, &l.CrossAttn.OutProj.Bias,
		&l.Linear1.Weight, &l.Linear1.Bias, &l.Linear2.Weight, &l.Linear2.Bias,
		&l.Norm1.Weight, &l.Norm1.Bias, &l.Norm2.Weight, &l.Norm2.Bias, &l.Norm3.Weight, &l.Norm3.Bias,
	}
}

// decoderLayerParamNames lists one layer's parameter names in PyTorch's
// order, with in_proj.weight for PyTorch's in_proj_weight (see MultiHead).
var decoderLayerParamNames = []string{
	"self_attn.in_proj.weight", "self_attn.in_proj.bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
	"multihead_attn.in_proj.weight", "multihead_attn.in_proj.bias", "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias",
	"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
	"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
}

// TestDecoderLayerGradCheck checks the gradient with respect to the
// target, the memory and all eighteen parameters, post-norm and pre-norm,
// with masks on both attentions, in evaluation mode so dropout is off.
// GELU replaces the default ReLU, whose kink at 0 would make central
// differences unreliable.
func TestDecoderLayerGradCheck(t *testing.T) {
	selfMasks := Masks{Causal: true, KeyPaddingMask: [][]bool{{false, false, true}, {false, false, false}}}
	crossMasks := Masks{KeyPaddingMask: [][]bool{{false, false, false, true, true}, {false, false, false, false, false}}}
	for _, normFirst := range []bool{false, true} {
		name := "post-norm"
		opts := []EncoderOption{WithFeedForward(6), WithActivation(nn.GELU{})}
		if normFirst {
			name = "pre-norm"
			opts = append(opts, WithNormFirst())
		}
		t.Run(name, func(t *testing.T) {
			l := NewDecoderLayer(4, 2, rand.New(rand.NewPCG(4, 0)), opts...)
			l.SetTraining(false)
			fields := decoderLayerFields(l)
			inputs := []*tensor.Tensor{randn(1, 2, 3, 4), randn(2, 2, 5, 4)}
			for i, f := range fields {
				// Perturb the ones and zeros of the norms and biases so
				// the check does not run at a special point.
				inputs = append(inputs, tensor.Add((*f).Data(), tensor.MulScalar(randn(uint64(10+i), (*f).Shape()...), 0.1)))
			}
			f := func(xs []*autodiff.Value) *autodiff.Value {
				for i, field := range fields {
					*field = xs[i+2]
				}
				return l.ForwardMasked(xs[0], xs[1], selfMasks, crossMasks)
			}
			gradCheck(t, name, f, inputs...)
		})
	}
}

// TestDecoderLayerMatchesManual builds the sublayers as separate MultiHead,
// Dense and LayerNorm values, copies their weights into a DecoderLayer, and
// compares the layer's output and input gradients with the sublayers
// composed by hand, post-norm and pre-norm, with masks on both attentions.
// In training mode both sides get dropouts with the same seeds, so a
// dropout in the wrong place changes the output.
func TestDecoderLayerMatchesManual(t *testing.T) {
	const dModel, heads, ff = 8, 2, 16
	selfMasks := Masks{Causal: true}
	crossMasks := Masks{KeyPaddingMask: [][]bool{{false, false, false, false, true}, {false, true, false, false, false}}}
	// newDropouts returns Dropout, Dropout1, Dropout2 and Dropout3, each
	// drawing from its own seed.
	newDropouts := func(training bool) [4]*nn.Dropout {
		var ds [4]*nn.Dropout
		for i := range ds {
			ds[i] = nn.NewDropout(0.5, rand.New(rand.NewPCG(uint64(40+i), 0)))
			ds[i].SetTraining(training)
		}
		return ds
	}
	for _, normFirst := range []bool{false, true} {
		for _, training := range []bool{false, true} {
			name := "post-norm"
			opts := []EncoderOption{WithFeedForward(ff), WithEncoderDropout(0)}
			if normFirst {
				name = "pre-norm"
				opts = append(opts, WithNormFirst())
			}
			if training {
				name += "/training"
			}
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 0))
				selfAttn, crossAttn := NewMultiHead(dModel, heads, rng), NewMultiHead(dModel, heads, rng)
				linear1, linear2 := nn.NewDense(dModel, ff, rng), nn.NewDense(ff, dModel, rng)
				norm1, norm2, norm3 := nn.NewLayerNorm(dModel), nn.NewLayerNorm(dModel), nn.NewLayerNorm(dModel)
				var parts []nn.Param
				for _, ps := range [][]nn.Param{selfAttn.Params(), crossAttn.Params(), linear1.Params(), linear2.Params(), norm1.Params(), norm2.Params(), norm3.Params()} {
					parts = append(parts, ps...)
				}
				l := NewDecoderLayer(dModel, heads, rand.New(rand.NewPCG(6, 0)), opts...)
				l.SetTraining(training)
				ds := newDropouts(training)
				l.Dropout, l.Dropout1, l.Dropout2, l.Dropout3 = ds[0], ds[1], ds[2], ds[3]
				lps := l.Params()
				if len(lps) != len(parts) {
					t.Fatalf("layer has %d params, want %d as the parts", len(lps), len(parts))
				}
				for i, p := range parts {
					// Nonzero biases and norms away from 1 and 0, so the
					// comparison covers them.
					p.Value.Data().CopyFrom(tensor.Add(p.Value.Data(), tensor.MulScalar(randn(uint64(30+i), p.Value.Shape()...), 0.1)))
					lps[i].Value.Data().CopyFrom(p.Value.Data())
				}

				manual := func(target, memory *autodiff.Value) *autodiff.Value {
					ds := newDropouts(training)
					self := func(x *autodiff.Value) *autodiff.Value {
						out, _ := selfAttn.ForwardMasked(x, x, x, selfMasks, false)
						return ds[1].Forward(out)
					}
					cross := func(x *autodiff.Value) *autodiff.Value {
						out, _ := crossAttn.ForwardMasked(x, memory, memory, crossMasks, false)
						return ds[2].Forward(out)
					}
					feedForward := func(x *autodiff.Value) *autodiff.Value {
						return ds[3].Forward(linear2.Forward(ds[0].Forward(nn.ReLU{}.Forward(linear1.Forward(x)))))
					}
					x := target
					if normFirst {
						x = autodiff.Add(x, self(norm1.Forward(x)))
						x = autodiff.Add(x, cross(norm2.Forward(x)))
						return autodiff.Add(x, feedForward(norm3.Forward(x)))
					}
					x = norm1.Forward(autodiff.Add(x, self(x)))
					x = norm2.Forward(autodiff.Add(x, cross(x)))
					return norm3.Forward(autodiff.Add(x, feedForward(x)))
				}

				upstream := randn(7, 2, 4, dModel)
				run := func(f func(target, memory *autodiff.Value) *autodiff.Value) (out, targetGrad, memoryGrad *tensor.Tensor) {
					target, memory := autodiff.Param(randn(8, 2, 4, dModel)), autodiff.Param(randn(9, 2, 5, dModel))
					y := f(target, memory)
					y.BackwardWith(upstream)
					return y.Data(), target.Grad(), memory.Grad()
				}
				got, gotTarget, gotMemory := run(func(target, memory *autodiff.Value) *autodiff.Value {
					return l.ForwardMasked(target, memory, selfMasks, crossMasks)
				})
				want, wantTarget, wantMemory := run(manual)
				checkClose(t, "output", got, want, 1e-6)
				checkClose(t, "target gradient", gotTarget, wantTarget, 1e-6)
				checkClose(t, "memory gradient", gotMemory, wantMemory, 1e-6)
			})
		}
	}
}

func TestDecoderLayerParamsOrder(t *testing.T) {
	l := NewDecoderLayer(4, 2, rand.New(rand.NewPCG(4, 0)), WithFeedForward(6))
	ps := l.Params()
	fields := decoderLayerFields(l)
	if len(ps) != len(decoderLayerParamNames) {
		t.Fatalf("%d params, want %d", len(ps), len(decoderLayerParamNames))
	}
	for i, p := range ps {
		if p.Name != decoderLayerParamNames[i] || p.Value != *fields[i] {
			t.Fatalf("param %d is %q, want %q", i, p.Name, decoderLayerParamNames[i])
		}
	}
}

// TestDecoderParamsOrder checks the names of a two-layer decoder with a
// final norm against PyTorch's nn.TransformerDecoder, and that each name
// refers to its layer's own parameter.
func TestDecoderParamsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 0))
	d := NewDecoder(2, func() *DecoderLayer { return NewDecoderLayer(4, 2, rng, WithFeedForward(6)) }, nn.NewLayerNorm(4))
	var want []string
	var values []*autodiff.Value
	for i, l := range d.Layers {
		for j, name := range decoderLayerParamNames {
			want = append(want, fmt.Sprintf("layers.%d.%s", i, name))
			values = append(values, *decoderLayerFields(l)[j])
		}
	}
	want = append(want, "norm.weight", "norm.bias")
	values = append(values, d.Norm.Weight, d.Norm.Bias)

	ps := d.Params()
	if len(ps) != len(want) {
		t.Fatalf("%d params, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] || p.Value != values[i] {
			t.Fatalf("param %d is %q, want %q", i, p.Name, want[i])
		}
	}
	if got := len(NewDecoder(1, func() *DecoderLayer { return NewDecoderLayer(4, 2, rng) }, nil).Params()); got != 18 {
		t.Fatalf("decoder without a final norm has %d params, want 18", got)
	}
}

func TestDecoderLayerDefaults(t *testing.T) {
	l := NewDecoderLayer(8, 2, rand.New(rand.NewPCG(1, 0)))
	if got := l.String(); got != "DecoderLayer(dModel=8, heads=2, feedForward=2048, dropout=0.1, post-norm)" {
		t.Fatalf("String() = %q", got)
	}
	if _, ok := l.Activation.(nn.ReLU); !ok {
		t.Fatalf("default activation %T, want nn.ReLU", l.Activation)
	}
	if l.Norm1.Eps != 1e-5 || l.Norm2.Eps != 1e-5 || l.Norm3.Eps != 1e-5 {
		t.Fatalf("layer norm eps %v, %v and %v, want 1e-5", l.Norm1.Eps, l.Norm2.Eps, l.Norm3.Eps)
	}
	if !l.SelfAttn.Training() || !l.CrossAttn.Training() || !l.Dropout3.Training() {
		t.Fatal("a new layer is not in training mode")
	}
	d := NewDecoder(2, func() *DecoderLayer { return l }, nil)
	d.SetTraining(false)
	for _, tr := range []interface{ Training() bool }{l.SelfAttn, l.CrossAttn, l.Dropout, l.Dropout1, l.Dropout2, l.Dropout3} {
		if tr.Training() {
			t.Fatalf("%v is still in training mode after Decoder.SetTraining(false)", tr)
		}
	}

	l = NewDecoderLayer(8, 4, rand.New(rand.NewPCG(1, 0)), WithFeedForward(32), WithEncoderDropout(0.2),
		WithActivation(nn.GELU{}), WithLayerNormEps(1e-6), WithNormFirst())
	if got := l.String(); got != "DecoderLayer(dModel=8, heads=4, feedForward=32, dropout=0.2, pre-norm)" {
		t.Fatalf("String() = %q", got)
	}
	if _, ok := l.Activation.(nn.GELU); !ok || l.Norm3.Eps != 1e-6 || !strings.Contains(l.CrossAttn.String(), "dropout=0.2") {
		t.Fatalf("options not applied: activation %T, eps %v, cross-attention %v", l.Activation, l.Norm3.Eps, l.CrossAttn)
	}
	var _ nn.TrainingSetter = l
	var _ nn.TrainingSetter = &Decoder{}
}

// TestDecoderCausal changes the later tokens of the target and checks
// that a causal pre-norm decoder leaves the outputs of earlier tokens
// unchanged.
func TestDecoderCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	d := NewDecoder(2, func() *DecoderLayer {
		return NewDecoderLayer(8, 2, rng, WithFeedForward(16), WithNormFirst())
	}, nn.NewLayerNorm(8))
	d.SetTraining(false)
	target, memory := randn(1, 2, 6, 8), autodiff.Const(randn(2, 2, 4, 8))
	before := d.ForwardMasked(autodiff.Const(target), memory, Masks{Causal: true}, Masks{}).Data()

	target2 := target.Clone()
	target2.Slice(1, 4, 6).CopyFrom(randn(3, 2, 2, 8))
	after := d.ForwardMasked(autodiff.Const(target2), memory, Masks{Causal: true}, Masks{}).Data()
	checkClose(t, "tokens 0-3", after.Slice(1, 0, 4), before.Slice(1, 0, 4), 1e-6)
	if tensor.AllClose(after.Slice(1, 4, 6), before.Slice(1, 4, 6), 0, 1e-3) {
		t.Fatal("changed tokens 4-5 gave the same output; the test changes nothing")
	}
}

// TestDecoderMemoryKeyPadding changes padded memory positions and checks
// that no output of a two-layer decoder changes, then changes an unpadded
// one and checks that the output does.
func TestDecoderMemoryKeyPadding(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 0))
	d := NewDecoder(2, func() *DecoderLayer { return NewDecoderLayer(8, 2, rng, WithFeedForward(16)) }, nil)
	d.SetTraining(false)
	padding := Masks{KeyPaddingMask: [][]bool{{false, false, true, true, true}, {false, false, false, false, true}}}
	target, memory := autodiff.Const(randn(1, 2, 3, 8)), randn(2, 2, 5, 8)
	before := d.ForwardMasked(target, autodiff.Const(memory), Masks{Causal: true}, padding).Data()

	memory2 := memory.Clone()
	memory2.Slice(0, 0, 1).Slice(1, 2, 5).CopyFrom(randn(3, 1, 3, 8))
	memory2.Slice(0, 1, 2).Slice(1, 4, 5).CopyFrom(randn(4, 1, 1, 8))
	after := d.ForwardMasked(target, autodiff.Const(memory2), Masks{Causal: true}, padding).Data()
	checkClose(t, "all outputs", after, before, 1e-6)

	memory2.Slice(0, 1, 2).Slice(1, 0, 1).CopyFrom(randn(5, 1, 1, 8))
	changed := d.ForwardMasked(target, autodiff.Const(memory2), Masks{Causal: true}, padding).Data()
	checkClose(t, "sample 0", changed.Slice(0, 0, 1), before.Slice(0, 0, 1), 1e-6)
	if tensor.AllClose(changed.Slice(0, 1, 2), before.Slice(0, 1, 2), 0, 1e-3) {
		t.Fatal("changing unpadded memory position 0 of sample 1 left its output unchanged")
	}
}

// TestDecoderTrainingStepDeterministic runs one AdamW step with dropout on
// two decoders built from the same seed and checks every parameter has
// the same bits afterwards.
func TestDecoderTrainingStepDeterministic(t *testing.T) {
	target, memory, weights := randn(1, 2, 5, 8), randn(2, 2, 4, 8), randn(3, 2, 5, 8)
	step := func() []nn.Param {
		rng := rand.New(rand.NewPCG(7, 0))
		d := NewDecoder(2, func() *DecoderLayer {
			return NewDecoderLayer(8, 2, rng, WithFeedForward(16), WithEncoderDropout(0.3))
		}, nn.NewLayerNorm(8))
		opt := optim.NewAdamW(nn.Values(d.Params()), 1e-2)
		out := d.ForwardMasked(autodiff.Const(target), autodiff.Const(memory), Masks{Causal: true}, Masks{})
		loss := autodiff.MeanAll(autodiff.Mul(out, autodiff.Const(weights)))
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()

		d.SetTraining(false)
		eval := d.ForwardMasked(autodiff.Const(target), autodiff.Const(memory), Masks{Causal: true}, Masks{}).Data()
		d.SetTraining(true)
		training := d.ForwardMasked(autodiff.Const(target), autodiff.Const(memory), Masks{Causal: true}, Masks{}).Data()
		if tensor.AllClose(eval, training, 0, 1e-3) {
			t.Fatal("training and evaluation outputs agree; dropout is not on")
		}
		return d.Params()
	}
	a, b := step(), step()
	if len(a) != 2*18+2 {
		t.Fatalf("%d params, want %d", len(a), 2*18+2)
	}
	for i := range a {
		if !tensor.Equal(a[i].Value.Data(), b[i].Value.Data()) {
			t.Fatalf("%s differs between two runs from the same seed", a[i].Name)
		}
	}
}

func TestDecoderBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	expectPanic(t, func() { NewDecoderLayer(10, 4, rng) }, "attention.NewDecoderLayer", "dModel 10", "heads 4")
	expectPanic(t, func() { NewDecoderLayer(0, 2, rng) }, "attention.NewDecoderLayer", "dModel 0")
	expectPanic(t, func() { NewDecoderLayer(8, 2, nil) }, "attention.NewDecoderLayer", "nil *rand.Rand")
	expectPanic(t, func() { NewDecoderLayer(8, 2, rng, WithFeedForward(0)) }, "attention.NewDecoderLayer", "feed-forward 0")
	expectPanic(t, func() { NewDecoderLayer(8, 2, rng, WithEncoderDropout(1)) }, "attention.NewDecoderLayer", "dropout 1")
	expectPanic(t, func() { NewDecoderLayer(8, 2, rng, WithActivation(nil)) }, "attention.NewDecoderLayer", "nil activation")
	expectPanic(t, func() { NewDecoderLayer(8, 2, rng, WithLayerNormEps(0)) }, "attention.NewDecoderLayer", "eps 0")

	newLayer := func() *DecoderLayer { return NewDecoderLayer(8, 2, rng, WithFeedForward(16)) }
	expectPanic(t, func() { NewDecoder(0, newLayer, nil) }, "attention.NewDecoder", "numLayers 0")
	expectPanic(t, func() { NewDecoder(2, nil, nil) }, "attention.NewDecoder", "nil newLayer")
	expectPanic(t, func() { NewDecoder(2, func() *DecoderLayer { return nil }, nil) }, "attention.NewDecoder", "layer 0")
	sizes := []int{8, 4}
	expectPanic(t, func() {
		NewDecoder(2, func() *DecoderLayer {
			l := NewDecoderLayer(sizes[0], 2, rng, WithFeedForward(16))
			sizes = sizes[1:]
			return l
		}, nil)
	}, "attention.NewDecoder", "layer 1 has dModel 4", "layer 0 has dModel 8")
	expectPanic(t, func() { NewDecoder(2, newLayer, nn.NewLayerNorm(6)) }, "attention.NewDecoder", "[6]", "[8]")

	l := newLayer()
	target, memory := autodiff.Const(tensor.Zeros(2, 3, 8)), autodiff.Const(tensor.Zeros(2, 5, 8))
	for _, c := range []struct{ target, memory []int }{
		{[]int{2, 3, 6}, []int{2, 5, 8}}, // target dModel
		{[]int{2, 3, 8}, []int{2, 5, 6}}, // memory dModel
		{[]int{2, 3, 8}, []int{3, 5, 8}}, // batch
		{[]int{3, 8}, []int{2, 5, 8}},    // unbatched target
		{[]int{2, 3, 8}, []int{5, 8}},    // unbatched memory
	} {
		tv, mv := autodiff.Const(tensor.Zeros(c.target...)), autodiff.Const(tensor.Zeros(c.memory...))
		wants := []string{"attention.DecoderLayer", fmt.Sprintf("target shape %v", c.target), fmt.Sprintf("memory shape %v", c.memory), "[batch, seqT, 8]", "[batch, seqM, 8]"}
		expectPanic(t, func() { l.Forward(tv, mv) }, wants...)
		expectPanic(t, func() { NewDecoder(1, newLayer, nil).Forward(tv, mv) }, wants...)
	}
	// A memory padding mask given for the self-attention has the wrong
	// number of keys.
	padding := Masks{KeyPaddingMask: [][]bool{make([]bool, 5), make([]bool, 5)}}
	expectPanic(t, func() { l.ForwardMasked(target, memory, padding, Masks{}) }, "KeyPaddingMask", "5 entries", "seqK = 3")
	expectPanic(t, func() { l.ForwardMasked(target, memory, Masks{}, Masks{KeyPaddingMask: [][]bool{make([]bool, 5)}}) }, "KeyPaddingMask", "want batch = 2")
	// The same mask fits the cross-attention.
	l.ForwardMasked(target, memory, Masks{}, padding)
}
