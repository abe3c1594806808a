package datasets

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/heed-ml/heed/tensor"
)

// multiJitter is the number of positions an item may shift along each axis:
// offsets run from 0 to multiJitter. The canvas is the item size plus
// 2*multiJitter on each axis, 36×36 for 28×28 items.
const multiJitter = 4

// MultiMNIST builds a two-item set from a single-task set: MultiMNIST from
// MNIST, MultiFashion from Fashion-MNIST. Each sample shows two items on a
// 36×36 canvas, one near the top-left and one near the bottom-right. The
// construction is MultiPair's with both items drawn from src. The result is
// named "multi" followed by src.Name, such as "multimnist-test".
//
// MultiMNIST panics if src has no "class" task or if no two samples of src
// have different classes.
func MultiMNIST(src *Dataset, seed int64) *Dataset {
	return multiPair("MultiMNIST", src, src, seed, "multi"+src.Name)
}

// MultiPair builds a two-item set whose left items come from left and whose
// partners come from right, such as Multi-(Fashion+MNIST).
//
// Each sample i of left gives one composite, in order. Its H×W image is
// placed with its top-left corner at (r, c) on an (H+8)×(W+8) canvas of
// zeros. The image of a partner from right is placed at (8-r′, 8-c′), where
// r, c, r′ and c′ are uniform in 0..4. Overlapping pixels take the maximum.
//
// Partners follow a seeded permutation of right, cycled when the sets differ
// in size. A partner whose class index equals the left item's is replaced by
// one drawn uniformly from the samples of right with a different class. The
// "left" task is the left item's class and "right" the partner's. The same
// seed gives the same bits.
//
// MultiPair panics if either set lacks the "class" task, if the sets differ
// in channels, height or width, or if right has no sample whose class
// differs from some left item's.
func MultiPair(left, right *Dataset, seed int64) *Dataset {
	return multiPair("MultiPair", left, right, seed, "multi-"+left.Name+"+"+right.Name)
}

func multiPair(op string, left, right *Dataset, seed int64, name string) *Dataset {
	leftLabels, ok := left.Labels["class"]
	if !ok {
		panic(fmt.Sprintf("datasets.%s: dataset %q has no \"class\" task (tasks %v)", op, left.Name, left.Tasks()))
	}
	rightLabels, ok := right.Labels["class"]
	if !ok {
		panic(fmt.Sprintf("datasets.%s: dataset %q has no \"class\" task (tasks %v)", op, right.Name, right.Tasks()))
	}
	ls, rs := left.X.Shape(), right.X.Shape()
	if len(ls) != 4 || len(rs) != 4 || !slices.Equal(ls[1:], rs[1:]) {
		panic(fmt.Sprintf("datasets.%s: item shapes differ or are not [N, C, H, W]: %q has %v, %q has %v", op, left.Name, ls, right.Name, rs))
	}
	n, m := ls[0], rs[0]
	if n > 0 && m == 0 {
		panic(fmt.Sprintf("datasets.%s: partner dataset %q is empty", op, right.Name))
	}
	channels, height, width := ls[1], ls[2], ls[3]
	canvasH, canvasW := height+2*multiJitter, width+2*multiJitter

	partners := choosePartners(op, leftLabels, rightLabels, right.Name, newRand(seed, domainMulti))
	rng := newRand(seed, domainMulti, 1)

	itemSize := channels * height * width
	canvasSize := channels * canvasH * canvasW
	src, partnerSrc := left.X.Data(), right.X.Data()
	out := make([]float32, n*canvasSize)
	leftOut := make([]int, n)
	rightOut := make([]int, n)
	for i := range n {
		r, c := rng.IntN(multiJitter+1), rng.IntN(multiJitter+1)
		pr, pc := 2*multiJitter-rng.IntN(multiJitter+1), 2*multiJitter-rng.IntN(multiJitter+1)
		canvas := out[i*canvasSize : (i+1)*canvasSize]
		item := src[i*itemSize : (i+1)*itemSize]
		partner := partnerSrc[partners[i]*itemSize : (partners[i]+1)*itemSize]
		for ch := range channels {
			plane := canvas[ch*canvasH*canvasW : (ch+1)*canvasH*canvasW]
			for y := range height {
				row := item[(ch*height+y)*width : (ch*height+y+1)*width]
				copy(plane[(r+y)*canvasW+c:], row)
			}
			for y := range height {
				row := partner[(ch*height+y)*width : (ch*height+y+1)*width]
				dst := plane[(pr+y)*canvasW+pc : (pr+y)*canvasW+pc+width]
				for x, v := range row {
					dst[x] = max(dst[x], v)
				}
			}
		}
		leftOut[i] = leftLabels[i]
		rightOut[i] = rightLabels[partners[i]]
	}

	return &Dataset{
		Name:    name,
		X:       tensor.New([]int{n, channels, canvasH, canvasW}, out),
		Labels:  map[string][]int{"left": leftOut, "right": rightOut},
		Classes: map[string]int{"left": left.Classes["class"], "right": right.Classes["class"]},
	}
}

// choosePartners returns, for each left label, the index of a right sample
// with a different label: a permutation of right cycled over left, with
// same-label picks replaced by a uniform draw among the other classes.
func choosePartners(op string, leftLabels, rightLabels []int, rightName string, rng *rand.Rand) []int {
	m := len(rightLabels)
	partners := make([]int, len(leftLabels))
	if len(leftLabels) == 0 {
		return partners
	}
	perm := rng.Perm(m)

	// byClass lists the right indices grouped by class, so that "uniform
	// among samples of other classes" is one draw: skip over the block of
	// the excluded class.
	byClass := make([]int, m)
	for k := range byClass {
		byClass[k] = k
	}
	slices.SortStableFunc(byClass, func(a, b int) int { return rightLabels[a] - rightLabels[b] })
	blockStart := map[int]int{}
	blockLen := map[int]int{}
	for k, idx := range byClass {
		label := rightLabels[idx]
		if _, seen := blockStart[label]; !seen {
			blockStart[label] = k
		}
		blockLen[label]++
	}

	for i, label := range leftLabels {
		p := perm[i%m]
		if rightLabels[p] == label {
			others := m - blockLen[label]
			if others == 0 {
				panic(fmt.Sprintf("datasets.%s: every sample of %q has class %d, so no partner with a different class exists for left item %d",
					op, rightName, label, i))
			}
			k := rng.IntN(others)
			if k >= blockStart[label] {
				k += blockLen[label]
			}
			p = byClass[k]
		}
		partners[i] = p
	}
	return partners
}
