// expect-status: ok
// expect-stdout: granted data|written
// fixture: fs
// The allow case beside the denials: the granted dir is really usable.
const fs = require("fs");
process.stdout.write(fs.readFileSync("__GRANTED__/data.txt", "utf8").trim() + "|");
fs.writeFileSync("__GRANTED__/out.txt", "written");
console.log(fs.readFileSync("__GRANTED__/out.txt", "utf8"));
