import type { Dim } from '../formats/index.js';

/** Channel counts that make a dimension look like image channels. */
const CHANNELS = new Set([1, 3, 4]);

function isChannel(d: Dim | undefined): boolean {
  return typeof d === 'number' && CHANNELS.has(d);
}

const isFixed = (d: Dim | undefined): boolean => typeof d === 'number';

/** A spatial dimension: symbolic/unknown, or a number that is not a plausible channel count. */
function isSpatial(d: Dim | undefined): boolean {
  return d === null || typeof d === 'string' || (typeof d === 'number' && d > 4);
}

/**
 * Guesses an image tensor's layout from its shape: [N,C,H,W] → NCHW, [N,H,W,C] → NHWC (and the
 * batchless CHW / HWC). Returns undefined when the shape is not image-like or is ambiguous.
 */
export function guessLayout(shape: Dim[] | null): string | undefined {
  if (!shape) return undefined;
  const s = shape.length === 4 ? shape.slice(1) : shape.length === 3 ? shape : undefined;
  if (!s) return undefined;
  const prefix = shape.length === 4 ? 'N' : '';
  const chw = isChannel(s[0]) && isSpatial(s[1]) && isSpatial(s[2]);
  const hwc = isChannel(s[2]) && isSpatial(s[0]) && isSpatial(s[1]);
  if (chw === hwc) return undefined;
  return prefix + (chw ? 'CHW' : 'HWC');
}

/** Element types an image arrives in: 8-bit pixels, or floats after normalization. */
const IMAGE_DTYPES = new Set(['uint8', 'float16', 'bfloat16', 'float32', 'float64']);

/**
 * Whether an input can be an image, so that image preprocessing (layout, color order, mean/std,
 * resize) applies to it: rank 3 or 4 with a channel dimension where a layout puts it (1, 3 or 4,
 * or not fixed) and an image element type. An int64 scalar (an audio sample rate) or an LSTM
 * state [2, batch, 128] cannot. The one rule for prefill and for the Studio's editor.
 */
export function canBeImage(t: { dtype: string; shape: Dim[] | null }): boolean {
  const shape = t.shape;
  if (!IMAGE_DTYPES.has(t.dtype) || !shape || (shape.length !== 3 && shape.length !== 4)) return false;
  const s = shape.length === 4 ? shape.slice(1) : shape;
  // A dimension not fixed counts as channels only beside a batch dimension (rank 4): in rank 3 it is the batch.
  const maybeChannel = (d: Dim | undefined) => isChannel(d) || (shape.length === 4 && !isFixed(d));
  return (
    (maybeChannel(s[0]) && isSpatial(s[1]) && isSpatial(s[2])) ||
    (maybeChannel(s[2]) && isSpatial(s[0]) && isSpatial(s[1]))
  );
}

/** Height and width of an image tensor in `layout`, when they are fixed numbers. */
export function spatialSize(shape: Dim[] | null, layout: string): { width?: number; height?: number } {
  if (!shape || shape.length !== layout.length) return {};
  const h = shape[layout.indexOf('H')];
  const w = shape[layout.indexOf('W')];
  return {
    ...(typeof w === 'number' && layout.includes('W') ? { width: w } : {}),
    ...(typeof h === 'number' && layout.includes('H') ? { height: h } : {}),
  };
}
