// The sandbox node's GPU device plugin: advertises simulated NVIDIA GPUs as nvidia.com/gpu.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
	"kube-ml-workbench/sandbox/gpu/deviceplugin"
)

func main() {
	var config deviceplugin.Config
	flag.StringVar(&config.KubeletSocket, "kubelet-socket", pluginapi.KubeletSocket, "the kubelet's device-plugin registration socket")
	flag.StringVar(&config.NodeName, "node-name", "", "the node's name (makes the GPU UUIDs distinct between nodes)")
	flag.IntVar(&config.Count, "count", 8, "how many GPUs to advertise")
	flag.StringVar(&config.Product, "product", "NVIDIA H100 80GB HBM3", "the GPU model nvidia-smi reports")
	flag.IntVar(&config.MemoryMiB, "memory-mib", 81559, "each GPU's memory in MiB, as nvidia-smi reports it")
	flag.StringVar(&config.NvidiaSmi, "nvidia-smi", "", "host path of the nvidia-smi stand-in to mount into GPU containers")
	flag.Parse()
	if config.NodeName == "" {
		log.Fatal("--node-name is required")
	}
	plugin, err := deviceplugin.New(config)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	registered := func() {
		log.Printf("registered %s (%d x %s) with the kubelet at %s", deviceplugin.ResourceName, config.Count, config.Product, config.KubeletSocket)
	}
	if err := plugin.Run(ctx, registered); err != nil {
		log.Fatal(err)
	}
}
