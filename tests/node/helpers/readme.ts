/**
 * README.md's code blocks, as the README examples test reads them. Every fenced block carries a
 * marker on the line before it (blank lines between are allowed):
 *
 *   <!-- example: KIND -->   a complete example, run by tests/node/readme-examples.test.ts
 *   <!-- example: KIND, KIND -->  the same code run as each kind (e.g. vite, webpack)
 *   <!-- example: KIND name="value" -->  with attributes for the runner (e.g. objects for console)
 *   <!-- fragment -->        not complete by itself (a synopsis, output, a layout); not run
 *
 * A block with no marker, or with an unknown kind, fails the test: whoever adds an example to
 * the README decides, visibly, whether the tests run it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** How each kind of example is run (see readme-examples.test.ts). */
export const EXAMPLE_KINDS = {
  node: 'an ES module (TypeScript allowed) run with Node.js, from a project with the packed package installed',
  cjs: 'a CommonJS script run with Node.js (require)',
  deno: 'a module run with `deno run --allow-net` and no other permission',
  bun: 'a module run with `bun`',
  vite: 'browser code built by `vite build` with no configuration, run in Chromium on another origin than OSS',
  webpack: 'browser code built by webpack 5 (production, no configuration), run in Chromium on another origin than OSS',
  esbuild: 'browser code built with the esbuild command on its first line, run in Chromium on another origin than OSS',
  importmap: 'an HTML page served as is, the package under /node_modules/, run in Chromium',
  worker: 'an edge worker bundled with the esbuild command in the README and run in workerd (miniflare), POSTed {link, target}',
  sh: 'shell lines run with bash in the project, OSS_* variables set for the local server',
  console: 'a terminal transcript: each `$ ` line run with bash as for sh, its output (stdout and stderr) compared with the lines after it; durations, rates and request ids may differ, and a line `...` stands for any lines (e.g. rows reported in no fixed order). A `cat FILE` of a file that does not exist yet creates it with the shown lines; objects="KEY KEY" in the marker are uploaded first',
  csp: 'the Content-Security-Policy the www uploader is tested under',
} as const;
export type ExampleKind = keyof typeof EXAMPLE_KINDS;

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** How the example runs (several kinds: once as each); empty for a fragment or an unmarked block. */
  kinds: ExampleKind[];
  /** Kinds in the marker that are not in EXAMPLE_KINDS. */
  unknownKinds: string[];
  /** name="value" pairs after the kinds in the marker. */
  attributes: Record<string, string>;
  /** Set by examplesOf: the kind this run is for. */
  kind?: ExampleKind;
  fragment: boolean;
  /** The marker as written (for messages), or undefined when there is none. */
  marker?: string;
}

const MARKER = /^<!--\s*(example:\s*([\w-]+(?:\s*,\s*[\w-]+)*)|fragment)\b[^>]*-->$/;

/** Every fenced code block of README.md, in order, with its marker. */
export function readmeBlocks(text = readFileSync(join(repoRoot, 'README.md'), 'utf8')): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== fence) end++;
    const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const marker = j >= 0 ? MARKER.exec(lines[j]!.trim()) : null;
    const named = marker?.[2]?.split(/\s*,\s*/) ?? [];
    blocks.push({
      line: i + 1,
      lang,
      code,
      fragment: marker?.[1] === 'fragment',
      ...(marker ? { marker: marker[0] } : {}),
      kinds: named.filter((k): k is ExampleKind => k in EXAMPLE_KINDS),
      unknownKinds: named.filter((k) => !(k in EXAMPLE_KINDS)),
      attributes: Object.fromEntries([...(marker?.[0] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])),
    });
    i = end;
  }
  return blocks;
}

/** The complete examples of one kind. */
export const examplesOf = (kind: ExampleKind, blocks = readmeBlocks()): ReadmeBlock[] =>
  blocks.filter((b) => b.kinds.includes(kind)).map((b) => ({ ...b, kind }));

/** What every run example may use without declaring it: the values a reader has at hand. */
export interface ExampleContext {
  region: string;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where requests to OSS's public endpoints and to `/api/sts` (a backend's STS route) go. */
  localEndpoint: string;
}

const declares = (code: string, name: string) =>
  new RegExp(`(\\b(const|let|var|function|class)\\s+${name}\\b)|(\\b(const|let|var)\\s*\\{[^}]*\\b${name}\\b[^}]*\\})|(\\bimport\\s*(type\\s*)?\\{[^}]*\\b${name}\\b[^}]*\\})|(\\bimport\\s+${name}\\b)`).test(code);

