/**
 * The uploader page: PutObject for the file, then PutSymlink for a readable alias, then GetSymlink
 * to show what OSS stored. Credentials come from an STS-style endpoint or from the inputs; nothing
 * secret is in the page or kept after it closes.
 *
 * Query parameters prefill the connection: ?endpoint=&region=&bucket=&sts= (with an endpoint and
 * no sts, the local server's `<endpoint>/-/sts` is assumed).
 */
import { OssClient, OssError, initWasm, type Credentials, type ObjectAcl, type PutSymlinkOptions, type StorageClass } from '../ts/browser.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el as T;
};
const input = (id: string) => $<HTMLInputElement>(id);

const form = $<HTMLFormElement>('form');
const fileInput = input('file');
const targetInput = input('target');
const aliasInput = input('alias');
const submit = $<HTMLButtonElement>('submit');
const statusLine = $('status');
const resultCard = $('result');
const errorCard = $('error');

type Row = [label: string, value: string | undefined, key: string] | [group: string];

// ---- prefill and small behaviours ------------------------------------------------------------

const params = new URLSearchParams(location.search);
for (const [param, id] of [['endpoint', 'endpoint'], ['region', 'region'], ['bucket', 'bucket'], ['sts', 'sts-url']] as const) {
  const value = params.get(param);
  if (value) input(id).value = value;
}
if (!params.get('sts') && params.get('endpoint')) input('sts-url').value = `${params.get('endpoint')!.replace(/\/+$/, '')}/-/sts`;

function credentialMode(): 'sts' | 'keys' {
  return (form.querySelector<HTMLInputElement>('input[name=cred-mode]:checked')?.value as 'sts' | 'keys' | undefined) ?? 'sts';
}
function showCredentialFields(): void {
  const keys = credentialMode() === 'keys';
  $('key-fields').hidden = !keys;
  $('sts-fields').hidden = keys;
}
form.querySelectorAll('input[name=cred-mode]').forEach((el) => el.addEventListener('change', showCredentialFields));
showCredentialFields();

// Suggest keys from the file name until the user types their own.
let autoTarget = '';
let autoAlias = '';
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  submit.textContent = file ? 'Upload and link' : 'Create link';
  if (!file) return;
  if (!targetInput.value || targetInput.value === autoTarget) targetInput.value = autoTarget = `uploads/${file.name}`;
  if (!aliasInput.value || aliasInput.value === autoAlias) aliasInput.value = autoAlias = `links/${file.name}`;
});
submit.textContent = fileInput.files?.[0] ? 'Upload and link' : 'Create link';

// ---- the WebAssembly signer --------------------------------------------------------------------

const core = $('core-status');
initWasm().then(
  () => {
    core.textContent = 'signer ready';
    core.dataset.state = 'ready';
    submit.disabled = false;
  },
  (e: unknown) => {
    core.textContent = 'signer failed to load';
    core.dataset.state = 'failed';
    showError('loading the signer', e);
  },
);

// ---- client ------------------------------------------------------------------------------------

