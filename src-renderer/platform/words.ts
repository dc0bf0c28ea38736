import type { Release } from '../../src-main/studio/contract';

/** A release's signature status in words (the platform's verdict, with the key). */
export function signatureText(r: Release): string {
  const key = r.signature.keyId ? ` ${r.signature.keyId.slice(0, 16)}…` : '';
  switch (r.signature.status) {
    case 'verified':
      return `verified (key${key})`;
    case 'unverified':
      return `signed (key${key}), files match; the key is not registered on the platform`;
    case 'unsigned':
      return 'unsigned';
  }
}
