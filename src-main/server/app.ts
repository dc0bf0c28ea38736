/**
 * The platform's HTTP API (fastify 5): authenticated /v1 routes over platform/, read-only public
 * TUF metadata at /tuf/, and the OpenAPI 3.1 document at /openapi.json. Adapters only: every
 * decision is the platform's; this file translates HTTP to calls and typed errors to statuses.
 */
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { FleetpackError } from '../errors.js';
import { DIGEST_RE, type Platform, RangeMismatch } from '../platform/index.js';
import { ADMINS, AuthFailures, authHook, type FailureLimit, PUBLISHERS } from './auth.js';
import { apiError, errorBody, httpStatus } from './errors.js';
import { registerFacade } from './facade.js';
import { registerFleetRoutes } from './fleet-routes.js';
import {
  AuditQuery,
  type AuditQueryT,
  BlobRef,
  ChannelChangeSchema,
  ChannelSetBody,
  CoverageSchema,
  ErrorSchema,
  PromoteBody,
  PublishBody,
  type PublishBodyT,
  PublishResponse,
  ReleaseQuery,
  type ReleaseQueryT,
  ReleaseSchema,
  UploadState,
} from './schemas.js';

export interface ServerOptions {
  /** Fastify's logger: off, on, or a level (and a stream, for tests that read the log). */
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  failureLimit?: FailureLimit;
  /** Version string shown in the OpenAPI document. */
  version?: string;
}

const OCTET = 'application/octet-stream';

/** `Content-Range: <start>-<end>` (OCI) or `bytes <start>-<end>/<total|*>`. */
export function parseContentRange(h: string | undefined): { start: number; end: number } | undefined {
  if (h === undefined) return undefined;
  const m = /^(?:bytes\s+)?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(h.trim());
  if (!m)
    throw apiError(
      'UPLOAD_RANGE_INVALID',
      `Content-Range "${h.slice(0, 80)}" is not START-END`,
      'Send Content-Range: START-END (inclusive byte offsets).',
    );
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start)
    throw apiError(
      'UPLOAD_RANGE_INVALID',
      `Content-Range ${start}-${end} ends before it starts`,
      'END is the offset of the last byte of the chunk.',
    );
  return { start, end };
}

function rangeHeader(offset: number): string {
  return offset === 0 ? '0-0' : `0-${offset - 1}`;
}

const errors = { 400: Type.Ref('Error'), 401: Type.Ref('Error'), 403: Type.Ref('Error'), 503: Type.Ref('Error') };

