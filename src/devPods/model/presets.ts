/**
 * Image presets offered by the guided flow and accepted by `.kubeml/devpod.yaml` (`image: pytorch`).
 * Tags are pinned so that Resume and a teammate's create get the same software.
 */
export type ImagePresetId = 'pytorch' | 'jax' | 'huggingface' | 'cuda' | 'custom';

export interface ImagePreset {
  readonly id: ImagePresetId;
  readonly label: string;
  readonly description: string;
  /** Empty for 'custom': the user types the image. */
  readonly image: string;
}

export const IMAGE_PRESETS: readonly ImagePreset[] = [
  {
    id: 'pytorch',
    label: 'PyTorch (CUDA)',
    description: 'PyTorch 2.4, CUDA 12.4, cuDNN 9',
    image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
  },
  {
    id: 'jax',
    label: 'JAX (CUDA)',
    description: 'NVIDIA JAX container, CUDA 12',
    image: 'nvcr.io/nvidia/jax:24.04-py3',
  },
  {
    id: 'huggingface',
    label: 'Hugging Face transformers',
    description: 'transformers + PyTorch on CUDA',
    image: 'huggingface/transformers-pytorch-gpu:4.41.2',
  },
  {
    id: 'cuda',
    label: 'Plain CUDA',
    description: 'CUDA 12.4 runtime + cuDNN on Ubuntu 22.04',
    image: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04',
  },
  { id: 'custom', label: 'Custom image…', description: 'Any image reference', image: '' },
];

export const DEFAULT_IMAGE_PRESET: ImagePresetId = 'pytorch';

export function presetById(id: string): ImagePreset | undefined {
  return IMAGE_PRESETS.find((preset) => preset.id === id);
}

/** `image` as written in a file or typed: a preset id expands to its image, anything else is an image reference. */
export function resolveImage(image: string): { image: string; preset: ImagePresetId } {
  const preset = presetById(image);
  if (preset && preset.id !== 'custom') {
    return { image: preset.image, preset: preset.id };
  }
  const known = IMAGE_PRESETS.find(
    (candidate) => candidate.image === image && candidate.id !== 'custom',
  );
  return { image, preset: known?.id ?? 'custom' };
}
