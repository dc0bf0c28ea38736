/**
 * Devices and rollouts on the platform API (/v1): register and import devices, list them, create
 * rollouts (the compatibility preview declines devices before anything ships), read their status,
 * pause, resume, abort. Adapters only: every rule is in platform/.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InventoryFormat } from '../fleet/index.js';
import type { Manifest } from '../manifest/index.js';
import { DEVICE_STATES, type DeviceUpdateState, type Platform, type RolloutRequest } from '../platform/index.js';
import { ADMINS, PUBLISHERS } from './auth.js';
import { DeviceBody } from './schemas.js';
import { apiError } from './errors.js';

/** Largest inventory file an import accepts. */
export const MAX_INVENTORY_BYTES = 512 * 1024 * 1024;

export function registerFleetRoutes(app: FastifyInstance, platform: Platform): void {
  const tags = (t: string) => ({ tags: [t] });

  app.post<{
    Body: { id: string; channel?: string; profile?: string; labels?: string[]; facts?: Record<string, unknown> };
  }>(
    '/v1/devices',
    {
      config: { roles: ADMINS },
      schema: {
        ...tags('devices'),
        description: 'Registers a device and returns its device token (shown once).',
        body: DeviceBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { device, token } = await platform.addDevice(req.actor!, {
        ...b,
        ...(b.facts ? { facts: b.facts } : {}),
      });
      return reply.status(201).send({ device, token: token.token });
    },
  );

  app.post<{ Querystring: { format?: InventoryFormat } }>(
    '/v1/devices/import',
    {
      config: { roles: ADMINS },
      schema: {
        ...tags('devices'),
        description:
          'An inventory file (application/octet-stream body; ?format=csv|json|ndjson, else detected) imported as devices: the same importer and fact names as `fleetpack compat --fleet`.',
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('ndjson')])),
        }),
      },
    },
    async (req) => {
      const dir = await mkdtemp(join(tmpdir(), 'fleetpack-import-'));
      const file = join(dir, `inventory.${req.query.format ?? 'txt'}`);
      try {
        let size = 0;
        const limit = new Transform({
          transform(chunk: Buffer, _enc, done) {
            size += chunk.length;
            if (size > MAX_INVENTORY_BYTES)
              done(
                apiError(
                  'BODY_TOO_LARGE',
                  `The inventory is larger than ${MAX_INVENTORY_BYTES} bytes`,
                  'Split it and import the parts.',
                ),
              );
            else done(null, chunk);
          },
        });
        await pipeline(req.raw, limit, createWriteStream(file));
        return { ok: true, ...(await platform.importDevices(req.actor!, file, req.query.format)) };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.get<{ Querystring: { channel?: string; profile?: string; label?: string; limit?: number; after?: string } }>(
    '/v1/devices',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('devices'),
        querystring: Type.Object({
          channel: Type.Optional(Type.String({ maxLength: 64 })),
          profile: Type.Optional(Type.String({ maxLength: 128 })),
          label: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          after: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    },
    async (req) => platform.devices(req.query),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/devices/:id',
    { config: { roles: PUBLISHERS }, schema: tags('devices') },
    async (req) => {
      const d = await platform.device(req.params.id);
      if (!d)
        throw apiError(
          'DEVICE_NOT_FOUND',
          `No device ${req.params.id.slice(0, 64)}`,
          'List devices with GET /v1/devices.',
        );
      return d;
    },
  );

  app.post<{ Body: RolloutRequest }>(
    '/v1/rollouts',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('rollouts'),
        description:
          'Creates a rollout of a release on a channel. The compatibility preview runs first: devices that do not fit are declined (with the reason and fix) and never receive it.',
        body: Type.Object(
          {
            model: Type.String({ minLength: 1, maxLength: 128 }),
            version: Type.String({ minLength: 1, maxLength: 128 }),
            channel: Type.String({ minLength: 1, maxLength: 64 }),
            devices: Type.Optional(Type.String({ maxLength: 4096 })),
            allowWarnings: Type.Optional(Type.Boolean()),
            phases: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 100 }), { maxItems: 20 })),
            maxFailures: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
            advanceAt: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.status(201).send(await platform.createRollout(req.actor!, req.body)),
  );

  app.post<{ Body: { manifest: Record<string, unknown>; channel: string; devices?: string } }>(
    '/v1/preview',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('rollouts'),
        description:
          'What a rollout of this manifest on the channel would decline, without creating anything: the same devices in scope and compatibility preview as POST /v1/rollouts (the shape of `fleetpack compat --json`). No device in scope answers `scope.devices: 0` and `ok: false`.',
        body: Type.Object(
          {
            manifest: Type.Object({}, { additionalProperties: true }),
            channel: Type.String({ minLength: 1, maxLength: 64 }),
            devices: Type.Optional(Type.String({ maxLength: 4096 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      platform.previewRollout({
        manifest: req.body.manifest as unknown as Manifest,
        channel: req.body.channel,
        ...(req.body.devices ? { devices: req.body.devices } : {}),
      }),
  );

  app.get<{ Querystring: { model?: string } }>(
    '/v1/rollouts',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('rollouts'),
        querystring: Type.Object({ model: Type.Optional(Type.String({ maxLength: 128 })) }),
      },
    },
    async (req) => ({ rollouts: await platform.rollouts(req.query.model) }),
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number; state?: string } }>(
    '/v1/rollouts/:id',
    {
      config: { roles: PUBLISHERS },
      schema: {
        ...tags('rollouts'),
        description:
          'Per-phase and per-device state (first `limit` devices by id; `state=failed,rolled-back` lists only those states), and the compatibility report.',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
          state: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (req) => {
      const states = req.query.state?.split(',').filter((s) => s !== '');
      const unknown = states?.find((s) => !(DEVICE_STATES as readonly string[]).includes(s) && s !== 'declined');
      if (unknown !== undefined)
        throw apiError(
          'STATE_INVALID',
          `"${unknown.slice(0, 40)}" is not a device update state`,
          `Use ${[...DEVICE_STATES, 'declined'].join(', ')}, joined by ",".`,
        );
      return platform.rollout(req.params.id, req.query.limit, states as DeviceUpdateState[] | undefined);
    },
  );

  for (const action of ['pause', 'resume', 'abort'] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/rollouts/:id/${action}`,
      { config: { roles: PUBLISHERS }, schema: tags('rollouts') },
      async (req) => platform.setRolloutState(req.actor!, req.params.id, action),
    );
  }
}
