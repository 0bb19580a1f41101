// The conformance corpus (tests/conformance/oss-answers.json): what real OSS answers, from its
// documentation and the official SDKs' recorded answers. Two readers:
// 1. the client's error parser reads every recorded answer to the same fields;
// 2. the local server, driven into each situation, answers the same status, Code, EC and headers
//    wherever the corpus documents them (null fields are undocumented and not compared).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';
import { OssClient, OssError, signRequest, type SignRequestInput } from '../../ts/node.js';
import { startCaptureServer } from './helpers/capture-server.js';
import { queryString, rawRequest, xmlField, type RawAnswer } from './helpers/raw-http.js';

interface Recorded {
  status: number | null;
  headers: Record<string, string>;
  body: string;
}
interface Entry {
  id: string;
  situation: string | null;
  status: number | null;
  code: string | null;
  ec: string | null;
  headers?: Record<string, string>;
  source: string;
  recorded?: Recorded;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = JSON.parse(readFileSync(path.join(repoRoot, 'tests/conformance/oss-answers.json'), 'utf8')) as { entries: Entry[] };

test('every corpus entry names its source and documents something', () => {
  assert.ok(corpus.entries.length >= 30);
  const ids = new Set<string>();
  for (const e of corpus.entries) {
    assert.ok(!ids.has(e.id), `duplicate id ${e.id}`);
    ids.add(e.id);
    assert.ok(e.source.length > 10, `${e.id}: source`);
    assert.ok(e.recorded || e.situation, `${e.id}: neither a recorded answer nor a situation`);
  }
});

describe("the client's error parser reads every recorded answer", () => {
  for (const entry of corpus.entries.filter((e) => e.recorded)) {
    test(entry.id, async () => {
      const recorded = entry.recorded!;
      const status = recorded.status ?? 400;
      const replay = await startCaptureServer((_req, res) => {
        res.writeHead(status, recorded.headers);
        res.end(recorded.body);
      });
      try {
        const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bucket', endpoint: replay.url, credentials: DEV_CREDENTIALS, retry: { maxAttempts: 1 } });
        const error = await client.getSymlink('key').then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof OssError, String(error));
        // The fields as the recorded answer states them, read here without the parser.
        assert.equal(error.status, status);
        assert.equal(error.code, xmlField(recorded.body, 'Code'));
        assert.equal(error.ec, xmlField(recorded.body, 'EC') ?? recorded.headers['x-oss-ec'] ?? '');
        assert.equal(error.requestId, xmlField(recorded.body, 'RequestId'));
        assert.equal(error.hostId, xmlField(recorded.body, 'HostId') ?? '');
        assert.ok(error.message.includes(xmlField(recorded.body, 'Message')!), error.message);
        // And they agree with the corpus entry's facts.
        if (entry.code !== null) assert.equal(error.code, entry.code);
        if (entry.ec !== null) assert.equal(error.ec, entry.ec);
        if (entry.status !== null) assert.equal(error.status, entry.status);
      } finally {
        await replay.close();
      }
    });
  }
});

// --- The local server, driven into each situation. ---

const PLAIN = 'conformance';
const VERSIONED = 'conformance-versions';
let server: OssServer;
const client = (bucket = PLAIN) =>
  new OssClient({ region: server.region, bucket, endpoint: server.url, credentials: DEV_CREDENTIALS, retry: { maxAttempts: 1 } });

type Request = { method: string; path: string; headers: Record<string, string>; body?: string };
type Tweak = (r: Request) => void;

/** A request signed by the client's signer, then changed by `tweak` into the situation. */
function signed(input: Partial<SignRequestInput> & { method: string; key: string }, tweak?: Tweak, bucket = PLAIN): Request {
  const s = signRequest({ region: server.region, bucket, credentials: DEV_CREDENTIALS, ...input });
  const query = queryString(s.query);
  const request = { method: input.method, path: `/${bucket}/${encodeURIComponent(input.key)}${query ? '?' + query : ''}`, headers: { ...s.headers } };
  tweak?.(request);
  return request;
}

const presigned = (tweak: (query: URLSearchParams) => void, date = new Date(), expires = 600): Request =>
  signed({ method: 'GET', key: 'object.txt', date, presignExpires: expires }, (r) => {
    const [p, q] = r.path.split('?') as [string, string];
    const query = new URLSearchParams(q);
    tweak(query);
    r.path = `${p}?${query.toString()}`;
  });

const withAuthorization = (change: (authorization: string) => string): Tweak => (r) => {
  r.headers.authorization = change(r.headers.authorization!);
};
const get = (key: string, tweak?: Tweak) => signed({ method: 'GET', key }, tweak);
const putSymlink = (key: string, headers: Record<string, string>) =>
  signed({ method: 'PUT', key, query: { symlink: '' }, headers: { 'x-oss-symlink-target': 'object.txt', ...headers } });

