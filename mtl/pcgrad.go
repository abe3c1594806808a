package mtl

import (
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
)

// PCGrad is the projecting-conflicting-gradients strategy (Yu et al. 2020,
// "Gradient Surgery for Multi-Task Learning"). Two tasks conflict on a step
// when their gradients on the shared parameters point apart, gᵢ·gⱼ < 0.
// A plain sum then lets the larger one undo the other's progress, so
// PCGrad removes the conflicting component instead:
//
//	for each task i:  gᵢᴾᶜ = gᵢ
//	  for each other task j, in random order:
//	    if gᵢᴾᶜ·gⱼ < 0:  gᵢᴾᶜ = gᵢᴾᶜ − (gᵢᴾᶜ·gⱼ / ‖gⱼ‖²)·gⱼ
//	shared gradient = Σᵢ gᵢᴾᶜ
//
// Each projection is against the original gⱼ, not its projected version,
// as in the paper. With three or more tasks the result depends on the
// order, so the order is drawn from a generator seeded at construction
// and reset by Start: the same seed gives the same run.
//
// Task-specific parameters, such as heads, keep their own task's gradient
// unchanged. Each step costs one backward pass per task (see
// taskGradients) and ignores Task.Weight.
type PCGrad struct {
	seed int64
	rng  *rand.Rand

	// grads, sum and pc are scratch vectors kept between steps, because
	// each is as long as the shared parameters together.
	grads   [][]float64
	sum, pc []float64
}

// NewPCGrad returns PCGrad whose projection order is drawn from seed.
func NewPCGrad(seed int64) *PCGrad {
	p := &PCGrad{seed: seed}
	p.reset()
	return p
}

// Name returns "pcgrad".
func (*PCGrad) Name() string { return "pcgrad" }

// Start restarts the projection order from the seed, so that every run
// with this value makes the same draws.
func (p *PCGrad) Start([]*Task, float64) { p.reset() }

func (p *PCGrad) reset() {
	// The second PCG word is a fixed constant so that the seed alone
	// picks the stream.
	p.rng = rand.New(rand.NewPCG(uint64(p.seed), 0x9c67))
}

// Backward leaves the sum of the projected task gradients in the shared
// parameters and each task's own gradient in its other parameters. It
// returns Σₜ Lₜ.
func (p *PCGrad) Backward(tasks []*Task, losses []*autodiff.Value, shared []*autodiff.Value) float64 {
	checkLossCount("PCGrad", tasks, losses)
	if p.rng == nil {
		// A zero PCGrad{} used without Start.
		p.reset()
	}
	p.grads = taskGradients(losses, shared, p.grads)
	setSharedGrads(shared, p.project(p.grads))
	return lossValueSum(losses)
}

// project returns Σᵢ gᵢᴾᶜ for the task gradients grads.
func (p *PCGrad) project(grads [][]float64) []float64 {
	if len(grads) == 0 {
		return nil
	}
	size := len(grads[0])
	if len(p.sum) != size {
		p.sum, p.pc = make([]float64, size), make([]float64, size)
	}
	sum, pc := p.sum, p.pc
	clear(sum)
	sqNorms := make([]float64, len(grads))
	for j, g := range grads {
		sqNorms[j] = flatDot(g, g)
	}
	others := make([]int, 0, len(grads))
	for i, gi := range grads {
		copy(pc, gi)
		others = others[:0]
		for j := range grads {
			if j != i {
				others = append(others, j)
			}
		}
		p.rng.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })

		for _, j := range others {
			// A zero gⱼ has a zero dot product, so the division below
			// never divides by ‖gⱼ‖² = 0.
			d := flatDot(pc, grads[j])
			if d >= 0 {
				continue
			}
			c := d / sqNorms[j]
			for k, v := range grads[j] {
				pc[k] -= c * v
			}
		}
		for k, v := range pc {
			sum[k] += v
		}
	}
	return sum
}
