/** A loopback HTTP server that records every request and answers through a test's handler. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type Handler = (req: Captured, res: ServerResponse, index: number) => void;

export interface CaptureServer {
  url: string;
  requests: Captured[];
  handler: Handler;
  close(): Promise<void>;
}

export const ok: Handler = (_req, res) => {
  res.writeHead(200, { etag: '"ETAG1"', 'x-oss-request-id': 'REQ1' });
  res.end();
};

export function xmlError(res: ServerResponse, status: number, code: string, extra = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-oss-request-id': `REQ-${code}`, ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} happened</Message><RequestId>REQ-${code}</RequestId><HostId>host.example</HostId><EC>0000-00000000</EC><RecommendDoc>https://doc.example/${code}</RecommendDoc>${extra}</Error>`);
}

export async function startCaptureServer(handler: Handler = ok): Promise<CaptureServer> {
  const requests: Captured[] = [];
  const state: CaptureServer = { url: '', requests, handler, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      const captured = { method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(captured);
      state.handler(captured, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return state;
}