const situations: Record<string, () => Promise<Request> | Request> = {
  'unknown-access-key': () => signed({ method: 'GET', key: 'object.txt', credentials: { accessKeyId: 'LTAInobodyHasThisKey', accessKeySecret: 'x' } }),
  'wrong-secret': () => signed({ method: 'GET', key: 'object.txt', credentials: { ...DEV_CREDENTIALS, accessKeySecret: 'not-the-secret' } }),
  'wrong-region': () => signed({ method: 'GET', key: 'object.txt', region: 'cn-beijing' }),
  'presign-before-date': () => presigned(() => undefined, new Date(Date.now() + 365 * 86400_000), 604800),
  'presign-expired': () => presigned(() => undefined, new Date(Date.now() - 120_000), 60),
  'presign-missing-expires': () => presigned((q) => q.delete('x-oss-expires')),
  'presign-expires-out-of-range': () => presigned((q) => q.set('x-oss-expires', '604801')),
  'presign-missing-signature': () => presigned((q) => q.delete('x-oss-signature')),
  'presign-empty-signature': () => presigned((q) => q.set('x-oss-signature', '')),
  'presign-bad-sign-date': () => presigned((q) => q.set('x-oss-credential', q.get('x-oss-credential')!.replace(/\/(\d{4})(\d{2})(\d{2})\//, '/$1-$2-$3/'))),
  'presign-bad-credential': () => presigned((q) => q.set('x-oss-credential', q.get('x-oss-credential')!.replace(/aliyun_v4_request$/, 'abc'))),
  'content-sha256-hex': () => get('object.txt', (r) => (r.headers['x-oss-content-sha256'] = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')),
  'content-sha256-missing': () => get('object.txt', (r) => delete r.headers['x-oss-content-sha256']),
  'additional-header-absent': () => get('object.txt', withAuthorization((a) => a.replace(',Signature=', ',AdditionalHeaders=range,Signature='))),
  'additional-headers-empty': () => get('object.txt', withAuthorization((a) => a.replace(',Signature=', ',AdditionalHeaders=,Signature='))),
  'additional-headers-empty-name': () => get('object.txt', withAuthorization((a) => a.replace(',Signature=', ',AdditionalHeaders=host;,Signature='))),
  'header-empty-signature': () => get('object.txt', withAuthorization((a) => a.replace(/Signature=[0-9a-f]+$/, 'Signature='))),
  'header-bad-sign-date': () => get('object.txt', withAuthorization((a) => a.replace(/\/(\d{4})(\d{2})(\d{2})\//, '/$1-$2-$3/'))),
  'header-bad-credential': () => get('object.txt', withAuthorization((a) => a.replace('aliyun_v4_request', 'abc'))),
  'clock-skew': () => signed({ method: 'GET', key: 'object.txt', date: new Date(Date.now() - 20 * 60_000) }),
  'date-missing': () => get('object.txt', (r) => delete r.headers['x-oss-date']),
  'date-malformed': () => get('object.txt', (r) => (r.headers['x-oss-date'] = '2026-12-01T00:00:00Z')),
  'metadata-too-large': () => signed({ method: 'PUT', key: 'meta.txt', headers: { 'x-oss-meta-k': 'v'.repeat(8192) } }),
  'metadata-name-invalid': () => signed({ method: 'PUT', key: 'meta.txt', headers: { 'x-oss-meta-a_b': 'x' } }),
  'bad-storage-class': () => putSymlink('link-class', { 'x-oss-storage-class': 'Gold' }),
  'tagging-malformed': () => putSymlink('link-tags', { 'x-oss-tagging': 'aa=bb=cc' }),
  'tagging-duplicate-key': () => putSymlink('link-tags', { 'x-oss-tagging': 'a=1&a=2' }),
  'bad-forbid-overwrite': () => putSymlink('link-forbid', { 'x-oss-forbid-overwrite': 'abc' }),
  'forbid-overwrite-existing': () => putSymlink('object.txt', { 'x-oss-forbid-overwrite': 'true' }),
  retention: () => putSymlink('locked/kept.txt', {}),
  'missing-key': () => get('no/such/key.txt'),
  'get-symlink-on-object': () => signed({ method: 'GET', key: 'object.txt', query: { symlink: '' } }),
  'head-dangling-link': () => signed({ method: 'HEAD', key: 'dangling-link' }),
  'get-symlink-delete-marker': () => signed({ method: 'GET', key: 'deleted-link', query: { symlink: '' } }, undefined, VERSIONED),
};

/** Code and EC of an error answer; a HEAD answer carries its XML base64-encoded in x-oss-err. */
function errorFields(request: Request, answer: RawAnswer): { code?: string | undefined; ec?: string | undefined } {
  const xml = request.method === 'HEAD' ? Buffer.from(String(answer.headers['x-oss-err'] ?? ''), 'base64').toString() : answer.body;
  return { code: xmlField(xml, 'Code'), ec: xmlField(xml, 'EC') };
}

describe('the local server answers each situation as the corpus says', () => {
  before(async () => {
    server = await startServer({ buckets: [PLAIN], versioned: [VERSIONED], immutable: [{ bucket: PLAIN, prefix: 'locked/' }] });
    const c = client();
    await c.putObject('object.txt', 'content');
    await c.putObject('locked/kept.txt', 'kept');
    await c.putSymlink('dangling-link', 'missing-target.txt');
    const v = client(VERSIONED);
    await v.putSymlink('deleted-link', 'anything');
    await v.deleteObject('deleted-link');
  });
  after(() => server.close());

  test('every situation named in the corpus has a driver', () => {
    for (const e of corpus.entries) if (e.situation) assert.ok(situations[e.situation], `${e.id}: no driver for ${e.situation}`);
  });

  for (const entry of corpus.entries.filter((e) => e.situation)) {
    test(`${entry.id} (${entry.situation})`, async () => {
      const request = await situations[entry.situation!]!();
      const answer = await rawRequest(server.port, request.method, request.path, request.headers, request.body);
      const { code, ec } = errorFields(request, answer);
      const seen = `${answer.status} ${code} ${ec}: ${answer.body}`;
      assert.ok(answer.status >= 400, `refused: ${seen}`);
      if (entry.status !== null) assert.equal(answer.status, entry.status, seen);
      if (entry.code !== null) assert.equal(code, entry.code, seen);
      if (entry.ec !== null) {
        assert.equal(ec, entry.ec, seen);
        assert.equal(answer.headers['x-oss-ec'], entry.ec, 'x-oss-ec header');
      }
      for (const [name, value] of Object.entries(entry.headers ?? {})) assert.equal(answer.headers[name.toLowerCase()], value, name);
    });
  }
});
