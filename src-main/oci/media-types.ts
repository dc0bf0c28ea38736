/**
 * Media types and annotation keys: OCI image-spec v1.1, CNCF ModelPack (v0.0.7 `vnd.cncf.*` names
 * and the older `vnd.cnai.*` ones we still read) and Fleetpack's own. Sources: reference/oci.md.
 */
import { BUNDLE_MEDIA_TYPE } from '../signing/index.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_LAYOUT_HEADER = 'application/vnd.oci.layout.header.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** What we ask for on every manifest GET/HEAD (distribution 2.8 answers 404 to OCI content without it). */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(', ');

/** The 2-byte `{}` blob OCI uses as the config of artifacts that have none. */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const MODEL_ARTIFACT_TYPE = 'application/vnd.cncf.model.manifest.v1+json';
export const MODEL_CONFIG = 'application/vnd.cncf.model.config.v1+json';
/** Before ModelPack v0.0.7 (2025-07) the same types were named `vnd.cnai.*`; readers accept both. */
export const MODEL_ARTIFACT_TYPES: readonly string[] = [
  MODEL_ARTIFACT_TYPE,
  'application/vnd.cnai.model.manifest.v1+json',
];
export const MODEL_CONFIGS: readonly string[] = [MODEL_CONFIG, 'application/vnd.cnai.model.config.v1+json'];

export type ModelLayerKind = 'weight' | 'weight.config' | 'doc' | 'code' | 'dataset';
export type LayerEncoding = 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';

/** `application/vnd.cncf.model.<kind>.v1.<encoding>`: what we write (always raw). */
export function modelLayerType(kind: ModelLayerKind, encoding: LayerEncoding = 'raw'): string {
  return `application/vnd.cncf.model.${kind}.v1.${encoding}`;
}

/** Kind and encoding of a ModelPack layer type (cncf or cnai), or undefined for other types. */
export function parseModelLayerType(mediaType: string): { kind: ModelLayerKind; encoding: LayerEncoding } | undefined {
  const m =
    /^application\/vnd\.(?:cncf|cnai)\.model\.(weight\.config|weight|doc|code|dataset)\.v1\.(raw|tar|tar\+gzip|tar\+zstd)$/.exec(
      mediaType,
    );
  return m ? { kind: m[1] as ModelLayerKind, encoding: m[2] as LayerEncoding } : undefined;
}

/** Fleetpack's manifest (`fleetpack.json`) as a layer. */
export const FLEETPACK_MANIFEST_LAYER = 'application/vnd.fleetpack.manifest.v1+json';
/** The OMS signature (`model.sig`) is a Sigstore bundle v0.3. */
export const SIGNATURE_LAYER = BUNDLE_MEDIA_TYPE;
/** SBOM layers, by the file name the SBOM domain stores them under. */
export const SBOM_LAYER_TYPES: Readonly<Record<string, string>> = {
  'sbom.cdx.json': 'application/vnd.cyclonedx+json',
  'sbom.cdx.xml': 'application/vnd.cyclonedx+xml',
  'sbom.spdx.json': 'application/spdx+json',
  'sbom.spdx': 'text/spdx',
  'sbom.spdx3.json': 'application/spdx+json',
};

/** Layer annotation: the file's path in the model folder (ModelPack), current and pre-v0.0.7 names. */
export const ANNOTATION_FILEPATH = 'org.cncf.model.filepath';
export const FILEPATH_ANNOTATIONS: readonly string[] = [ANNOTATION_FILEPATH, 'org.cnai.model.filepath'];
/** Layer annotation: the packager did not verify the kind it chose for the file. */
export const ANNOTATION_UNTESTED = 'org.cncf.model.file.mediatype.untested';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
/** index.json (image layout): the tag of a manifest. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';
export const ANNOTATION_LICENSES = 'org.opencontainers.image.licenses';
export const ANNOTATION_DESCRIPTION = 'org.opencontainers.image.description';

/** Manifest annotations that summarize a Fleetpack package without pulling any layer. */
export const FLEETPACK_ANNOTATIONS = {
  name: 'dev.fleetpack.name',
  version: 'dev.fleetpack.version',
  framework: 'dev.fleetpack.framework',
  /** Comma-separated hardware profile ids (`target.profiles`). */
  profiles: 'dev.fleetpack.target.profiles',
  channel: 'dev.fleetpack.channel',
  /** Digest of the `fleetpack.json` layer. */
  manifestDigest: 'dev.fleetpack.manifest.digest',
  /** Digest of the main model file's layer. */
  modelDigest: 'dev.fleetpack.model.digest',
  /** Digest of the `model.sig` layer, when the package is signed. */
  signatureDigest: 'dev.fleetpack.signature.digest',
  /** Digest of the SBOM layer, when the package has one. */
  sbomDigest: 'dev.fleetpack.sbom.digest',
} as const;

/** Largest manifest or index we read (distribution's and oras-go's limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
