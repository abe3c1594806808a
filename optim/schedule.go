package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for each step (or epoch, as the caller
// counts them), starting at 0. A training loop applies it with
// opt.SetLR(s.LR(step)) before each step.
type Schedule interface {
	LR(step int) float64
}

// StepLR decays the learning rate by Gamma every StepSize steps:
// lr = Base·Gamma^⌊step/StepSize⌋, as PyTorch's StepLR.
type StepLR struct {
	Base     float64
	StepSize int
	Gamma    float64
}

// NewStepLR returns a StepLR schedule. It panics if base is negative or not
// finite, stepSize is not positive, or gamma is outside (0, 1].
func NewStepLR(base float64, stepSize int, gamma float64) StepLR {
	checkLR("NewStepLR", base)
	if stepSize <= 0 {
		panic(fmt.Sprintf("optim.NewStepLR: step size %d must be positive", stepSize))
	}
	if !(gamma > 0 && gamma <= 1) {
		panic(fmt.Sprintf("optim.NewStepLR: gamma %v outside (0, 1]", gamma))
	}
	return StepLR{Base: base, StepSize: stepSize, Gamma: gamma}
}

// LR returns Base·Gamma^⌊step/StepSize⌋. It panics on a negative step or a
// StepLR with a StepSize that is not positive.
func (s StepLR) LR(step int) float64 {
	checkStep("StepLR", step)
	if s.StepSize <= 0 {
		panic(fmt.Sprintf("optim.StepLR.LR: step size %d must be positive; build the schedule with NewStepLR", s.StepSize))
	}
	return s.Base * math.Pow(s.Gamma, float64(step/s.StepSize))
}

// CosineLR anneals the learning rate from Base at step 0 to Min at step T
// along half a cosine, as PyTorch's CosineAnnealingLR over its first T
// steps:
//
//	lr = Min + (Base − Min)·(1 + cos(π·step/T))/2
//
// After step T the rate stays at Min, where PyTorch's would rise again.
type CosineLR struct {
	Base float64
	Min  float64
	T    int
}

// NewCosineLR returns a CosineLR schedule from base to min over t steps. It
// panics if a rate is negative or not finite, min exceeds base, or t is not
// positive.
func NewCosineLR(base, min float64, t int) CosineLR {
	checkLR("NewCosineLR", base)
	checkLR("NewCosineLR", min)
	if min > base {
		panic(fmt.Sprintf("optim.NewCosineLR: minimum rate %v above base rate %v", min, base))
	}
	if t <= 0 {
		panic(fmt.Sprintf("optim.NewCosineLR: length T = %d must be positive", t))
	}
	return CosineLR{Base: base, Min: min, T: t}
}

// LR returns the annealed rate at step, Min for every step from T on. It
// panics on a negative step or a CosineLR with a T that is not positive.
func (c CosineLR) LR(step int) float64 {
	checkStep("CosineLR", step)
	if c.T <= 0 {
		panic(fmt.Sprintf("optim.CosineLR.LR: length T = %d must be positive; build the schedule with NewCosineLR", c.T))
	}
	if step >= c.T {
		return c.Min
	}
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*float64(step)/float64(c.T)))/2
}

func checkStep(name string, step int) {
	if step < 0 {
		panic(fmt.Sprintf("optim.%s.LR: step %d is negative; steps count from 0", name, step))
	}
}
