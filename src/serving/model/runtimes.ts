/**
 * Serving runtimes we know how to start: image, port, health path and the arguments that point
 * the server at a model folder. The port is never below 1024 because restricted pods run as a
 * non-root user, which cannot bind privileged ports (so TGI listens on 8080, not its default 80).
 */
export type RuntimeKind = 'vllm' | 'tgi' | 'triton' | 'custom';

export interface RuntimePreset {
  readonly kind: RuntimeKind;
  readonly label: string;
  readonly description: string;
  readonly image: string;
  readonly port: number;
  /** HTTP path answering 200 once the model is loaded. */
  readonly healthPath: string;
  /** Whether /v1/chat/completions and /v1/completions exist (the playground needs them). */
  readonly openAiCompatible: boolean;
  /** Container arguments serving the model at `modelPath` under `servedName` with `gpus` GPUs. */
  args(modelPath: string, servedName: string, gpus: number, port: number): string[];
  /** Arguments that make the server require the key in `$(variable)`, for runtimes that can. */
  apiKeyArgs?(variable: string): string[];
}

export const RUNTIME_PRESETS: Readonly<Record<Exclude<RuntimeKind, 'custom'>, RuntimePreset>> = {
  vllm: {
    kind: 'vllm',
    label: 'vLLM (OpenAI-compatible API)',
    description: 'vllm/vllm-openai: fast LLM serving, Hugging Face folders and GGUF files',
    image: 'vllm/vllm-openai:v0.6.3',
    port: 8000,
    healthPath: '/health',
    openAiCompatible: true,
    args: (modelPath, servedName, gpus, port) => [
      '--model',
      modelPath,
      '--served-model-name',
      servedName,
      '--host',
      '0.0.0.0',
      '--port',
      String(port),
      ...(gpus > 1 ? ['--tensor-parallel-size', String(gpus)] : []),
    ],
    // Kubernetes expands $(VAR) from the container's environment, filled from the Secret.
    apiKeyArgs: (variable) => ['--api-key', `$(${variable})`],
  },
  tgi: {
    kind: 'tgi',
    label: 'Hugging Face Text Generation Inference',
    description:
      'ghcr.io/huggingface/text-generation-inference: Hugging Face folders (OpenAI-compatible Messages API)',
    image: 'ghcr.io/huggingface/text-generation-inference:2.4.0',
    port: 8080,
    healthPath: '/health',
    openAiCompatible: true,
    args: (modelPath, _servedName, gpus, port) => [
      '--model-id',
      modelPath,
      '--hostname',
      '0.0.0.0',
      '--port',
      String(port),
      ...(gpus > 1 ? ['--num-shard', String(gpus)] : []),
    ],
  },
  triton: {
    kind: 'triton',
    label: 'NVIDIA Triton Inference Server',
    description: 'nvcr.io/nvidia/tritonserver: ONNX and TorchScript model repositories',
    image: 'nvcr.io/nvidia/tritonserver:24.10-py3',
    port: 8000,
    healthPath: '/v2/health/ready',
    openAiCompatible: false,
    args: (modelPath, _servedName, _gpus, port) => [
      'tritonserver',
      `--model-repository=${modelPath}`,
      `--http-port=${port}`,
    ],
  },
};

export function runtimePreset(kind: RuntimeKind): RuntimePreset | undefined {
  return kind === 'custom' ? undefined : RUNTIME_PRESETS[kind];
}
