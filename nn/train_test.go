package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// denseTrainXOR trains a 2-16-2 tanh MLP with Adam on the four XOR points
// and returns the final loss, the training accuracy, and the first weight.
func denseTrainXOR(t *testing.T, seed uint64, steps int) (loss float32, acc float64, w []float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	model := nn.NewSequential(
		nn.NewDense(2, 16, rng),
		nn.Tanh{},
		nn.NewDense(16, 2, rng),
	)
	x := autodiff.Const(tensor.New([]int{4, 2}, []float32{0, 0, 0, 1, 1, 0, 1, 1}))
	labels := []int{0, 1, 1, 0}
	opt := optim.NewAdam(nn.Values(model.Params()), 0.05)
	for range steps {
		l := nn.CrossEntropy(model.Forward(x), labels)
		l.Backward()
		opt.Step()
		opt.ZeroGrad()
		loss = l.Item()
	}
	var logits *autodiff.Value
	autodiff.NoGrad(func() { logits = model.Forward(x) })
	w = append([]float32(nil), model.Params()[0].Value.Data().Data()...)
	return loss, nn.Accuracy(logits.Data(), labels), w
}

func TestMLPLearnsXOR(t *testing.T) {
	loss, acc, _ := denseTrainXOR(t, 1, 300)
	if acc != 1 {
		t.Errorf("accuracy after 300 steps = %v, want 1", acc)
	}
	if loss > 0.05 || math.IsNaN(float64(loss)) {
		t.Errorf("loss after 300 steps = %v, want below 0.05", loss)
	}
}

func TestMLPTrainingDeterministic(t *testing.T) {
	loss1, _, w1 := denseTrainXOR(t, 7, 50)
	loss2, _, w2 := denseTrainXOR(t, 7, 50)
	if math.Float32bits(loss1) != math.Float32bits(loss2) {
		t.Errorf("same seed, losses %v and %v", loss1, loss2)
	}
	for i := range w1 {
		if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
			t.Fatalf("same seed, weight %d: %v and %v", i, w1[i], w2[i])
		}
	}
}

func TestMLPWithSGDAndDropout(t *testing.T) {
	// A linearly separable two-blob problem with dropout in training and
	// Nesterov SGD: evaluation accuracy must reach 100 %.
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 64
	xd := make([]float32, n*2)
	labels := make([]int, n)
	for i := range n {
		labels[i] = i % 2
		center := float32(2*labels[i] - 1) // −1 or +1
		xd[2*i] = center + 0.3*float32(rng.NormFloat64())
		xd[2*i+1] = -center + 0.3*float32(rng.NormFloat64())
	}
	x := autodiff.Const(tensor.New([]int{n, 2}, xd))

	model := nn.NewSequential(
		nn.NewDense(2, 8, rng, nn.WithWeightInit(nn.HeNormal), nn.WithBiasInit(nn.Zeros)),
		nn.ReLU{},
		nn.NewDropout(0.2, rng),
		nn.NewDense(8, 2, rng),
	)
	opt := optim.NewSGD(nn.Values(model.Params()), 0.1, optim.WithMomentum(0.9), optim.WithNesterov())

	for range 100 {
		nn.CrossEntropy(model.Forward(x), labels).Backward()
		optim.ClipGradNorm(nn.Values(model.Params()), 5)
		opt.Step()
		opt.ZeroGrad()
	}

	nn.SetTraining(model, false)
	if acc := nn.Accuracy(model.Forward(x).Data(), labels); acc != 1 {
		t.Errorf("evaluation accuracy = %v, want 1", acc)
	}
}
