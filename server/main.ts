// Entry point: `node dist/server/main.js [serve options]`.
import { runServe } from './serve-command.js';

runServe(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
