// expect-status: ok
// expect-stdout: contained
// fixture: fs
const fs = require("fs");
let leaked = false;
for (const p of [
  "__OUTSIDE__/secret.txt",
  "/etc/passwd",
  "/etc/hostname",
  "/root/.bashrc",
  "/dev/zero",
  "/proc/self/environ",
  "/proc/self/maps",
  "/sys/kernel/hostname",
]) {
  try {
    const text = fs.readFileSync(p, "utf8");
    if (text.length > 0) leaked = true;
  } catch {}
  try {
    if (fs.readdirSync(p.replace(/\/[^/]*$/, "") || "/").includes("secret.txt")) leaked = true;
  } catch {}
}
console.log(leaked ? "ESCAPED" : "contained");
