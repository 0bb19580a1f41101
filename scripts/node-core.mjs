// The Node.js core's `call` export with one result instead of two, and the glue that reads it.
//
// wasm-bindgen returns the answer string of `call` as two values (pointer, length). V8 in Node 20
// calls an export returning several values through a wrapper it compiles with TurboFan while
// compiling the module: about 0.7 ms of every new process that loads the core (README "Results",
// cold start). An export with one result goes through V8's generic wrapper, which is built into
// Node. So the Node build's `call` returns the pointer and leaves the length in an exported
// global, `__answer_len`, and Node's copy of the glue reads it there.
import binaryen from 'binaryen';

const LENGTH_GLOBAL = '__answer_len';

/** The module with `call` exported as a one-result function (the length in `__answer_len`). */
export function singleResultCall(wasm) {
  const m = binaryen.readBinary(wasm);
  try {
    m.setFeatures(binaryen.Features.All);
    const original = binaryen.getExportInfo(m.getExport('call')).value;
    const info = binaryen.getFunctionInfo(m.getFunction(original));
    const params = binaryen.expandType(info.params);
    if (binaryen.expandType(info.results).length !== 2) throw new Error('node-core: `call` does not return (pointer, length)');
    const answer = params.length; // the first local after the parameters
    const part = (i) => m.tuple.extract(m.local.get(answer, info.results), i);
    m.addGlobal('answer_len', binaryen.i32, true, m.i32.const(0));
    m.addFunction('call_one_result', info.params, binaryen.i32, [info.results], m.block(null, [
      m.local.set(answer, m.call(original, params.map((type, i) => m.local.get(i, type)), info.results)),
      m.global.set('answer_len', part(1)),
      part(0),
    ], binaryen.i32));
    m.removeExport('call');
    m.addFunctionExport('call_one_result', 'call');
    m.addGlobalExport('answer_len', LENGTH_GLOBAL);
    if (!m.validate()) throw new Error('node-core: the transformed module does not validate');
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/**
 * Node's glue: wasm-bindgen's, with the answer of `call` taken from the global when `call` returns
 * one value. The two-result form is kept working: OSS_SYMLINK_CORE=size runs the browsers' module
 * in Node.
 */
export function nodeGlue(glue) {
  const calls = glue.match(/^(\s*)ret = wasm\.call\([^;]*\);$/gm) ?? [];
  if (calls.length !== 1) throw new Error(`node-core: expected one \`ret = wasm.call(...)\` in the wasm-bindgen glue, found ${calls.length}`);
  const [line] = calls;
  const indent = /^\s*/.exec(line)[0];
  return glue.replace(line, `${line}\n${indent}if (typeof ret === "number") ret = [ret, wasm.${LENGTH_GLOBAL}.value];`);
}
