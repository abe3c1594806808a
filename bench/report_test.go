package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRunSmallReport(t *testing.T) {
	rep := Run(Options{
		Threads:     []int{1},
		Shapes:      []Shape{{4, 5, 6}, {32, 128, 10}},
		Gonum:       true,
		StreamBytes: 1 << 16,
		Timer:       Timer{MinSample: time.Millisecond, Samples: 1},
	})
	if len(rep.Sgemm) != 2 {
		t.Fatalf("got %d SGEMM rows, want 2", len(rep.Sgemm))
	}
	for _, r := range rep.Sgemm {
		if !(r.GFLOPS > 0) || !(r.GonumGFLOPS > 0) || !(r.SpeedupGonum > 0) {
			t.Errorf("row %+v has a missing rate", r)
		}
	}
	if len(rep.Streams) != len(Streams) {
		t.Fatalf("got %d stream rows, want %d", len(rep.Streams), len(Streams))
	}
	if !(rep.CopyGBps > 0) {
		t.Errorf("copy bandwidth %v, want > 0", rep.CopyGBps)
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"32×128×10", "4×5×6", "AddTo", "% of peak", "× gonum"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	if len(back.Sgemm) != 2 || back.Sgemm[1].Shape != "32×128×10" {
		t.Errorf("decoded SGEMM rows %+v", back.Sgemm)
	}
}

func TestShapeFlops(t *testing.T) {
	s := Shape{M: 32, K: 784, N: 128}
	if got, want := s.Flops(), 2.0*32*784*128; got != want {
		t.Errorf("Flops() = %v, want %v", got, want)
	}
	if got := s.String(); got != "32×784×128" {
		t.Errorf("String() = %q", got)
	}
}

func TestTimerMedian(t *testing.T) {
	calls := 0
	d := Timer{MinSample: time.Millisecond, Samples: 3}.PerOp(func() {
		calls++
		time.Sleep(100 * time.Microsecond)
	})
	if d < 100*time.Microsecond || d > 50*time.Millisecond {
		t.Errorf("PerOp = %v for a 100µs sleep", d)
	}
	if calls < 4 {
		t.Errorf("f called %d times, want the untimed call plus at least three samples", calls)
	}
}
