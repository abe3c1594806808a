package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/heed-ml/heed/tensor"
)

// Initializer returns a new tensor of the given shape filled with starting
// values for a parameter. fanIn and fanOut are the number of inputs and
// outputs of the layer that owns it, such as in and out for a Dense layer.
// Each initializer scales its distribution by them. Values are drawn from
// rng in row-major order, so the same seed gives the same tensor.
//
// HeNormal, HeUniform, GlorotNormal, GlorotUniform, TorchUniform and Zeros
// are Initializers; any function with this signature can be passed to
// WithWeightInit or WithBiasInit.
type Initializer func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor

// HeNormal draws from N(0, 2/fanIn), the Kaiming normal initialization of
// He et al. (2015) for layers followed by ReLU, as PyTorch's
// kaiming_normal_ with its defaults (fan-in mode, ReLU gain) computes it.
// Unlike Keras's he_normal, the normal is not truncated.
func HeNormal(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	checkFan("HeNormal", rng, fanIn, fanOut)
	return fillNormal(rng, math.Sqrt(2/float64(fanIn)), shape)
}

// HeUniform draws from U(−b, b) with b = √(6/fanIn), which has the same
// variance, 2/fanIn, as HeNormal.
func HeUniform(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	checkFan("HeUniform", rng, fanIn, fanOut)
	return fillUniform(rng, math.Sqrt(6/float64(fanIn)), shape)
}

// GlorotNormal draws from N(0, 2/(fanIn+fanOut)), the Xavier normal
// initialization of Glorot and Bengio (2010), suited to tanh and sigmoid
// layers.
func GlorotNormal(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	checkFan("GlorotNormal", rng, fanIn, fanOut)
	return fillNormal(rng, math.Sqrt(2/float64(fanIn+fanOut)), shape)
}

// GlorotUniform draws from U(−b, b) with b = √(6/(fanIn+fanOut)), the Xavier
// uniform initialization, which has the same variance as GlorotNormal.
func GlorotUniform(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	checkFan("GlorotUniform", rng, fanIn, fanOut)
	return fillUniform(rng, math.Sqrt(6/float64(fanIn+fanOut)), shape)
}

// TorchUniform draws from U(−b, b) with b = 1/√fanIn. PyTorch's nn.Linear
// initializes both its weight and its bias this way (its weight through
// kaiming_uniform_ with a = √5, which reduces to the same bound), so Dense
// uses it by default to start from the same distribution as PyTorch
// reference models.
func TorchUniform(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	checkFan("TorchUniform", rng, fanIn, fanOut)
	return fillUniform(rng, 1/math.Sqrt(float64(fanIn)), shape)
}

// Zeros returns a zero tensor and draws nothing from rng, which may be nil.
// Keras initializes biases this way.
func Zeros(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	return tensor.Zeros(shape...)
}

// checkFan panics when an initializer cannot scale its distribution, naming
// the initializer and the values.
func checkFan(name string, rng *rand.Rand, fanIn, fanOut int) {
	if rng == nil {
		panic(fmt.Sprintf("nn.%s: nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))", name))
	}
	if fanIn <= 0 || fanOut < 0 {
		panic(fmt.Sprintf("nn.%s: invalid fan-in %d or fan-out %d; fan-in must be positive and fan-out non-negative", name, fanIn, fanOut))
	}
}

func fillUniform(rng *rand.Rand, bound float64, shape []int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = float32(bound * (2*rng.Float64() - 1))
	}
	return t
}

func fillNormal(rng *rand.Rand, std float64, shape []int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = float32(std * rng.NormFloat64())
	}
	return t
}
