// The sandbox's dcgm-exporter: /metrics on :9400 for the node's simulated GPUs, with the pod
// that holds each GPU read from the kubelet's pod-resources socket, as the real exporter does.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	podresources "k8s.io/kubelet/pkg/apis/podresources/v1"

	"kube-ml-workbench/sandbox/gpu/dcgm"
)

func main() {
	memoryMiB, _ := strconv.Atoi(envOr("KMW_GPU_MEMORY_MIB", "81559"))
	node := dcgm.Node{}
	address := flag.String("address", ":9400", "address to serve /metrics on")
	socket := flag.String("pod-resources-socket", "/var/lib/kubelet/pod-resources/kubelet.sock", "the kubelet's pod-resources socket")
	flag.StringVar(&node.Name, "node-name", os.Getenv("NODE_NAME"), "the node's name (Hostname label)")
	flag.StringVar(&node.Product, "product", envOr("KMW_GPU_NAME", "NVIDIA H100 80GB HBM3"), "the GPU model (modelName label)")
	flag.IntVar(&node.MemoryMiB, "memory-mib", memoryMiB, "each GPU's memory in MiB")
	flag.Parse()

	connection, err := grpc.NewClient("unix://"+*socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("connecting to the kubelet's pod-resources socket %s: %v", *socket, err)
	}
	client := podresources.NewPodResourcesListerClient(connection)
	http.HandleFunc("/metrics", func(response http.ResponseWriter, request *http.Request) {
		ctx, cancel := context.WithTimeout(request.Context(), 10*time.Second)
		defer cancel()
		gpus, holders, err := dcgm.Allocations(ctx, client)
		if err != nil {
			http.Error(response, err.Error(), http.StatusServiceUnavailable)
			return
		}
		current := node
		current.GPUs = gpus
		response.Header().Set("Content-Type", "text/plain; version=0.0.4")
		dcgm.Write(response, current, holders, time.Now())
	})
	http.HandleFunc("/health", func(response http.ResponseWriter, _ *http.Request) { response.Write([]byte("OK")) })
	log.Printf("serving DCGM metrics of node %s on %s", node.Name, *address)
	log.Fatal(http.ListenAndServe(*address, nil))
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
