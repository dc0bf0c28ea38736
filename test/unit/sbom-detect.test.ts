import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentError, SbomError } from '../../src-main/errors.js';
import { parseSbom, readSbom, validateParsed } from '../../src-main/sbom/index.js';
import { mlBom, mlBomXml, spdx23, spdx23TagValue, spdx3 } from '../fixtures/sbom-docs.js';
import { tempDir } from '../fixtures/temp.js';

/** The typed error `fn` throws: an SbomError, or a DocumentError for text that does not parse. */
function sbomError(fn: () => unknown): SbomError | DocumentError {
  try {
    fn();
  } catch (e) {
    expect(e instanceof SbomError || e instanceof DocumentError).toBe(true);
    return e as SbomError;
  }
  throw new Error('expected an SbomError');
}

describe('sbom detection by content', () => {
  it.each(['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'])('CycloneDX JSON %s: detected and schema-valid', (v) => {
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: v,
      version: 1,
      components: [{ type: 'library', name: 'x', version: '1' }],
    };
    const p = parseSbom(JSON.stringify(doc));
    expect(p).toMatchObject({ format: 'cyclonedx', encoding: 'json', specVersion: v });
    const r = validateParsed(p);
    expect(r.issues.filter((i) => i.code === 'SCHEMA')).toEqual([]);
    expect(r.schema).toBe(`CycloneDX ${v} JSON schema`);
  });

  it('CycloneDX XML: version from the namespace, default or prefixed', () => {
    expect(parseSbom(mlBomXml('1.5'))).toMatchObject({ format: 'cyclonedx', encoding: 'xml', specVersion: '1.5' });
    const prefixed =
      '<?xml version="1.0"?>\n<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.4" version="1"><cdx:components><cdx:component type="library"><cdx:name>a</cdx:name></cdx:component></cdx:components></cdx:bom>';
    const p = parseSbom(prefixed);
    expect(p).toMatchObject({ format: 'cyclonedx', encoding: 'xml', specVersion: '1.4' });
    expect(p.data.components).toEqual([{ type: 'library', name: 'a' }]);
    expect(validateParsed(p).valid).toBe(true);
  });

  it('SPDX 2.3 JSON, 2.2 JSON, tag-value and 3.0.1 JSON-LD', () => {
    expect(parseSbom(JSON.stringify(spdx23()))).toMatchObject({ format: 'spdx', encoding: 'json', specVersion: '2.3' });
    expect(parseSbom(JSON.stringify({ ...spdx23(), spdxVersion: 'SPDX-2.2' }))).toMatchObject({ specVersion: '2.2' });
    const tv = parseSbom(spdx23TagValue());
    expect(tv).toMatchObject({ format: 'spdx', encoding: 'tag-value', specVersion: '2.3' });
    expect((tv.data.packages as { name: string }[]).map((p) => p.name)).toEqual(['person-detector', 'onnxruntime']);
    expect((tv.data.packages as { comment: string }[])[0]!.comment).toBe('An object detector\nfor edge cameras.');
    expect(parseSbom(JSON.stringify(spdx3()))).toMatchObject({
      format: 'spdx',
      encoding: 'json-ld',
      specVersion: '3.0.1',
    });
  });

  it('names what it recognised when the input is not an SBOM', () => {
    expect(sbomError(() => parseSbom('{"name":"x","version":"1"}')).message).toMatch(
      /JSON object without bomFormat\/spdxVersion\/@context \(top-level keys: name, version\)/,
    );
    expect(sbomError(() => parseSbom('[1,2]')).message).toMatch(/JSON array/);
    expect(sbomError(() => parseSbom('hello world')).message).toMatch(/neither JSON, XML nor SPDX tag-value/);
    expect(sbomError(() => parseSbom('<project><a/></project>')).message).toMatch(/root <project>/);
    expect(sbomError(() => parseSbom('{"@context":"https://schema.org"}')).message).toMatch(/JSON-LD .* not SPDX 3/);
    expect(sbomError(() => parseSbom('{"bomFormat":"SWID"}')).message).toMatch(/bomFormat "SWID"/);
    expect(sbomError(() => parseSbom('   ')).code).toBe('NOT_AN_SBOM');
    for (const e of [() => parseSbom('[1]'), () => parseSbom('x')]) expect(sbomError(e).code).toBe('NOT_AN_SBOM');
  });

  it('malformed JSON: line and column', () => {
    const text = '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n  "components": [ { "name": "a", } ]\n}';
    const e = sbomError(() => parseSbom(text, 'bom.json'));
    expect(e.code).toBe('MALFORMED_JSON');
    expect(e.where).toBe('bom.json:4:34');
    expect(e.message).toMatch(/line 4, column 34: expected a double-quoted property name/);
    expect(sbomError(() => parseSbom('{"a": 1,\n "b" 2}')).message).toMatch(/line 2, column 6: expected ":"/);
    expect(sbomError(() => parseSbom('{"a": "x')).message).toMatch(/unterminated string/);
    const deep = '['.repeat(300) + ']'.repeat(300);
    expect(sbomError(() => parseSbom(deep)).code).toBe('JSON_TOO_DEEP');
  });

  it('malformed tag-value: line number', () => {
    const e = sbomError(() => parseSbom('SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nthis is not a tag\n', 'x.spdx'));
    expect(e).toMatchObject({ code: 'MALFORMED_TAG_VALUE', where: 'x.spdx line 3, column 1' });
    expect(sbomError(() => parseSbom('SPDXVersion: SPDX-2.3\nPackageComment: <text>never closed\n')).code).toBe(
      'MALFORMED_TAG_VALUE',
    );
  });

  it('malformed XML: line and column', () => {
    const e = sbomError(() =>
      parseSbom('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n  <components>\n</bom>'),
    );
    expect(e.code).toBe('MALFORMED_XML');
    expect(e.where).toBe('line 4, column 7');
    expect(e.message).toMatch(/Opening and ending tag mismatch: components line 3 and bom at line 4, column 7$/);
  });

  it('refuses a file over the size cap before reading it', async () => {
    const dir = tempDir('sbom-');
    const f = join(dir, 'big.json');
    writeFileSync(f, JSON.stringify(mlBom()));
    await expect(readSbom(f, { maxBytes: 100 })).rejects.toMatchObject({ code: 'SBOM_TOO_LARGE' });
    await expect(readSbom(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'SBOM_UNREADABLE' });
    await expect(readSbom(f)).resolves.toMatchObject({ specVersion: '1.6' });
  });
});

