package attention

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// encoderLayerFields returns pointers to the layer's parameters in the
// order of Params, so a gradient check can swap in its own values.
func encoderLayerFields(l *EncoderLayer) []**autodiff.Value {
	return []**autodiff.Value{
		&l.SelfAttn.InProjWeight, &l.SelfAttn.InProjBias, &l.SelfAttn.OutProj.Weight, &l.SelfAttn.OutProj.Bias,
		&l.Linear1.Weight, &l.Linear1.Bias, &l.Linear2.Weight, &l.Linear2.Bias,
		&l.Norm1.Weight, &l.Norm1.Bias, &l.Norm2.Weight, &l.Norm2.Bias,
	}
}

// TestEncoderLayerGradCheck checks the gradient with respect to the input
// and all twelve parameters, post-norm and pre-norm, in evaluation mode so
// dropout is off. GELU replaces the default ReLU, whose kink at 0 would
// make central differences unreliable.
func TestEncoderLayerGradCheck(t *testing.T) {
	for _, normFirst := range []bool{false, true} {
		name := "post-norm"
		opts := []EncoderOption{WithFeedForward(6), WithActivation(nn.GELU{})}
		if normFirst {
			name = "pre-norm"
			opts = append(opts, WithNormFirst())
		}
		t.Run(name, func(t *testing.T) {
			l := NewEncoderLayer(4, 2, rand.New(rand.NewPCG(4, 0)), opts...)
			l.SetTraining(false)
			fields := encoderLayerFields(l)
			inputs := []*tensor.Tensor{randn(1, 2, 3, 4)}
			for i, f := range fields {
				// Perturb the ones and zeros of the norms and biases so
				// the check does not run at a special point.
				inputs = append(inputs, tensor.Add((*f).Data(), tensor.MulScalar(randn(uint64(10+i), (*f).Shape()...), 0.1)))
			}
			f := func(xs []*autodiff.Value) *autodiff.Value {
				for i, field := range fields {
					*field = xs[i+1]
				}
				return l.ForwardMasked(xs[0], Masks{KeyPaddingMask: [][]bool{{false, false, true}, {false, false, false}}})
			}
			gradCheck(t, name, f, inputs...)
		})
	}
}

func TestEncoderLayerParamsOrder(t *testing.T) {
	l := NewEncoderLayer(4, 2, rand.New(rand.NewPCG(4, 0)), WithFeedForward(6))
	ps := l.Params()
	fields := encoderLayerFields(l)
	want := []string{
		"self_attn.in_proj.weight", "self_attn.in_proj.bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
		"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
		"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
	}
	if len(ps) != len(want) {
		t.Fatalf("%d params, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] || p.Value != *fields[i] {
			t.Fatalf("param %d is %q, want %q", i, p.Name, want[i])
		}
	}
}

func TestEncoderLayerDefaults(t *testing.T) {
	l := NewEncoderLayer(8, 2, rand.New(rand.NewPCG(1, 0)))
	if got := l.String(); got != "EncoderLayer(dModel=8, heads=2, feedForward=2048, dropout=0.1, post-norm)" {
		t.Fatalf("String() = %q", got)
	}
	if _, ok := l.Activation.(nn.ReLU); !ok {
		t.Fatalf("default activation %T, want nn.ReLU", l.Activation)
	}
	if l.Norm1.Eps != 1e-5 || l.Norm2.Eps != 1e-5 {
		t.Fatalf("layer norm eps %v and %v, want 1e-5", l.Norm1.Eps, l.Norm2.Eps)
	}
	var _ nn.Module = l
	var _ nn.TrainingSetter = l
	var _ nn.Module = &Encoder{}
	var _ nn.TrainingSetter = &Encoder{}
}

// TestEncoderKeyPadding checks that changing padded tokens leaves the
// outputs at the other tokens unchanged through a two-layer encoder.
func TestEncoderKeyPadding(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 0))
	e := NewEncoder(2, func() *EncoderLayer { return NewEncoderLayer(8, 2, rng, WithFeedForward(16)) }, nil)
	e.SetTraining(false)
	padding := [][]bool{{false, false, false, true, true}}
	x := randn(1, 1, 5, 8)
	before := e.ForwardMasked(autodiff.Const(x), Masks{KeyPaddingMask: padding}).Data()

	x2 := x.Clone()
	x2.Slice(1, 3, 5).CopyFrom(randn(2, 1, 2, 8))
	after := e.ForwardMasked(autodiff.Const(x2), Masks{KeyPaddingMask: padding}).Data()
	checkClose(t, "unpadded tokens", after.Slice(1, 0, 3), before.Slice(1, 0, 3), 1e-6)
}

