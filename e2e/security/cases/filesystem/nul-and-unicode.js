// expect-status: ok
// expect-stdout: contained
// fixture: fs
const fs = require("fs");
let leaked = false;
for (const p of [
  "__GRANTED__/data.txt\u0000/../../outside/secret.txt",
  "__GRANTED__/\uff0e\uff0e/outside/secret.txt",
  "__GRANTED__/\u2024\u2024/outside/secret.txt",
  "__GRANTED__/.\u200b./outside/secret.txt",
  "__GRANTED__".toUpperCase() + "/data.txt",
]) {
  try {
    if (fs.readFileSync(p, "utf8").includes("SECRET")) leaked = true;
  } catch {}
}
console.log(leaked ? "ESCAPED" : "contained");
