package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestParseArgsShapes(t *testing.T) {
	cfg, err := parseArgs(strings.Fields("2 5 s 32 784 128 s 512 512 512"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.threads != 2 {
		t.Errorf("threads = %d, want 2", cfg.threads)
	}
	if cfg.reps != 5 {
		t.Errorf("reps = %d, want 5", cfg.reps)
	}
	want := []shape{{32, 784, 128}, {512, 512, 512}}
	if len(cfg.shapes) != len(want) {
		t.Fatalf("got %d shapes, want %d", len(cfg.shapes), len(want))
	}
	for i := range want {
		if cfg.shapes[i] != want[i] {
			t.Errorf("shape %d = %+v, want %+v", i, cfg.shapes[i], want[i])
		}
	}
}

func TestParseArgsCapsReps(t *testing.T) {
	cfg, err := parseArgs(strings.Fields("1 1000 s 8 8 8"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.reps != 200 {
		t.Errorf("reps = %d, want 200", cfg.reps)
	}
}

func TestParseArgsRejects(t *testing.T) {
	cases := []struct{ args, want string }{
		{"1 5 s 8 8", "got 5 arguments"},
		{"", "got 0 arguments"},
		{"0 5 s 8 8 8", `invalid threads "0"`},
		{"1 x s 8 8 8", `invalid reps "x"`},
		{"1 5 d 8 8 8", `invalid precision "d"`},
		{"1 5 s 8 -1 8", `invalid K "-1"`},
		{"1 5 s 8 8 8 s 8 8 0", `invalid N "0"`},
	}
	for _, c := range cases {
		_, err := parseArgs(strings.Fields(c.args))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseArgs(%q) error = %v, want it to contain %q", c.args, err, c.want)
		}
	}
}

func TestRunPrintsOpenBLASFormat(t *testing.T) {
	var out strings.Builder
	run(&out, config{threads: 1, reps: 1, shapes: []shape{{4, 3, 5}}})

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want a header and one result:\n%s", len(lines), out.String())
	}
	line := regexp.MustCompile(`^heed sgemm threads=1 M=4 K=3 N=5 median=[0-9.]+ min=[0-9.]+ max=[0-9.]+ GFLOP/s \(us/call=[0-9.]+, calls/sample=[0-9]+, samples=1\)$`)
	if !line.MatchString(lines[1]) {
		t.Errorf("result line %q does not match the gemm_openblas format", lines[1])
	}
}

func TestXorshiftRange(t *testing.T) {
	rng := xorshift(88172645463325252)
	for range 10000 {
		if v := rng.next(); v < -1 || v >= 1 {
			t.Fatalf("value %v outside [-1, 1)", v)
		}
	}
}
