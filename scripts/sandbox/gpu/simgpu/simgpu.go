// Package simgpu names the sandbox's simulated GPUs. The device plugin advertises them by UUID
// (as NVIDIA's plugin does) and the nvidia-smi stand-in reads the same UUIDs back from
// NVIDIA_VISIBLE_DEVICES, so both must agree on the scheme.
package simgpu

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// UUID of GPU `index` of node `node`: stable across restarts, distinct between nodes.
func UUID(node string, index int) string {
	hash := fnv.New32a()
	hash.Write([]byte(node))
	return fmt.Sprintf("GPU-%08x-5a1d-4b0e-8000-%012d", hash.Sum32(), index)
}

// Index is the node-wide index a UUID was made from (false for anything else).
func Index(uuid string) (int, bool) {
	groups := strings.Split(uuid, "-")
	if len(groups) != 6 || groups[0] != "GPU" || len(groups[5]) != 12 {
		return 0, false
	}
	index, err := strconv.Atoi(groups[5])
	return index, err == nil && index >= 0
}

// BusID is the PCI address nvidia-smi shows for the node's GPU `index` (an 8-GPU HGX layout).
func BusID(index int) string {
	return fmt.Sprintf("00000000:%02X:00.0", 0x18+index*16)
}

// Reading is what a busy GPU reports at one moment. nvidia-smi and the DCGM exporter stand-in
// both read it, so the two sources agree on a GPU at a given second.
type Reading struct {
	UtilizationPercent int
	MemoryUsedMiB      int
	PowerWatts         int
	PowerLimitWatts    int
	TemperatureC       int
}

// PowerLimitWatts is the board limit of the product (H100 SXM 700 W, A100 SXM 400 W).
func PowerLimitWatts(product string) int {
	if strings.Contains(product, "A100") {
		return 400
	}
	return 700
}

// Busy is the node's GPU `index` under load at `unixSeconds`: a wave per GPU, moving every 2 s.
func Busy(index int, product string, memoryMiB int, unixSeconds int64) Reading {
	seconds := int(unixSeconds)
	phase := (seconds/2 + index*7) % 20
	wave := phase
	if phase >= 10 {
		wave = 20 - phase
	}
	limit := PowerLimitWatts(product)
	return Reading{
		UtilizationPercent: min(100, 55+wave*4+(index*3+seconds)%5),
		MemoryUsedMiB:      memoryMiB * (60 + wave*2) / 100,
		PowerWatts:         limit * (40 + wave*5) / 100,
		PowerLimitWatts:    limit,
		TemperatureC:       52 + wave + index%3,
	}
}

// Idle is the node's GPU `index` with no work on it.
func Idle(index int, product string) Reading {
	limit := PowerLimitWatts(product)
	return Reading{PowerWatts: limit / 10, PowerLimitWatts: limit, TemperatureC: 31 + index%3}
}
