// Package asm holds Heed's numeric kernels: functions on flat float32 slices
// that every layer above (tensor, autodiff, nn) calls for its arithmetic.
//
// Each kernel has a plain-Go reference implementation whose name ends in
// "Generic" (for example AddToGeneric). The references are compiled on every
// platform, so tests can always compare a faster tier against them. The
// exported kernel without the suffix (AddTo) dispatches through a table that
// is filled once at start-up for the best tier the CPU supports (tier.go).
//
// Kernels panic, as gonum's BLAS does, when slice lengths do not match: a
// length mismatch is a programmer error in the caller, not bad input.
package asm
