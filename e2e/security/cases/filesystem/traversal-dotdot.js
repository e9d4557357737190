// expect-status: ok
// expect-stdout: contained
// fixture: fs
const fs = require("fs");
const tries = [
  "__GRANTED__/../outside/secret.txt",
  "__GRANTED__/sub/../../outside/secret.txt",
  "__GRANTED__/" + "../".repeat(20) + "etc/passwd",
  "../outside/secret.txt",
  "__GRANTED__/..%2foutside/secret.txt",
];
let leaked = false;
for (const p of tries) {
  try {
    if (fs.readFileSync(p, "utf8").includes("SECRET")) leaked = true;
  } catch {}
}
console.log(leaked ? "ESCAPED" : "contained");
