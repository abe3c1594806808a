package datasets_test

import (
	"fmt"

	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/tensor"
)

// ExampleNewLoader splits a small hand-made set and iterates over one
// shuffled training epoch.
func ExampleNewLoader() {
	const n = 10
	set := &datasets.Dataset{
		Name:    "toy",
		X:       tensor.Zeros(n, 1, 2, 2),
		Labels:  map[string][]int{"class": {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		Classes: map[string]int{"class": 10},
	}
	train, val, err := set.Split(0.2, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Name, train.Len(), val.Name, val.Len())

	loader, err := datasets.NewLoader(train, 3, datasets.LoaderOptions{Shuffle: true, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for batch := range loader.Batches(0) {
		fmt.Println(batch.X.Shape(), len(batch.Labels["class"]))
		total += len(batch.Index)
	}
	fmt.Println(loader.NumBatches(), "batches,", total, "samples")
	// Output:
	// toy-train 8 toy-val 2
	// [3 1 2 2] 3
	// [3 1 2 2] 3
	// [2 1 2 2] 2
	// 3 batches, 8 samples
}

// ExampleMultiMNIST builds a two-item set from a single-task one.
func ExampleMultiMNIST() {
	src := &datasets.Dataset{
		Name:    "mnist-test",
		X:       tensor.Zeros(4, 1, 28, 28),
		Labels:  map[string][]int{"class": {3, 3, 7, 1}},
		Classes: map[string]int{"class": 10},
	}
	multi := datasets.MultiMNIST(src, 1)
	fmt.Println(multi.Name, multi.X.Shape(), multi.Tasks(), multi.Labels["left"])
	// Output:
	// multimnist-test [4 1 36 36] [left right] [3 3 7 1]
}
