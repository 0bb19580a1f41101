// The Node.js build of the core, reshaped so that V8 compiles no wrapper of its own for it, and
// the glue that goes with it (README "Results", cold start).
//
// V8 in Node 20 calls across the JavaScript/WebAssembly boundary through a generic wrapper,
// built into Node, except for an export returning several values and for every import: for those
// it compiles a wrapper with TurboFan while compiling the module, about 0.7 ms for the first one
// and 0.4 ms more, in every new process that loads the core. wasm-bindgen gives the core one of
// each: `call` returns its answer string as (pointer, length), and the start function is an
// import (`__wbindgen_init_externref_table`, which the module only re-exports as
// `__wbindgen_start`, for the glue to call). So in the Node build:
//   - `call` returns the pointer and leaves the length in an exported global, `__answer_len`;
//   - the start import is removed, and Node's glue calls that JavaScript function itself.
// Node's glue handles the browsers' module too (OSS_SYMLINK_CORE=size runs it in Node).
import binaryen from 'binaryen';

const LENGTH_GLOBAL = '__answer_len';

/** The module reshaped as above, and what the glue needs to know: where the start import was. */
export function reshapeForNode(wasm) {
  const m = binaryen.readBinary(wasm); // with the features of its target_features section
  try {
    oneResultCall(m);
    const start = removeStartImport(m);
    if (!m.validate()) throw new Error('node-core: the reshaped module does not validate');
    return { wasm: m.emitBinary(), start };
  } finally {
    m.dispose();
  }
}

function oneResultCall(m) {
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
}

/** Removes the start import; had the module called it, validation fails. */
function removeStartImport(m) {
  const name = binaryen.getExportInfo(m.getExport('__wbindgen_start')).value;
  const { module, base } = binaryen.getFunctionInfo(m.getFunction(name));
  if (!module) throw new Error('node-core: __wbindgen_start is not an imported function');
  m.removeExport('__wbindgen_start');
  m.removeFunction(name);
  return { module, base };
}

/** Node's glue: wasm-bindgen's, reading `call`'s answer and running the start as said above. */
export function nodeGlue(glue, start) {
  const replaceAll = (pattern, what, count, replacement) => {
    const found = glue.match(pattern) ?? [];
    if (found.length !== count) throw new Error(`node-core: expected ${count} ${what} in the wasm-bindgen glue, found ${found.length}`);
    glue = glue.replace(pattern, replacement);
  };
  replaceAll(/^(\s*)(ret = wasm\.call\([^;]*\);)$/gm, '`ret = wasm.call(...)`', 1,
    `$1$2\n$1if (typeof ret === "number") ret = [ret, wasm.${LENGTH_GLOBAL}.value];`);
  replaceAll(/^function __wbg_get_imports\(\)/gm, '`function __wbg_get_imports()`', 1, '$&');
  // Both modules: in the browsers' one, wasm.__wbindgen_start is this very function, re-exported.
  replaceAll(/wasm\.__wbindgen_start\(\);/g, '`wasm.__wbindgen_start();`', 2,
    `__wbg_get_imports()[${JSON.stringify(start.module)}][${JSON.stringify(start.base)}]();`);
  return glue;
}