describe('hostile XML', () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>&lol9;</name></component></components></bom>`;
  const xxe = `<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>&xxe;</name></component></components></bom>`;

  it('billion laughs is refused without expansion', () => {
    const e = sbomError(() => parseSbom(laughs));
    expect(e.code).toBe('XML_DOCTYPE_REFUSED');
    expect(e.where).toBe('line 2, column 1');
  });
  it('an external entity is refused, nothing fetched', () => {
    expect(sbomError(() => parseSbom(xxe)).code).toBe('XML_DOCTYPE_REFUSED');
  });
  it('XML nested 100,000 levels: a clean input error, as for JSON', () => {
    const open = '<component type="library"><name>x</name><components>';
    const deep = `<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>${open.repeat(100_000)}${'</components></component>'.repeat(100_000)}</components></bom>`;
    const e = sbomError(() => parseSbom(deep, 'deep.xml'));
    expect(e.code).toBe('XML_TOO_DEEP');
    expect(e.message).toMatch(/^XML nests deeper than 256 elements \(at line 1, column \d+\)$/);
    expect(e.where).toMatch(/^deep\.xml line 1, column \d+$/);
    expect(e.hint).toMatch(/a few dozen levels/);
  });

  it('an entity the document does not declare is an error, never fetched or expanded', () => {
    const e = sbomError(() =>
      parseSbom(
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n<components><component type="library"><name>&xxe;</name></component></components></bom>',
      ),
    );
    expect(e).toMatchObject({ code: 'MALFORMED_XML', where: expect.stringMatching(/^line 2, column \d+$/) });
    expect(e.message).toMatch(/Entity 'xxe' not defined/);
  });

  it('predefined entities and character references are decoded once', () => {
    const text =
      '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>a&amp;b &#65; &amp;lt; <![CDATA[<c>]]></name></component></components></bom>';
    expect((parseSbom(text).data.components as { name: string }[])[0]!.name).toBe('a&b A &lt; <c>');
  });

  it('elements and attributes of other namespaces are left to the XSD, not read as CycloneDX', () => {
    const text = `<bom xmlns="http://cyclonedx.org/schema/bom/1.6" xmlns:x="urn:example" version="1"><components>
<component type="library" x:type="evil" bom-ref="a"><name>a</name><x:name>b</x:name><x:component bom-ref="a"/></component>
</components></bom>`;
    const p = parseSbom(text);
    expect(p.data.components).toEqual([{ type: 'library', 'bom-ref': 'a', name: 'a' }]);
    expect(validateParsed(p).valid).toBe(true);
  });

  it('an undeclared entity reference is never expanded', () => {
    const text =
      '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>a&amp;b &#65; &xxe;</name></component></components></bom>';
    let name: unknown;
    try {
      name = (parseSbom(text).data.components as { name: string }[])[0]!.name;
    } catch (e) {
      expect((e as SbomError).code).toBe('MALFORMED_XML');
      return;
    }
    expect(name).toBe('a&b A &xxe;');
  });
});
