/**
 * The guest's Node compatibility layer: `installRequire` (a prelude guest module) and the
 * sources of the builtin modules, which the prelude carries as strings and the guest compiles
 * on first `require` (start-up cost stays one string literal per module).
 */
import { nodeAssert } from "./assert.js";
import { SUPPORTED_BUILTINS, UNSUPPORTED_BUILTINS } from "./builtins.js";
import { nodeBuffer } from "./buffer.js";
import { nodeChildProcess } from "./child_process.js";
import { nodeCrypto } from "./crypto.js";
import { nodeEvents } from "./events.js";
import { nodeFetch } from "./fetch.js";
import { nodeFs } from "./fs.js";
import {
  nodeOs,
  nodeQuerystring,
  nodeStringDecoder,
  nodeTimers,
  nodeTimersPromises,
  nodeTty,
} from "./misc.js";
import { nodePath } from "./path.js";
import { nodeStream } from "./stream.js";
import { nodeUrl } from "./url.js";
import { nodeUtil } from "./util.js";
import { nodeWeb } from "./web.js";

export { installRequire } from "./require.js";

/** Module name → the function that defines it (`(module, exports, require, internals, host, g)`). */
const NODE_MODULES: Record<string, (...args: never[]) => void> = {
  assert: nodeAssert,
  buffer: nodeBuffer,
  child_process: nodeChildProcess,
  crypto: nodeCrypto,
  events: nodeEvents,
  fs: nodeFs,
  os: nodeOs,
  path: nodePath,
  querystring: nodeQuerystring,
  stream: nodeStream,
  string_decoder: nodeStringDecoder,
  timers: nodeTimers,
  "timers/promises": nodeTimersPromises,
  tty: nodeTty,
  url: nodeUrl,
  util: nodeUtil,
  "internal/web": nodeWeb,
  "internal/fetch": nodeFetch,
};

/**
 * The prelude statement that hands the guest its module sources and builtin names;
 * `compact` is the prelude's whitespace/comment stripper.
 */
export function nodeInternalsSource(compact: (source: string) => string): string {
  const sources: Record<string, string> = {};
  for (const [name, fn] of Object.entries(NODE_MODULES)) sources[name] = compact(fn.toString());
  return [
    `internals.nodeSources = ${JSON.stringify(sources)};`,
    `internals.builtinNames = ${JSON.stringify([...SUPPORTED_BUILTINS, ...UNSUPPORTED_BUILTINS])};`,
    `internals.unsupportedNames = ${JSON.stringify(UNSUPPORTED_BUILTINS)};`,
  ].join("\n");
}
