package deviceplugin

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"

	"kube-ml-workbench/sandbox/gpu/internal/sockettest"
)

// fakeKubelet is the kubelet's registration service on a Unix socket, as the kubelet serves it.
type fakeKubelet struct {
	pluginapi.UnimplementedRegistrationServer
	requests chan *pluginapi.RegisterRequest
}

func (k *fakeKubelet) Register(_ context.Context, request *pluginapi.RegisterRequest) (*pluginapi.Empty, error) {
	k.requests <- request
	return &pluginapi.Empty{}, nil
}

func startFakeKubelet(t *testing.T, socket string) *fakeKubelet {
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	kubelet := &fakeKubelet{requests: make(chan *pluginapi.RegisterRequest, 4)}
	server := grpc.NewServer()
	pluginapi.RegisterRegistrationServer(server, kubelet)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	return kubelet
}

func nextRegistration(t *testing.T, kubelet *fakeKubelet) *pluginapi.RegisterRequest {
	select {
	case request := <-kubelet.requests:
		return request
	case <-time.After(30 * time.Second):
		t.Fatal("the plugin did not register with the kubelet")
		return nil
	}
}

func TestRegistersListsAndAllocates(t *testing.T) {
	dir := sockettest.Dir(t)
	kubeletSocket := filepath.Join(dir, "kubelet.sock")
	kubelet := startFakeKubelet(t, kubeletSocket)

	plugin, err := New(Config{KubeletSocket: kubeletSocket, NodeName: "real-0", Count: 4, Product: "NVIDIA H100 80GB HBM3", MemoryMiB: 81559, NvidiaSmi: "/opt/kmw/nvidia-smi"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- plugin.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run ended with %v", err)
		}
	})

	request := nextRegistration(t, kubelet)
	if request.Version != "v1beta1" || request.ResourceName != "nvidia.com/gpu" || request.Endpoint != "kmw-nvidia.com-gpu.sock" {
		t.Fatalf("registration %+v", request)
	}

	// The kubelet dials the endpoint in its own folder, as it does for every plugin.
	connection, err := grpc.NewClient("unix://"+filepath.Join(dir, request.Endpoint), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer connection.Close()
	client := pluginapi.NewDevicePluginClient(connection)
	stream, err := client.ListAndWatch(ctx, &pluginapi.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Devices) != 4 {
		t.Fatalf("listed %d devices, want 4", len(listed.Devices))
	}
	for _, device := range listed.Devices {
		if device.Health != pluginapi.Healthy {
			t.Errorf("device %s is %s", device.ID, device.Health)
		}
	}

	ids := []string{listed.Devices[3].ID, listed.Devices[1].ID}
	allocated, err := client.Allocate(ctx, &pluginapi.AllocateRequest{ContainerRequests: []*pluginapi.ContainerAllocateRequest{{DevicesIds: ids}}})
	if err != nil {
		t.Fatal(err)
	}
	response := allocated.ContainerResponses[0]
	if got, want := response.Envs["NVIDIA_VISIBLE_DEVICES"], ids[0]+","+ids[1]; got != want {
		t.Errorf("NVIDIA_VISIBLE_DEVICES = %q, want %q", got, want)
	}
	if response.Envs["KMW_GPU_NAME"] != "NVIDIA H100 80GB HBM3" || response.Envs["KMW_GPU_MEMORY_MIB"] != "81559" {
		t.Errorf("envs %v", response.Envs)
	}
	if len(response.Mounts) != 1 || response.Mounts[0].ContainerPath != "/usr/bin/nvidia-smi" || response.Mounts[0].HostPath != "/opt/kmw/nvidia-smi" || !response.Mounts[0].ReadOnly {
		t.Errorf("mounts %v", response.Mounts)
	}

	if _, err := client.Allocate(ctx, &pluginapi.AllocateRequest{ContainerRequests: []*pluginapi.ContainerAllocateRequest{{DevicesIds: []string{"GPU-unknown"}}}}); err == nil {
		t.Error("allocating an unknown device succeeded")
	}

	// A restarting kubelet removes every plugin socket; the plugin registers again.
	if err := os.Remove(filepath.Join(dir, request.Endpoint)); err != nil {
		t.Fatal(err)
	}
	if again := nextRegistration(t, kubelet); again.ResourceName != "nvidia.com/gpu" {
		t.Fatalf("second registration %+v", again)
	}
}