export async function buildServer(platform: Platform, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Multi-GB uploads must not be cut by node:http's default request timeout.
    requestTimeout: 0,
    bodyLimit: 8 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } },
  });
  const failures = new AuthFailures(opts.failureLimit);
  /** Gzipped versioned metadata of this platform (immutable under consistent snapshots). */
  const gzipCache = new Map<string, Buffer>();

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Fleetpack platform API',
        version: opts.version ?? '1',
        description:
          'Publish ML model packages (upload or registry reference), sign them into TUF update metadata, manage channels, count SBOM coverage. Every /v1 call needs `Authorization: Bearer TOKEN`; /tuf/ is public (signed metadata).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  for (const s of [
    ErrorSchema,
    ReleaseSchema,
    PublishResponse,
    ChannelChangeSchema,
    CoverageSchema,
    UploadState,
    BlobRef,
  ])
    app.addSchema(s);

  // Upload bodies are streams: never buffered, never parsed.
  app.addContentTypeParser(OCTET, (_req, _payload, done) => done(null));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof FleetpackError) {
      const status = httpStatus(err);
      if (err instanceof RangeMismatch) reply.header('Range', rangeHeader(err.offset));
      if (status === 503) reply.header('Retry-After', '5');
      if (status >= 500) req.log.warn({ code: err.code }, err.message);
      return reply.status(status).send(errorBody(err));
    }
    const e = err as { validation?: unknown; statusCode?: number; message?: string; code?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500)) {
      const code =
        e.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : e.statusCode === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST';
      return reply
        .status(e.statusCode ?? 400)
        .send(errorBody(apiError(code, e.message ?? 'Bad request', 'Check the request against /openapi.json.')));
    }
    req.log.error({ err }, 'unexpected error');
    return reply
      .status(500)
      .send(
        errorBody(apiError('INTERNAL', 'Internal error in the platform', 'Retry; if it persists, see the server log.')),
      );
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send(
        errorBody(
          apiError(
            'NOT_FOUND',
            `No route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`,
            'See /openapi.json for the API.',
          ),
        ),
      );
  });
  app.addHook('onRequest', authHook(platform, failures));

  const actor = (req: FastifyRequest) => req.actor!;
  const tags = (t: string) => ({ tags: [t] });

  app.get('/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));

  app.get(
    '/v1/health',
    { schema: { ...tags('platform'), security: [], description: 'Liveness and database reachability (no token).' } },
    async (_req, reply) => {
      const up = await platform.store.ping();
      return reply.status(up ? 200 : 503).send({ ok: up, database: up ? 'up' : 'down' });
    },
  );

  app.get(
    '/v1/platform',
    {
      config: { roles: PUBLISHERS },
      schema: { ...tags('platform'), description: 'Name, id and the TUF root key ids devices are provisioned with.' },
    },
    async () => platform.info(),
  );

  app.post(
    '/v1/login',
    {
      config: { roles: ['admin', 'publisher', 'device', 'enrolment'] },
      schema: { ...tags('platform'), description: 'Checks a token; answers who it is.' },
    },
    (req) => Promise.resolve({ name: actor(req).name, role: actor(req).role }),
  );

  // --- uploads (OCI distribution shape) ---
  app.post(
    '/v1/uploads',
    {
      config: { roles: PUBLISHERS },
      schema: { ...tags('uploads'), response: { 202: Type.Ref('UploadState'), ...errors } },
    },
    async (req, reply) => {
      const id = await platform.uploads.create(actor(req).tokenId ?? actor(req).name);
      return reply.status(202).header('Location', `/v1/uploads/${id}`).header('Range', '0-0').send({ id, offset: 0 });
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    {
      config: { roles: PUBLISHERS },
      schema: { ...tags('uploads'), response: { 200: Type.Ref('UploadState'), ...errors } },
    },
    async (req, reply) => {
      const offset = await platform.uploads.status(req.params.id, actor(req).tokenId ?? actor(req).name);
      return reply.header('Range', rangeHeader(offset)).send({ id: req.params.id, offset });
    },
  );
  const append = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const range = parseContentRange(req.headers['content-range']);
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    const length = range ? range.end - range.start + 1 : declared;
    if (range && declared !== undefined && declared !== length) {
      throw apiError(
        'UPLOAD_RANGE_INVALID',
        `Content-Range covers ${length} bytes but Content-Length is ${declared}`,
        'Send exactly the bytes the range names.',
      );
    }
    return platform.uploads.append(req.params.id, actor(req).tokenId ?? actor(req).name, req.raw, range?.start, length);
  };
  app.patch<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('uploads'),
        description: `A chunk (${OCTET}) at the session's offset.`,
        response: { 202: Type.Ref('UploadState'), ...errors },
      },
    },
    async (req, reply) => {
      const offset = await append(req);
      return reply
        .status(202)
        .header('Location', `/v1/uploads/${req.params.id}`)
        .header('Range', rangeHeader(offset))
        .send({ id: req.params.id, offset });
    },
  );
  app.put<{ Params: { id: string }; Querystring: { digest: string } }>(
    '/v1/uploads/:id',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('uploads'),
        description:
          'Ends the upload (optionally with a last chunk); the server compares its own digest with ?digest=.',
        querystring: Type.Object({ digest: Type.String() }),
        response: { 201: Type.Ref('BlobRef'), ...errors },
      },
    },
    async (req, reply) => {
      const owner = actor(req).tokenId ?? actor(req).name;
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody) await append(req);
      const done = await platform.uploads.finish(req.params.id, owner, req.query.digest);
      await platform.blobs.adopt(done.file, done.digest, done.size);
      return reply
        .status(201)
        .header('Location', `/v1/blobs/${done.digest}`)
        .send({ digest: done.digest, size: done.size });
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    { config: { roles: PUBLISHERS }, schema: tags('uploads') },
    async (req, reply) => {
      await platform.uploads.status(req.params.id, actor(req).tokenId ?? actor(req).name);
      await platform.uploads.remove(req.params.id);
      return reply.status(204).send();
    },
  );

  // --- blobs ---
  const blobSize = async (digest: string) => {
    if (!DIGEST_RE.test(digest))
      throw apiError('DIGEST_INVALID', `"${digest.slice(0, 80)}" is not a sha256 digest`, 'Use sha256:<64 hex>.');
    return platform.local.size(digest);
  };
  app.head<{ Params: { digest: string } }>(
    '/v1/blobs/:digest',
    { config: { roles: PUBLISHERS }, schema: tags('blobs') },
    async (req, reply) => {
      const size = await blobSize(req.params.digest);
      if (size === undefined) return reply.status(404).send();
      return reply
        .header('Content-Length', String(size))
        .header('Docker-Content-Digest', req.params.digest)
        .status(200)
        .send();
    },
  );
  app.get<{ Params: { digest: string } }>(
    '/v1/blobs/:digest',
    { config: { roles: PUBLISHERS }, schema: tags('blobs') },
    async (req, reply) => {
      const size = await blobSize(req.params.digest);
      if (size === undefined)
        throw apiError('NOT_FOUND', `No blob ${req.params.digest}`, 'Blobs appear once an upload finishes.');
      return reply
        .type(OCTET)
        .header('Content-Length', String(size))
        .send(createReadStream(platform.local.layout.blobPath(req.params.digest)));
    },
  );

  // --- releases ---
  app.post<{ Body: PublishBodyT }>(
    '/v1/releases',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('releases'),
        description:
          'Publish uploaded files (`files`) or a registry reference (`from`); all checks, then one transaction.',
        body: PublishBody,
        response: {
          200: Type.Ref('PublishResult'),
          201: Type.Ref('PublishResult'),
          409: Type.Ref('Error'),
          422: Type.Ref('Error'),
          502: Type.Ref('Error'),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const result =
        'from' in b
          ? await platform.publishFromRegistry(actor(req), b.from, b.channel)
          : await platform.publishUploaded(actor(req), b.files, b.channel);
      return reply.status(result.existed ? 200 : 201).send(result);
    },
  );
  app.get<{ Querystring: ReleaseQueryT }>(
    '/v1/releases',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('releases'),
        querystring: ReleaseQuery,
        response: { 200: Type.Object({ releases: Type.Array(Type.Ref('Release')) }), ...errors },
      },
    },
    async (req) => ({
      releases: await platform.releases({
        ...(req.query.name ? { name: req.query.name } : {}),
        ...(req.query.channel ? { channel: req.query.channel } : {}),
      }),
    }),
  );
  app.get<{ Params: { name: string; version: string } }>(
    '/v1/releases/:name/:version',
    {
      config: { roles: PUBLISHERS },
      schema: { ...tags('releases'), response: { 200: Type.Ref('Release'), 404: Type.Ref('Error'), ...errors } },
    },
    async (req) => {
      const [r] = await platform.releases({ name: req.params.name, version: req.params.version });
      if (!r)
        throw apiError(
          'RELEASE_NOT_FOUND',
          `No release ${req.params.name}@${req.params.version}`,
          'List releases with GET /v1/releases.',
        );
      return r;
    },
  );

  // --- channels ---
  app.get<{ Querystring: { model?: string } }>(
    '/v1/channels',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('channels'),
        querystring: Type.Object({ model: Type.Optional(Type.String({ maxLength: 128 })) }),
      },
    },
    async (req) => ({
      channels: await platform.channels(req.query.model),
    }),
  );
  app.put<{ Params: { model: string; channel: string }; Body: { version: string } }>(
    '/v1/channels/:model/:channel',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('channels'),
        body: ChannelSetBody,
        response: { 200: Type.Ref('ChannelChange'), 404: Type.Ref('Error'), ...errors },
      },
    },
    async (req) => platform.setChannel(actor(req), req.params.model, req.body.version, req.params.channel),
  );
  app.post<{ Params: { model: string }; Body: { from: string; to: string } }>(
    '/v1/models/:model/promote',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('channels'),
        body: PromoteBody,
        response: { 200: Type.Ref('ChannelChange'), 404: Type.Ref('Error'), ...errors },
      },
    },
    async (req) => platform.promote(actor(req), req.params.model, req.body.from, req.body.to),
  );
  app.get<{ Params: { model: string } }>(
    '/v1/models/:model/channel-history',
    { config: { roles: PUBLISHERS }, schema: tags('channels') },
    async (req) => ({
      events: await platform.channelHistory(req.params.model),
    }),
  );

  // --- coverage, audit ---
  app.get<{ Querystring: { channel?: string } }>(
    '/v1/coverage',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('sbom'),
        querystring: Type.Object({ channel: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Ref('Coverage'), ...errors },
      },
    },
    async (req) => platform.coverage(req.query.channel),
  );
  app.get<{ Querystring: AuditQueryT }>(
    '/v1/audit',
    { config: { roles: ADMINS }, schema: { ...tags('audit'), querystring: AuditQuery } },
    async (req) => ({
      entries: await platform.audit({
        ...(req.query.after ? { after: req.query.after } : {}),
        ...(req.query.action ? { action: req.query.action } : {}),
        ...(req.query.limit ? { limit: req.query.limit } : {}),
      }),
    }),
  );

  // --- TUF metadata: public, read-only, signed ---
  app.get<{ Params: { name: string } }>(
    '/tuf/:name',
    { schema: { ...tags('tuf'), security: [], description: 'TUF metadata (timestamp.json, V.ROLE.json).' } },
    async (req, reply) => serveTuf(platform, gzipCache, req.params.name, req, reply),
  );

  registerFleetRoutes(app, platform);
  registerFacade(app, platform, (name, req, reply) => serveTuf(platform, gzipCache, name, req, reply));

  return app;
}

