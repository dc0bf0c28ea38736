/**
 * The TFLite Metadata FlatBuffer (metadata_schema.fbs, identifier `M001`) stored in the model's
 * `TFLITE_METADATA` buffer: model name/author/license and, per input, normalization and image
 * properties — the best preprocessing source a TFLite file has.
 */
import { FlatBuffer, tableAt, type FbTable, type FbVector } from './flatbuffer.js';

export const TFLITE_METADATA_IDENTIFIER = 'M001';

const MAX_TENSORS = 10_000;
const MAX_VALUES = 4096;
const MAX_FILES = 1000;

const COLOR_SPACES = ['UNKNOWN', 'RGB', 'GRAYSCALE'];
const FILE_TYPES = [
  'UNKNOWN',
  'DESCRIPTIONS',
  'TENSOR_AXIS_LABELS',
  'TENSOR_VALUE_LABELS',
  'TENSOR_AXIS_SCORE_CALIBRATION',
  'VOCABULARY',
  'SCANN_INDEX_FILE',
];

/** ContentProperties union tags. */
const CONTENT_IMAGE = 2;
/** ProcessUnitOptions union tags. */
const PROCESS_NORMALIZATION = 1;

export interface AssociatedFileInfo {
  name: string;
  type: string;
  description?: string;
  locale?: string;
}

export interface TensorMetadataInfo {
  name?: string;
  description?: string;
  /** 'image', 'feature', 'bounding-box', 'audio' from the Content union. */
  content?: string;
  colorSpace?: string;
  width?: number;
  height?: number;
  mean?: number[];
  std?: number[];
  /** From Stats when it holds one min and one max. */
  valueRange?: [number, number];
  associatedFiles: AssociatedFileInfo[];
}

export interface TfliteMetadataInfo {
  name?: string;
  description?: string;
  version?: string;
  author?: string;
  license?: string;
  minParserVersion?: string;
  associatedFiles: AssociatedFileInfo[];
  /** Subgraph 0's tensor metadata, in SubGraph.inputs / .outputs order. */
  inputs: TensorMetadataInfo[];
  outputs: TensorMetadataInfo[];
}

const CONTENT_KINDS: Record<number, string> = { 1: 'feature', 2: 'image', 3: 'bounding-box', 4: 'audio' };

async function optString(t: FbTable, id: number, name: string): Promise<string | undefined> {
  return (await t.string(id, name)) ?? undefined;
}

async function associatedFiles(v: FbVector | null): Promise<AssociatedFileInfo[]> {
  const out: AssociatedFileInfo[] = [];
  if (!v) return out;
  for (let i = 0; i < v.length; i++) {
    const f = await tableAt(v, i);
    const type = await f.scalar(2, 'i8', 0);
    const info: AssociatedFileInfo = {
      name: (await f.string(0, 'name')) ?? '',
      type: FILE_TYPES[type] ?? `TYPE_${type}`,
    };
    const description = await optString(f, 1, 'description');
    const locale = await optString(f, 3, 'locale');
    if (description !== undefined) info.description = description;
    if (locale !== undefined) info.locale = locale;
    out.push(info);
  }
  return out;
}

async function tensorMetadata(t: FbTable): Promise<TensorMetadataInfo> {
  const info: TensorMetadataInfo = { associatedFiles: [] };
  const name = await optString(t, 0, 'name');
  const description = await optString(t, 1, 'description');
  if (name !== undefined) info.name = name;
  if (description !== undefined) info.description = description;

  const content = await t.table(3, 'content');
  if (content) {
    const props = await content.union(0, 'content_properties');
    if (props.type !== 0) info.content = CONTENT_KINDS[props.type] ?? `type ${props.type}`;
    if (props.type === CONTENT_IMAGE && props.table) {
      const cs = await props.table.scalar(0, 'i8', 0);
      if (cs !== 0) info.colorSpace = COLOR_SPACES[cs] ?? `COLOR_SPACE_${cs}`;
      const size = await props.table.table(1, 'default_size');
      if (size) {
        const width = await size.scalar(0, 'u32', 0);
        const height = await size.scalar(1, 'u32', 0);
        if (width) info.width = width;
        if (height) info.height = height;
      }
    }
  }

  const units = await t.vector(4, 'process_units', 4, MAX_VALUES);
  if (units) {
    for (let i = 0; i < units.length; i++) {
      const unit = await tableAt(units, i);
      const opts = await unit.union(0, 'options');
      if (opts.type === PROCESS_NORMALIZATION && opts.table) {
        info.mean = await opts.table.scalars(0, 'mean', 'f32', MAX_VALUES);
        info.std = await opts.table.scalars(1, 'std', 'f32', MAX_VALUES);
      }
    }
  }

  const stats = await t.table(5, 'stats');
  if (stats) {
    const max = await stats.scalars(0, 'max', 'f32', MAX_VALUES);
    const min = await stats.scalars(1, 'min', 'f32', MAX_VALUES);
    if (min.length === 1 && max.length === 1) info.valueRange = [min[0]!, max[0]!];
  }
  info.associatedFiles = await associatedFiles(await t.vector(6, 'associated_files', 4, MAX_FILES));
  return info;
}

async function tensorList(v: FbVector | null): Promise<TensorMetadataInfo[]> {
  const out: TensorMetadataInfo[] = [];
  if (!v) return out;
  for (let i = 0; i < v.length; i++) out.push(await tensorMetadata(await tableAt(v, i)));
  return out;
}

/**
 * Reads the ModelMetadata root of `fb` (a FlatBuffer spanning the TFLITE_METADATA buffer).
 * Throws FormatError on a bad identifier or any out-of-bounds structure.
 */
export async function readTfliteMetadata(fb: FlatBuffer): Promise<TfliteMetadataInfo> {
  fb.check(0, 8, 'metadata header');
  const ident = await fb.identifier();
  if (ident !== TFLITE_METADATA_IDENTIFIER) {
    fb.fail('BAD_MAGIC', `expected file identifier ${TFLITE_METADATA_IDENTIFIER}, found ${JSON.stringify(ident)}`, 4);
  }
  const root = await fb.root('ModelMetadata');
  const info: TfliteMetadataInfo = { associatedFiles: [], inputs: [], outputs: [] };
  const fields: [keyof TfliteMetadataInfo, number][] = [
    ['name', 0],
    ['description', 1],
    ['version', 2],
    ['author', 4],
    ['license', 5],
    ['minParserVersion', 7],
  ];
  for (const [key, id] of fields) {
    const s = await optString(root, id, key);
    if (s !== undefined) (info as unknown as Record<string, unknown>)[key] = s;
  }
  info.associatedFiles = await associatedFiles(await root.vector(6, 'associated_files', 4, MAX_FILES));
  const subgraphs = await root.vector(3, 'subgraph_metadata', 4, MAX_TENSORS);
  if (subgraphs && subgraphs.length > 0) {
    const sg = await tableAt(subgraphs, 0);
    info.inputs = await tensorList(await sg.vector(2, 'input_tensor_metadata', 4, MAX_TENSORS));
    info.outputs = await tensorList(await sg.vector(3, 'output_tensor_metadata', 4, MAX_TENSORS));
    info.associatedFiles.push(...(await associatedFiles(await sg.vector(4, 'associated_files', 4, MAX_FILES))));
  }
  return info;
}
