package datasets

import "math/rand/v2"

// Domains keep the random streams of different uses apart, so that for
// example a Split and a Loader given the same seed do not draw the same
// numbers.
const (
	domainSplit uint64 = iota + 1
	domainMulti
	domainShuffle
	domainAugment
)

// newRand returns a PCG generator whose state is derived from seed and the
// extra words by SplitMix64 mixing. Mixing matters because PCG seeded with
// nearby raw values, such as consecutive epochs, starts in nearby states.
func newRand(seed int64, words ...uint64) *rand.Rand {
	hi := splitmix64(uint64(seed))
	lo := splitmix64(hi ^ 0x6a09e667f3bcc909)
	for _, w := range words {
		hi = splitmix64(hi ^ w)
		lo = splitmix64(lo + w)
	}
	return rand.New(rand.NewPCG(hi, lo))
}

// splitmix64 is the finaliser of Steele, Lea and Flood's SplitMix64
// generator: a bijection on uint64 that spreads every input bit over the
// output.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
