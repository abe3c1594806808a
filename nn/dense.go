package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
)

// Dense is a fully connected layer, y = x·W + b, applied to the last axis of
// its input.
type Dense struct {
	// Weight is the [in, out] matrix, stored input-major (the transpose of
	// PyTorch's [out, in] layout), so the forward pass is a plain product.
	Weight *autodiff.Value
	// Bias is the [out] vector, or nil for a layer built with WithoutBias.
	Bias *autodiff.Value
}

// DenseOption configures NewDense.
type DenseOption func(*denseConfig)

type denseConfig struct {
	weightInit Initializer
	biasInit   Initializer
	bias       bool
}

// WithWeightInit sets the initializer of the weight, called with
// fanIn = in and fanOut = out. The default is TorchUniform.
func WithWeightInit(init Initializer) DenseOption {
	return func(c *denseConfig) { c.weightInit = init }
}

// WithBiasInit sets the initializer of the bias, called with fanIn = in and
// fanOut = out. The default is TorchUniform, as in PyTorch; pass Zeros for
// the Keras convention.
func WithBiasInit(init Initializer) DenseOption {
	return func(c *denseConfig) { c.biasInit = init }
}

// WithoutBias builds the layer without a bias, y = x·W, as before a
// normalization layer that would cancel it.
func WithoutBias() DenseOption {
	return func(c *denseConfig) { c.bias = false }
}

// NewDense returns a dense layer from in to out features. It draws the
// weight and then the bias from rng, so a fixed seed gives the same layer.
// By default both are uniform in ±1/√in, as in PyTorch's nn.Linear.
// It panics if in or out is not positive or rng is nil.
func NewDense(in, out int, rng *rand.Rand, opts ...DenseOption) *Dense {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn.NewDense: invalid size %d→%d; both must be positive", in, out))
	}
	if rng == nil {
		panic(fmt.Sprintf("nn.NewDense(%d, %d): nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))", in, out))
	}
	cfg := denseConfig{weightInit: TorchUniform, biasInit: TorchUniform, bias: true}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.weightInit == nil || cfg.biasInit == nil {
		panic(fmt.Sprintf("nn.NewDense(%d, %d): nil Initializer passed to WithWeightInit or WithBiasInit", in, out))
	}

	d := &Dense{Weight: autodiff.Param(cfg.weightInit(rng, in, out, in, out))}
	checkInitShape("weight", d.Weight, in, out)
	if cfg.bias {
		d.Bias = autodiff.Param(cfg.biasInit(rng, in, out, out))
		checkInitShape("bias", d.Bias, out)
	}
	return d
}

// checkInitShape panics when a custom Initializer ignored the shape it was
// given, which would otherwise surface later as a confusing Linear panic.
func checkInitShape(name string, v *autodiff.Value, want ...int) {
	got := v.Shape()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i] == want[i]
	}
	if !ok {
		panic(fmt.Sprintf("nn.NewDense: initializer returned %s of shape %v, want %v", name, got, want))
	}
}

// In returns the number of input features.
func (d *Dense) In() int { return d.Weight.Shape()[0] }

// Out returns the number of output features.
func (d *Dense) Out() int { return d.Weight.Shape()[1] }

// Forward returns x·W + b for x of shape [..., in]; the result has shape
// [..., out]. It panics if the last axis of x is not in.
func (d *Dense) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	if len(xs) == 0 || xs[len(xs)-1] != d.In() {
		panic(fmt.Sprintf("nn.Dense.Forward: input shape %v, want [..., %d] for %s", xs, d.In(), d))
	}
	return autodiff.Linear(x, d.Weight, d.Bias)
}

// Params returns "weight" and, when the layer has one, "bias".
func (d *Dense) Params() []Param {
	ps := []Param{{Name: "weight", Value: d.Weight}}
	if d.Bias != nil {
		ps = append(ps, Param{Name: "bias", Value: d.Bias})
	}
	return ps
}

// String describes the layer, such as "Dense(784→128)".
func (d *Dense) String() string {
	if d.Bias == nil {
		return fmt.Sprintf("Dense(%d→%d, no bias)", d.In(), d.Out())
	}
	return fmt.Sprintf("Dense(%d→%d)", d.In(), d.Out())
}
