// expect-status: ok
// expect-stdout: contained
// fixture: fs
// Check-then-use: a directory is replaced by a link pointing out between two calls.
const fs = require("fs");
let leaked = false;
for (let i = 0; i < 50; i++) {
  const d = "__GRANTED__/race" + i;
  try {
    fs.mkdirSync(d);
    fs.writeFileSync(d + "/secret.txt", "mine");
    fs.rmSync(d, { recursive: true });
    fs.symlinkSync("__OUTSIDE__", d);
  } catch {}
  try {
    if (fs.readFileSync(d + "/secret.txt", "utf8").includes("SECRET")) leaked = true;
  } catch {}
}
console.log(leaked ? "ESCAPED" : "contained");
