import type { RuntimeKind } from './runtimes';

/** What kind of model a file or folder holds, judged from file names only. */
export type ModelFormat = 'huggingface' | 'gguf' | 'onnx' | 'torchscript';

export interface DetectedModel {
  readonly format: ModelFormat;
  /** The runtime that serves this format best. */
  readonly suggestedRuntime: RuntimeKind;
  readonly reason: string;
}

const SINGLE_FILE_FORMATS: readonly {
  pattern: RegExp;
  format: ModelFormat;
  runtime: RuntimeKind;
  reason: string;
}[] = [
  {
    pattern: /\.gguf$/i,
    format: 'gguf',
    runtime: 'vllm',
    reason: 'a GGUF file (vLLM serves GGUF)',
  },
  {
    pattern: /\.onnx$/i,
    format: 'onnx',
    runtime: 'triton',
    reason: 'an ONNX file (Triton serves ONNX)',
  },
  {
    pattern: /\.(pt|torchscript)$/i,
    format: 'torchscript',
    runtime: 'triton',
    reason: 'a TorchScript file (Triton serves TorchScript)',
  },
];

/**
 * Detects the model format from a single file name, or from the relative paths inside a folder.
 * Returns undefined when nothing servable is recognised.
 */
export function detectModelFormat(
  entry: { kind: 'file'; name: string } | { kind: 'folder'; files: readonly string[] },
): DetectedModel | undefined {
  if (entry.kind === 'file') {
    const match = SINGLE_FILE_FORMATS.find((candidate) => candidate.pattern.test(entry.name));
    return match && { format: match.format, suggestedRuntime: match.runtime, reason: match.reason };
  }
  const baseNames = entry.files.map((file) => file.split('/').pop() ?? file);
  const hasConfig = baseNames.includes('config.json');
  const hasWeights = baseNames.some(
    (name) => /\.safetensors$/i.test(name) || /^pytorch_model.*\.bin$/i.test(name),
  );
  if (hasConfig && hasWeights) {
    return {
      format: 'huggingface',
      suggestedRuntime: 'vllm',
      reason: 'a Hugging Face folder (config.json and weights)',
    };
  }
  for (const candidate of SINGLE_FILE_FORMATS) {
    if (baseNames.some((name) => candidate.pattern.test(name))) {
      return {
        format: candidate.format,
        suggestedRuntime: candidate.runtime,
        reason: `a folder with ${candidate.reason}`,
      };
    }
  }
  return undefined;
}
