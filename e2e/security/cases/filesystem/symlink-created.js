// expect-status: ok
// expect-stdout: contained
// fixture: fs
// Links made by the sandbox itself, pointing out, then used.
const fs = require("fs");
let leaked = false;
const attempts = [
  ["__OUTSIDE__/secret.txt", "__GRANTED__/made-abs"],
  ["../outside/secret.txt", "__GRANTED__/made-rel"],
  ["__OUTSIDE__", "__GRANTED__/made-dir"],
];
for (const [target, link] of attempts) {
  try {
    fs.symlinkSync(target, link);
  } catch {}
  try {
    if (fs.readFileSync(link, "utf8").includes("SECRET")) leaked = true;
  } catch {}
  try {
    if (fs.readFileSync(link + "/secret.txt", "utf8").includes("SECRET")) leaked = true;
  } catch {}
  try {
    fs.writeFileSync(link + "/pwned.txt", "x");
  } catch {}
}
console.log(leaked ? "ESCAPED" : "contained");
