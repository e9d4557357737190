// expect-status: ok
// expect-stdout: contained
// fixture: fs
// granted/link-out -> outside/secret.txt and granted/dir-out -> outside were made on the host before the run.
const fs = require("fs");
let leaked = false;
for (const p of ["__GRANTED__/link-out", "__GRANTED__/dir-out/secret.txt"]) {
  try {
    if (fs.readFileSync(p, "utf8").includes("SECRET")) leaked = true;
  } catch {}
}
try {
  fs.writeFileSync("__GRANTED__/dir-out/pwned.txt", "x");
} catch {}
console.log(leaked ? "ESCAPED" : "contained");
