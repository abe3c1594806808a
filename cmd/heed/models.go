package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/nn"
)

// paradoxModel returns the trunk and head builders for a -model name, and
// for "mmoe" and "mtan" the builder of the multi-task model. The mlp and
// lenet architectures match the PyTorch reference used to check Heed's
// numbers. The MLP trunk is
// 36·36 → 256 → 128 with ReLU, and LeNet is the trunk of the published
// MultiMNIST results. Each head is one dense layer to 10 classes. "mmoe"
// trains the single-task runs on the MLP trunk and the multi-task runs on
// an MMoE whose experts each have that trunk's shape, so with 2 experts the
// joint model is as large as the two single-task models together. "mtan"
// does the same with the MLP trunk shared and a soft attention mask per
// task on each of its two layers (MTAN). "transformer" reads each image as
// 36 row tokens and mean-pools a 2-layer encoder's output to 64 features
// (see rowTransformer), with a 64 → 10 head per task.
func paradoxModel(name string, experts int) (trunk func(*rand.Rand) nn.Module, head func(*rand.Rand, string) nn.Module, multi func(*rand.Rand, []*mtl.Task) (mtl.Model, error), err error) {
	mlpTrunk := func(rng *rand.Rand) nn.Module {
		return nn.NewSequential(
			nn.NewFlatten(),
			nn.NewDense(36*36, 256, rng), nn.ReLU{},
			nn.NewDense(256, 128, rng), nn.ReLU{},
		)
	}
	switch name {
	case "mlp":
		trunk = mlpTrunk
		head = func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(128, 10, rng) }
	case "lenet":
		trunk = func(rng *rand.Rand) nn.Module {
			return nn.NewSequential(
				nn.NewConv2D(rng, 1, 10, 9, nn.Conv2DOptions{}), nn.ReLU{}, nn.NewMaxPool2D(2, nn.PoolOptions{}),
				nn.NewConv2D(rng, 10, 20, 5, nn.Conv2DOptions{}), nn.ReLU{}, nn.NewMaxPool2D(2, nn.PoolOptions{}),
				nn.NewFlatten(),
				nn.NewDense(500, 50, rng), nn.ReLU{},
			)
		}
		head = func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(50, 10, rng) }
	case "transformer":
		trunk = func(rng *rand.Rand) nn.Module { return newRowTransformer(rng) }
		head = func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(transformerDModel, 10, rng) }
	case "mmoe":
		if experts < 1 {
			return nil, nil, nil, fmt.Errorf("-experts %d: must be at least 1", experts)
		}
		trunk = mlpTrunk
		head = func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(128, 10, rng) }
		multi = func(rng *rand.Rand, tasks []*mtl.Task) (mtl.Model, error) {
			trunks := make([]nn.Module, experts)
			for i := range trunks {
				trunks[i] = mlpTrunk(rng)
			}
			gates := make([]nn.Module, len(tasks))
			for i := range gates {
				gates[i] = nn.NewSequential(nn.NewFlatten(), nn.NewDense(36*36, experts, rng))
			}
			return mtl.NewMMoE(trunks, gates, tasks...)
		}
	case "mtan":
		trunk = mlpTrunk
		head = func(rng *rand.Rand, _ string) nn.Module { return nn.NewDense(128, 10, rng) }
		multi = func(rng *rand.Rand, tasks []*mtl.Task) (mtl.Model, error) {
			// The MLP trunk as two blocks, 1296 → 256 and 256 → 128. Each
			// task's attention maps block 0's 256 features, then block 1's
			// 128 joined with its own previous 256, to mask logits.
			blocks := []nn.Module{
				nn.NewSequential(nn.NewFlatten(), nn.NewDense(36*36, 256, rng), nn.ReLU{}),
				nn.NewSequential(nn.NewDense(256, 128, rng), nn.ReLU{}),
			}
			attention := func(_ string, block int) nn.Module {
				if block == 0 {
					return nn.NewDense(256, 256, rng)
				}
				return nn.NewDense(128+256, 128, rng)
			}
			return mtl.NewTaskAttention(blocks, attention, tasks...)
		}
	default:
		return nil, nil, nil, fmt.Errorf("unknown -model %q: want mlp, lenet, transformer, mmoe or mtan", name)
	}
	return trunk, head, multi, nil
}
