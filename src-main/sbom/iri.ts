/**
 * The JSON-schema format `iri-reference` (CycloneDX externalReferences[].url and others).
 * ajv-formats has `uri-reference` but no IRI formats, and the CycloneDX library accepts any string.
 * An IRI-reference is a URI-reference that may also hold non-ASCII characters (RFC 3987 §2.2
 * `ucschar`, `iprivate`); §3.1 maps it to a URI by percent-encoding those. So: map them, then apply
 * ajv-formats' full-mode `uri-reference` — what `${VERSION}` or a space fails, as it does in
 * the Python reference validator (rfc3987).
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isAscii } from '../text.js';

const URI_REFERENCE = fullFormats['uri-reference'] as RegExp;

function isIriChar(cp: number): boolean {
  if (cp >= 0xa0 && cp <= 0xd7ff) return true;
  if (cp >= 0xe000 && cp <= 0xf8ff) return true; // iprivate
  if (cp >= 0xf900 && cp <= 0xfdcf) return true;
  if (cp >= 0xfdf0 && cp <= 0xffef) return true;
  if (cp >= 0xe0000 && cp <= 0xe0fff) return false; // tags and variation selectors: neither
  // planes 1–16 except each plane's last two code points (planes 15 and 16 are iprivate)
  return cp >= 0x10000 && cp <= 0x10fffd && (cp & 0xfffe) !== 0xfffe;
}

export function isIriReference(s: string): boolean {
  if (isAscii(s)) return URI_REFERENCE.test(s);
  let mapped = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) mapped += ch;
    else if (isIriChar(cp)) mapped += '%00';
    else return false;
  }
  return URI_REFERENCE.test(mapped);
}
