package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/nn"
)

// paradoxModel returns the trunk and head builders for a -model name. The
// architectures match the PyTorch reference used to check Heed's numbers.
// The MLP trunk is 36·36 → 256 → 128 with ReLU, and LeNet is the trunk of
// the published MultiMNIST results. Each head is one dense layer to 10
// classes.
func paradoxModel(name string) (trunk func(*rand.Rand) nn.Module, head func(*rand.Rand, string) nn.Module, err error) {
	switch name {
	case "mlp":
		trunk = func(rng *rand.Rand) nn.Module {
			return nn.NewSequential(
				nn.NewFlatten(),
				nn.NewDense(36*36, 256, rng), nn.ReLU{},
				nn.NewDense(256, 128, rng), nn.ReLU{},
			)
		}
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
	default:
		return nil, nil, fmt.Errorf("unknown -model %q: want mlp or lenet", name)
	}
	return trunk, head, nil
}
