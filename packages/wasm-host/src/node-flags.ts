/**
 * The value of a V8/node flag this process was started with (`--name=value` in `NODE_OPTIONS`
 * or on the command line, the command line winning, `-` and `_` alike), or undefined.
 */
export function startupFlag(
  name: string,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env["NODE_OPTIONS"] ?? "",
): string | undefined {
  const pattern = new RegExp(`^--${name.replace(/[-_]/g, "[-_]")}=(.*)$`);
  let value: string | undefined;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = pattern.exec(arg);
    if (m) value = m[1];
  }
  return value;
}
