import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey, signerFromPrivateKeyPem, signModel } from '../../src-main/signing/index.js';
import { listModelFiles } from '../../src-main/signing/files.js';
import { compareCodePoints, DEFAULT_IGNORES, IgnoreSet, relativeToRoot } from '../../src-main/signing/ignores.js';
import { tempDir } from '../fixtures/temp.js';

function tree(files: Record<string, string>): string {
  const root = join(tempDir(), 'model');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

const names = async (root: string, ignore = new IgnoreSet(DEFAULT_IGNORES)) =>
  (await listModelFiles(root, { ignore })).files.map((f) => f.name);

describe('model file enumeration (OMS canonicalization)', () => {
  it('recurses, keeps dotfiles, sorts by code point (not by path components)', async () => {
    const root = tree({
      'a/b': '1',
      'a-b': '2',
      'a.txt': '3',
      '.hidden/x': '4',
      '.env': '5',
      Z: '6',
      é: '7',
      'with space': '8',
      '😀': '9',
      ﬀ: '10',
    });
    expect(await names(root)).toEqual(['.env', '.hidden/x', 'Z', 'a-b', 'a.txt', 'a/b', 'with space', 'é', 'ﬀ', '😀']);
    // UTF-16 order would put U+1F600 (surrogates D83D…) before U+FB00; code-point order does not.
    expect(compareCodePoints('😀', 'ﬀ')).toBeGreaterThan(0);
    expect(['😀', 'ﬀ'].sort()).toEqual(['😀', 'ﬀ']);
  });

  it('leaves out .git, .github, .gitignore, .gitattributes at the root only', async () => {
    const root = tree({
      '.git/HEAD': 'x',
      '.github/ci.yml': 'x',
      '.gitignore': 'x',
      '.gitattributes': 'x',
      'sub/.git/HEAD': 'y',
      'm.bin': 'z',
    });
    expect(await names(root)).toEqual(['m.bin', 'sub/.git/HEAD']);
  });

  it('ignores exact relative paths and whole folders, not prefixes of names', async () => {
    const root = tree({ 'keep/a': '1', 'drop/a': '2', 'dropped.txt': '3', 'x/y/z': '4', 'x/y2': '5' });
    const ignore = new IgnoreSet(DEFAULT_IGNORES).add('drop').add('x/y');
    expect(await names(root, ignore)).toEqual(['dropped.txt', 'keep/a', 'x/y2']);
    expect(relativeToRoot(root, join(root, 'x', 'y'))).toBe('x/y');
    expect(relativeToRoot(root, 'x/y')).toBe('x/y');
    expect(relativeToRoot(root, '/elsewhere/file')).toBeUndefined();
    expect(relativeToRoot(root, '../model-other')).toBeUndefined();
  });

  it('rejects symlinks (allow_symlinks=false), including link cycles', async () => {
    const root = tree({ 'real.bin': 'x' });
    symlinkSync(join(root, 'real.bin'), join(root, 'link.bin'));
    await expect(names(root)).rejects.toMatchObject({ code: 'SYMLINK_NOT_ALLOWED', where: join(root, 'link.bin') });
    const cyc = tree({ f: 'x' });
    symlinkSync(cyc, join(cyc, 'loop'));
    await expect(names(cyc)).rejects.toMatchObject({ code: 'SYMLINK_NOT_ALLOWED' });
    // An ignored link is fine.
    expect(await names(cyc, new IgnoreSet(['loop']))).toEqual(['f']);
  });

  it('rejects a file name that is not valid UTF-8', async () => {
    const root = tree({ ok: '1' });
    writeFileSync(Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xff, 0xfe])]), 'x');
    await expect(names(root)).rejects.toMatchObject({ code: 'INVALID_FILE_NAME' });
  });

  it('refuses to sign an empty model (after exclusions) or a missing path', async () => {
    const signer = signerFromPrivateKeyPem(generateKey().privateKeyPem);
    const root = tree({ '.git/HEAD': 'x' });
    await expect(signModel(root, signer)).rejects.toMatchObject({ code: 'EMPTY_MODEL' });
    await expect(signModel(join(root, 'nope'), signer)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
