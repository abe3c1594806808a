//go:build race

package asm

// raceEnabled trims the exhaustive sweeps, which the race detector slows
// about tenfold.
const raceEnabled = true
