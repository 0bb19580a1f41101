// `oss-symlink ln TARGET LINK` and `oss-symlink readlink LINK`.
import { OssClient, type GetSymlinkOptions, type ObjectAcl, type PutSymlinkOptions, type StorageClass } from '../ts/node.js';
import { CONNECTION_OPTIONS, EXIT, LINK_OPTIONS, Output, UsageError, clientOptions, pairsFlag, parse, str, type Values } from './common.js';
import { LN_USAGE, READLINK_USAGE } from './usage.js';

const LN_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...LINK_OPTIONS,
  meta: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
} as const;

const READLINK_OPTIONS = {
  ...CONNECTION_OPTIONS,
  'version-id': { type: 'string' },
} as const;

const list = (values: Values, name: string) => values[name] as string[] | undefined;

export async function lnCommand(argv: string[], output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parse('ln', argv, LN_OPTIONS);
  if (values.help) {
    output.out(LN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 2) {
    throw new UsageError(`expected TARGET and LINK, in that order as with ln -s (got ${positionals.length} ${positionals.length === 1 ? 'argument' : 'arguments'})`, 'ln');
  }
  const [target, link] = positionals as [string, string];
  const o: PutSymlinkOptions = {};
  if (values['forbid-overwrite']) o.forbidOverwrite = true;
  const acl = str(values, 'acl');
  if (acl !== undefined) o.acl = acl as ObjectAcl;
  const storageClass = str(values, 'storage-class');
  if (storageClass !== undefined) o.storageClass = storageClass as StorageClass;
  const meta = pairsFlag(list(values, 'meta'), 'meta', 'ln');
  if (meta) o.meta = meta;
  const tags = pairsFlag(list(values, 'tag'), 'tag', 'ln');
  if (tags) o.tagging = tags;
  const client = new OssClient(clientOptions(values, env, 'ln', { maxAttempts: 3 }));

  const r = await client.putSymlink(link, target, o);
  if (values.json) {
    output.json({
      ok: true, link, target, etag: r.etag, requestId: r.requestId, versionId: r.versionId ?? null, attempts: r.attempts,
      ...(r.createdByEarlierAttempt ? { createdByEarlierAttempt: true } : {}),
    });
  } else {
    output.out(`${link} -> ${target}`);
  }
  return EXIT.ok;
}

export async function readlinkCommand(argv: string[], output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parse('readlink', argv, READLINK_OPTIONS);
  if (values.help) {
    output.out(READLINK_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one LINK (got ${positionals.length} arguments)`, 'readlink');
  const link = positionals[0]!;
  const o: GetSymlinkOptions = {};
  const versionId = str(values, 'version-id');
  if (versionId !== undefined) o.versionId = versionId;
  const client = new OssClient(clientOptions(values, env, 'readlink', { maxAttempts: 3 }));

  const r = await client.getSymlink(link, o);
  if (values.json) {
    output.json({
      ok: true, link, target: r.target, etag: r.etag, lastModified: r.lastModified?.toISOString() ?? null,
      versionId: r.versionId ?? null, meta: r.meta, requestId: r.requestId,
    });
  } else {
    output.out(r.target);
  }
  return EXIT.ok;
}
