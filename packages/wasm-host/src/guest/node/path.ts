// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `path`: the POSIX half of Node's path module (the sandbox is always POSIX). */
export function nodePath(module) {
  const check = (p, name = "path") => {
    if (typeof p !== "string") {
      const e = new TypeError(
        `The "${name}" argument must be of type string. Received ${typeof p}`,
      );
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
  };
  function normalizeString(path, allowAbove) {
    const out = [];
    for (const seg of path.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") {
        if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
        else if (allowAbove) out.push("..");
      } else out.push(seg);
    }
    return out.join("/");
  }
  const posix = {
    sep: "/",
    delimiter: ":",
    resolve(...args) {
      let resolved = "";
      let abs = false;
      for (let i = args.length - 1; i >= -1 && !abs; i--) {
        const p = i >= 0 ? args[i] : globalThis.process.cwd();
        check(p, `paths[${i}]`);
        if (p === "") continue;
        resolved = `${p}/${resolved}`;
        abs = p.charCodeAt(0) === 47;
      }
      resolved = normalizeString(resolved, !abs);
      return abs ? `/${resolved}` : resolved.length > 0 ? resolved : ".";
    },
    normalize(p) {
      check(p);
      if (p === "") return ".";
      const abs = p.startsWith("/");
      const trailing = p.endsWith("/");
      let r = normalizeString(p, !abs);
      if (r === "" && !abs) r = ".";
      if (r !== "" && trailing) r += "/";
      return abs ? `/${r}` : r;
    },
    isAbsolute(p) {
      check(p);
      return p.startsWith("/");
    },
    join(...args) {
      if (args.length === 0) return ".";
      args.forEach((a) => check(a));
      const joined = args.filter((a) => a !== "").join("/");
      return joined === "" ? "." : posix.normalize(joined);
    },
    relative(from, to) {
      check(from, "from");
      check(to, "to");
      if (from === to) return "";
      const f = posix.resolve(from).split("/").filter(Boolean);
      const t = posix.resolve(to).split("/").filter(Boolean);
      let i = 0;
      while (i < f.length && i < t.length && f[i] === t[i]) i++;
      return [...f.slice(i).map(() => ".."), ...t.slice(i)].join("/");
    },
    toNamespacedPath: (p) => p,
    dirname(p) {
      check(p);
      if (p === "") return ".";
      let end = p.length;
      while (end > 1 && p[end - 1] === "/") end--;
      const i = p.lastIndexOf("/", end - 1);
      if (i === -1) return ".";
      if (i === 0) return "/";
      let j = i;
      while (j > 1 && p[j - 1] === "/") j--;
      return p.slice(0, j);
    },
    basename(p, ext) {
      check(p);
      if (ext !== undefined) check(ext, "ext");
      let end = p.length;
      while (end > 0 && p[end - 1] === "/") end--;
      if (end === 0) return "";
      const base = p.slice(p.lastIndexOf("/", end - 1) + 1, end);
      if (ext !== undefined && ext !== base && base.endsWith(ext))
        return base.slice(0, base.length - ext.length);
      return base;
    },
    extname(p) {
      check(p);
      const base = posix.basename(p);
      const i = base.lastIndexOf(".");
      if (i <= 0 || (i === 1 && base === "..")) return "";
      return base.slice(i);
    },
    format(o) {
      if (o === null || typeof o !== "object") {
        const e = new TypeError(
          `The "pathObject" argument must be of type object. Received ${o === null ? "null" : typeof o}`,
        );
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      const dir = o.dir || o.root;
      const base =
        o.base || `${o.name || ""}${o.ext ? (o.ext.startsWith(".") ? "" : ".") + o.ext : ""}`;
      if (!dir) return base;
      return dir === o.root ? `${dir}${base}` : `${dir}/${base}`;
    },
    parse(p) {
      check(p);
      const root = p.startsWith("/") ? "/" : "";
      if (p === "") return { root: "", dir: "", base: "", ext: "", name: "" };
      const base = posix.basename(p);
      const ext = posix.extname(p);
      let dir = posix.dirname(p);
      if (dir === "." && !p.startsWith(".")) dir = "";
      if (p.startsWith("./") && dir === ".") dir = ".";
      return {
        root,
        dir: base === "" ? root : dir,
        base,
        ext,
        name: ext ? base.slice(0, base.length - ext.length) : base,
      };
    },
    matchesGlob(p, pattern) {
      const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\/?/g, "\u0000")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]")
        .replace(/\u0000/g, ".*");
      return new RegExp(`^${re}$`).test(p);
    },
  };
  posix.posix = posix;
  posix.win32 = posix;
  module.exports = posix;
}
