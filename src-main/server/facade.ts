/**
 * The device facade, /device/v1/: what devices talk to, with their device token — never to the
 * registry, never with registry credentials. TUF metadata, the blobs of the release a device is
 * assigned (streamed from the local store, copied there from a registry first when needed, with
 * `Range` for resumed downloads), the director's assignment, and status reports. A device token
 * is bound to one device: it reads only that device's assignment and downloads only its digests.
 * Fleet enrolment tokens register a device and receive its device token.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { type DeviceInput, type InstalledModels, type Platform } from '../platform/index.js';
import { apiError } from './errors.js';
import { DeviceBody } from './schemas.js';

const DEVICE = ['device'] as const;
const TARGET_RE = /(?:^|\/)([0-9a-f]{64})\.[^/]+$/;

/** `Range: bytes=START-[END]` → inclusive offsets within `size`, or 'invalid' (416). */
export function parseRange(
  h: string | undefined,
  size: number,
): { start: number; end: number } | undefined | 'invalid' {
  if (h === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(h.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}

export function registerFacade(
  app: FastifyInstance,
  platform: Platform,
  serveTuf: (name: string, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const tags = { tags: ['device facade'] };
  const deviceOf = async (req: FastifyRequest): Promise<string> => {
    const id = await platform.deviceOf(req.actor!);
    if (!id)
      throw apiError(
        'DEVICE_UNKNOWN',
        'This device token is not bound to a registered device',
        'Register the device with `fleetpack platform device add ID` (or enrol it) and use the token it prints.',
      );
    return id;
  };

  app.get<{ Params: { name: string } }>(
    '/device/v1/tuf/:name',
    {
      config: { roles: DEVICE },
      schema: { ...tags, description: 'TUF metadata (timestamp.json, V.ROLE.json) for devices.' },
    },
    async (req, reply) => {
      await deviceOf(req);
      return serveTuf(req.params.name, req, reply);
    },
  );

  app.get<{ Params: { '*': string } }>(
    '/device/v1/targets/*',
    {
      config: { roles: DEVICE },
      schema: {
        ...tags,
        description:
          'A target by its consistent-snapshot name (`DIR/<sha256>.<name>`), only when it belongs to the release assigned to this device. Supports Range.',
      },
    },
    async (req, reply) => {
      const device = await deviceOf(req);
      const m = TARGET_RE.exec(req.params['*']);
      if (!m)
        throw apiError('NOT_FOUND', 'Not a target name (DIR/<sha256>.<name>)', 'Ask for targets by their TUF path.');
      const blob = await platform.deviceBlob(device, `sha256:${m[1]}`);
      if (!blob)
        throw apiError(
          'TARGET_NOT_ASSIGNED',
          'This device is not assigned a release with that file',
          'Devices download only the files of their current assignment (GET /device/v1/assignment).',
        );
      const range = parseRange(req.headers.range, blob.size);
      reply.header('Accept-Ranges', 'bytes').type('application/octet-stream');
      if (range === 'invalid') {
        return reply.status(416).header('Content-Range', `bytes */${blob.size}`).send();
      }
      if (range) {
        return reply
          .status(206)
          .header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`)
          .header('Content-Length', String(range.end - range.start + 1))
          .send(createReadStream(blob.path, { start: range.start, end: range.end }));
      }
      return reply.header('Content-Length', String(blob.size)).send(createReadStream(blob.path));
    },
  );

  app.get(
    '/device/v1/assignment',
    {
      config: { roles: DEVICE },
      schema: {
        ...tags,
        description:
          "What this device should run (the director's answer), and the rollouts that declined it with their reasons.",
      },
    },
    async (req) => platform.assignment(await deviceOf(req)),
  );

  app.post<{
    Body: {
      rolloutId?: string;
      state?: string;
      reason?: string;
      facts?: Record<string, unknown>;
      profile?: string;
      installed?: Record<string, unknown>;
    };
  }>(
    '/device/v1/status',
    {
      config: { roles: DEVICE },
      schema: {
        ...tags,
        description:
          'Progress on a rollout (downloading, installing, installed, healthy, rolled-back, failed + reason), and/or the facts and installed models of this device.',
        body: Type.Object(
          {
            rolloutId: Type.Optional(Type.String({ maxLength: 64 })),
            state: Type.Optional(Type.String({ maxLength: 32 })),
            reason: Type.Optional(Type.String({ maxLength: 4000 })),
            facts: Type.Optional(Type.Object({}, { additionalProperties: true })),
            profile: Type.Optional(Type.String({ maxLength: 128 })),
            installed: Type.Optional(Type.Object({}, { additionalProperties: true })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const device = await deviceOf(req);
      const b = req.body;
      if (b.facts !== undefined || b.installed !== undefined) {
        await platform.reportFacts(device, {
          ...(b.facts ? { facts: b.facts } : {}),
          ...(b.profile ? { profile: b.profile } : {}),
          ...(b.installed ? { installed: b.installed as InstalledModels } : {}),
        });
      }
      if (b.rolloutId !== undefined || b.state !== undefined) {
        if (!b.rolloutId || !b.state)
          throw apiError('BAD_REQUEST', 'A status report names both rolloutId and state', 'Send both.');
        await platform.reportStatus(device, {
          rolloutId: b.rolloutId,
          state: b.state,
          ...(b.reason ? { reason: b.reason } : {}),
        });
      }
      return { ok: true };
    },
  );

  app.post<{ Body: DeviceInput }>(
    '/device/v1/enrol',
    {
      config: { roles: ['enrolment'] },
      schema: {
        ...tags,
        description:
          "A device registers itself with the fleet's enrolment token and receives its own device token (shown once).",
        body: DeviceBody,
      },
    },
    async (req, reply) => {
      const { device, token } = await platform.addDevice(req.actor!, req.body, 'enrolment');
      return reply.status(201).send({ id: device.id, token: token.token });
    },
  );
}