/**
 * Code put before an example: names the example uses but does not declare (`client`, `options`,
 * `region`, `bucket`, the keys, `file`, `OssClient`; `options` has the local server's endpoint), and a `fetch` that sends what is meant for
 * OSS's public endpoints (`https://<bucket>.oss-<region>.aliyuncs.com/...`) and for `/api/sts` to
 * the local server, so examples run as written. `module` is how the package is loaded.
 */
export function examplePrelude(code: string, ctx: ExampleContext, module: 'import' | 'require', where: 'server' | 'browser' = 'server'): string {
  // A request that signs its Host keeps it: in Node.js it is sent with that Host (virtual-hosted)
  // through the package's Node transport, since fetch there cannot set Host. (Not in pages: a
  // bundler would pull the Node transport in.)
  const keepHost = where === 'browser' ? [] : [
    '  const authorization = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get("authorization") ?? "";',
    '  if (oss && /AdditionalHeaders=([^,]*;)?host(;|,|$)/i.test(authorization) && typeof process !== "undefined" && process.release?.name === "node" && !process.versions.bun && typeof Deno === "undefined") {',
    '    const path = new URL(url);',
    '    return import("oss-symlink/node-transport").then(({ createNodeFetch }) => createNodeFetch()(__local + path.pathname + path.search, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), host: path.host } }));',
    '  }',
  ];
  const lines = [
    module === 'import' ? "import * as __oss from 'oss-symlink';" : "const __oss = require('oss-symlink');",
    `const __local = ${JSON.stringify(ctx.localEndpoint)};`,
    'const __fetch = globalThis.fetch;',
    'globalThis.fetch = (input, init) => {',
    '  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;',
    '  const oss = /^https:\\/\\/([a-z0-9-]+)\\.oss-[a-z0-9-]+\\.aliyuncs\\.com(\\/[^]*)?$/.exec(url);',
    '  let routed = url;',
    ...keepHost,
    '  if (oss) routed = __local + "/" + oss[1] + (oss[2] ?? "/");',
    '  else if (url === "/api/sts") routed = __local + "/-/sts";',
    '  if (routed === url) return __fetch(input, init);',
    '  return __fetch(typeof input === "string" || input instanceof URL ? routed : new Request(routed, input), init);',
    '};',
  ];
  const values: [string, string][] = [
    ['region', JSON.stringify(ctx.region)],
    ['bucket', JSON.stringify(ctx.bucket)],
    ['accessKeyId', JSON.stringify(ctx.accessKeyId)],
    ['accessKeySecret', JSON.stringify(ctx.accessKeySecret)],
    ['securityToken', 'undefined'],
    ['file', 'new File(["example upload"], "photo.jpg", { type: "image/jpeg" })'],
    ['OssClient', '__oss.OssClient'],
    ['OssError', '__oss.OssError'],
    ['signRequest', '__oss.signRequest'],
    ['options', '{ region: __region, bucket: __bucket, endpoint: __local, credentials: { accessKeyId: __accessKeyId, accessKeySecret: __accessKeySecret } }'],
    ['client', 'new __oss.OssClient(__options)'],
  ];
  for (const [name, value] of values) {
    // Defined under a private name always (later values refer to them), publicly when free.
    lines.push(`const __${name} = ${value};`);
    if (!declares(code, name)) lines.push(`const ${name} = __${name};`);
  }
  return lines.join('\n') + '\n';
}

/** One command of a console transcript and the output shown after it. */
export interface TranscriptStep { command: string; expected: string[] }

/** The `$ ` commands of a console transcript, each with the lines shown after it. */
export function parseTranscript(code: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  for (const line of code.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else if (steps.length > 0) steps[steps.length - 1]!.expected.push(line);
    else if (line.trim() !== '') throw new Error(`a transcript starts with a "$ " command, not ${JSON.stringify(line)}`);
  }
  for (const step of steps) while (step.expected.at(-1)?.trim() === '') step.expected.pop();
  return steps;
}

/** What may differ from run to run in a transcript's output: durations, rates, request ids. */
export function normalizeOutput(line: string): string {
  return line
    .replace(/\b[0-9A-F]{24}\b/g, '<request-id>')
    .replace(/\b\d+(\.\d+)? (links|rows)\/s\b/g, '<n> $2/s')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<time>')
    .trimEnd();
}

/** Whether output lines match a transcript's lines, after normalizeOutput; `...` matches any run of lines. */
export function matchesTranscript(actual: string[], expected: string[]): boolean {
  const a = actual.map(normalizeOutput);
  const e = expected.map(normalizeOutput);
  const match = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === '...') return match(i, j + 1) || (i < a.length && match(i + 1, j));
    return i < a.length && a[i] === e[j] && match(i + 1, j + 1);
  };
  return match(0, 0);
}
