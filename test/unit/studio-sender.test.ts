import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trustedRenderer } from '../../src-main/app/sender.js';

const index = pathToFileURL('/opt/Fleetpack/resources/app/out/renderer/index.html').href;

describe('IPC sender check', () => {
  it('trusts only our renderer page', () => {
    const ok = trustedRenderer(index);
    expect(ok(index)).toBe(true);
    expect(ok(`${index}#/sign`)).toBe(true);
  });
  it('refuses other local files, remote pages, look-alikes and garbage', () => {
    const ok = trustedRenderer(index);
    expect(ok(pathToFileURL('/tmp/evil/index.html').href)).toBe(false);
    expect(ok(index.replace('index.html', 'index.html.evil.html'))).toBe(false);
    expect(ok('https://example.com/out/renderer/index.html')).toBe(false);
    expect(ok('file://evil.example/opt/Fleetpack/resources/app/out/renderer/index.html')).toBe(false);
    expect(ok('about:blank')).toBe(false);
    expect(ok('not a url')).toBe(false);
  });
  it('trusts the dev server only by exact origin, and only when one is configured', () => {
    const ok = trustedRenderer(index, 'http://localhost:5173/');
    expect(ok('http://localhost:5173/')).toBe(true);
    expect(ok('http://localhost:5174/')).toBe(false);
    expect(ok('http://localhost.evil.com:5173/')).toBe(false);
    expect(trustedRenderer(index)('http://localhost:5173/')).toBe(false);
  });
});
