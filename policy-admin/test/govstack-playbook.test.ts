// GovStack's information-mediator provisioning playbook (bb-information-mediator examples/bb-openapi/setup-im.yml,
// protocol HTTP) replayed request by request against buildApp on SQLite over a 127.0.0.1 listener: the same
// methods, paths (colon ids, not URL-encoded), headers and bodies as Ansible's `uri` module sends them, the same
// accepted status codes, and the values carried between tasks read from the responses as the playbook reads them
// (the key from the saved /api-keys response, `json.id` and `json.services[0].service_code` per description).
// Then the result: the services exist with the backend URL, the access rights are present, and the compiled
// authz bundle, run in the real filters/authz .wasm, lets the consumer call the service and nobody else.
//
// Differences from a live run, all outside the API: the host is 127.0.0.1:<port> instead of localhost:4000 (HTTPS
// both, certificate not verified: validate_certs: no); the descriptions come from a 127.0.0.1 server instead of raw.githubusercontent.com (no traffic off the
// machine); the certificate is a throwaway self-signed one instead of GitHub's. The registry the playbook
// assumes (instance CS, member CS:ORG:1111, subsystems TestService and TestClient, the admin user xrd) is made
// first, as X-Road's sandbox image ships it.
//   node --import tsx --test policy-admin/test/govstack-playbook.test.ts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { request as httpsRequest } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { moduleBytes } from '../../test/lib/modules.ts';
import { buildApp } from '../src/app.ts';
import type { Db } from '../src/db/connect.ts';
import { createKeyAsSystem } from '../src/auth/keys.ts';
import { createUserAsSystem } from '../src/auth/users.ts';
import { compiledPolicyPlugin } from '../src/evaluate/plugin.ts';
import { AuthzVm } from '../src/evaluate/authz-vm.ts';
import { sqliteBackend } from './lib/harness.ts';
import { serveDescriptions, type DescriptionServer } from './lib/openapi-server.ts';

let haveOpenssl = true;
try { execFileSync('openssl', ['version'], { stdio: 'pipe' }); } catch { haveOpenssl = false; }

// The playbook's vars and ids.
const USER = 'xrd', PASSWORD = 'secret', PROTOCOL = 'HTTP';
const SERVICE_CLIENT = 'CS:ORG:1111:TestService', CONSUMER = 'CS:ORG:1111:TestClient', MEMBER = 'CS:ORG:1111';
const SS = 'CS:ORG:1111:SS1';
// Two API descriptions, as `with_fileglob: ../../api/*` would find in a building block's repository.
const API_FILES: Record<string, string> = {
  'workflow-api.yaml': [
    'openapi: 3.0.1', 'info: {title: Workflow BB, version: 1.0.0}', 'servers: [{url: "https://workflow.example/api/v1"}]', 'paths:',
    '  /process-definitions: {get: {responses: {"200": {description: ok}}}}',
    '  /process-definitions/{id}/start: {post: {responses: {"201": {description: ok}}}}',
  ].join('\n') + '\n',
  'workflow-events.json': JSON.stringify({
    openapi: '3.1.0', info: { title: 'Workflow events', version: '1' },
    paths: { '/events': { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 202: { description: 'ok' } } } } },
  }),
};
const SPEC_PREFIX = '/GovStackWorkingGroup/bb-workflow/main/api/';

/** One Ansible `uri` task: the request as the module sends it, and its status_code check. */
interface UriTask {
  method: string; url: string; user?: string; password?: string; headers?: Record<string, string>;
  /** YAML body value: with body_format json an object/array is serialised, a string is sent as it is. */
  body?: unknown; body_format?: 'json' | 'raw'; status_code?: number[];
}
interface UriResult { status: number; text: string; json: any }

let base = '';

