// `oss-symlink serve`: runs the local OSS server until SIGINT/SIGTERM.
import { DEV_CREDENTIALS, normalizeOrigin, startServer, type ServerOptions } from './index.js';

export const SERVE_USAGE = `Usage: oss-symlink serve [options]

Runs a local OSS-compatible server with symlinks and V4 signature checks.

Options:
  --port N          port to listen on (default 9000; 0 picks a free one)
  --host H          address to bind (default 127.0.0.1)
  --bucket NAME     create a bucket (repeatable; default: examplebucket)
  --versioned NAME  create a bucket with versioning enabled (repeatable)
  --data DIR        keep data in DIR across restarts (default: in memory)
  --sts             serve POST /-/sts with temporary credentials (for browser demos); only
                    the server's own origin and those given with --sts-allow-origin may read it
  --sts-allow-origin URL
                    let pages from this origin (e.g. http://localhost:8080) fetch /-/sts
                    (repeatable; implies --sts; '*' is refused)
  --region R        region expected in the V4 signature scope (default cn-hangzhou)
  --log             print one line per request
  --discard         check and answer every request but store nothing (writes succeed, reads
                    find nothing): a target for load tests of clients at any size
  --help            show this text

Keys come from OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET; without them a development key pair
is used and printed.`;

interface ServeArgs {
  options: ServerOptions;
  help: boolean;
  logRequests: boolean;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const options: ServerOptions = { port: 9000, buckets: [], versioned: [] };
  let help = false;
  let logRequests = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n\n${SERVE_USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
        options.port = port;
        break;
      }
      case '--host': options.host = value(); break;
      case '--bucket': options.buckets!.push(value()); break;
      case '--versioned': options.versioned!.push(value()); break;
      case '--data': options.dataDir = value(); break;
      case '--discard': options.discard = true; break;
      case '--region': options.region = value(); break;
      case '--sts': options.stsEndpoint = true; break;
      case '--sts-allow-origin': {
        const origin = value();
        try {
          (options.stsAllowedOrigins ??= []).push(normalizeOrigin(origin));
        } catch {
          throw new Error(`--sts-allow-origin needs an origin such as http://localhost:8080 (got ${origin}); '*' is not allowed`);
        }
        options.stsEndpoint = true;
        break;
      }
      case '--log': logRequests = true; break;
      case '--help': case '-h': help = true; break;
      default: throw new Error(`unknown option ${arg}\n\n${SERVE_USAGE}`);
    }
  }
  if (options.discard && options.dataDir) throw new Error(`--discard and --data cannot be used together\n\n${SERVE_USAGE}`);
  if (options.buckets!.length === 0 && options.versioned!.length === 0) options.buckets = ['examplebucket'];
  return { options, help, logRequests };
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): { accessKeyId: string; accessKeySecret: string } | undefined {
  const accessKeyId = env.OSS_ACCESS_KEY_ID;
  const accessKeySecret = env.OSS_ACCESS_KEY_SECRET;
  if (!accessKeyId && !accessKeySecret) return undefined;
  if (!accessKeyId || !accessKeySecret) throw new Error('set both OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, or neither');
  return { accessKeyId, accessKeySecret };
}

type OpenedStore = { keys: number; logBytes: number; tornTailBytes: number; compacted: boolean };

function storageLine(options: ServerOptions, storage: OpenedStore, openMs: number): string {
  if (options.discard) return 'none: --discard answers writes as stored and keeps nothing (reads find nothing)';
  if (!options.dataDir) return 'in memory (lost on exit)';
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
  let line = `durable in ${options.dataDir}: ${storage.keys.toLocaleString('en-US')} keys, log ${mb(storage.logBytes)}, opened in ${(openMs / 1000).toFixed(1)} s`;
  if (storage.compacted) line += ' (compacted)';
  if (storage.tornTailBytes > 0) line += `; cut ${storage.tornTailBytes} bytes of a write interrupted by a crash (never acknowledged)`;
  return line;
}

/** Starts the server, prints how to use it, and resolves after SIGINT/SIGTERM closed it. */
export async function runServe(argv: string[]): Promise<void> {
  const { options, help, logRequests } = parseServeArgs(argv);
  if (help) {
    console.log(SERVE_USAGE);
    return;
  }
  const fromEnv = credentialsFromEnv(process.env);
  const credentials = fromEnv ?? DEV_CREDENTIALS;
  const opening = performance.now();
  const server = await startServer({
    ...options,
    credentials: [credentials],
    ...(logRequests ? { log: (line: string) => console.log(line) } : {}),
  });
  // Handlers go in before anything is printed, so a signal sent on seeing the banner is not missed.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      // Removing the handlers lets a second Ctrl+C end the process at once if closing hangs.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`\n${signal}: closing the server`);
      server.close().then(resolve, (error) => {
        console.error(error);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const buckets = [...(options.buckets ?? []), ...(options.versioned ?? []).map((b) => `${b} (versioned)`)];
  console.log(`Local OSS server listening on ${server.url}`);
  console.log(`  region:    ${server.region}`);
  console.log(`  buckets:   ${buckets.join(', ')}`);
  console.log(`  storage:   ${storageLine(options, server.storage, performance.now() - opening)}`);
  if (fromEnv) {
    console.log(`  key pair:  ${credentials.accessKeyId} from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET`);
  } else {
    console.log('  key pair:  development default (set OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET to use your own)');
    console.log(`    OSS_ACCESS_KEY_ID=${credentials.accessKeyId}`);
    console.log(`    OSS_ACCESS_KEY_SECRET=${credentials.accessKeySecret}`);
  }
  if (options.stsEndpoint) {
    console.log(`  STS:       POST ${server.url}/-/sts returns temporary credentials (JSON)`);
    console.log(`             to pages from: ${[server.url, ...(options.stsAllowedOrigins ?? [])].join(', ')}`);
  }
  console.log('Use it with V4 signing, path-style addressing and the endpoint above, e.g.');
  console.log(`  ${server.url}/${options.buckets?.[0] ?? options.versioned?.[0]}/<key>        (path style)`);
  console.log(`  Host: <bucket>.oss-${server.region}.aliyuncs.com  (virtual-hosted, as ali-oss sends to an IP endpoint)`);
  console.log('Press Ctrl+C to stop.');

  await stopped;
}
