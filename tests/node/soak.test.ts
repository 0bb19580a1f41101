// The short soak (the full one is `npm run soak`): 1,000 links, 10% faults, a server crash and
// restart on durable storage; nothing lost, nothing wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../soak/soak.js';

test('1,000 links through faults and a server crash: 0 lost, 0 wrong', async () => {
  const lines: string[] = [];
  const r = await runSoak({ count: 1000, concurrency: 16, faultRate: 0.1, seed: 42, log: (l) => lines.push(l) });
  const details = `${JSON.stringify(r)}\n${lines.join('\n')}`;
  assert.equal(r.lost, 0, details);
  assert.equal(r.wrong, 0, details);
  assert.equal(r.failed, 0, details);
  assert.equal(r.created + r.alreadyExisted, 1000);
  assert.equal(r.restarts, 1);
  const injected = r.injectedFaults.error + r.injectedFaults.drop + r.injectedFaults.lostAnswer;
  assert.ok(injected >= 50, `faults were injected (${JSON.stringify(r.injectedFaults)})`);
  assert.ok(r.retries >= injected * 0.5, `the client retried (${r.retries} retries for ${injected} faults)`);
});
