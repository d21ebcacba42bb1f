// Package deviceplugin serves the kubelet device-plugin API (v1beta1) for simulated NVIDIA GPUs:
// it registers nvidia.com/gpu with the kubelet, lists the devices, and on Allocate hands the
// container what NVIDIA's plugin and container toolkit would: NVIDIA_VISIBLE_DEVICES with the
// allocated GPUs' UUIDs and nvidia-smi mounted into the container.
package deviceplugin

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"

	"kube-ml-workbench/sandbox/gpu/simgpu"
)

const ResourceName = "nvidia.com/gpu"

// NvidiaSmiPath is where NVIDIA's container toolkit puts the driver's nvidia-smi in a container.
const NvidiaSmiPath = "/usr/bin/nvidia-smi"

type Config struct {
	// KubeletSocket is the kubelet's registration socket; the plugin's own socket goes beside it.
	KubeletSocket string
	NodeName      string
	Count         int
	Product       string
	MemoryMiB     int
	// NvidiaSmi is the host path of the nvidia-smi stand-in mounted into GPU containers ("" = none).
	NvidiaSmi string
}

type Plugin struct {
	pluginapi.UnimplementedDevicePluginServer
	config  Config
	devices []*pluginapi.Device
	known   map[string]bool
}

func New(config Config) (*Plugin, error) {
	if config.Count < 1 {
		return nil, fmt.Errorf("the GPU count must be at least 1, got %d", config.Count)
	}
	plugin := &Plugin{config: config, known: map[string]bool{}}
	for index := 0; index < config.Count; index++ {
		id := simgpu.UUID(config.NodeName, index)
		plugin.devices = append(plugin.devices, &pluginapi.Device{ID: id, Health: pluginapi.Healthy})
		plugin.known[id] = true
	}
	return plugin, nil
}

// Endpoint is the plugin socket's file name, relative to the kubelet socket's folder.
func (p *Plugin) Endpoint() string {
	return "kmw-" + strings.ReplaceAll(ResourceName, "/", "-") + ".sock"
}

// Run serves and registers until ctx ends. A restarting kubelet deletes every plugin socket in
// its folder and expects plugins to register again, so a vanished socket starts the cycle anew.
func (p *Plugin) Run(ctx context.Context, registered func()) error {
	socket := filepath.Join(filepath.Dir(p.config.KubeletSocket), p.Endpoint())
	for {
		server, err := p.serve(socket)
		if err != nil {
			return err
		}
		if err := p.register(ctx); err != nil {
			server.Stop()
			os.Remove(socket)
			if ctx.Err() != nil {
				return nil // stopped while registering
			}
			return err
		}
		if registered != nil {
			registered()
		}
		gone := waitUntilRemoved(ctx, socket)
		server.Stop()
		if !gone {
			os.Remove(socket)
			return nil
		}
	}
}

func (p *Plugin) serve(socket string) (*grpc.Server, error) {
	if err := os.Remove(socket); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("removing the old plugin socket %s: %w", socket, err)
	}
	listener, err := net.Listen("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", socket, err)
	}
	server := grpc.NewServer()
	pluginapi.RegisterDevicePluginServer(server, p)
	go server.Serve(listener)
	return server, nil
}

func (p *Plugin) register(ctx context.Context) error {
	connection, err := grpc.NewClient("unix://"+p.config.KubeletSocket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connecting to the kubelet at %s: %w", p.config.KubeletSocket, err)
	}
	defer connection.Close()
	registerCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = pluginapi.NewRegistrationClient(connection).Register(registerCtx, &pluginapi.RegisterRequest{
		Version:      pluginapi.Version,
		Endpoint:     p.Endpoint(),
		ResourceName: ResourceName,
		Options:      &pluginapi.DevicePluginOptions{},
	}, grpc.WaitForReady(true))
	if err != nil {
		return fmt.Errorf("registering %s with the kubelet at %s: %w", ResourceName, p.config.KubeletSocket, err)
	}
	return nil
}

// waitUntilRemoved reports true when the socket file disappears, false when ctx ends first.
func waitUntilRemoved(ctx context.Context, socket string) bool {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-ticker.C:
			if _, err := os.Stat(socket); os.IsNotExist(err) {
				return true
			}
		}
	}
}

func (p *Plugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

// ListAndWatch sends the devices once: simulated GPUs never change health.
func (p *Plugin) ListAndWatch(_ *pluginapi.Empty, stream pluginapi.DevicePlugin_ListAndWatchServer) error {
	if err := stream.Send(&pluginapi.ListAndWatchResponse{Devices: p.devices}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

func (p *Plugin) Allocate(_ context.Context, request *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	response := &pluginapi.AllocateResponse{}
	for _, container := range request.ContainerRequests {
		for _, id := range container.DevicesIds {
			if !p.known[id] {
				return nil, fmt.Errorf("unknown device %q: this plugin serves %d GPUs of node %s", id, len(p.devices), p.config.NodeName)
			}
		}
		allocation := &pluginapi.ContainerAllocateResponse{Envs: map[string]string{
			"NVIDIA_VISIBLE_DEVICES": strings.Join(container.DevicesIds, ","),
			"KMW_GPU_NAME":           p.config.Product,
			"KMW_GPU_MEMORY_MIB":     strconv.Itoa(p.config.MemoryMiB),
		}}
		if p.config.NvidiaSmi != "" {
			allocation.Mounts = []*pluginapi.Mount{{ContainerPath: NvidiaSmiPath, HostPath: p.config.NvidiaSmi, ReadOnly: true}}
		}
		response.ContainerResponses = append(response.ContainerResponses, allocation)
	}
	return response, nil
}

func (p *Plugin) GetPreferredAllocation(context.Context, *pluginapi.PreferredAllocationRequest) (*pluginapi.PreferredAllocationResponse, error) {
	return &pluginapi.PreferredAllocationResponse{}, nil
}

func (p *Plugin) PreStartContainer(context.Context, *pluginapi.PreStartContainerRequest) (*pluginapi.PreStartContainerResponse, error) {
	return &pluginapi.PreStartContainerResponse{}, nil
}
