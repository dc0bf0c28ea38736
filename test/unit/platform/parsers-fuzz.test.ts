/** Parsers the platform applies to untrusted input, fuzzed: Content-Range, tokens, package paths, database URLs. */
import { describe, expect, it } from 'vitest';
import { FleetpackError } from '../../../src-main/errors.js';
import { isSafePath, parseDatabaseTarget, redactUrl } from '../../../src-main/platform/index.js';
import { parseContentRange } from '../../../src-main/server/index.js';
import { rng } from '../../fixtures/rng.js';

const rnd = rng(17);
const alphabet = '0123456789-/ *bytes=,.\u0000\n\\ab/..';
function junk(max: number): string {
  const n = Math.floor(rnd() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet.charAt(Math.floor(rnd() * alphabet.length));
  return s;
}

describe('Content-Range', () => {
  it('accepts the OCI and the HTTP forms', () => {
    expect(parseContentRange('0-9')).toEqual({ start: 0, end: 9 });
    expect(parseContentRange('bytes 10-19/100')).toEqual({ start: 10, end: 19 });
    expect(parseContentRange('bytes 10-19/*')).toEqual({ start: 10, end: 19 });
    expect(parseContentRange(undefined)).toBeUndefined();
  });
  it('refuses garbage with a typed error and never throws anything else', () => {
    for (const bad of ['', '9-0', 'bytes=0-9', '-1-5', '0-99999999999999999', 'a-b', '0-9/x']) {
      expect(() => parseContentRange(bad)).toThrow(FleetpackError);
    }
    for (let i = 0; i < 20_000; i++) {
      const s = junk(30);
      try {
        const r = parseContentRange(s);
        if (r) expect(r.end).toBeGreaterThanOrEqual(r.start);
      } catch (e) {
        expect(e).toBeInstanceOf(FleetpackError);
        expect((e as FleetpackError).code).toBe('UPLOAD_RANGE_INVALID');
      }
    }
  });
});

describe('package paths', () => {
  it('accepts package paths and refuses escapes', () => {
    for (const ok of ['model.onnx', 'weights/part-1.bin', 'a b.txt', 'fleetpack.json'])
      expect(isSafePath(ok)).toBe(true);
    for (const bad of [
      '',
      '/etc/passwd',
      '../x',
      'a/../b',
      'a//b',
      'a/',
      '.',
      'x\\y',
      'a\u0000b',
      'a/./b',
      'trailing ',
    ]) {
      expect(isSafePath(bad)).toBe(false);
    }
  });
  it('never accepts a path with a dot segment or a control character, whatever the input', () => {
    for (let i = 0; i < 20_000; i++) {
      const s = junk(24);
      if (isSafePath(s)) {
        expect(s.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')).toBe(false);
        expect(Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).some((c) => c < 0x20 || c === 0x5c)).toBe(
          false,
        );
        expect(s.startsWith('/')).toBe(false);
      }
    }
  });
});

describe('database targets', () => {
  it('reads postgres URLs, sqlite paths, and refuses other schemes', () => {
    expect(parseDatabaseTarget('postgres://u:p@h:5432/db')).toEqual({ postgres: 'postgres://u:p@h:5432/db' });
    expect(parseDatabaseTarget('sqlite:/tmp/x.db')).toEqual({ sqlite: '/tmp/x.db' });
    expect(parseDatabaseTarget('./data/platform.db')).toEqual({ sqlite: './data/platform.db' });
    expect(() => parseDatabaseTarget('mysql://h/db')).toThrow(/Unsupported database URL scheme/);
  });
  it('never shows a password', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db')).not.toContain('secret');
    expect(redactUrl('postgres://u:secret@h:5432/db')).toContain('***');
  });
});
