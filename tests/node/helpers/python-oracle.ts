/** Signs requests with the official Python SDK (tests/python/sign_oracle.py). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pythonWithOssSdk, repoRoot } from './paths.js';

export interface OracleCase {
  method: string;
  region: string;
  product?: string;
  bucket: string;
  key: string;
  query: [string, string][];
  headers: [string, string][];
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  time: number;
  additionalHeaders?: string[];
  presignExpires?: number;
}

export interface OracleResult {
  authorization?: string;
  url?: string;
  stringToSign: string;
}

export function signWithPythonSdk(cases: OracleCase[]): OracleResult[] {
  const out = execFileSync(pythonWithOssSdk(), [join(repoRoot, 'tests/python/sign_oracle.py')], {
    input: JSON.stringify(cases),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString('utf8')) as OracleResult[];
}
