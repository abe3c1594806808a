package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/nn"
)

// writeIDX writes a gzip-compressed unsigned-byte IDX file.
func writeIDX(t *testing.T, path string, dims []int, data []byte) {
	t.Helper()
	var raw bytes.Buffer
	raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(data)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeMNIST writes a small MNIST-shaped directory whose images are random
// strokes, so the study runs end to end without the real data.
func fakeMNIST(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", 300}, {"t10k", 100}} {
		images := make([]byte, split.n*28*28)
		labels := make([]byte, split.n)
		for i := range labels {
			labels[i] = byte(rng.IntN(10))
			// Brighten one row per label so the classes are learnable.
			row := 4 + 2*int(labels[i])
			for c := 4; c < 24; c++ {
				images[i*784+row*28+c] = 255
			}
		}
		writeIDX(t, filepath.Join(dir, split.prefix+"-images-idx3-ubyte.gz"), []int{split.n, 28, 28}, images)
		writeIDX(t, filepath.Join(dir, split.prefix+"-labels-idx1-ubyte.gz"), []int{split.n}, labels)
	}
	return dir
}

func TestParadoxWritesResults(t *testing.T) {
	data := fakeMNIST(t)
	out := filepath.Join(t.TempDir(), "results")
	err := runParadox([]string{"-mnist-dir", data, "-epochs", "1", "-batch", "32", "-out", out, "-quiet"})
	if err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Setup struct {
			Epochs int `json:"epochs"`
		} `json:"setup"`
		Study struct {
			Runs []struct {
				Name   string             `json:"name"`
				Test   map[string]float64 `json:"test"`
				Params int                `json:"params"`
				DeltaM *float64           `json:"delta_m_percent"`
			} `json:"runs"`
		} `json:"study"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("results.json is not valid JSON: %v", err)
	}
	if res.Setup.Epochs != 1 {
		t.Errorf("setup epochs = %d, want 1", res.Setup.Epochs)
	}
	var names []string
	for _, r := range res.Study.Runs {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "stl-left,stl-right,mtl-equal" {
		t.Fatalf("runs %v, want stl-left, stl-right, mtl-equal", names)
	}
	mtlRun := res.Study.Runs[2]
	if mtlRun.DeltaM == nil {
		t.Error("mtl-equal has no delta_m_percent")
	}
	if _, ok := mtlRun.Test["right_accuracy"]; !ok {
		t.Errorf("mtl-equal test metrics %v lack right_accuracy", mtlRun.Test)
	}
	// Two heads of 128·10 + 10 more than one: the multi-task model has 1290
	// parameters more than a single-task model.
	if diff := mtlRun.Params - res.Study.Runs[0].Params; diff != 1290 {
		t.Errorf("multi-task model has %d more parameters than single-task, want 1290", diff)
	}

	csv, err := os.ReadFile(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 4 {
		t.Errorf("results.csv has %d lines, want a header and 3 runs", lines)
	}
	png, err := os.ReadFile(filepath.Join(out, "results.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("results.png does not start with the PNG signature")
	}
	info, err := os.Stat(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("results.json has mode %v, want 0644", perm)
	}
	left, _ := filepath.Glob(filepath.Join(out, ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestParadoxRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0: must be at least 1"},
		{[]string{"-batch", "-3"}, "-batch -3: must be at least 1"},
		{[]string{"-lr", "NaN"}, "-lr NaN: must be a positive finite number"},
		{[]string{"-lr", "+Inf"}, "-lr +Inf: must be a positive finite number"},
		{[]string{"-train-limit", "-1"}, "-train-limit -1"},
		{[]string{"-strategies", "equal,fixed,equal"}, `names "equal" twice`},
		{[]string{"-weights", "left"}, `"left" is not of the form task=weight`},
		{[]string{"-weights", "middle=1"}, `unknown task "middle"`},
		{[]string{"-weights", "right=-2"}, `weight "-2" of task right`},
		{[]string{"-model", "resnet"}, `unknown -model "resnet": want mlp, lenet, transformer, mmoe or mtan`},
		{[]string{"-strategies", "magic"}, `unknown strategy "magic"`},
		{[]string{"-strategies", "all,pcgrad"}, `names "pcgrad" twice`},
		{[]string{"-strategies", " , "}, "names no strategy"},
		{[]string{"-gradnorm-alpha", "-1"}, "-gradnorm-alpha -1"},
		{[]string{"-dwa-temperature", "0"}, "-dwa-temperature 0"},
		{[]string{"-strategies", "mgda", "-mgda-normalization", "max"}, `-mgda-normalization "max"`},
		{[]string{"-strategies", "equal", "-mgda-normalization", "l2"}, "-mgda-normalization applies to the mgda and mgda-ub strategies"},
		{[]string{"-model", "mmoe", "-strategies", "mgda-ub"}, "mgda-ub needs a single shared trunk, -model mlp, lenet or transformer, not -model mmoe"},
		{[]string{"-model", "mtan", "-strategies", "all,mgda-ub"}, "not -model mtan"},
		{[]string{"-model", "mmoe", "-strategies", "all,mgda"}, "(all already includes equal, uncertainty, dwa, pcgrad, mgda, gradnorm)"},
		{[]string{"-experts", "3"}, "-experts applies to -model mmoe only"},
		{[]string{"-fashion-dir", "/tmp"}, "-fashion-dir applies to -dataset multifashion and multimixed, not multimnist"},
		{[]string{"-dataset", "multifashion", "-mnist-dir", "/tmp"}, "-mnist-dir applies to -dataset multimnist and multimixed, not multifashion"},
		{[]string{"-model", "transformer", "-experts", "2"}, "-experts applies to -model mmoe only, not -model transformer"},
		{[]string{"-model", "Transformer"}, `unknown -model "Transformer"`},
		{[]string{"-weights", "left=2"}, "-weights applies to the fixed strategy"},
		{[]string{"-strategies", "equal,pcgrad", "-dwa-temperature", "3"}, "-dwa-temperature applies to the dwa strategy"},
		{[]string{"-dataset", "imagenet", "-mnist-dir", "x"}, `unknown -dataset "imagenet"`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-mnist-dir", "/nonexistent/heed-mnist"}, "/nonexistent/heed-mnist"},
	}
	for _, c := range cases {
		err := runParadox(append(c.args, "-quiet"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("heed paradox %v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// TestParadoxRejectsOutFileBeforeTraining gives -out a regular file and an
// MNIST directory that does not exist: the -out error must come first,
// which shows it is checked before any data is loaded or model trained.
func TestParadoxRejectsOutFileBeforeTraining(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runParadox([]string{"-out", file, "-mnist-dir", "/nonexistent/heed-mnist", "-quiet"})
	if err == nil || !strings.Contains(err.Error(), "pass a directory path") || !strings.Contains(err.Error(), file) {
		t.Errorf("error %v, want one naming %s and asking for a directory", err, file)
	}
}

func TestParseWeights(t *testing.T) {
	w, err := parseWeights("right=0.5", []string{"left", "right"})
	if err != nil {
		t.Fatal(err)
	}
	if w["left"] != 1 || w["right"] != 0.5 {
		t.Errorf("weights %v, want left=1 (default) and right=0.5", w)
	}
}

func TestParseStrategiesAllExpandsInOrder(t *testing.T) {
	for model, want := range map[string]string{
		"mlp":         "fixed equal uncertainty dwa pcgrad mgda mgda-ub gradnorm",
		"transformer": "fixed equal uncertainty dwa pcgrad mgda mgda-ub gradnorm",
		"mmoe":        "fixed equal uncertainty dwa pcgrad mgda gradnorm",
	} {
		f := paradoxFlags{strategies: "fixed, all", model: model, gradNormAlpha: 1.5, dwaTemp: 2, mgdaNorm: "loss+", seed: 1}
		got, err := f.parseStrategies()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name())
		}
		if strings.Join(names, " ") != want {
			t.Errorf("-model %s -strategies %q built %v, want %s", model, f.strategies, names, want)
		}
	}
}

func TestParadoxModelMMoEBuildsExperts(t *testing.T) {
	trunk, head, multi, err := paradoxModel("mmoe", 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tasks := []*mtl.Task{mtl.NewTask("left", head(rng, "left")), mtl.NewTask("right", head(rng, "right"))}
	m, err := multi(rng, tasks)
	if err != nil {
		t.Fatal(err)
	}

	// Three experts of the MLP trunk's size, a 1296·3 + 3 gate and a
	// 128·10 + 10 head per task.
	trunkParams := nn.CountParams(trunk(rng).Params())
	want := 3*trunkParams + 2*(1296*3+3) + 2*(128*10+10)
	if got := nn.CountParams(m.Params()); got != want {
		t.Errorf("mmoe with 3 experts has %d parameters, want %d", got, want)
	}
	if _, _, _, err := paradoxModel("mmoe", 0); err == nil || !strings.Contains(err.Error(), "-experts 0") {
		t.Errorf("paradoxModel(mmoe, 0) error %v, want one naming -experts 0", err)
	}
}

func TestParadoxModelMTANBuildsAttention(t *testing.T) {
	trunk, head, multi, err := paradoxModel("mtan", 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tasks := []*mtl.Task{mtl.NewTask("left", head(rng, "left")), mtl.NewTask("right", head(rng, "right"))}
	m, err := multi(rng, tasks)
	if err != nil {
		t.Fatal(err)
	}

	// The MLP trunk once, then per task a 256·256 + 256 and a 384·128 + 128
	// attention layer and a 128·10 + 10 head.
	want := nn.CountParams(trunk(rng).Params()) + 2*(256*256+256+384*128+128+128*10+10)
	if got := nn.CountParams(m.Params()); got != want {
		t.Errorf("mtan has %d parameters, want %d", got, want)
	}
}
