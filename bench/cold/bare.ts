// Cold start reference: a Node process that loads nothing (its wall time is Node's own start and exit).
process.stdout.write(JSON.stringify({ ms: performance.now() }) + '\n');
