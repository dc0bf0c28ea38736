import type { Dim } from '../formats/index.js';

/** Channel counts that make a dimension look like image channels. */
const CHANNELS = new Set([1, 3, 4]);

function isChannel(d: Dim | undefined): boolean {
  return typeof d === 'number' && CHANNELS.has(d);
}

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