/** STS endpoints answer either our shape or Alibaba Cloud's AssumeRole shape ({ Credentials: { AccessKeyId, ... } }). */
async function fetchSts(url: string): Promise<Credentials> {
  const res = await fetch(url, { method: 'POST', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the STS endpoint answered HTTP ${res.status}`);
  const body = (await res.json()) as Record<string, unknown>;
  const c = ((body.Credentials as Record<string, unknown> | undefined) ?? body) as Record<string, string | undefined>;
  const out: Credentials = {
    accessKeyId: c.accessKeyId ?? c.AccessKeyId ?? '',
    accessKeySecret: c.accessKeySecret ?? c.AccessKeySecret ?? '',
  };
  const token = c.securityToken ?? c.SecurityToken;
  const expiration = c.expiration ?? c.Expiration;
  if (token) out.securityToken = token;
  if (expiration) out.expiration = expiration;
  return out;
}

let cached: { signature: string; client: OssClient } | undefined;

/** One client per connection setting, so STS credentials are reused until they near expiry. */
function currentClient(): OssClient {
  const endpoint = input('endpoint').value.trim();
  const region = input('region').value.trim();
  const bucket = input('bucket').value.trim();
  const mode = credentialMode();
  const stsUrl = input('sts-url').value.trim();
  const keys = { accessKeyId: input('ak-id').value.trim(), accessKeySecret: input('ak-secret').value, securityToken: input('ak-token').value.trim() };
  const signature = JSON.stringify([endpoint, region, bucket, mode, stsUrl, keys]);
  if (cached?.signature === signature) return cached.client;

  if (mode === 'sts' && !stsUrl) throw new OssError({ code: 'InvalidInput', field: 'sts-url', message: 'enter the STS endpoint URL, or switch to an access key' });
  if (mode === 'keys' && (!keys.accessKeyId || !keys.accessKeySecret)) {
    throw new OssError({ code: 'InvalidInput', field: 'ak-id', message: 'enter the AccessKey ID and secret' });
  }
  const credentials = mode === 'sts'
    ? () => fetchSts(stsUrl)
    : { accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret, ...(keys.securityToken ? { securityToken: keys.securityToken } : {}) };
  const client = new OssClient({ region, bucket, credentials, ...(endpoint ? { endpoint } : {}) });
  cached = { signature, client };
  return client;
}

/** `name: value` (or `name=value`) lines into a record. */
function parseLines(text: string, field: string, separators: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = separators.exec(line);
    if (!m || m.index === 0) throw new OssError({ code: 'InvalidInput', field, message: `${field} line ${i + 1}: expected ${field === 'meta' ? '"name: value"' : '"key=value"'}` });
    out[line.slice(0, m.index).trim()] = line.slice(m.index + m[0].length).trim();
  }
  return out;
}

// ---- the flow ----------------------------------------------------------------------------------

let stage = '';

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

async function run(): Promise<void> {
  submit.disabled = true;
  resultCard.hidden = true;
  errorCard.hidden = true;
  const started = performance.now();
  try {
    stage = 'reading the form';
    const client = currentClient();
    const file = fileInput.files?.[0];
    const target = targetInput.value.trim();
    const alias = aliasInput.value.trim();
    if (!target) throw new OssError({ code: 'InvalidInput', field: 'target', message: 'enter the object key the link points to' });
    if (!alias) throw new OssError({ code: 'InvalidInput', field: 'alias', message: 'enter the alias (link name)' });
    const options: PutSymlinkOptions = { forbidOverwrite: input('forbid').checked };
    const acl = $<HTMLSelectElement>('acl').value;
    const storageClass = $<HTMLSelectElement>('storage-class').value;
    if (acl) options.acl = acl as ObjectAcl;
    if (storageClass) options.storageClass = storageClass as StorageClass;
    const meta = parseLines($<HTMLTextAreaElement>('meta').value, 'meta', /\s*[:=]\s*/);
    const tagging = parseLines($<HTMLTextAreaElement>('tags').value, 'tags', /\s*=\s*/);
    if (Object.keys(meta).length) options.meta = meta;
    if (Object.keys(tagging).length) options.tagging = tagging;

    const rows: Row[] = [];
    if (file) {
      stage = 'PutObject';
      setStatus('busy', `Uploading ${file.name} (${formatSize(file.size)})…`);
      const uploaded = await client.putObject(target, file, { headers: { 'content-type': file.type || 'application/octet-stream' } });
      rows.push(['Uploaded object'], ['Key', target, 'object.key'], ['Size', formatSize(file.size), 'object.size'], ['ETag', uploaded.etag, 'object.etag'],
        ['Request id', uploaded.requestId, 'object.requestId'], ['Version id', uploaded.versionId, 'object.versionId']);
    }

    stage = 'PutSymlink';
    setStatus('busy', 'Creating the link…');
    const linked = await client.putSymlink(alias, target, options);
    rows.push(['Symlink'], ['Alias', alias, 'link.key'], ['Points to', target, 'link.target'], ['ETag', linked.etag, 'link.etag'],
      ['Request id', linked.requestId, 'link.requestId'], ['Version id', linked.versionId, 'link.versionId'], ['Attempts', String(linked.attempts), 'link.attempts']);

    stage = 'GetSymlink';
    setStatus('busy', 'Reading the link back…');
    const back = await client.getSymlink(alias);
    rows.push(['Read back (GetSymlink)'], ['Target', back.target, 'readback.target'], ['ETag', back.etag, 'readback.etag'],
      ['Last modified', back.lastModified?.toISOString(), 'readback.lastModified']);
    for (const [name, value] of Object.entries(back.meta)) rows.push([`x-oss-meta-${name}`, value, `readback.meta.${name}`]);

    render($('result-fields'), rows);
    resultCard.hidden = false;
    setStatus('success', `Linked ${alias} → ${back.target} in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    showError(stage, e);
  } finally {
    submit.disabled = core.dataset.state !== 'ready';
  }
}

// ---- output ------------------------------------------------------------------------------------

function setStatus(state: 'busy' | 'success' | 'error', text: string): void {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function showError(during: string, e: unknown): void {
  const rows: Row[] = e instanceof OssError
    ? [
        ['Code', e.code, 'code'], ['HTTP status', e.status ? String(e.status) : '0 (no answer)', 'status'], ['Message', e.message, 'message'],
        ['Request id', e.requestId, 'requestId'], ['Host id', e.hostId, 'hostId'], ['EC', e.ec, 'ec'], ['Recommend doc', e.recommendDoc, 'recommendDoc'],
        ['Field', e.field, 'field'], ['Attempts', e.attempts ? String(e.attempts) : undefined, 'attempts'],
      ]
    : [['Code', 'Error', 'code'], ['Message', e instanceof Error ? e.message : String(e), 'message']];
  render($('error-fields'), rows);
  $('error-stage').textContent = during;
  errorCard.hidden = false;
  setStatus('error', e instanceof OssError ? `${e.code}${e.status ? ` (HTTP ${e.status})` : ''}` : 'Failed');
}

/** Builds the <dt>/<dd> pairs with textContent only (values come from the network). */
function render(dl: HTMLElement, rows: Row[]): void {
  dl.replaceChildren();
  for (const row of rows) {
    if (row.length === 1) {
      const dt = document.createElement('dt');
      dt.className = 'group';
      dt.textContent = row[0];
      dl.append(dt);
      continue;
    }
    const [label, value, key] = row;
    if (value === undefined || value === '') continue;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.dataset.key = key;
    if (key === 'recommendDoc' && /^https:\/\//.test(value)) {
      const a = document.createElement('a');
      a.href = value;
      a.target = '_blank';
      a.rel = 'noreferrer';
      a.textContent = value;
      dd.append(a);
    } else {
      dd.textContent = value;
    }
    dl.append(dt, dd);
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
