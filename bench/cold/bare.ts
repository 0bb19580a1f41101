// Cold start reference: a Node process that loads nothing (its wall time is Node's own start and
// exit). It reports what the other cold-start scripts report, the same way.
const { user, system } = process.cpuUsage();
process.stdout.write(JSON.stringify({ ms: performance.now(), cpuMs: (user + system) / 1000 }) + '\n');
