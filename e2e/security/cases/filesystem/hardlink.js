// expect-status: ok
// expect-stdout: contained
// fixture: fs
// granted/hard is a hard link to outside/secret.txt made on the host before the run.
const fs = require("fs");
let leaked = false;
try {
  if (fs.readFileSync("__GRANTED__/hard", "utf8").includes("SECRET")) leaked = true;
} catch {}
try {
  fs.appendFileSync("__GRANTED__/hard", "pwned");
} catch {}
try {
  fs.linkSync("__OUTSIDE__/secret.txt", "__GRANTED__/hard2");
  if (fs.readFileSync("__GRANTED__/hard2", "utf8").includes("SECRET")) leaked = true;
} catch {}
console.log(leaked ? "ESCAPED" : "contained");
