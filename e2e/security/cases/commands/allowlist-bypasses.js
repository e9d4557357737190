// expect-status: ok
// expect-stdout: contained
// fixture: commands
// Only `cat` and `git status` are granted. Each of these must be refused before anything runs.
const { spawnSync, execSync, execFileSync } = require("child_process");
const attempts = [
  ["git", ["-c", "core.sshCommand=touch __OUTSIDE__/pwned", "status"]],
  ["git", ["ls-remote", "--upload-pack=touch __OUTSIDE__/pwned", "x"]],
  ["git", ["--exec-path=/tmp", "status"]],
  ["env", ["X=1", "cat", "/etc/hostname"]],
  ["/usr/bin/../bin/sh", ["-c", "touch __OUTSIDE__/pwned"]],
  ["sh", ["-c", "touch __OUTSIDE__/pwned"]],
  ["./cat", ["/etc/hostname"]],
  ["node", ["-e", "require('fs').writeFileSync('__OUTSIDE__/pwned','x')"]],
  ["python3", ["-c", "open('__OUTSIDE__/pwned','w')"]],
  ["npm", ["run", "x"]],
  ["bash", ["-c", "id"]],
  ["c\u0061t\u0000", ["/etc/hostname"]],
];
let ran = 0;
for (const [cmd, args] of attempts) {
  try {
    const r = spawnSync(cmd, args);
    if (!r.error && r.status !== null) ran++;
  } catch {}
}
for (const line of [
  "cat /etc/hostname; touch __OUTSIDE__/pwned",
  "cat $(touch __OUTSIDE__/pwned)",
]) {
  try {
    execSync(line);
    ran++;
  } catch {}
}
try {
  execFileSync("git", ["status", "--", ";touch __OUTSIDE__/pwned"]);
} catch {}
console.log(ran > 0 ? "ESCAPED ran " + ran : "contained");
