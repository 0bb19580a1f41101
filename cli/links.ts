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
  'check-target': { type: 'boolean' },
} as const;

/** What --check-target says on stderr when a link does not work. */
const BROKEN_TARGET: Record<string, string> = {
  missing: 'the target does not exist: reads through this link answer 404 (EC 0026-00000012)',
  symlink: 'the target is itself a symlink: OSS follows one level only, so reads through this link fail',
};

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
  if (values['require-target']) o.requireTarget = true;
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
  if (values['check-target']) o.checkTarget = true;
  const client = new OssClient(clientOptions(values, env, 'readlink', { maxAttempts: 3 }));

  const r = await client.getSymlink(link, o);
  // With --check-target, a link that does not work is a failure (exit 1), as `test -e` would say.
  const broken = r.targetState !== undefined && r.targetState !== 'exists';
  if (values.json) {
    output.json({
      ok: !broken, link, target: r.target, etag: r.etag, lastModified: r.lastModified?.toISOString() ?? null,
      versionId: r.versionId ?? null, meta: r.meta, requestId: r.requestId,
      ...(r.targetState !== undefined ? { targetState: r.targetState, targetExists: r.targetExists } : {}),
    });
  } else {
    output.out(r.target);
    if (broken) output.err(`oss-symlink readlink: ${link}: ${BROKEN_TARGET[r.targetState!]}`);
  }
  return broken ? EXIT.failed : EXIT.ok;
}
