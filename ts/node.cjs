'use strict';
// CommonJS entry (the "require" export condition): the ES module itself through Node's
// require(esm), so `require` and `import` share one instance (one OssError class). Node.js
// before 20.19 (and 22.0 to 22.11) cannot do that; say so instead of ERR_REQUIRE_ESM.
try {
  module.exports = require('./node.js');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error(`oss-symlink: require('oss-symlink') needs Node.js ^20.19.0 or >=22.12.0 (this is ${process.version}); upgrade Node.js or use import('oss-symlink')`, { cause: e });
  }
  throw e;
}
