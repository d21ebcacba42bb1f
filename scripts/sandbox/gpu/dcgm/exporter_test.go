package dcgm

import (
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	podresources "k8s.io/kubelet/pkg/apis/podresources/v1"

	"kube-ml-workbench/sandbox/gpu/internal/sockettest"
	"kube-ml-workbench/sandbox/gpu/simgpu"
)

var update = flag.Bool("update", false, "rewrite testdata/metrics.txt")

// fakePodResources answers as the kubelet's pod-resources service does on a node with four GPUs,
// two of them held by one training container.
type fakePodResources struct {
	podresources.UnimplementedPodResourcesListerServer
}

func (fakePodResources) GetAllocatableResources(context.Context, *podresources.AllocatableResourcesRequest) (*podresources.AllocatableResourcesResponse, error) {
	var ids []string
	for index := 0; index < 4; index++ {
		ids = append(ids, simgpu.UUID("real-0", index))
	}
	return &podresources.AllocatableResourcesResponse{Devices: []*podresources.ContainerDevices{{ResourceName: "nvidia.com/gpu", DeviceIds: ids}}}, nil
}

func (fakePodResources) List(context.Context, *podresources.ListPodResourcesRequest) (*podresources.ListPodResourcesResponse, error) {
	return &podresources.ListPodResourcesResponse{PodResources: []*podresources.PodResources{
		{Name: "idle-pod", Namespace: "ml-team", Containers: []*podresources.ContainerResources{{Name: "main"}}},
		{Name: "train-0", Namespace: "ml-team", Containers: []*podresources.ContainerResources{{
			Name:    "trainer",
			Devices: []*podresources.ContainerDevices{{ResourceName: "nvidia.com/gpu", DeviceIds: []string{simgpu.UUID("real-0", 2), simgpu.UUID("real-0", 1)}}},
		}}},
	}}, nil
}

func TestMetricsNameTheHoldingPodOverThePodResourcesSocket(t *testing.T) {
	dir := sockettest.Dir(t)
	socket := filepath.Join(dir, "kubelet.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	podresources.RegisterPodResourcesListerServer(server, fakePodResources{})
	go server.Serve(listener)
	t.Cleanup(server.Stop)

	connection, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer connection.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gpus, holders, err := Allocations(ctx, podresources.NewPodResourcesListerClient(connection))
	if err != nil {
		t.Fatal(err)
	}
	if len(gpus) != 4 || len(holders) != 2 || holders[simgpu.UUID("real-0", 1)] != (Holder{"ml-team", "train-0", "trainer"}) {
		t.Fatalf("gpus %v, holders %v", gpus, holders)
	}

	var out strings.Builder
	Write(&out, Node{Name: "real-0", Product: "NVIDIA H100 80GB HBM3", MemoryMiB: 81559, GPUs: gpus}, holders, time.Unix(1_800_000_000, 0))
	// The golden file is also read by the extension's DCGM parser in test/images/dcgm.test.ts.
	golden := filepath.Join("testdata", "metrics.txt")
	if *update {
		os.WriteFile(golden, []byte(out.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("metrics differ from %s:\n%s", golden, out.String())
	}
}
