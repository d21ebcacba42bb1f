package nvidiasmi

import (
	"strings"
	"testing"
	"time"

	"kube-ml-workbench/sandbox/gpu/simgpu"
)

func TestShowsOnlyTheAllocatedGPUsInPCIOrder(t *testing.T) {
	visible := simgpu.UUID("real-0", 5) + "," + simgpu.UUID("real-0", 2)
	gpus := VisibleGPUs(visible, "NVIDIA H100 80GB HBM3", 81559)
	var out strings.Builder
	CSV(&out, gpus, "index,uuid,pci.bus_id,memory.total", "csv,noheader,nounits", time.Unix(1_800_000_000, 0))
	want := "0, " + simgpu.UUID("real-0", 2) + ", 00000000:38:00.0, 81559\n" +
		"1, " + simgpu.UUID("real-0", 5) + ", 00000000:68:00.0, 81559\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestCSVHeaderAndUnitsAsTheRealTool(t *testing.T) {
	gpus := VisibleGPUs(simgpu.UUID("n", 0), "NVIDIA A100-SXM4-40GB", 40960)
	var out strings.Builder
	CSV(&out, gpus, "index,memory.total,power.limit", "csv", time.Unix(0, 0))
	if want := "index, memory.total [MiB], power.limit [W]\n0, 40960 MiB, 400.00 W\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestNoAllocationMeansNoGPU(t *testing.T) {
	for _, visible := range []string{"", "all", "void", "none", "0,1"} {
		if gpus := VisibleGPUs(visible, "x", 1); len(gpus) != 0 {
			t.Errorf("%q gave %d GPUs", visible, len(gpus))
		}
	}
}