/** One HTTPS exchange without certificate verification (the playbook's validate_certs: no). */
function exchange(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, any>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const sent: { method: string; path: string; status: number; authorization: string }[] = [];

async function uri(task: UriTask): Promise<UriResult> {
  const headers: Record<string, string> = { 'user-agent': 'ansible-httpget', ...(task.headers ?? {}) };
  let body: string | undefined;
  if (task.body !== undefined) {
    if (task.body_format === 'json') {
      body = typeof task.body === 'string' ? task.body : JSON.stringify(task.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    } else body = String(task.body);
  }
  const url = task.url.replace('https://localhost:4000', base);
  const send = async (h: Record<string, string>) => {
    const r = await exchange(task.method, url, h, body);
    sent.push({ method: task.method, path: new URL(url).pathname, status: r.status, authorization: (h.authorization ?? '').split(' ')[0] });
    return { res: { status: r.status, headers: new Headers(Object.entries(r.headers).map(([k, v]) => [k, String(v)])) }, text: r.text };
  };
  // url_username/url_password without force_basic_auth: urllib sends the credentials only after a Basic challenge.
  let { res, text } = await send(headers);
  if (res.status === 401 && task.user !== undefined && /^Basic/i.test(res.headers.get('www-authenticate') ?? '')) {
    ({ res, text } = await send({ ...headers, authorization: `Basic ${Buffer.from(`${task.user}:${task.password}`).toString('base64')}` }));
  }
  const accepted = task.status_code ?? [200];
  assert.ok(accepted.includes(res.status), `${task.method} ${task.url}: status ${res.status} not in ${accepted}: ${text}`);
  let json: any;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, text, json };
}

describe('GovStack setup-im.yml replayed against policy-admin', { skip: haveOpenssl ? false : 'openssl is not installed (the playbook registers a TLS certificate)' }, () => {
  const backend = sqliteBackend();
  let db: Db;
  let app: FastifyInstance;
  let specs: DescriptionServer;
  let dir: string;
  let setupKey: string;
  const wasm = moduleBytes('filters/authz');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pa-playbook-'));
    for (const [name, cn] of [['tls', 'raw.githubusercontent.com'], ['admin', 'localhost']]) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
        '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], { cwd: dir, stdio: 'pipe' });
    }
    db = await backend.open();
    app = await buildApp({
      db, plugins: [{ plugin: compiledPolicyPlugin, options: { authzWasm: wasm } }],
      https: { key: readFileSync(join(dir, 'admin.key')), cert: readFileSync(join(dir, 'admin.crt')) },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    specs = await serveDescriptions(Object.fromEntries(Object.entries(API_FILES).map(([n, b]) => [SPEC_PREFIX + n, b])));

    // What the sandbox security server has before the playbook runs (not part of the replay).
    await createUserAsSystem(db, USER, PASSWORD, ['SYSTEM_ADMINISTRATOR']);
    setupKey = (await createKeyAsSystem(db, ['SYSTEM_ADMINISTRATOR'], {}, 'sandbox-setup')).key;
    const ok = async (method: string, path: string, body: unknown) => {
      const r = await app.inject({ method: method as any, url: `/api/v1${path}`, payload: body as any, headers: { authorization: `X-Road-ApiKey token=${setupKey}` } });
      assert.ok(r.statusCode < 300, `setup ${method} ${path}: ${r.statusCode} ${r.body}`);
    };
    await ok('POST', '/instances', { id: 'CS', name: 'Central Server' });
    await ok('POST', '/member-classes', { instanceId: 'CS', code: 'ORG', description: 'Organisations' });
    await ok('POST', '/members', { instanceId: 'CS', memberClass: 'ORG', memberCode: '1111', name: 'Test organisation' });
    await ok('POST', '/security-servers', { ownerMemberId: MEMBER, serverCode: 'SS1', address: 'sandbox' });
    for (const code of ['TestService', 'TestClient']) {
      await ok('POST', '/clients', { client: { member_class: 'ORG', member_code: '1111', subsystem_code: code } });
      await ok('PATCH', `/clients/${encodeURIComponent(`${MEMBER}:${code}`)}`, { status: 'REGISTERED', security_server_ids: [SS], connection_type: 'HTTP' });
    }
    await ok('POST', '/clients', { client: { member_class: 'ORG', member_code: '1111', subsystem_code: 'Stranger' } });
    await ok('PATCH', `/clients/${encodeURIComponent(`${MEMBER}:Stranger`)}`, { status: 'REGISTERED', security_server_ids: [SS], connection_type: 'HTTP' });
  });
  after(async () => {
    await app?.close();
    await specs?.close();
    await db?.close();
    await backend.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let registered: UriResult[] = [];

  test('the playbook runs unchanged, task by task', async () => {
    const cert = readFileSync(join(dir, 'tls.crt'), 'utf8');

    // - name: Create API key (user/password, no force_basic_auth; response saved to /home/xrd/APIKEY)
    const created = await uri({
      method: 'POST', url: 'https://localhost:4000/api/v1/api-keys', user: USER, password: PASSWORD,
      body: ['XROAD_SECURITY_OFFICER', 'XROAD_REGISTRATION_OFFICER', 'XROAD_SERVICE_ADMINISTRATOR', 'XROAD_SYSTEM_ADMINISTRATOR', 'XROAD_SECURITYSERVER_OBSERVER'],
      body_format: 'json',
    });
    // - name: Register APIKEY file content / Set APIKEY variable: apikey = (file | from_json)['key']
    const apikeyJson = JSON.parse(created.text);
    const apikey: string = apikeyJson['key'];
    assert.match(apikey, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([...apikeyJson.roles].sort(), ['XROAD_REGISTRATION_OFFICER', 'XROAD_SECURITYSERVER_OBSERVER', 'XROAD_SECURITY_OFFICER', 'XROAD_SERVICE_ADMINISTRATOR', 'XROAD_SYSTEM_ADMINISTRATOR']);
    assert.equal(typeof apikeyJson.id, 'number');
    const auth = { authorization: `X-Road-ApiKey token=${apikey}` };

    // - name: Register github cert as service TLS cert
    await uri({
      method: 'POST', url: `https://localhost:4000/api/v1/clients/${SERVICE_CLIENT}/tls-certificates`,
      headers: { ...auth, 'content-type': 'application/octet-stream' }, body: cert, status_code: [200, 201, 409],
    });
    // - name: Set internal server connection protocol to HTTP/HTTPS
    await uri({
      method: 'PATCH', url: `https://localhost:4000/api/v1/clients/${SERVICE_CLIENT}`, headers: auth,
      body: { connection_type: PROTOCOL }, body_format: 'json', status_code: [200, 201],
    });
    // - name: Register services described in BB (loop over the API files)
    registered = [];
    for (const apiName of Object.keys(API_FILES)) {
      const apiBody = { url: `${specs.base}${SPEC_PREFIX}${apiName}`, rest_service_code: apiName, ignore_warnings: false, type: 'OPENAPI3' };
      registered.push(await uri({
        method: 'POST', url: `https://localhost:4000/api/v1/clients/${SERVICE_CLIENT}/service-descriptions`, headers: auth,
        body: JSON.stringify(apiBody), body_format: 'json', status_code: [200, 201],
      }));
    }
    const servicesLists = registered.map((r) => r.json['services']);
    // - name: Set service URL of registered services (loop: item[0].service_code)
    for (const item of servicesLists) {
      const r = await uri({
        method: 'PATCH', url: `https://localhost:4000/api/v1/services/${SERVICE_CLIENT}:${item[0].service_code}`, headers: auth,
        body: JSON.stringify({ url: `${PROTOCOL}://caddy`, timeout: 60, ssl_auth: false }), body_format: 'json', status_code: [200, 201, 400],
      });
      assert.equal(r.status, 200, `the playbook tolerates 400 here, but then the URL is not set: ${r.text}`);
    }
    // (Register caddy cert: only when protocol == 'HTTPS'.)
    // - name: Enable all just registered services (loop: json.id)
    for (const id of registered.map((r) => r.json['id'])) {
      await uri({ method: 'PUT', url: `https://localhost:4000/api/v1/service-descriptions/${id}/enable`, headers: auth, status_code: [200, 201] });
    }
    // - name: Set member client protocol to HTTP/HTTPS
    await uri({
      method: 'PATCH', url: `https://localhost:4000/api/v1/clients/${MEMBER}`, headers: auth,
      body: JSON.stringify({ connection_type: PROTOCOL }), body_format: 'json', status_code: [200, 201],
    });
    // - name: Give client access rights to service
    for (const item of servicesLists) {
      await uri({
        method: 'POST', url: `https://localhost:4000/api/v1/clients/${SERVICE_CLIENT}/service-clients/${CONSUMER}/access-rights`, headers: auth,
        body: JSON.stringify({ items: [{ service_code: item[0].service_code }] }), body_format: 'json', status_code: [200, 201],
      });
    }

    // The key request was sent twice (challenge, then Basic); everything after it with the new key.
    assert.deepEqual(sent.slice(0, 2).map((s) => [s.path, s.status, s.authorization]), [['/api/v1/api-keys', 401, ''], ['/api/v1/api-keys', 200, 'Basic']]);
    assert.ok(sent.slice(2).every((s) => s.authorization === 'X-Road-ApiKey'));
    assert.deepEqual(specs.requests, Object.keys(API_FILES).map((n) => `GET ${SPEC_PREFIX}${n}`), 'each description read once, when added');
  });

  const get = async (path: string) => {
    const r = await exchange('GET', `${base}/api/v1${path}`, { authorization: `X-Road-ApiKey token=${setupKey}` });
    return { status: r.status, body: JSON.parse(r.text) as any };
  };

  test('result: services with generated endpoints and the backend URL, enabled, with the access rights', async () => {
    assert.equal(registered.length, 2);
    for (const apiName of Object.keys(API_FILES)) {
      const s = await get(`/services/${encodeURIComponent(`${SERVICE_CLIENT}:${apiName}`)}`);
      assert.equal(s.status, 200);
      assert.equal(s.body.url, 'http://caddy', 'HTTP://caddy stored with the scheme in lower case');
      assert.equal(s.body.timeout, 60);
      assert.equal(s.body.ssl_auth, false);
      assert.ok(s.body.endpoints.filter((e: any) => e.generated).length >= 2, 'endpoints generated from the description');
    }
    const svc = (await get(`/services/${encodeURIComponent(`${SERVICE_CLIENT}:workflow-api.yaml`)}`)).body;
    assert.deepEqual(svc.endpoints.filter((e: any) => e.generated).map((e: any) => `${e.method} ${e.path}`).sort(),
      ['GET /process-definitions', 'POST /process-definitions/*/start']);
    const descriptions = (await get(`/clients/${encodeURIComponent(SERVICE_CLIENT)}/service-descriptions`)).body;
    assert.deepEqual(descriptions.map((d: any) => [d.type, d.disabled]), [['OPENAPI3', false], ['OPENAPI3', false]]);
    const rights = (await get(`/clients/${encodeURIComponent(SERVICE_CLIENT)}/service-clients/${encodeURIComponent(CONSUMER)}/access-rights`)).body;
    assert.deepEqual(rights.map((r: any) => r.service_code).sort(), Object.keys(API_FILES).sort());
    const certs = (await get(`/clients/${encodeURIComponent(SERVICE_CLIENT)}/tls-certificates`)).body;
    assert.equal(certs.length, 1);
    assert.match(certs[0].subject_distinguished_name, /raw\.githubusercontent\.com/);
    assert.equal((await get(`/clients/${encodeURIComponent(SERVICE_CLIENT)}`)).body.connection_type, 'HTTP');
    assert.equal((await get(`/members/${encodeURIComponent(MEMBER)}`)).body.connectionType, 'HTTP');
  });

  test('result: the compiled authz bundle, in the real authz filter, lets TestClient call the services and nobody else', async () => {
    const b = await get(`/bundles/${encodeURIComponent(SS)}`);
    assert.equal(b.status, 200);
    const vm = new AuthzVm(wasm, JSON.stringify(b.body.configs.authz));
    try {
      const ask = (client: string, service: string, method: string, path: string) =>
        vm.evaluate({ client, service: `${SERVICE_CLIENT}:${service}`, method, path, atMs: Date.now() });
      const allowed = ask(CONSUMER, 'workflow-api.yaml', 'POST', '/process-definitions/42/start');
      assert.deepEqual([allowed.decision, allowed.reason, allowed.status], ['ALLOW', 'allowed', 200]);
      assert.equal(ask(CONSUMER, 'workflow-events.json', 'GET', '/events').decision, 'ALLOW');
      assert.deepEqual([ask(`${MEMBER}:Stranger`, 'workflow-api.yaml', 'GET', '/process-definitions').reason], ['no_right']);
      assert.equal(ask(CONSUMER, 'not-registered', 'GET', '/').decision, 'DENY');
    } finally {
      vm.close();
    }
  });

  test('audit: the key was created by the admin user after a "Key management API log in"; no password stored', async () => {
    const events = (await get('/audit-events?limit=1000')).body as any[];
    const login = events.filter((e) => e.event === 'Key management API log in');
    assert.deepEqual(login.map((e) => [e.outcome, e.actor_id ?? e.actorId]), [['SUCCESS', 'user:xrd']]);
    const create = events.filter((e) => e.event === 'API key create' && e.method === 'POST');
    assert.deepEqual(create.map((e) => [e.outcome, e.actor_id ?? e.actorId]), [['FAILURE', 'anonymous'], ['SUCCESS', 'user:xrd']], 'the unauthenticated first attempt is audited too');
    const dump = JSON.stringify(events) + JSON.stringify(await db.kysely.selectFrom('admin_users').selectAll().execute());
    assert.ok(!dump.includes(PASSWORD) && !dump.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), 'the password appears nowhere');
  });

  test('HTTP Basic: only on /api-keys, only from a loopback peer, only with the right password', async () => {
    const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
    const list = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: basic(USER, PASSWORD) });
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(JSON.parse(list.body).length >= 2);
    const other = await app.inject({ method: 'GET', url: '/api/v1/clients', headers: basic(USER, PASSWORD) });
    assert.equal(other.statusCode, 401);
    assert.match(JSON.parse(other.body).message, /only on \/api\/v1\/api-keys/);
    const remote = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: basic(USER, PASSWORD), payload: ['XROAD_SECURITYSERVER_OBSERVER'], remoteAddress: '10.1.2.3' });
    assert.equal(remote.statusCode, 401);
    assert.match(JSON.parse(remote.body).message, /only from localhost/);
    const forwarded = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { ...basic(USER, PASSWORD), 'x-forwarded-for': '127.0.0.1' }, remoteAddress: '192.0.2.7' });
    assert.equal(forwarded.statusCode, 401, 'a forwarded header does not make a remote peer local');
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: basic(USER, 'not-it'), payload: ['XROAD_SECURITYSERVER_OBSERVER'] });
    assert.equal(wrong.statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: basic('nobody', PASSWORD) })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { authorization: 'Basic !!!' } })).statusCode, 401);
    const playbookKey = JSON.parse(list.body).at(-1);
    assert.equal(playbookKey.roles.length, 5);
    const v6 = await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${playbookKey.id}`, headers: basic(USER, PASSWORD), remoteAddress: '::1' });
    assert.equal(v6.statusCode, 200, 'X-Road answers 200 to a revoke; ::1 is loopback');
    const failures = (await get(`/audit-events?event=${encodeURIComponent('Key management API log in')}&outcome=FAILURE&limit=100`)).body as any[];
    assert.equal(failures.length, 6);
    assert.ok(failures.every((e) => /^401: /.test(e.reason)));
  });
});
