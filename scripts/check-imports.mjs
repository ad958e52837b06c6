#!/usr/bin/env node
// The direction of imports between the folders of src/, checked by a machine (`npm test` runs it).
// docs/architecture.md explains the layers; this list is the one place they are written down.
//
//   node scripts/check-imports.mjs [srcDir]     exits 1 and lists every violation
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Lowest first. A module may import from its own folder and from folders of lower layers; folders of
 * one layer may import each other as long as no cycle forms between folders. Top-level files count
 * as the folder named here.
 */
export const LAYERS = [
  { name: 'base', folders: ['base'] },
  { name: 'library', folders: ['io', 'data', 'metrics', 'train', 'report', 'explain', 'backend', 'history', 'remote'] },
  { name: 'stages', folders: ['stages', 'pipeline.ts'] },
  { name: 'runtime', folders: ['runtime'] },
  { name: 'view', folders: ['view', 'dashboard'] },
  { name: 'entry', folders: ['cli', 'index.ts'] },
];

const layerOf = new Map(LAYERS.flatMap((layer, rank) => layer.folders.map((f) => [f, { rank, name: layer.name }])));

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The folder (first path segment under src) a file belongs to; top-level files are their own. */
function unitOf(srcDir, file) {
  return relative(srcDir, file).split(sep)[0];
}

/** Every relative import (static, dynamic, re-export, type-only) of every file under srcDir. */
export function importEdges(srcDir) {
  const edges = [];
  for (const file of sourceFiles(srcDir)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const imported of info.importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), imported.fileName);
      if (relative(srcDir, target).startsWith('..')) continue;
      edges.push({ from: file, to: target });
    }
  }
  return edges;
}

/** Folder cycles: strongly connected components of the folder graph with more than one folder. */
function folderCycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const cycles = [];
  const visit = (v) => {
    state.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!state.has(w)) {
        visit(w);
        state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
      } else if (state.get(w).onStack) state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
    }
    if (state.get(v).low === state.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        state.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!state.has(v)) visit(v);
  return cycles;
}

/**
 * Checks srcDir; returns one line per problem (empty when the direction holds).
 * @example
 *   checkImports('src') // [] on a clean tree
 */
export function checkImports(srcDir) {
  const root = resolve(srcDir);
  const problems = [];
  const graph = new Map();
  const examples = new Map();
  const show = (file) => relative(root, file).split(sep).join('/');
  for (const { from, to } of importEdges(root)) {
    const a = unitOf(root, from);
    const b = unitOf(root, to);
    // A stage implementation is loaded only by its own definition: domain code never lives there.
    if (/\.run\.tsx?$/.test(to) && !(dirname(from) === dirname(to) && to.replace(/\.run(\.tsx?)$/, '$1') === from)) {
      problems.push(
        `${show(from)} imports ${show(to)}: only its definition (${show(to.replace(/\.run(\.tsx?)$/, '$1'))}) may load a .run.ts file; move shared code into a library folder`,
      );
    }
    if (a === b) continue;
    const la = layerOf.get(a);
    const lb = layerOf.get(b);
    if (!la || !lb) {
      problems.push(`${show(from)} imports ${show(to)}: '${la ? b : a}' is in no layer of scripts/check-imports.mjs; add it to LAYERS`);
      continue;
    }
    if (lb.rank > la.rank) {
      problems.push(`${show(from)} imports ${show(to)}: ${a} (${la.name}) must not depend on ${b} (${lb.name}, a higher layer)`);
    }
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a).add(b);
    const key = `${a}->${b}`;
    if (!examples.has(key)) examples.set(key, `${show(from)} → ${show(to)}`);
  }
  for (const cycle of folderCycles(graph)) {
    const inCycle = new Set(cycle);
    const links = [...examples].filter(([key]) => key.split('->').every((f) => inCycle.has(f))).map(([, example]) => example);
    problems.push(`folders ${cycle.join(', ')} import each other (a cycle): ${links.join('; ')}`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkImports(srcDir);
  if (problems.length > 0) {
    console.log(`imports: ${problems.length} problem(s) with the direction of imports (see docs/architecture.md):`);
    for (const problem of problems) console.log(`  - ${problem}`);
    process.exit(1);
  }
  console.log('imports: the direction base ← library ← stages ← runtime ← view ← entry holds, no folder cycles');
}
