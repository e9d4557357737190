// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * Node-compatible `util.format` / `util.inspect` for the guest, after Node's
 * lib/internal/util/inspect.js (compact = 3, breakLength = 80, depth = 2): same line-breaking,
 * array grouping, quoting, `[Circular *1]` references and class/Map/Set/Date/Error shapes.
 * Installs `internals.inspect` and `internals.format`.
 */
export function installInspect(g, host, internals) {
  const kObjectType = 0;
  const kArrayExtrasType = 1;
  const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const objToString = (v) => Object.prototype.toString.call(v);
  const customInspect = Symbol.for("nodejs.util.inspect.custom");

  const meta = [
    "\\x00",
    "\\x01",
    "\\x02",
    "\\x03",
    "\\x04",
    "\\x05",
    "\\x06",
    "\\x07",
    "\\b",
    "\\t",
    "\\n",
    "\\x0B",
    "\\f",
    "\\r",
    "\\x0E",
    "\\x0F",
    "\\x10",
    "\\x11",
    "\\x12",
    "\\x13",
    "\\x14",
    "\\x15",
    "\\x16",
    "\\x17",
    "\\x18",
    "\\x19",
    "\\x1A",
    "\\x1B",
    "\\x1C",
    "\\x1D",
    "\\x1E",
    "\\x1F",
  ];
  function strEscape(str) {
    let quote = "'";
    if (str.includes("'")) {
      if (!str.includes('"')) quote = '"';
      else if (!str.includes("`") && !str.includes("${")) quote = "`";
    }
    let out = "";
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c < 32) out += meta[c];
      else if (c === 127) out += "\\x7F";
      else if (c === 92) out += "\\\\";
      else if (str[i] === quote) out += "\\" + quote;
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = str.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          out += str[i] + str[i + 1];
          i++;
        } else out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
      } else out += str[i];
    }
    return quote + out + quote;
  }

  function formatNumber(n) {
    return Object.is(n, -0) ? "-0" : `${n}`;
  }

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case "string": {
        let trailer = "";
        if (value.length > ctx.maxStringLength) {
          const remaining = value.length - ctx.maxStringLength;
          value = value.slice(0, ctx.maxStringLength);
          trailer = `... ${remaining} more character${remaining > 1 ? "s" : ""}`;
        }
        if (value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          return (
            value
              .split(/(?<=\n)/)
              .map((line) => strEscape(line))
              .join(` +\n${" ".repeat(ctx.indentationLvl + 2)}`) + trailer
          );
        }
        return strEscape(value) + trailer;
      }
      case "number":
        return formatNumber(value);
      case "bigint":
        return `${value}n`;
      case "boolean":
        return `${value}`;
      case "undefined":
        return "undefined";
      case "symbol":
        return Symbol.prototype.toString.call(value);
    }
    return String(value);
  }

  function getCtorName(obj) {
    let o = obj;
    while (o !== null && o !== undefined) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      if (d !== undefined && typeof d.value === "function" && d.value.name !== "") {
        try {
          if (obj instanceof d.value || o === obj) return d.value.name;
        } catch {
          return d.value.name;
        }
        return d.value.name;
      }
      o = Object.getPrototypeOf(o);
    }
    return null;
  }

  function getPrefix(constructor, tag, fallback, size = "") {
    if (constructor === null) {
      if (tag !== "" && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    if (tag !== "" && constructor !== tag) return `${constructor}${size} [${tag}] `;
    return `${constructor}${size} `;
  }

  function getKeys(value, showHidden) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (showHidden) return [...Object.getOwnPropertyNames(value), ...symbols];
    const keys = Object.keys(value);
    for (const s of symbols) if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s);
    return keys;
  }

  const isIndex = (k) =>
    typeof k === "string" && /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295;

  function getFunctionBase(value, constructor, tag) {
    let src = "";
    try {
      src = Function.prototype.toString.call(value);
    } catch {}
    if (src.startsWith("class") && src.endsWith("}")) {
      let base = `[class ${hasOwn(value, "name") && value.name ? value.name : "(anonymous)"}`;
      if (constructor !== "Function" && constructor !== null) base += ` [${constructor}]`;
      if (tag !== "" && constructor !== tag) base += ` [${tag}]`;
      const superName = Object.getPrototypeOf(value)?.name;
      if (superName) base += ` extends ${superName}`;
      return base + "]";
    }
    const t = objToString(value);
    let type = "Function";
    if (t.includes("Generator")) type = `Generator${type}`;
    if (t.includes("Async")) type = `Async${type}`;
    let base = `[${type}`;
    if (constructor === null) base += " (null prototype)";
    base +=
      value.name === "" || typeof value.name !== "string" ? " (anonymous)" : `: ${value.name}`;
    base += "]";
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    if (tag !== "" && constructor !== tag) base += ` [${tag}]`;
    return base;
  }

  function formatError(err, ctx) {
    let stack;
    try {
      stack = err.stack;
    } catch {}
    const name = err.name != null ? String(err.name) : "Error";
    const message = err.message != null ? String(err.message) : "";
    const head = message ? `${name}: ${message}` : name;
    if (typeof stack !== "string" || stack === "") stack = `[${head}]`;
    else {
      stack = stack.replace(/\n+$/, "");
      if (!stack.startsWith(name) && !stack.includes(head)) stack = `${head}\n${stack}`;
      if (!/\n\s+at /.test(stack)) stack = stack.includes("\n") ? stack : `[${stack}]`;
    }
    if (err.cause !== undefined && hasOwn(err, "cause")) {
      ctx.indentationLvl += 2;
      const cause = formatValue(ctx, err.cause, ctx.currentDepth + 1);
      ctx.indentationLvl -= 2;
      stack += ` {\n${" ".repeat(ctx.indentationLvl)}  [cause]: ${cause}\n${" ".repeat(ctx.indentationLvl)}}`;
    }
    if (ctx.indentationLvl !== 0)
      stack = stack.replaceAll("\n", `\n${" ".repeat(ctx.indentationLvl)}`);
    return stack;
  }

  function formatValue(ctx, value, recurseTimes) {
    if (typeof value !== "object" && typeof value !== "function")
      return formatPrimitive(ctx, value);
    if (value === null) return "null";
    if (ctx.customInspect && value !== null) {
      let fn;
      try {
        fn = value[customInspect];
      } catch {}
      if (typeof fn === "function" && fn !== inspect) {
        const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
        const ret = fn.call(value, depth, { ...ctx.options, depth }, inspect);
        if (ret !== value)
          return typeof ret === "string" ? ret : formatValue(ctx, ret, recurseTimes);
      }
    }
    if (ctx.seen.includes(value)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map([[value, index]]);
      } else {
        index = ctx.circular.get(value);
        if (index === undefined) {
          index = ctx.circular.size + 1;
          ctx.circular.set(value, index);
        }
      }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, value, recurseTimes);
  }

  function formatRaw(ctx, value, recurseTimes) {
    let keys;
    const constructor = getCtorName(value);
    let tag = value[Symbol.toStringTag];
    if (typeof tag !== "string") tag = "";
    let base = "";
    let formatter = () => [];
    let braces;
    let extrasType = kObjectType;
    const t = objToString(value);
    if (Array.isArray(value)) {
      const prefix =
        constructor !== "Array" || tag !== ""
          ? getPrefix(constructor, tag, "Array", `(${value.length})`)
          : "";
      keys = getKeys(value, ctx.showHidden).filter((k) => !isIndex(k));
      braces = [`${prefix}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (value instanceof Set || t === "[object Set]") {
      keys = getKeys(value, ctx.showHidden);
      const prefix = getPrefix(constructor, tag, "Set", `(${value.size})`);
      formatter = formatSet;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (value instanceof Map || t === "[object Map]") {
      keys = getKeys(value, ctx.showHidden);
      const prefix = getPrefix(constructor, tag, "Map", `(${value.size})`);
      formatter = formatMap;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      keys = getKeys(value, ctx.showHidden).filter((k) => !isIndex(k));
      const fallback = tag || "TypedArray";
      const prefix = getPrefix(constructor, tag, fallback, `(${value.length})`);
      braces = [`${prefix}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArrayExtrasType;
    } else {
      keys = getKeys(value, ctx.showHidden);
      braces = ["{", "}"];
      if (constructor === "Object" && !(value instanceof Error) && t !== "[object Promise]") {
        if (t === "[object Arguments]") braces[0] = "[Arguments] [";
        else if (tag !== "") braces[0] = `${getPrefix(constructor, tag, "Object")}{`;
        if (keys.length === 0) return `${braces[0]}${braces[1] === "}" ? "}" : "]"}`;
        if (t === "[object Arguments]") {
          braces[1] = "]";
          extrasType = kArrayExtrasType;
          formatter = formatArray;
          keys = [];
        }
      } else if (typeof value === "function") {
        base = getFunctionBase(value, constructor, tag);
        keys = keys.filter(
          (k) => !(ctx.showHidden && (k === "length" || k === "name" || k === "prototype")),
        );
        if (keys.length === 0) return base;
      } else if (t === "[object RegExp]") {
        base = RegExp.prototype.toString.call(value);
        const prefix = getPrefix(constructor, tag, "RegExp");
        if (prefix !== "RegExp ") base = `${prefix}${base}`;
        keys = keys.filter((k) => k !== "lastIndex");
        if (keys.length === 0) return base;
      } else if (t === "[object Date]") {
        const time = Date.prototype.getTime.call(value);
        base = Number.isNaN(time) ? "Invalid Date" : Date.prototype.toISOString.call(value);
        const prefix = getPrefix(constructor, tag, "Date");
        if (prefix !== "Date ") base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (value instanceof Error || t === "[object Error]") {
        base = formatError(value, ctx);
        keys = keys.filter((k) => k !== "stack" && k !== "message" && k !== "cause");
        if (keys.length === 0) return base;
      } else if (t === "[object Promise]") {
        braces[0] = `${getPrefix(constructor, tag, "Promise")}{`;
        formatter = formatPromise;
      } else if (t === "[object WeakMap]" || t === "[object WeakSet]") {
        braces[0] = `${getPrefix(constructor, tag, t.slice(8, -1))}{`;
        formatter = () => ["<items unknown>"];
      } else if (t === "[object ArrayBuffer]") {
        braces[0] = `${getPrefix(constructor, tag, "ArrayBuffer")}{`;
        formatter = formatArrayBuffer;
      } else if (t === "[object Number]" || t === "[object String]" || t === "[object Boolean]") {
        const prim = value.valueOf();
        const type = t.slice(8, -1);
        base = `[${type}${constructor !== type ? (constructor === null ? " (null prototype)" : ` (${constructor})`) : ""}: ${formatPrimitive({ ...ctx, breakLength: Infinity }, prim)}]`;
        if (type === "String") keys = keys.filter((k) => !isIndex(k) && k !== "length");
        if (keys.length === 0) return base;
      } else {
        if (keys.length === 0) return `${getPrefix(constructor, tag, "Object")}{}`;
        braces[0] = `${getPrefix(constructor, tag, "Object")}{`;
      }
    }
    if (ctx.depth !== null && recurseTimes > ctx.depth) {
      return `[${(constructor || tag || "Object").toString()}]`;
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (const key of keys)
        output.push(formatProperty(ctx, value, recurseTimes, key, extrasType));
    } finally {
      ctx.seen.pop();
    }
    if (ctx.circular !== undefined) {
      const index = ctx.circular.get(value);
      if (index !== undefined) {
        const reference = `<ref *${index}>`;
        base = base === "" ? reference : `${reference} ${base}`;
      }
    }
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  }

  function formatProperty(ctx, value, recurseTimes, key, type) {
    let str;
    const desc = Object.getOwnPropertyDescriptor(value, key) || {
      value: value[key],
      enumerable: true,
    };
    if (desc.value !== undefined) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? "[Getter/Setter]" : "[Getter]";
    } else if (desc.set !== undefined) {
      str = "[Setter]";
    } else {
      str = "undefined";
    }
    if (type === kArrayExtrasType) return str;
    let name;
    if (typeof key === "symbol") name = `[${Symbol.prototype.toString.call(key)}]`;
    else if (key === "__proto__") name = "['__proto__']";
    else if (desc.enumerable === false) name = `[${key}]`;
    else if (keyStrRegExp.test(key)) name = key;
    else name = strEscape(key);
    return `${name}: ${str}`;
  }

  function formatArray(ctx, value, recurseTimes) {
    const len = value.length;
    const max = Math.min(ctx.maxArrayLength, len);
    const output = [];
    let holes = 0;
    let i = 0;
    const flushHoles = () => {
      if (holes > 0) {
        output.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
        holes = 0;
      }
    };
    for (; i < len && output.length < max; i++) {
      if (!hasOwn(value, i)) {
        holes++;
        continue;
      }
      flushHoles();
      output.push(formatProperty(ctx, value, recurseTimes, i, kArrayExtrasType));
    }
    flushHoles();
    const remaining = len - i;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? "s" : ""}`);
    return output;
  }

  function formatTypedArray(ctx, value) {
    const max = Math.min(ctx.maxArrayLength, value.length);
    const output = [];
    for (let i = 0; i < max; i++) {
      const v = value[i];
      output.push(typeof v === "bigint" ? `${v}n` : formatNumber(v));
    }
    const remaining = value.length - max;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? "s" : ""}`);
    return output;
  }

  function formatArrayBuffer(ctx, value) {
    const bytes = new Uint8Array(value);
    let hex = Array.from(bytes.slice(0, 50), (b) => b.toString(16).padStart(2, "0")).join(" ");
    if (bytes.length > 50)
      hex += ` ... ${bytes.length - 50} more byte${bytes.length - 50 > 1 ? "s" : ""}`;
    return [`[Uint8Contents]: <${hex}>`, `byteLength: ${value.byteLength}`];
  }

  function formatSet(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const v of value) output.push(formatValue(ctx, v, recurseTimes));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const [k, v] of value) {
      output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    }
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatPromise(ctx, value, recurseTimes) {
    const [state, result] = internals.promiseState(value);
    if (state === "pending") return ["<pending>"];
    ctx.indentationLvl += 2;
    const str = formatValue(ctx, result, recurseTimes);
    ctx.indentationLvl -= 2;
    return [state === "rejected" ? `<rejected> ${str}` : str];
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === "" || !base.includes("\n");
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = new Array(outputLength);
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (
      actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)
    ) {
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns)
          if (dataLen[j] > lineLength) lineLength = dataLen[j];
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== "number" && typeof value[i] !== "bigint") {
            padStart = false;
            break;
          }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = Math.min(i + columns, outputLength);
        let str = "";
        let j = i;
        for (; j < max - 1; j++) {
          const cell = `${output[j]}, `;
          str += padStart
            ? cell.padStart(maxLineLength[j - i], " ")
            : cell.padEnd(maxLineLength[j - i], " ");
        }
        str += padStart
          ? output[j].padStart(maxLineLength[j - i] - separatorSpace, " ")
          : output[j];
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      output = tmp;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    const entries = output.length;
    if (extrasType === kArrayExtrasType && entries > 6)
      output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = output.join(", ");
        if (!joined.includes("\n"))
          return `${base ? `${base} ` : ""}${braces[0]} ${joined} ${braces[1]}`;
      }
    }
    const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }

  function inspect(value, opts) {
    const o = opts !== null && typeof opts === "object" ? opts : {};
    const ctx = {
      options: o,
      seen: [],
      circular: undefined,
      indentationLvl: 0,
      currentDepth: 0,
      depth: o.depth === undefined ? 2 : o.depth === Infinity ? null : o.depth,
      breakLength: o.breakLength ?? 80,
      compact: 3,
      maxArrayLength: o.maxArrayLength ?? 100,
      maxStringLength: o.maxStringLength ?? 10000,
      showHidden: !!o.showHidden,
      customInspect: o.customInspect !== false,
    };
    return formatValue(ctx, value, 0);
  }
  inspect.custom = customInspect;

  function hasBuiltInToString(value) {
    if (typeof value.toString !== "function") return true;
    if (hasOwn(value, "toString")) return false;
    let p = value;
    do {
      p = Object.getPrototypeOf(p);
    } while (p !== null && !hasOwn(p, "toString"));
    if (p === null) return true;
    const d = Object.getOwnPropertyDescriptor(p, "constructor");
    return d !== undefined && typeof d.value === "function" && builtins.has(d.value.name);
  }
  const builtins = new Set([
    "Object",
    "Error",
    "Array",
    "Date",
    "RegExp",
    "Map",
    "Set",
    "Promise",
    "Function",
    "Number",
    "String",
    "Boolean",
    "Symbol",
    "BigInt",
  ]);

  function format(...args) {
    const first = args[0];
    let a = 0;
    let str = "";
    let join = "";
    if (typeof first === "string") {
      if (args.length === 1) return first;
      let tempStr;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue;
        const next = first.charCodeAt(++i);
        if (a + 1 !== args.length) {
          switch (next) {
            case 115: {
              const v = args[++a];
              if (typeof v === "number") tempStr = formatNumber(v);
              else if (typeof v === "bigint") tempStr = `${v}n`;
              else if (typeof v !== "object" || v === null || !hasBuiltInToString(v))
                tempStr = String(v);
              else tempStr = inspect(v, { depth: 0 });
              break;
            }
            case 106:
              try {
                tempStr = JSON.stringify(args[++a]);
              } catch (e) {
                if (/circular/i.test(String(e && e.message))) tempStr = "[Circular]";
                else throw e;
              }
              break;
            case 100: {
              const v = args[++a];
              tempStr =
                typeof v === "bigint"
                  ? `${v}n`
                  : typeof v === "symbol"
                    ? "NaN"
                    : formatNumber(Number(v));
              break;
            }
            case 79:
              tempStr = inspect(args[++a]);
              break;
            case 111:
              tempStr = inspect(args[++a], { showHidden: true, depth: 4 });
              break;
            case 105: {
              const v = args[++a];
              tempStr =
                typeof v === "bigint"
                  ? `${v}n`
                  : typeof v === "symbol"
                    ? "NaN"
                    : formatNumber(Number.parseInt(v));
              break;
            }
            case 102: {
              const v = args[++a];
              tempStr = typeof v === "symbol" ? "NaN" : formatNumber(Number.parseFloat(v));
              break;
            }
            case 99:
              a += 1;
              tempStr = "";
              break;
            case 37:
              str += first.slice(lastPos, i);
              lastPos = i + 1;
              continue;
            default:
              continue;
          }
          if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
          str += tempStr;
          lastPos = i + 1;
        } else if (next === 37) {
          str += first.slice(lastPos, i);
          lastPos = i + 1;
        }
      }
      if (lastPos !== 0) {
        a++;
        join = " ";
        if (lastPos < first.length) str += first.slice(lastPos);
      }
    }
    while (a < args.length) {
      const v = args[a];
      str += join;
      str += typeof v !== "string" ? inspect(v) : v;
      join = " ";
      a++;
    }
    return str;
  }

  internals.inspect = inspect;
  internals.format = format;
}
