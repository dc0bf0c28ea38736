import { describe, expect, it } from 'vitest';
import { DocumentError, SbomError } from '../../src-main/errors.js';
import { parseSbom, validateParsed, type SbomValidation } from '../../src-main/sbom/index.js';
import {
  bigCycloneDx,
  denseCycloneDx,
  denseCycloneDxXml,
  MODEL_SHA256,
  mlBom,
  mlBomXml,
  spdx23,
  spdx23TagValue,
  spdx3,
} from '../fixtures/sbom-docs.js';

const check = (doc: unknown): SbomValidation =>
  validateParsed(parseSbom(typeof doc === 'string' ? doc : JSON.stringify(doc)));
const codes = (r: SbomValidation, severity = 'error') =>
  r.issues.filter((i) => i.severity === severity).map((i) => `${i.code} ${i.pointer}`);

describe('valid documents of every supported kind', () => {
  it.each([
    ['CycloneDX 1.6 ML-BOM', () => mlBom('1.6')],
    ['CycloneDX 1.7 ML-BOM', () => mlBom('1.7')],
    ['CycloneDX 1.5 ML-BOM', () => mlBom('1.5')],
    ['CycloneDX 1.6 XML', () => mlBomXml('1.6')],
    ['CycloneDX 1.7 XML', () => mlBomXml('1.7')],
    ['SPDX 2.3 JSON', () => spdx23()],
    ['SPDX 2.3 tag-value', () => spdx23TagValue()],
    ['SPDX 3.0.1 JSON-LD', () => spdx3()],
  ])('%s: valid, no errors, NTIA minimum met', (_name, make) => {
    const r = check(make());
    expect(codes(r)).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.ntia).toMatchObject({ score: 1, meetsMinimum: true, gaps: [] });
    expect(r.ntia.components).toBeGreaterThanOrEqual(2);
  });
});

