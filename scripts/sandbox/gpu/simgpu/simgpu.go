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
