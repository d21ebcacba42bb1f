// Package nvidiasmi prints what nvidia-smi prints, for the simulated GPUs a container was given:
// the table, -L, and --query-gpu=... --format=csv[,noheader][,nounits]. Like the real tool in a
// container, it sees only the allocated GPUs (NVIDIA_VISIBLE_DEVICES), numbered from 0 in PCI
// order. Readings move with the clock (a wave per GPU) so dashboards have something to show.
package nvidiasmi

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"kube-ml-workbench/sandbox/gpu/simgpu"
)

const driverVersion = "550.54.15"

// GPU is one GPU as the container sees it.
type GPU struct {
	Index     int // in this container
	NodeIndex int // on the node (PCI order)
	UUID      string
	Name      string
	MemoryMiB int
}

// VisibleGPUs parses NVIDIA_VISIBLE_DEVICES as the device plugin sets it (comma-separated UUIDs).
// Anything else ("", "void", "none", "all" without an allocation) gives no GPU.
func VisibleGPUs(visible, name string, memoryMiB int) []GPU {
	var gpus []GPU
	for _, uuid := range strings.Split(visible, ",") {
		if nodeIndex, ok := simgpu.Index(strings.TrimSpace(uuid)); ok {
			gpus = append(gpus, GPU{NodeIndex: nodeIndex, UUID: strings.TrimSpace(uuid), Name: name, MemoryMiB: memoryMiB})
		}
	}
	sort.Slice(gpus, func(a, b int) bool { return gpus[a].NodeIndex < gpus[b].NodeIndex })
	for index := range gpus {
		gpus[index].Index = index
	}
	return gpus
}

func (gpu GPU) read(now time.Time) simgpu.Reading {
	return simgpu.Busy(gpu.NodeIndex, gpu.Name, gpu.MemoryMiB, now.Unix())
}

// field is one --query-gpu value; unit is what the real tool appends without "nounits".
func (gpu GPU) field(key string, now time.Time, units bool) string {
	r := gpu.read(now)
	withUnit := func(value, unit string) string {
		if units {
			return value + " " + unit
		}
		return value
	}
	switch key {
	case "index":
		return fmt.Sprint(gpu.Index)
	case "name":
		return gpu.Name
	case "uuid", "gpu_uuid":
		return gpu.UUID
	case "pci.bus_id":
		return simgpu.BusID(gpu.NodeIndex)
	case "utilization.gpu":
		return withUnit(fmt.Sprint(r.UtilizationPercent), "%")
	case "utilization.memory":
		return withUnit(fmt.Sprint(r.UtilizationPercent*6/10), "%")
	case "memory.used":
		return withUnit(fmt.Sprint(r.MemoryUsedMiB), "MiB")
	case "memory.total":
		return withUnit(fmt.Sprint(gpu.MemoryMiB), "MiB")
	case "memory.free":
		return withUnit(fmt.Sprint(gpu.MemoryMiB-r.MemoryUsedMiB), "MiB")
	case "power.draw":
		return withUnit(fmt.Sprintf("%d.00", r.PowerWatts), "W")
	case "power.limit":
		return withUnit(fmt.Sprintf("%d.00", r.PowerLimitWatts), "W")
	case "temperature.gpu":
		return fmt.Sprint(r.TemperatureC)
	case "driver_version":
		return driverVersion
	case "count":
		return "" // filled by the caller, which knows how many GPUs there are
	case "timestamp":
		return now.Format("2006/01/02 15:04:05.000")
	default:
		return "[Not Supported]"
	}
}

func header(key string, units bool) string {
	if !units {
		return key
	}
	switch key {
	case "utilization.gpu", "utilization.memory":
		return key + " [%]"
	case "memory.used", "memory.total", "memory.free":
		return key + " [MiB]"
	case "power.draw", "power.limit":
		return key + " [W]"
	}
	return key
}

// CSV prints --query-gpu=`query` --format=`format` (the real tool's header and unit rules).
func CSV(out io.Writer, gpus []GPU, query, format string, now time.Time) {
	options := ","
	for _, option := range strings.Split(format, ",") {
		options += strings.TrimSpace(option) + ","
	}
	units := !strings.Contains(options, ",nounits,")
	keys := strings.Split(query, ",")
	if !strings.Contains(options, ",noheader,") {
		headers := make([]string, len(keys))
		for i, key := range keys {
			headers[i] = header(strings.TrimSpace(key), units)
		}
		fmt.Fprintln(out, strings.Join(headers, ", "))
	}
	for _, gpu := range gpus {
		values := make([]string, len(keys))
		for i, key := range keys {
			values[i] = gpu.field(strings.TrimSpace(key), now, units)
			if strings.TrimSpace(key) == "count" {
				values[i] = fmt.Sprint(len(gpus))
			}
		}
		fmt.Fprintln(out, strings.Join(values, ", "))
	}
}

// List prints -L.
func List(out io.Writer, gpus []GPU) {
	for _, gpu := range gpus {
		fmt.Fprintf(out, "GPU %d: %s (UUID: %s)\n", gpu.Index, gpu.Name, gpu.UUID)
	}
}

// Table prints the default view.
func Table(out io.Writer, gpus []GPU, now time.Time) {
	rule := "+-----------------------------------------+------------------------+----------------------+"
	wide := "+-----------------------------------------------------------------------------------------+"
	fmt.Fprintln(out, now.Format("Mon Jan _2 15:04:05 2006"))
	fmt.Fprintln(out, wide)
	fmt.Fprintf(out, "| NVIDIA-SMI %s              Driver Version: %s      CUDA Version: 12.4     |\n", driverVersion, driverVersion)
	fmt.Fprintln(out, "|-----------------------------------------+------------------------+----------------------+")
	fmt.Fprintln(out, "| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |")
	fmt.Fprintln(out, "| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |")
	fmt.Fprintln(out, "|                                         |                        |               MIG M. |")
	fmt.Fprintln(out, "|=========================================+========================+======================|")
	for _, gpu := range gpus {
		r := gpu.read(now)
		name := gpu.Name
		if len(name) > 29 {
			name = name[:29]
		}
		fmt.Fprintf(out, "| %3d  %-29s On   |   %s Off |                    0 |\n", gpu.Index, name, simgpu.BusID(gpu.NodeIndex))
		fmt.Fprintf(out, "| N/A   %2dC    P0             %3dW / %3dW |  %6dMiB / %6dMiB |    %3d%%      Default |\n",
			r.TemperatureC, r.PowerWatts, r.PowerLimitWatts, r.MemoryUsedMiB, gpu.MemoryMiB, r.UtilizationPercent)
		fmt.Fprintln(out, "|                                         |                        |             Disabled |")
		fmt.Fprintln(out, rule)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, wide)
	fmt.Fprintln(out, "| Processes:                                                                              |")
	fmt.Fprintln(out, "|  GPU   GI   CI        PID   Type   Process name                              GPU Memory |")
	fmt.Fprintln(out, "|        ID   ID                                                               Usage      |")
	fmt.Fprintln(out, "|=========================================================================================|")
	fmt.Fprintln(out, "|  No running processes found                                                             |")
	fmt.Fprintln(out, wide)
}
