// nvidia-smi for the sandbox's simulated GPUs, mounted into GPU containers by the device plugin
// as NVIDIA's container toolkit mounts the driver's. Static, so it runs in any image.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"kube-ml-workbench/sandbox/gpu/nvidiasmi"
)

// The real tool's exit code when it finds no GPU.
const exitNoDevices = 6

func main() {
	var query, format string
	var list bool
	loopSeconds := 0
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case (arg == "-l" || arg == "--loop") && i+1 < len(args):
			i++
			loopSeconds, _ = strconv.Atoi(args[i])
		case strings.HasPrefix(arg, "--query-gpu="):
			query = strings.TrimPrefix(arg, "--query-gpu=")
		case strings.HasPrefix(arg, "--format="):
			format = strings.TrimPrefix(arg, "--format=")
		case strings.HasPrefix(arg, "-l="), strings.HasPrefix(arg, "--loop="):
			loopSeconds, _ = strconv.Atoi(arg[strings.Index(arg, "=")+1:])
		case arg == "-L" || arg == "--list-gpus":
			list = true
		case arg == "-h" || arg == "--help":
			fmt.Println("nvidia-smi (Kube ML sandbox stand-in): the table, -L, --query-gpu=... --format=csv[,noheader][,nounits], -l=N")
			return
		default:
			fmt.Fprintf(os.Stderr, "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n")
			os.Exit(2)
		}
	}
	if query != "" && !strings.HasPrefix(format, "csv") {
		fmt.Fprintln(os.Stderr, "--query-gpu needs --format=csv")
		os.Exit(2)
	}
	memoryMiB, _ := strconv.Atoi(os.Getenv("KMW_GPU_MEMORY_MIB"))
	gpus := nvidiasmi.VisibleGPUs(os.Getenv("NVIDIA_VISIBLE_DEVICES"), os.Getenv("KMW_GPU_NAME"), memoryMiB)
	if len(gpus) == 0 {
		fmt.Println("No devices were found")
		os.Exit(exitNoDevices)
	}
	for {
		now := time.Now()
		switch {
		case list:
			nvidiasmi.List(os.Stdout, gpus)
		case query != "":
			nvidiasmi.CSV(os.Stdout, gpus, query, format, now)
		default:
			nvidiasmi.Table(os.Stdout, gpus, now)
		}
		if loopSeconds <= 0 {
			return
		}
		time.Sleep(time.Duration(loopSeconds) * time.Second)
	}
}
