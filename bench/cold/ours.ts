// Cold start, ours: a fresh process imports the library (Node entry: reads and compiles the
// .wasm) and signs its first PutSymlink request. Times are from process start (performance.now()).
const started = performance.now();
const { signRequest } = await import('../../ts/node.js');
const { oursSign } = await import('../signers.js');
const { CREDENTIALS, linkKey, linkTarget } = await import('../request.js');
const imported = performance.now();
const headers = oursSign(signRequest, linkKey(0), linkTarget(0), CREDENTIALS);
const signed = performance.now();
if (!headers.authorization?.startsWith('OSS4-HMAC-SHA256 ')) throw new Error('not signed');
process.stdout.write(JSON.stringify({ bootMs: started, importMs: imported - started, firstSignMs: signed - imported, totalMs: signed }) + '\n');
