/**
 * The device facade's authorization, over a real server on loopback (SQLite) and a real registry
 * behind Basic auth: a device token reads only its own assignment, downloads only the digests of
 * its assignment (with Range), reaches no admin or publisher route; other tokens do not reach the
 * facade; the registry's credentials appear in no response and no log line, although the facade
 * fetched the weights from that registry with them.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRegistry, type Release } from '../../src-main/platform/index.js';
import { pushPackage, staticCredentials } from '../../src-main/oci/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { makeOciPackage } from '../fixtures/oci-package.js';
import { newTestPlatform, type TestPlatform } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';
import { startRegistry, type RegistryServer } from '../fixtures/registry.js';

const SECRET = `registry-secret-${Math.random().toString(36).slice(2)}`;
const user = { user: 'facade-ci', password: SECRET };
const JETSON = {
  runtimes: {
    onnxruntime: { version: '1.18.0', executionProviders: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
  },
};
const local = { name: 'test', role: 'local' as const };

let tp: TestPlatform;
let reg: RegistryServer;
let server: RunningServer;
let log = '';
const bodies: string[] = [];
let tokens: { a: string; b: string; enrol: string };
let assigned: Release;
let other: Release;

async function call(
  method: string,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  bodies.push(buf.toString('latin1'), JSON.stringify([...res.headers]));
  return { status: res.status, buf, text: buf.toString('utf8'), headers: res.headers };
}

beforeAll(async () => {
  tp = await newTestPlatform({ tag: 'facade' });
  reg = await startRegistry({ auth: { kind: 'htpasswd', users: [user] } });
  await addRegistry(
    {
      store: tp.store,
      keystore: () => tp.keys.keystore,
      secrets: () => tp.keys.secrets,
      env: tp.env,
      now: () => new Date(),
    },
    reg.host,
    { credentials: { username: user.user, password: SECRET }, plainHttp: true },
    local,
  );
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      log += chunk.toString();
      done();
    },
  });
  server = await startServer(tp.platform, { logger: { level: 'trace', stream: sink } });
  const work = tempDir();
  const creds = staticCredentials({ username: user.user, password: SECRET });
  for (const [version, seed] of [
    ['3.0.0', 30],
    ['3.1.0', 31],
  ] as const) {
    const { dir } = await makeOciPackage(join(work, version), { version, seed, weightBytes: 200_000 });
    await pushPackage(dir, `${reg.host}/models/facade:${version}`, { plainHttp: true, credentials: creds });
  }
  const actor = { name: 'ops', role: 'admin' as const };
  other = (await tp.platform.publishFromRegistry(actor, `${reg.host}/models/facade:3.0.0`, 'beta')).release;
  assigned = (await tp.platform.publishFromRegistry(actor, `${reg.host}/models/facade:3.1.0`, 'stable')).release;
  const add = async (id: string) =>
    (
      await tp.platform.addDevice(local, {
        id,
        channel: 'stable',
        profile: 'nvidia-jetson-orin-nx-16gb',
        facts: JETSON,
      })
    ).token.token;
  tokens = {
    a: await add('dev-a'),
    b: await add('dev-b'),
    enrol: (
      await tp.store.write(async (tx) =>
        (await import('../../src-main/platform/tokens.js')).createToken(
          tx,
          'fleet-enrol',
          'enrolment',
          local,
          new Date(),
        ),
      )
    ).token,
  };
  await tp.platform.createRollout(actor, {
    model: assigned.name,
    version: assigned.version,
    channel: 'stable',
    devices: 'id=dev-a',
    allowWarnings: true,
  });
}, 120_000);

afterAll(async () => {
  // Each is unset when beforeAll failed before reaching it.
  const srv = server as RunningServer | undefined;
  const registry = reg as RegistryServer | undefined;
  const platform = tp as TestPlatform | undefined;
  if (srv) await srv.close();
  if (registry) await registry.stop();
  if (platform) await platform.close();
});

const weightsOf = (r: Release) => r.files.find((f) => f.path === 'weights.bin')!;
const targetUrl = (r: Release, f = weightsOf(r)) =>
  `/device/v1/targets/models/${r.name}/${r.version}/${f.digest.slice(7)}.${f.path}`;

describe('device facade authorization', () => {
  it('a device reads its own assignment; another device gets nothing of it', async () => {
    const a = await call('GET', '/device/v1/assignment', tokens.a);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toMatchObject({ assignment: { model: assigned.name, version: assigned.version } });
    // There is no way to name another device: the token decides, query parameters are ignored.
    const b = await call('GET', '/device/v1/assignment?device=dev-a', tokens.b);
    expect(b.status).toBe(200);
    expect(JSON.parse(b.text)).toEqual({ assignment: null, declined: [] });
    const b2 = await call('GET', '/v1/devices/dev-a', tokens.b);
    expect(b2.status).toBe(403);
  });

  it('downloads only the digests of its own assignment, with Range', async () => {
    const full = await call('GET', targetUrl(assigned), tokens.a);
    expect(full.status).toBe(200);
    expect(full.buf.length).toBe(weightsOf(assigned).size);
    const part = await call('GET', targetUrl(assigned), tokens.a, { range: 'bytes=1000-' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(
      `bytes 1000-${weightsOf(assigned).size - 1}/${weightsOf(assigned).size}`,
    );
    expect(part.buf.equals(full.buf.subarray(1000))).toBe(true);
    expect((await call('GET', targetUrl(assigned), tokens.a, { range: 'bytes=99999999-' })).status).toBe(416);
    // Another device, same digest: refused.
    const b = await call('GET', targetUrl(assigned), tokens.b);
    expect(b.status).toBe(403);
    expect(JSON.parse(b.text).error.code).toBe('TARGET_NOT_ASSIGNED');
    // Its own device, a digest it is not assigned (another release of the same model): refused.
    const unassigned = await call('GET', targetUrl(other), tokens.a);
    expect(unassigned.status).toBe(403);
    // A made-up digest: refused the same way (nothing tells what exists).
    const made = await call('GET', `/device/v1/targets/models/x/1/${'ab'.repeat(32)}.bin`, tokens.a);
    expect(made.status).toBe(403);
  });

  it('a device token reaches no admin or publisher route', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/releases'],
      ['GET', '/v1/platform'],
      ['GET', '/v1/devices'],
      ['POST', '/v1/devices', { id: 'evil' }],
      ['GET', '/v1/rollouts'],
      ['POST', '/v1/rollouts', { model: 'm', version: '1', channel: 'stable' }],
      ['GET', '/v1/audit'],
      ['POST', '/v1/uploads'],
      ['PUT', '/v1/channels/person-detector/stable', { version: '3.0.0' }],
      ['GET', `/v1/blobs/${weightsOf(assigned).digest}`],
    ] as [string, string, unknown?][]) {
      const r = await call(method, path, tokens.a, {}, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(r.text).error.code).toBe('FORBIDDEN');
    }
  });

  it('the facade needs a device token: none, a publisher or an enrolment token is refused', async () => {
    expect((await call('GET', '/device/v1/assignment')).status).toBe(401);
    expect((await call('GET', '/device/v1/tuf/timestamp.json')).status).toBe(401);
    expect((await call('GET', '/device/v1/assignment', tp.publisher)).status).toBe(403);
    expect((await call('GET', '/device/v1/assignment', tokens.enrol)).status).toBe(403);
    expect((await call('GET', targetUrl(assigned), tp.admin)).status).toBe(403);
    expect((await call('GET', '/device/v1/tuf/timestamp.json', tokens.a)).status).toBe(200);
  });

  it('status reports only for its own rollout; an enrolment token registers a new device once', async () => {
    const rollouts = await tp.platform.rollouts();
    const ok = await call(
      'POST',
      '/device/v1/status',
      tokens.a,
      {},
      { rolloutId: rollouts[0]!.id, state: 'downloading' },
    );
    expect(ok.status).toBe(200);
    const notMine = await call(
      'POST',
      '/device/v1/status',
      tokens.b,
      {},
      { rolloutId: rollouts[0]!.id, state: 'healthy' },
    );
    expect(notMine.status).toBe(404);
    const bad = await call('POST', '/device/v1/status', tokens.a, {}, { rolloutId: rollouts[0]!.id, state: 'pwned' });
    expect(bad.status).toBe(400);
    const enrol = await call(
      'POST',
      '/device/v1/enrol',
      tokens.enrol,
      {},
      { id: 'dev-new', channel: 'stable', facts: JETSON },
    );
    expect(enrol.status).toBe(201);
    const newToken = (JSON.parse(enrol.text) as { token: string }).token;
    expect((await call('GET', '/device/v1/assignment', newToken)).status).toBe(200);
    // Taking over an existing device is refused.
    const again = await call('POST', '/device/v1/enrol', tokens.enrol, {}, { id: 'dev-a' });
    expect(again.status).toBe(409);
    expect((await call('GET', '/device/v1/assignment', tokens.a)).status).toBe(200);
  });

  it('the registry credentials appear in no response and no log line', () => {
    // The facade did fetch the weights from the registry, with the platform's credentials.
    expect(reg.logs()).toMatch(new RegExp(`GET /v2/models/facade/blobs/${weightsOf(assigned).digest}`));
    expect(log.length).toBeGreaterThan(1000);
    const basic = Buffer.from(`${user.user}:${SECRET}`).toString('base64');
    for (const text of [log, ...bodies]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(basic);
    }
    // Nor any device token.
    expect(log).not.toContain(tokens.a);
  });
});
