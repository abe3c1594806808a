package nn

import (
	"slices"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestSequentialParamNames(t *testing.T) {
	rng := denseRNG(1)
	inner := NewSequential(NewDense(3, 3, rng), Tanh{})
	s := NewSequential(NewDense(4, 3, rng), ReLU{}, inner, NewDense(3, 2, rng, WithoutBias()))
	var names []string
	for _, p := range s.Params() {
		names = append(names, p.Name)
	}
	want := []string{"0.weight", "0.bias", "2.0.weight", "2.0.bias", "3.weight"}
	if !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if got := CountParams(s.Params()); got != 4*3+3+3*3+3+3*2 {
		t.Errorf("CountParams = %d, want 45", got)
	}
	if s.Params()[0].Value != s.Layers()[0].(*Dense).Weight {
		t.Error("Params must return the layers' own values")
	}
}

func TestSequentialSharedLayerListedOnce(t *testing.T) {
	d := NewDense(3, 3, denseRNG(8))
	s := NewSequential(d, Tanh{}, d)
	var names []string
	for _, p := range s.Params() {
		names = append(names, p.Name)
	}
	if want := []string{"0.weight", "0.bias"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

func TestSequentialForwardChains(t *testing.T) {
	rng := denseRNG(2)
	d1, d2 := NewDense(4, 5, rng), NewDense(5, 2, rng)
	s := NewSequential(d1, ReLU{}).Append(d2)
	x := autodiff.Const(denseRand(3, -1, 1, 6, 4))
	got := s.Forward(x).Data().Data()
	want := d2.Forward(autodiff.ReLU(d1.Forward(x))).Data().Data()
	if !slices.Equal(got, want) {
		t.Errorf("Forward = %v, want %v", got, want)
	}

	empty := NewSequential()
	if y := empty.Forward(x); y != x {
		t.Error("an empty Sequential must return its input")
	}
}

func TestSequentialLayersIsCopy(t *testing.T) {
	s := NewSequential(ReLU{}, Tanh{})
	layers := s.Layers()
	layers[0] = Sigmoid{}
	if _, ok := s.Layers()[0].(ReLU); !ok || s.Len() != 2 {
		t.Error("changing the slice from Layers changed the Sequential")
	}
}

func TestSequentialSetTrainingReachesNested(t *testing.T) {
	rng := denseRNG(3)
	outer, inner := NewDropout(0.5, rng), NewDropout(0.5, rng)
	s := NewSequential(outer, NewSequential(Tanh{}, inner))
	SetTraining(s, false)
	if outer.Training() || inner.Training() {
		t.Errorf("after SetTraining(false): outer %v, inner %v", outer.Training(), inner.Training())
	}
	s.SetTraining(true)
	if !outer.Training() || !inner.Training() {
		t.Errorf("after SetTraining(true): outer %v, inner %v", outer.Training(), inner.Training())
	}
}

func TestSequentialString(t *testing.T) {
	rng := denseRNG(4)
	s := NewSequential(NewDense(2, 3, rng), NewSequential(ReLU{}), NewDropout(0.25, rng))
	want := "Sequential(\n  (0): Dense(2→3)\n  (1): Sequential(\n    (0): ReLU\n  )\n  (2): Dropout(p=0.25)\n)"
	if got := s.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
}

func TestSequentialRejectsNil(t *testing.T) {
	denseExpectPanic(t, "nil in New", func() { NewSequential(ReLU{}, nil) }, "module 1 is nil")
	s := NewSequential(ReLU{}, Tanh{})
	denseExpectPanic(t, "nil in Append", func() { s.Append(nil) }, "module 2 is nil")
}

func TestDeepSequentialGradCheck(t *testing.T) {
	// Five dense layers with every activation between them, eval-mode
	// dropout, and cross-entropy on top, checked against the input and
	// every weight and bias.
	sizes := []int{4, 6, 5, 5, 4, 3}
	labels := []int{2, 0, 1}
	drop := NewDropout(0.5, denseRNG(5))
	drop.SetTraining(false)
	acts := []Module{Tanh{}, GELU{}, Sigmoid{}, ReLU{}}
	f := func(xs []*autodiff.Value) *autodiff.Value {
		s := NewSequential()
		for i := 0; i+1 < len(sizes); i++ {
			s.Append(&Dense{Weight: xs[1+2*i], Bias: xs[2+2*i]})
			if i < len(acts) {
				s.Append(acts[i])
			}
			if i == 1 {
				s.Append(drop)
			}
		}
		return CrossEntropy(s.Forward(xs[0]), labels)
	}
	inputs := []*tensor.Tensor{denseRand(6, -1, 1, len(labels), sizes[0])}
	for i := 0; i+1 < len(sizes); i++ {
		d := NewDense(sizes[i], sizes[i+1], denseRNG(uint64(40+i)), WithWeightInit(GlorotUniform))
		inputs = append(inputs, d.Weight.Data(), d.Bias.Data())
	}
	if err := autodiff.GradCheck(f, inputs, nil); err != nil {
		t.Error(err)
	}
}
