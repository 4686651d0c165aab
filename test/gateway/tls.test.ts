// TLS listener with client-certificate validation: a test CA, server and client certificates are made
// here with the `openssl` command (node:crypto cannot issue X.509 certificates). The connection
// properties Envoy gives Wasm (connection.sha256_peer_certificate_digest, uri_san, subject, tls_version,
// mtls) reach the filters, and the authz filter proves a client by its certificate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, cluster, gateway, upstreams, wasmFilter, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

let haveOpenssl = true;
try { execFileSync('openssl', ['version'], { stdio: 'pipe' }); } catch { haveOpenssl = false; }
const skip = haveOpenssl ? false : 'openssl is not installed';

let dir = '';
const gws: Gateway[] = [];
let ups: Upstream[] = [];
const pem = (n: string) => readFileSync(join(dir, n));
let clientDigest = '';

function ossl(...args: string[]) { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }); }
function issue(name: string, ca: string, subj: string, ext: string) {
  ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
  writeFileSync(join(dir, `${name}.ext`), ext);
  ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
}

before(async () => {
  if (skip) return;
  for (const m of ['filters/authz', 'test/fixtures/probe']) moduleBytes(m);
  dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
  for (const ca of ['ca', 'rogue-ca']) {
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca}`);
  }
  issue('server', 'ca', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  issue('client', 'ca', '/C=EE/O=GOV/CN=patient-records', 'subjectAltName=URI:urn:xroad:DEV:GOV:1002:patient-records\n');
  issue('rogue', 'rogue-ca', '/CN=patient-records', 'subjectAltName=URI:urn:xroad:DEV:GOV:1002:patient-records\n');
  clientDigest = execFileSync('openssl', ['x509', '-in', 'client.crt', '-noout', '-fingerprint', '-sha256'], { cwd: dir, encoding: 'utf8' })
    .trim().split('=')[1].replace(/:/g, '').toLowerCase();
  ups = await upstreams('registry');
});

after(async () => {
  await Promise.all(gws.map((g) => g.close()));
  await Promise.all(ups.map((u) => u.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const transport = () => `
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            tls_params: { tls_minimum_protocol_version: TLSv1_2 }
            tls_certificates:
            - certificate_chain: { filename: ${join(dir, 'server.crt')} }
              private_key: { filename: ${join(dir, 'server.key')} }
            validation_context:
              trusted_ca: { filename: ${join(dir, 'ca.crt')} }`;

async function start(filter: string) {
  const routes = `
              - match: { prefix: "/" }
                route: { cluster: registry }`;
  const g = await gateway(bootstrap({ routes, filters: filter, clusters: cluster('registry', ups[0].port), transportSocket: transport() }), { logLevel: 'info' });
  gws.push(g.gw);
  return g;
}

function get(url: string, path: string, client: 'client' | 'rogue' | null, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url + path, {
      ca: pem('ca.crt'), cert: client ? pem(`${client}.crt`) : undefined, key: client ? pem(`${client}.key`) : undefined, headers, agent: false,
    }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('mTLS listener: the client certificate\'s properties reach the filter', { skip }, async () => {
  const { url, logs } = await start(wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe' }));
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const props = ['connection.sha256_peer_certificate_digest', 'connection.uri_san_peer_certificate', 'connection.subject_peer_certificate', 'connection.tls_version', 'connection.mtls'];
  const r = await get(url, '/x', 'client', { 'x-probe': props.map((p) => `reqh.prop:${p}`).join(';') });
  assert.equal(r.status, 200);
  const line = logs.find((l) => l.includes('probe:reqh:'))!;
  const vals = line.slice(line.indexOf('prop=')).split(';').map((x) => x.split(':')[1]);
  const str = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');
  assert.equal(str(vals[0]), clientDigest, 'sha256 of the DER certificate, lower-case hex (as openssl prints it)');
  assert.equal(str(vals[1]), 'urn:xroad:DEV:GOV:1002:patient-records');
  assert.equal(str(vals[2]), 'CN=patient-records,O=GOV,C=EE', 'RFC 2253 order, as Envoy prints it');
  assert.match(str(vals[3]), /^TLSv1\.[23]$/);
  assert.equal(vals[4], '01', 'connection.mtls is true');
});

test('mTLS listener: no client certificate, or one from another CA, is refused in the handshake', { skip }, async () => {
  const { url, gw } = await start(wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe' }));
  await assert.rejects(get(url, '/x', null));
  await assert.rejects(get(url, '/x', 'rogue'));
  assert.equal(gw.stats.value('http.ingress.downstream_rq_total') ?? 0, 0, 'no request got through');
});

test('authz proves an HTTPS client by its certificate digest; the same client with an unregistered certificate gets 401', { skip }, async () => {
  const policy = (digest: string) => JSON.stringify({
    rev: 3,
    clients: { 'DEV:GOV:1002:patient-records': { connectionType: 'HTTPS', certs: [`sha256/${digest}`] } },
    providers: { 'DEV:GOV:1001:civil-registry': { births: { endpoints: [{ id: 'e', m: 'GET', p: '**' }], rights: [{ id: 'r', ep: 'e', clients: ['DEV:GOV:1002:patient-records'], mode: 'ENFORCE' }] } } },
  });
  const path = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/1';
  const hdr = { 'X-Road-Client': 'DEV/GOV/1002/patient-records' };
  const good = await start(wasmFilter({ name: 'authz', file: modulePath('filters/authz'), rootId: 'authz', config: policy(clientDigest) }));
  const ok = await get(good.url, path, 'client', hdr);
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).client, 'DEV/GOV/1002/patient-records');
  const other = await start(wasmFilter({ name: 'authz', file: modulePath('filters/authz'), rootId: 'authz', config: policy('0'.repeat(64)) }));
  const no = await get(other.url, path, 'client', hdr);
  assert.equal(no.status, 401);
  assert.match(no.body, /not registered for client/);
});
