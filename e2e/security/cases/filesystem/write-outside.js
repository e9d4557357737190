// expect-status: ok
// expect-stdout: contained
// fixture: fs
const fs = require("fs");
for (const p of [
  "__OUTSIDE__/pwned.txt",
  "__GRANTED__/../outside/pwned.txt",
  "/tmp/../__OUTSIDE__/pwned.txt",
  "/pwned.txt",
]) {
  try {
    fs.writeFileSync(p, "x");
  } catch {}
  try {
    fs.mkdirSync(p + ".d", { recursive: true });
  } catch {}
}
try {
  fs.renameSync("__GRANTED__/data.txt", "__OUTSIDE__/moved.txt");
} catch {}
console.log("contained");