describe('schema errors: all of them, with JSON pointers', () => {
  it('CycloneDX: every problem is reported, not just the first', () => {
    const doc = mlBom();
    doc.components[1].type = 'gadget';
    doc.metadata.component.modelCard.quantitativeAnalysis.performanceMetrics[0].value = 0.52;
    doc.metadata.component.licenses = [{ license: { id: 'LicenseRef-llama2' } }];
    doc.serialNumber = 'not-a-urn';
    const r = check(doc);
    expect(r.valid).toBe(false);
    const ptrs = r.issues.filter((i) => i.code === 'SCHEMA').map((i) => i.pointer);
    expect(ptrs).toContain('/components/1/type');
    expect(ptrs).toContain('/metadata/component/modelCard/quantitativeAnalysis/performanceMetrics/0/value');
    expect(ptrs).toContain('/serialNumber');
    expect(ptrs.some((p) => p.startsWith('/metadata/component/licenses/0'))).toBe(true);
    expect(r.issues.find((i) => i.pointer === '/components/1/type')!.message).toMatch(
      /must be one of: .*"machine-learning-model"/,
    );
  });

  it('CycloneDX XML: checked against the official XSD, errors with line and column', () => {
    const xml = mlBomXml('1.6')
      .replace('type="framework"', 'type="gadget"')
      .replace('<task>object-detection</task>', '<task>object-detection</task><bogus>1</bogus>');
    const r = check(xml);
    expect(r.schema).toBe('CycloneDX 1.6 XSD');
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => [i.code, i.line, i.column])).toEqual([
      ['SCHEMA', 16, 40], // <bogus> after <task>
      ['SCHEMA', 32, 16], // the type attribute of the framework component
    ]);
    expect(r.issues[0]!.message).toMatch(/^Element 'bogus': This element is not expected\. .*\(line 16, column 40\)$/);
    expect(r.issues[1]!.message).toMatch(/attribute 'type': .*'gadget' is not an element of the set/);
  });

  it('CycloneDX XML: columns stay right past comments, CDATA, processing instructions and other namespaces', () => {
    // everything on one line, so only the column tells the two bad components apart
    const xml =
      '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6" xmlns:x="urn:x" version="1"><components>' +
      '<!-- <component type="nope"> --><?pi <component?><component type="library"><name><![CDATA[<a><b>]]></name><x:ext><x:in/></x:ext></component>' +
      '<component type="bad1"><name>b</name></component><component\n   bom-ref="c" type="bad2"><name>c</name></component></components></bom>';
    const r = check(xml);
    const col = (needle: string, line = 1) => xml.split('\n')[line - 1]!.indexOf(needle) + 1;
    expect(r.issues.map((i) => [i.line, i.column])).toEqual([
      [1, col('type="bad1"')],
      [2, col('type="bad2"', 2)],
    ]);
  });

  it('CycloneDX XML: every section is checked by the XSD (nothing is skipped)', () => {
    const ok = check(
      mlBomXml('1.6', '<vulnerabilities><vulnerability><id>CVE-1</id></vulnerability></vulnerabilities>'),
    );
    expect(ok.valid).toBe(true);
    expect(ok.issues).toEqual([]);
    const bad = check(
      mlBomXml('1.6', '<vulnerabilities><vulnerability><id>CVE-1</id><bogus/></vulnerability></vulnerabilities>'),
    );
    expect(bad.valid).toBe(false);
    expect(bad.issues[0]!.message).toMatch(/^Element 'bogus': This element is not expected/);
  });

  it('uniqueItems is checked in linear time and still finds equal items written in another key order', () => {
    const doc = mlBom();
    const rt = doc.components[1];
    doc.components.push(Object.fromEntries(Object.entries(rt).reverse()));
    const r = check(doc);
    expect(r.issues.find((i) => i.code === 'SCHEMA')).toMatchObject({
      pointer: '/components',
      message: 'must NOT have duplicate items (items ## 1 and 2 are identical)',
    });
    doc.components[2] = { ...doc.components[2], version: '1.18.0', 'bom-ref': 'other' };
    expect(check(doc).issues.filter((i) => i.code === 'SCHEMA')).toEqual([]);
  });

  it('iri-reference: a URL with ${…} or a space is refused; IRIs with non-ASCII characters pass', () => {
    const withUrl = (url: string) => {
      const doc = mlBom();
      doc.components[1].externalReferences = [{ type: 'website', url }];
      return check(doc);
    };
    for (const bad of ['https://example.com/${VERSION}/x', 'https://example.com/a b', 'https://exa mple.com'])
      expect(codes(withUrl(bad)), bad).toContain('SCHEMA /components/1/externalReferences/0/url');
    for (const good of [
      'https://example.com/releases/1.17.0?x=1#y',
      'https://例え.jp/パス?q=値',
      '../docs/model-card.md',
      'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#model',
      'mailto:security@example.com',
    ])
      expect(codes(withUrl(good)), good).toEqual([]);
  });

  it('SPDX 2.3: missing required fields and bad enums', () => {
    const doc = spdx23();
    delete doc.dataLicense;
    doc.packages[0].primaryPackagePurpose = 'MODEL';
    delete doc.packages[1].downloadLocation;
    const r = check(doc);
    expect(codes(r)).toEqual(
      expect.arrayContaining(['SCHEMA ', 'SCHEMA /packages/0/primaryPackagePurpose', 'SCHEMA /packages/1']),
    );
    expect(r.issues.find((i) => i.pointer === '')!.message).toBe('missing required property "dataLicense"');
  });

  it('SPDX 2.2 is checked against the 2.2 schema (stricter than 2.3)', () => {
    const doc: Record<string, any> = { ...spdx23(), spdxVersion: 'SPDX-2.2' };
    doc.packages = doc.packages.map((p: Record<string, unknown>) => {
      const { primaryPackagePurpose: _, ...rest } = p;
      return { ...rest, licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION' };
    });
    const ok = check(doc);
    expect(ok.schema).toBe('SPDX 2.2 JSON schema');
    expect(codes(ok)).toEqual([]);
    delete doc.packages[1].copyrightText;
    doc.packages[0].primaryPackagePurpose = 'OTHER'; // a 2.3 field
    expect(codes(check(doc))).toEqual(['SCHEMA /packages/0', 'SCHEMA /packages/1']);
    expect(check(doc).issues.map((i) => i.message)).toEqual([
      'unexpected property "primaryPackagePurpose"',
      'missing required property "copyrightText"',
    ]);
  });

  it('SPDX 3: numeric ai_metric value, wrong @context, bad date, unknown class', () => {
    const doc = spdx3();
    doc['@graph'][3].ai_metric[0].value = 0.52;
    doc['@graph'][0].created = '2025-05-01';
    doc['@graph'].push({ type: 'FancyThing', spdxId: 'x', creationInfo: '_:creationinfo' });
    const r = check(doc);
    expect(codes(r)).toEqual(
      expect.arrayContaining([
        'SCHEMA /@graph/3/ai_metric/0/value',
        'SCHEMA /@graph/0/created',
        'SCHEMA /@graph/8/type',
      ]),
    );
    expect(r.schema).toBe('SPDX 3.0.1 JSON schema');
    const more = spdx3();
    more['@graph'][3].bogus = 1;
    delete more['@graph'][6].to;
    more['@graph'][4].verifiedUsing = [{ type: 'Hash', algorithm: 'sha999', hashValue: 'x' }];
    more['@graph'].push({ type: 'constructor', spdxId: 'x:y', creationInfo: '_:creationinfo' });
    // focused errors: the class each object names, not the ~80 alternatives the schema tries
    expect(
      check(more)
        .issues.filter((i) => i.code === 'SCHEMA')
        .map((i) => `${i.pointer} ${i.message}`),
    ).toEqual([
      '/@graph/3 unexpected property "bogus"',
      expect.stringMatching(/^\/@graph\/4\/verifiedUsing\/0\/algorithm must be one of: .*"sha256"/),
      '/@graph/6 missing required property "to"',
      '/@graph/8/type unknown SPDX 3 class "constructor"',
    ]);
    const ctx = spdx3();
    ctx['@context'] = 'https://spdx.org/rdf/3.0.0/spdx-context.jsonld';
    expect(codes(check(ctx))).toEqual(['SCHEMA /@context']);
    const future = spdx3();
    future['@graph'][0].specVersion = '3.1.0';
    expect(codes(check(future))).toEqual(['UNKNOWN_SPEC_VERSION /@context']);
  });
});

