#!/usr/bin/env -S node --max-semi-space-size=4
// The `oss-symlink` command: ln, readlink, bulk, verify and serve.
// The flag above keeps V8's young generation small: `bulk` allocates a little garbage per row, and
// with the default (16 MB semi-spaces) its heap grows to ~30 MB more RSS for nothing.
import { readFileSync } from 'node:fs';
import { OssError } from '../ts/node.js';
import { runServe } from '../server/serve-command.js';
import { bulkCommand } from './bulk.js';
import { EXIT, Output, UsageError, describeError, isConfigError } from './common.js';
import { lnCommand, readlinkCommand } from './links.js';
import { BULK_USAGE, LN_USAGE, MAIN_USAGE, READLINK_USAGE, VERIFY_USAGE } from './usage.js';
import { verifyCommand } from './verify.js';

const COMMANDS: Record<string, (argv: string[], output: Output, env: NodeJS.ProcessEnv) => Promise<number>> = {
  ln: lnCommand,
  readlink: readlinkCommand,
  bulk: bulkCommand,
  verify: verifyCommand,
  serve: async (argv) => {
    try {
      await runServe(argv);
    } catch (e) {
      // The server's own argument and start-up errors (bad option, port in use): fix and rerun.
      throw new UsageError(e instanceof Error ? e.message : String(e), 'serve');
    }
    return EXIT.ok;
  },
};

const HELP: Record<string, string> = { ln: LN_USAGE, readlink: READLINK_USAGE, bulk: BULK_USAGE, verify: VERIFY_USAGE };

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[], output: Output): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    output.err(MAIN_USAGE);
    return EXIT.usage;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    if (topic === 'serve') return COMMANDS.serve!(['--help'], output, process.env);
    if (topic !== undefined && !HELP[topic]) throw new UsageError(`no help for '${topic}': commands are ln, readlink, bulk, verify, serve`);
    output.out(topic ? HELP[topic]! : MAIN_USAGE);
    return EXIT.ok;
  }
  if (command === '--version' || command === '-V') {
    output.out(version());
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command '${command}': commands are ln, readlink, bulk, verify, serve`);
  return run(rest, output, process.env);
}

/** Prints what went wrong, for a person (stderr) and with --json for a script (stdout); returns the exit code. */
function fail(error: unknown, argv: string[], output: Output): number {
  const command = argv[0] && COMMANDS[argv[0]] ? argv[0] : undefined;
  const prefix = `oss-symlink${command ? ` ${command}` : ''}`;
  const dashes = argv.indexOf('--');
  const json = (dashes < 0 ? argv : argv.slice(0, dashes)).includes('--json');
  let code: number;
  let detail: Record<string, unknown>;
  if (error instanceof UsageError) {
    code = EXIT.usage;
    output.err(`${prefix}: ${error.message}`);
    output.err(`Run 'oss-symlink ${error.command ?? command ?? ''}${error.command ?? command ? ' ' : ''}--help' for usage.`);
    detail = { code: 'UsageError', message: error.message };
  } else if (error instanceof OssError) {
    // Input errors (a bad key, metadata name, ...) and rejected keys or bucket are for the user to fix.
    code = error.isInputError || isConfigError(error) ? EXIT.usage : EXIT.failed;
    output.err(`${prefix}: ${error.field && error.isInputError ? `${error.field}: ` : ''}${describeError(error)}`);
    detail = { code: error.code, status: error.status, message: error.message, requestId: error.requestId || null };
  } else {
    code = EXIT.failed;
    const message = error instanceof Error ? error.message : String(error);
    output.err(`${prefix}: unexpected error: ${message}`);
    if (process.env.OSS_SYMLINK_DEBUG && error instanceof Error && error.stack) output.err(error.stack);
    detail = { code: 'Error', message };
  }
  if (json) output.json({ ok: false, error: detail, exitCode: code });
  return code;
}

const output = new Output([process.env.OSS_ACCESS_KEY_SECRET, process.env.OSS_SESSION_TOKEN]);
const argv = process.argv.slice(2);
main(argv, output).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => { process.exitCode = fail(error, argv, output); },
);
