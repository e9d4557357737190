// expect-status: ok
// expect-stdout: contained
// fixture: commands
// An allowed command sees only the allowed env and only the granted dirs.
const { spawnSync } = require("child_process");
const env = spawnSync("cat", ["/proc/self/environ"], { encoding: "utf8" });
const outside = spawnSync("cat", ["__OUTSIDE__/secret.txt"], { encoding: "utf8" });
const inside = spawnSync("cat", ["__GRANTED__/data.txt"], { encoding: "utf8" });
const leaked =
  String(env.stdout).includes("AIRLOCK_E2E_HOST_SECRET") ||
  String(outside.stdout).includes("SECRET");
console.log(
  leaked
    ? "ESCAPED"
    : inside.stdout.includes("granted data")
      ? "contained"
      : "granted dir not visible: " + inside.stderr,
);