describe('semantic checks the schemas miss (each failing and passing)', () => {
  it('duplicate bom-ref', () => {
    const doc = mlBom();
    expect(codes(check(doc))).toEqual([]);
    doc.components[1]['bom-ref'] = 'dataset-coco';
    const r = check(doc);
    expect(codes(r)).toContain('DUPLICATE_BOM_REF /components/1/bom-ref');
    expect(r.issues.find((i) => i.code === 'DUPLICATE_BOM_REF')!.message).toMatch(/first at \/components\/0/);
  });

  it('dependency refs resolve; BOM-Links into other BOMs are accepted', () => {
    const doc = mlBom();
    doc.dependencies[0].dependsOn.push('urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#libc');
    const ok = check(doc);
    expect(codes(ok)).toEqual([]);
    expect(codes(ok, 'info')).toContain('EXTERNAL_REF /dependencies/0/dependsOn/1');
    doc.dependencies[0].dependsOn.push('runtime-tensorrt');
    doc.dependencies[1].dependsOn.push('urn:cdx:nonsense');
    expect(codes(check(doc))).toEqual([
      'DANGLING_REF /dependencies/0/dependsOn/2',
      'BAD_BOM_LINK /dependencies/1/dependsOn/0',
    ]);
  });

  it('dataset references of a model card resolve', () => {
    const doc = mlBom();
    doc.metadata.component.modelCard.modelParameters.datasets = [{ ref: 'dataset-imagenet' }];
    expect(codes(check(doc))).toEqual(['DANGLING_REF /metadata/component/modelCard/modelParameters/datasets/0/ref']);
  });

  it('duplicate dependency entries for one ref', () => {
    const doc = mlBom();
    doc.dependencies.push({ ref: 'model', dependsOn: ['dataset-coco'] });
    expect(codes(check(doc))).toEqual(['DUPLICATE_DEPENDENCY /dependencies/3/ref']);
  });

  it('a model card on a component that is not a machine-learning-model', () => {
    const doc = mlBom();
    doc.components[1].modelCard = { modelParameters: { task: 'x' } };
    expect(codes(check(doc))).toEqual(['MODELCARD_ON_NON_MODEL /components/1/modelCard']);
  });

  it('unknown specVersion (the schema alone would accept "9.9")', () => {
    const r = check({ ...mlBom(), specVersion: '9.9' });
    expect(r.valid).toBe(false);
    expect(codes(r)).toEqual(['UNKNOWN_SPEC_VERSION /specVersion']);
    expect(check({ ...spdx23(), spdxVersion: 'SPDX-2.9' }).issues[0]!.code).toBe('UNKNOWN_SPEC_VERSION');
  });

  it('hash length must match its algorithm', () => {
    const doc = mlBom();
    doc.metadata.component.hashes = [{ alg: 'SHA-512', content: MODEL_SHA256 }];
    expect(codes(check(doc))).toEqual(['HASH_LENGTH /metadata/component/hashes/0/content']);
  });

  it('SPDX 2: unique SPDXIDs, relationship ends resolve, the document DESCRIBES a package', () => {
    const doc = spdx23();
    doc.packages[1].SPDXID = 'SPDXRef-model';
    doc.relationships.push({
      spdxElementId: 'SPDXRef-model',
      relationshipType: 'DEPENDS_ON',
      relatedSpdxElement: 'SPDXRef-missing',
    });
    doc.relationships.push({
      spdxElementId: 'SPDXRef-model',
      relationshipType: 'DEPENDS_ON',
      relatedSpdxElement: 'NOASSERTION',
    });
    expect(codes(check(doc))).toEqual([
      'DUPLICATE_SPDXID /packages/1/SPDXID',
      'DANGLING_REF /relationships/1/relatedSpdxElement',
      'DANGLING_REF /relationships/2/relatedSpdxElement',
    ]);
    const nodesc = spdx23();
    nodesc.relationships.shift();
    expect(codes(check(nodesc), 'warning')).toEqual(['NO_DESCRIBES /relationships']);
  });

  it('SPDX 2.3 is checked with the 2.3.1 schema: PACKAGE_MANAGER and PERSISTENT_ID are accepted', () => {
    const doc = spdx23();
    doc.packages[0].externalRefs[0].referenceCategory = 'PACKAGE_MANAGER';
    doc.packages[1].externalRefs.push({
      referenceCategory: 'PERSISTENT_ID',
      referenceType: 'swh',
      referenceLocator: 'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2',
    });
    const r = check(doc);
    expect(r.schema).toBe('SPDX 2.3.1 JSON schema');
    expect(codes(r)).toEqual([]);
    doc.packages[0].externalRefs[0].referenceCategory = 'PACKAGE_MANGLER';
    expect(codes(check(doc))).toEqual(['SCHEMA /packages/0/externalRefs/0/referenceCategory']);
  });

  it('SPDX 2: a package with filesAnalyzed false contains no files, no verification code, no license info from files', () => {
    const doc = spdx23();
    doc.files = [
      {
        SPDXID: 'SPDXRef-weights',
        fileName: './model.onnx',
        checksums: [{ algorithm: 'SHA1', checksumValue: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' }],
      },
    ];
    doc.relationships.push({
      spdxElementId: 'SPDXRef-model',
      relationshipType: 'CONTAINS',
      relatedSpdxElement: 'SPDXRef-weights',
    });
    doc.relationships.push({
      spdxElementId: 'SPDXRef-weights',
      relationshipType: 'CONTAINED_BY',
      relatedSpdxElement: 'SPDXRef-onnxruntime',
    });
    doc.packages[0].licenseInfoFromFiles = ['Apache-2.0'];
    doc.packages[1].packageVerificationCode = {
      packageVerificationCodeValue: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    };
    const r = check(doc);
    expect(codes(r)).toEqual([
      'FILES_NOT_ANALYZED /packages/0/licenseInfoFromFiles',
      'FILES_NOT_ANALYZED /packages/1/packageVerificationCode',
      'FILES_NOT_ANALYZED /relationships/2',
      'FILES_NOT_ANALYZED /relationships/3',
    ]);
    expect(r.issues.find((i) => i.pointer === '/relationships/2')!.message).toMatch(
      /package "person-detector" has filesAnalyzed: false but CONTAINS file "SPDXRef-weights".*§7\.8/,
    );
    // the same document with the files analysed is fine
    for (const p of doc.packages) p.filesAnalyzed = true;
    expect(codes(check(doc))).toEqual([]);
  });

  it('SPDX 2 tag-value: files after a package belong to it, so FilesAnalyzed: false with files is refused', () => {
    const tv = `${spdx23TagValue()}
FileName: ./model.onnx
SPDXID: SPDXRef-weights
FileChecksum: SHA1: da39a3ee5e6b4b0d3255bfef95601890afd80709
`;
    const r = check(tv);
    expect(codes(r)).toEqual(['FILES_NOT_ANALYZED /packages/1/hasFiles']);
    expect(
      check(tv.replace(/FilesAnalyzed: false\n(ExternalRef: PACKAGE-MANAGER purl pkg:pypi)/, 'FilesAnalyzed: true\n$1'))
        .valid,
    ).toBe(true);
  });

  it('SPDX 3: AI and Dataset profile mandatory fields', () => {
    const doc = spdx3();
    delete doc['@graph'][3].suppliedBy;
    delete doc['@graph'][3].releaseTime;
    delete doc['@graph'][4].builtTime;
    const r = check(doc);
    expect(codes(r)).toEqual([
      'PROFILE_REQUIRED /@graph/3/releaseTime',
      'PROFILE_REQUIRED /@graph/3/suppliedBy',
      'PROFILE_REQUIRED /@graph/4/builtTime',
    ]);
    expect(r.issues[0]!.message).toMatch(/mandatory in the SPDX 3 AI profile/);
  });

  it('SPDX 3: a byte-identical repeated node is a warning (JSON-LD merges it); a different one with the same id an error', () => {
    const doc = spdx3();
    doc['@graph'].push(structuredClone(doc['@graph'][6]));
    const r = check(doc);
    expect(r.valid).toBe(true);
    expect(codes(r, 'warning')).toEqual(['REPEATED_NODE /@graph/8']);
    expect(r.issues[0]!.message).toMatch(/repeats the node at \/@graph\/6 exactly/);
    doc['@graph'][8].relationshipType = 'testedOn';
    expect(codes(check(doc))).toEqual(['DUPLICATE_SPDXID /@graph/8']);
  });

  it('SPDX 3: a dataset has exactly one originatedBy (Dataset profile restriction)', () => {
    const doc = spdx3();
    doc['@graph'].push({
      type: 'Organization',
      spdxId: 'https://example.com/agent/other',
      creationInfo: '_:creationinfo',
      name: 'Other',
    });
    doc['@graph'][4].originatedBy.push('https://example.com/agent/other');
    const r = check(doc);
    expect(codes(r)).toEqual(['PROFILE_CARDINALITY /@graph/4/originatedBy']);
    expect(r.issues[0]!.message).toMatch(/has 2 originatedBy; the SPDX 3 Dataset profile allows 1/);
  });

  it('SPDX 3: references resolve and spdxIds are unique', () => {
    const doc = spdx3();
    doc['@graph'][6].to = ['https://example.com/pkg/imagenet'];
    doc['@graph'][5].spdxId = 'https://example.com/pkg/coco';
    const r = check(doc);
    expect(codes(r)).toEqual(expect.arrayContaining(['DUPLICATE_SPDXID /@graph/5', 'DANGLING_REF /@graph/6/to/0']));
  });
});

describe('NTIA minimum elements', () => {
  it('lists the gaps per component and scores present ÷ expected', () => {
    const doc = mlBom();
    delete doc.components[1].supplier;
    delete doc.components[1].version;
    delete doc.components[1].purl;
    doc.dependencies = doc.dependencies.filter((d: { ref: string }) => d.ref !== 'model');
    const r = check(doc);
    expect(r.valid).toBe(true);
    expect(r.ntia.meetsMinimum).toBe(false);
    expect(r.ntia.gaps).toEqual([
      { pointer: '/metadata/component', component: 'person-detector', missing: ['dependency'] },
      { pointer: '/components/1', component: 'onnxruntime', missing: ['supplier', 'version', 'uniqueId'] },
    ]);
    // 3 components × 5 + 2 document elements = 17 expected, 4 missing
    expect(r.ntia.score).toBeCloseTo(13 / 17, 3);
    expect(r.ntia.elements.supplier).toEqual({ present: 2, total: 3 });
  });

  it('document-level author and timestamp', () => {
    const doc = mlBom();
    delete doc.metadata.timestamp;
    delete doc.metadata.authors;
    delete doc.metadata.tools;
    const r = check(doc);
    expect(r.ntia.gaps[0]).toEqual({ pointer: '', component: 'document', missing: ['author', 'timestamp'] });
  });

  it('SPDX 2: NOASSERTION is not a supplier; a hash is a unique identifier', () => {
    const doc = spdx23();
    doc.packages[0].supplier = 'NOASSERTION';
    delete doc.packages[0].externalRefs;
    const r = check(doc);
    expect(r.ntia.gaps).toEqual([{ pointer: '/packages/0', component: 'person-detector', missing: ['supplier'] }]);
  });

  it('SPDX 3: supplier comes from suppliedBy, identifiers from packageUrl / hashes', () => {
    const doc = spdx3();
    delete doc['@graph'][5].suppliedBy;
    delete doc['@graph'][5].software_packageUrl;
    const r = check(doc);
    expect(r.ntia.gaps).toEqual([
      { pointer: '/@graph/5', component: 'onnxruntime', missing: ['supplier', 'uniqueId'] },
    ]);
  });
});

describe('robustness', () => {
  it('a generated 3,000-component BOM validates completely', () => {
    const r = check(bigCycloneDx(3000));
    expect(codes(r)).toEqual([]);
    expect(r.ntia.components).toBe(3003);
  });

  it('issue lists are capped (bounded memory), with the count of the rest', () => {
    const doc = mlBom();
    doc.components = Array.from({ length: 6000 }, (_, i) => ({ type: 'gadget', name: `c${i}`, 'bom-ref': 'same' }));
    const r = check(doc);
    expect(r.issues.length).toBe(10_000);
    expect(r.truncated).toBeGreaterThan(0);
  });

  it('error-dense JSON: the schema check stops at the cap instead of working through every error', () => {
    // 60,000 components, each with a bad type (Ajv alone took 155 s on this shape)
    const r = check(denseCycloneDx(60_000, 'gadget'));
    expect(r.valid).toBe(false);
    expect(r.issues).toHaveLength(10_000);
    expect(r.stoppedAtCap).toBe(true);
    // it stopped where the cap was reached: components past 10,000 were never looked at
    expect(r.issues.at(-1)).toMatchObject({ code: 'SCHEMA', pointer: '/components/9999/type' });
    // with the bom-refs all the same as well, the semantic duplicates are counted past the cap
    const dup = check(denseCycloneDx(60_000, 'gadget', true));
    expect(dup.issues).toHaveLength(10_000);
    expect(dup.truncated).toBe(59_999);
    // a valid document of the same shape: nothing to report, nothing stopped
    const ok = check(denseCycloneDx(60_000));
    expect(ok).toMatchObject({ valid: true, issues: [], truncated: 0, stoppedAtCap: false });
  });

  it('error-dense XML: 60,000 XSD errors keep the first 10,000 (with lines) and count the rest', () => {
    const r = check(denseCycloneDxXml(60_000, 'gadget'));
    expect(r.valid).toBe(false);
    expect(r.issues).toHaveLength(10_000);
    expect(r.truncated).toBe(50_000);
    // component i is on line i + 3 (declaration, bom, components)
    expect(r.issues.map((i) => i.line)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 3));
    expect(r.issues[0]!.column).toBe(12);
    expect(check(denseCycloneDxXml(60_000))).toMatchObject({ valid: true, issues: [], truncated: 0 });
  });

  it('fuzz: mutated JSON and XML give a typed error or a result, never a crash', () => {
    const seeds = [JSON.stringify(mlBom()), mlBomXml(), JSON.stringify(spdx3()), spdx23TagValue()];
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const junk = ['{', '}', '[', ']', '"', '<', '>', '&', '<!DOCTYPE x>', ':', ',', '\u0000', 'é', '\n'];
    let typed = 0;
    for (let n = 0; n < 300; n++) {
      let s = seeds[n % seeds.length]!;
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const at = Math.floor(rnd() * s.length);
        const op = rnd();
        if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 20));
        else if (op < 0.8) s = s.slice(0, at) + junk[Math.floor(rnd() * junk.length)]! + s.slice(at);
        else s = s.slice(0, at);
      }
      try {
        const r = validateParsed(parseSbom(s));
        expect(typeof r.valid).toBe('boolean');
      } catch (e) {
        if (!(e instanceof SbomError || e instanceof DocumentError)) throw e;
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(50);
  });
});
