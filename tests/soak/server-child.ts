// The local server in a child process, so that the soak can kill it (SIGKILL) and restart it.
// Usage: node server-child.js PORT DATA_DIR FAULT_RATE SEED — prints "ready URL", then a stats
// line every 100 ms.
import { DEV_CREDENTIALS, startServer } from '../../server/index.js';

const [port, dataDir, faultRate, seed] = process.argv.slice(2);
const rate = Number(faultRate);
// The faults split three ways: 5xx answers, dropped connections, answers lost after the write.
const server = await startServer({
  port: Number(port), dataDir: dataDir!, buckets: ['soak'], credentials: [DEV_CREDENTIALS],
  faults: { errorRate: rate * 0.4, dropRate: rate * 0.3, lostAnswerRate: rate * 0.3, seed: Number(seed) },
});
console.log(`ready ${server.url}`);
setInterval(() => console.log(`stats ${JSON.stringify(server.stats.faults)}`), 100).unref();
process.on('SIGTERM', () => void server.close().then(() => {
  console.log(`stats ${JSON.stringify(server.stats.faults)}`);
  process.exit(0);
}));
