/**
 * Request and response schemas (TypeBox): the same objects validate requests and produce the
 * OpenAPI 3.1 document at /openapi.json.
 */
import { type Static, Type } from '@sinclair/typebox';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      where: Type.Optional(Type.String()),
      hint: Type.Optional(Type.String()),
      problems: Type.Optional(
        Type.Array(
          Type.Object({
            step: Type.String(),
            code: Type.String(),
            message: Type.String(),
            file: Type.Optional(Type.String()),
            pointer: Type.Optional(Type.String()),
            hint: Type.Optional(Type.String()),
          }),
        ),
      ),
    }),
  },
  { $id: 'Error', description: 'Every error: a stable code, what is wrong, where, and what to do.' },
);

const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });
const Name = Type.String({ minLength: 1, maxLength: 128 });

export const UploadState = Type.Object(
  { id: Type.String(), offset: Type.Integer({ minimum: 0 }) },
  { $id: 'UploadState' },
);
export const BlobRef = Type.Object({ digest: Digest, size: Type.Integer({ minimum: 0 }) }, { $id: 'BlobRef' });

export const PublishBody = Type.Union(
  [
    Type.Object(
      {
        files: Type.Array(
          Type.Object({
            path: Type.String({ minLength: 1, maxLength: 1024 }),
            digest: Digest,
            size: Type.Integer({ minimum: 0 }),
          }),
          { minItems: 1, maxItems: 10_000 },
        ),
        channel: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        from: Type.String({ minLength: 1, maxLength: 2048, description: 'HOST[:PORT]/REPO[:TAG][@DIGEST]' }),
        channel: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'PublishRequest' },
);
export type PublishBodyT = Static<typeof PublishBody>;

export const ReleaseSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.String(),
    releaseCounter: Type.Integer(),
    manifestDigest: Type.String(),
    framework: Type.String(),
    profiles: Type.Array(Type.String()),
    channels: Type.Array(Type.String()),
    source: Type.String(),
    oci: Type.Optional(Type.Object({ repository: Type.String(), digest: Type.String() })),
    publisher: Type.String(),
    signature: Type.Object({ status: Type.String(), keyId: Type.Optional(Type.String()) }),
    sbom: Type.Object({
      file: Type.Optional(Type.String()),
      format: Type.Optional(Type.String()),
      specVersion: Type.Optional(Type.String()),
      counted: Type.Boolean(),
      compliant: Type.Boolean(),
      ntiaScore: Type.Optional(Type.Integer({ description: 'NTIA score in thousandths' })),
      reasons: Type.Array(Type.String()),
    }),
    publishedAt: Type.String(),
    files: Type.Array(
      Type.Object({
        path: Type.String(),
        digest: Type.String(),
        size: Type.Integer(),
        role: Type.String(),
        target: Type.String(),
      }),
    ),
  },
  { $id: 'Release' },
);

export const PublishResponse = Type.Object(
  {
    release: Type.Ref('Release'),
    existed: Type.Boolean(),
    tuf: Type.Object({ timestampVersion: Type.Integer(), snapshotVersion: Type.Integer() }),
  },
  { $id: 'PublishResult' },
);

export const ReleaseQuery = Type.Object({
  name: Type.Optional(Name),
  channel: Type.Optional(Type.String({ maxLength: 64 })),
});
export type ReleaseQueryT = Static<typeof ReleaseQuery>;

export const ChannelSetBody = Type.Object(
  { version: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export const PromoteBody = Type.Object(
  { from: Type.String({ minLength: 1, maxLength: 64 }), to: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const ChannelChangeSchema = Type.Object(
  {
    model: Type.String(),
    channel: Type.String(),
    version: Type.String(),
    from: Type.Union([Type.String(), Type.Null()]),
    changed: Type.Boolean(),
  },
  { $id: 'ChannelChange' },
);

const Group = Type.Object({
  total: Type.Integer(),
  counted: Type.Integer(),
  compliant: Type.Integer(),
  coverage: Type.Union([Type.Number(), Type.Null()]),
  compliance: Type.Union([Type.Number(), Type.Null()]),
  releases: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.String(),
      channels: Type.Array(Type.String()),
      sbom: Type.Optional(Type.String()),
      counted: Type.Boolean(),
      compliant: Type.Boolean(),
      reasons: Type.Array(Type.String()),
    }),
  ),
});
export const CoverageSchema = Type.Object(
  {
    definition: Type.String(),
    overall: Group,
    byModel: Type.Record(Type.String(), Group),
    byChannel: Type.Record(Type.String(), Group),
  },
  { $id: 'Coverage' },
);

export const AuditQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});
export type AuditQueryT = Static<typeof AuditQuery>;

/** A device as an admin registers it or as it enrols itself (the same bounds on both routes). */
export const DeviceBody = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    channel: Type.Optional(Type.String({ maxLength: 64 })),
    profile: Type.Optional(Type.String({ maxLength: 128 })),
    labels: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
    facts: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
