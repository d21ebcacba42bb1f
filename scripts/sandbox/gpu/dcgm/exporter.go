// Package dcgm serves /metrics as NVIDIA's dcgm-exporter does, for the node's simulated GPUs:
// DCGM's field names, its labels (gpu, UUID, pci_bus_id, device, modelName, Hostname) and, from
// the kubelet's pod-resources API as the exporter reads it, the namespace/pod/container that
// holds each GPU. A GPU held by a pod reads busy (the same values nvidia-smi shows in that pod);
// a free one reads idle.
package dcgm

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	podresources "k8s.io/kubelet/pkg/apis/podresources/v1"

	"kube-ml-workbench/sandbox/gpu/simgpu"
)

const gpuResource = "nvidia.com/gpu"

// Holder is the container a GPU is allocated to.
type Holder struct{ Namespace, Pod, Container string }

// Node describes the GPUs the exporter reports.
type Node struct {
	Name      string
	Product   string
	MemoryMiB int
	// GPUs are the node's GPU UUIDs (the device plugin's device IDs).
	GPUs []string
}

// Allocations asks the kubelet which GPUs the node has and which container holds each.
func Allocations(ctx context.Context, client podresources.PodResourcesListerClient) (gpus []string, holders map[string]Holder, err error) {
	allocatable, err := client.GetAllocatableResources(ctx, &podresources.AllocatableResourcesRequest{})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the node's GPUs from the kubelet's pod-resources API: %w", err)
	}
	for _, devices := range allocatable.Devices {
		if devices.ResourceName == gpuResource {
			gpus = append(gpus, devices.DeviceIds...)
		}
	}
	listed, err := client.List(ctx, &podresources.ListPodResourcesRequest{})
	if err != nil {
		return nil, nil, fmt.Errorf("listing pod resources from the kubelet: %w", err)
	}
	holders = map[string]Holder{}
	for _, pod := range listed.PodResources {
		for _, container := range pod.Containers {
			for _, devices := range container.Devices {
				if devices.ResourceName != gpuResource {
					continue
				}
				for _, id := range devices.DeviceIds {
					holders[id] = Holder{Namespace: pod.Namespace, Pod: pod.Name, Container: container.Name}
				}
			}
		}
	}
	return gpus, holders, nil
}

type field struct {
	name, help string
	value      func(simgpu.Reading, Node) string
}

var fields = []field{
	{"DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", func(r simgpu.Reading, _ Node) string { return fmt.Sprint(r.UtilizationPercent) }},
	{"DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", func(r simgpu.Reading, _ Node) string { return fmt.Sprint(r.UtilizationPercent * 6 / 10) }},
	{"DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", func(r simgpu.Reading, _ Node) string { return fmt.Sprint(r.MemoryUsedMiB) }},
	{"DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", func(r simgpu.Reading, n Node) string { return fmt.Sprint(n.MemoryMiB - r.MemoryUsedMiB) }},
	{"DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", func(r simgpu.Reading, _ Node) string { return fmt.Sprintf("%d.000000", r.PowerWatts) }},
	{"DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", func(r simgpu.Reading, _ Node) string { return fmt.Sprint(r.TemperatureC) }},
	{"DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", func(r simgpu.Reading, _ Node) string {
		return map[bool]string{true: "1980", false: "345"}[r.UtilizationPercent > 0]
	}},
	{"DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", func(simgpu.Reading, Node) string { return "0" }},
}

// Write prints the Prometheus text of all GPUs at `now`.
func Write(out io.Writer, node Node, holders map[string]Holder, now time.Time) {
	type gpu struct {
		index  int
		uuid   string
		labels string
		read   simgpu.Reading
	}
	var gpus []gpu
	for _, uuid := range node.GPUs {
		index, ok := simgpu.Index(uuid)
		if !ok {
			continue
		}
		labels := fmt.Sprintf(`gpu="%d",UUID="%s",pci_bus_id="%s",device="nvidia%d",modelName="%s",Hostname="%s",DCGM_FI_DRIVER_VERSION="550.54.15"`,
			index, uuid, simgpu.BusID(index), index, node.Product, node.Name)
		read := simgpu.Idle(index, node.Product)
		if holder, held := holders[uuid]; held {
			labels += fmt.Sprintf(`,container="%s",namespace="%s",pod="%s"`, holder.Container, holder.Namespace, holder.Pod)
			read = simgpu.Busy(index, node.Product, node.MemoryMiB, now.Unix())
		}
		gpus = append(gpus, gpu{index, uuid, labels, read})
	}
	sort.Slice(gpus, func(a, b int) bool { return gpus[a].index < gpus[b].index })
	var text strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&text, "# HELP %s %s\n# TYPE %s gauge\n", f.name, f.help, f.name)
		for _, g := range gpus {
			fmt.Fprintf(&text, "%s{%s} %s\n", f.name, g.labels, f.value(g.read, node))
		}
	}
	io.WriteString(out, text.String())
}