// TestEncoderCausal changes the later tokens of the input and checks that
// a causal pre-norm encoder leaves the outputs of earlier tokens unchanged.
func TestEncoderCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	e := NewEncoder(2, func() *EncoderLayer {
		return NewEncoderLayer(8, 2, rng, WithFeedForward(16), WithNormFirst())
	}, nn.NewLayerNorm(8))
	e.SetTraining(false)
	x := randn(1, 2, 6, 8)
	before := e.ForwardMasked(autodiff.Const(x), Masks{Causal: true}).Data()

	x2 := x.Clone()
	x2.Slice(1, 4, 6).CopyFrom(randn(2, 2, 2, 8))
	after := e.ForwardMasked(autodiff.Const(x2), Masks{Causal: true}).Data()
	checkClose(t, "tokens 0-3", after.Slice(1, 0, 4), before.Slice(1, 0, 4), 1e-6)
	if tensor.AllClose(after.Slice(1, 4, 6), before.Slice(1, 4, 6), 0, 1e-3) {
		t.Fatal("changed tokens 4-5 gave the same output; the test changes nothing")
	}
}

// TestEncoderTrainingStepDeterministic runs one AdamW step with dropout on
// two encoders built from the same seed and checks every parameter has the
// same bits afterwards.
func TestEncoderTrainingStepDeterministic(t *testing.T) {
	step := func() []nn.Param {
		rng := rand.New(rand.NewPCG(7, 0))
		e := NewEncoder(2, func() *EncoderLayer {
			return NewEncoderLayer(8, 2, rng, WithFeedForward(16), WithEncoderDropout(0.3))
		}, nn.NewLayerNorm(8))
		opt := optim.NewAdamW(nn.Values(e.Params()), 1e-2)
		loss := autodiff.MeanAll(autodiff.Mul(e.Forward(autodiff.Const(randn(1, 2, 5, 8))), autodiff.Const(randn(2, 2, 5, 8))))
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		return e.Params()
	}
	a, b := step(), step()
	if len(a) != 2*12+2 || a[len(a)-1].Name != "norm.bias" || a[0].Name != "layers.0.self_attn.in_proj.weight" {
		t.Fatalf("unexpected params: %d, first %q, last %q", len(a), a[0].Name, a[len(a)-1].Name)
	}
	for i := range a {
		if !tensor.Equal(a[i].Value.Data(), b[i].Value.Data()) {
			t.Fatalf("%s differs between two runs from the same seed", a[i].Name)
		}
	}
}

func TestEncoderBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	expectPanic(t, func() { NewEncoderLayer(10, 4, rng) }, "attention.NewEncoderLayer", "dModel 10", "heads 4")
	expectPanic(t, func() { NewEncoderLayer(8, 2, nil) }, "attention.NewEncoderLayer", "nil *rand.Rand")
	expectPanic(t, func() { NewEncoderLayer(8, 2, rng, WithFeedForward(0)) }, "attention.NewEncoderLayer", "feed-forward 0")
	expectPanic(t, func() { NewEncoderLayer(8, 2, rng, WithEncoderDropout(-0.1)) }, "attention.NewEncoderLayer", "dropout -0.1")
	expectPanic(t, func() { NewEncoderLayer(8, 2, rng, WithActivation(nil)) }, "attention.NewEncoderLayer", "nil activation")
	expectPanic(t, func() { NewEncoder(0, nil, nil) }, "attention.NewEncoder", "numLayers 0")
	expectPanic(t, func() { NewEncoder(2, func() *EncoderLayer { return nil }, nil) }, "attention.NewEncoder", "layer 0")

	l := NewEncoderLayer(8, 2, rng, WithFeedForward(16))
	expectPanic(t, func() { l.Forward(autodiff.Const(tensor.Zeros(2, 3, 6))) }, "attention.EncoderLayer", "[2 3 6]", "[batch, seq, 8]")
	expectPanic(t, func() { l.Forward(autodiff.Const(tensor.Zeros(3, 8))) }, "attention.EncoderLayer", "[3 8]")
	if !strings.Contains(l.String(), "feedForward=16") {
		t.Fatalf("String() = %q", l.String())
	}
}