const GZIP_CACHE_ENTRIES = 2048;

async function serveTuf(
  platform: Platform,
  gzipCache: Map<string, Buffer>,
  name: string,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const body = await platform.tufFile(name);
  if (body === undefined) {
    return reply
      .status(404)
      .send(
        errorBody(
          apiError('NOT_FOUND', `No metadata file ${name.slice(0, 100)}`, 'Start from timestamp.json or N.root.json.'),
        ),
      );
  }
  const versioned = name !== 'timestamp.json';
  // Versioned files never change (consistent snapshots); timestamp.json does.
  reply.header('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('Vary', 'Accept-Encoding').type('application/json');
  if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return reply.send(body);
  // Compressed on the wire: what a device downloads on refresh is mostly hex digests and repeated keys.
  // Versioned files by name; timestamp.json by its current text (every device polls it).
  const key = versioned ? name : `timestamp.json\0${body}`;
  let gz = gzipCache.get(key);
  if (!gz) {
    if (!versioned) for (const k of gzipCache.keys()) if (k.startsWith('timestamp.json\0')) gzipCache.delete(k);
    gz = gzipSync(body);
    gzipCache.set(key, gz);
    if (gzipCache.size > GZIP_CACHE_ENTRIES) gzipCache.delete(gzipCache.keys().next().value!);
  }
  return reply.header('Content-Encoding', 'gzip').send(gz);
}
