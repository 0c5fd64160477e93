// The solve view: starts a solve through Solver.SolveStream and draws its thread tree as it grows. A thread
// appears when its parent's spawn block names it (dashed, "spawned"), runs when its first segment arrives, and
// ends with its end reason once the result comes; the join block shows up in the parent's text when the parent
// resumes. Every thread records when it was first seen (data-first-segment, an arrival counter) so that the
// order of events can be read off the page.
import { events, showBanner, clearBanner, ApiError } from './api.js';

const SPAWNED_CHILD = /<Start Sub Search (\d+) at level (\d+)> Moving to Node #([0-9,]+)/g;
const END_OF_SPAWN = '<End Calling Sub Searches>';

let threads = new Map(); // nodeId → { element, text, tokens, segments }
let parents = new Map(); // child nodeId → parent nodeId (from the parent's spawn block)
let arrivals = 0;
let running = null;      // the AbortController of the solve in flight

export function startSolveView() {
  const form = document.getElementById('solve-form');
  const sample = document.getElementById('sample');
  fetch('samples.json').then(r => r.json()).then(samples => {
    samples.forEach((s, i) => sample.add(new Option(`${s.numbers.join(' ')} → ${s.target}`, i)));
    sample.addEventListener('change', () => {
      const chosen = samples[sample.value];
      if (!chosen) return;
      document.getElementById('numbers').value = chosen.numbers.join(' ');
      document.getElementById('target').value = chosen.target;
    });
  }).catch(() => {}); // samples are a convenience; the form works without them
  form.addEventListener('submit', e => { e.preventDefault(); solve(); });
}

function request() {
  const numbers = document.getElementById('numbers').value.split(/[\s,]+/).filter(Boolean).map(Number);
  return {
    numbers,
    target: Number(document.getElementById('target').value),
    mode: document.getElementById('mode').value,
    sampling: {
      temperature: Number(document.getElementById('temperature').value),
      seed: document.getElementById('seed').value,
    },
  };
}

async function solve() {
  running?.abort();
  running = new AbortController();
  const button = document.getElementById('solve-button');
  button.disabled = true;
  reset();
  clearBanner();
  try {
    const stream = events('api/solve', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request()),
      signal: running.signal,
    });
    for await (const { event, data } of stream) {
      if (event === 'message' && data.segment) onSegment(data.segment);
      else if (event === 'message' && data.result) onResult(data.result);
      else if (event === 'error') {
        const error = new ApiError(data.code, data.message);
        showBanner(error);
        fail(`Solve failed: ${error.message}`, data.code);
      }
    }
  } catch (e) {
    showBanner(e);
    fail(e.message, 'UNREACHABLE');
  } finally {
    button.disabled = false;
  }
}

function reset() {
  threads = new Map();
  parents = new Map();
  arrivals = 0;
  document.getElementById('tree').replaceChildren();
  const verdict = document.getElementById('verdict');
  verdict.hidden = true;
  verdict.replaceChildren();
  for (const key of Object.keys(verdict.dataset)) delete verdict.dataset[key];
}

function thread(nodeId) {
  let entry = threads.get(nodeId);
  if (entry) return entry;
  const element = document.createElement('div');
  element.className = 'thread';
  element.dataset.node = nodeId;
  element.dataset.state = 'spawned';
  element.innerHTML = '<div class="head"><span class="node"></span><span class="tokens">0 tokens</span><span class="time"></span><span class="end"></span></div><pre></pre><div class="spawns"></div>';
  element.querySelector('.node').textContent = `#${nodeId}`;
  const parent = parents.get(nodeId);
  if (parent === undefined) {
    element.classList.add('root');
    document.getElementById('tree').append(element);
  } else {
    element.classList.add('child');
    thread(parent).currentSpawn.append(element);
  }
  entry = { element, text: '', tokens: 0, segments: 0, currentSpawn: null, seenAt: performance.now() };
  threads.set(nodeId, entry);
  return entry;
}

function onSegment(segment) {
  const entry = thread(segment.nodeId);
  if (entry.segments === 0) entry.element.dataset.firstSegment = ++arrivals;
  entry.segments++;
  entry.tokens += segment.generatedTokens;
  entry.text += segment.generatedText;
  entry.element.dataset.state = segment.threadDone ? 'done' : 'running';
  entry.element.querySelector('pre').textContent = entry.text;
  entry.element.querySelector('.tokens').textContent = `${entry.tokens} tokens`;
  entry.element.querySelector('.time').textContent = `${((performance.now() - entry.seenAt) / 1000).toFixed(1)} s`;
  if (segment.threadDone) entry.element.dataset.doneAt = ++arrivals;
  if (segment.generatedText.trimEnd().endsWith(END_OF_SPAWN)) spawn(segment.nodeId, segment.generatedText);
}

// A parent's segment ended in a spawn block: its children get places side by side before they produce anything.
function spawn(parentId, text) {
  const parent = thread(parentId);
  const block = text.slice(text.lastIndexOf('<Calling Sub Searches>'));
  parent.currentSpawn = document.createElement('div');
  parent.currentSpawn.className = 'children';
  parent.element.querySelector('.spawns').append(parent.currentSpawn);
  for (const [, , , nodeId] of block.matchAll(SPAWNED_CHILD)) {
    parents.set(nodeId, parentId);
    thread(nodeId);
  }
}

function onResult(result) {
  if (result.root) label(result.root);
  dropChildrenThatNeverRan();
  const verdict = document.getElementById('verdict');
  verdict.dataset.arrival = ++arrivals;
  verdict.dataset.correct = String(result.correct);
  const line = document.createElement('div');
  line.className = 'answer';
  line.textContent = result.correct
    ? `✓ correct: ${result.answer}`
    : result.answer ? `✗ ${result.answer}: ${result.checkDetail}` : `✗ no answer${result.checkDetail ? `: ${result.checkDetail}` : ''}`;
  const totals = document.createElement('div');
  totals.className = 'totals';
  const t = result.totals ?? {};
  totals.textContent = `${t.threads} threads, ${t.spawns} spawns, ${t.generatedTokens} tokens (${t.sequentialTokens} sequential), ` +
    `${(t.elapsedMs / 1000).toFixed(2)} s — solve ${result.solveId}`;
  verdict.replaceChildren(line, totals);
  verdict.hidden = false;
}

// A spawn the runtime refused (serial mode's depth limit, the spawn limit) named children that never ran: the parent's
// end reason says why, and the tree shows only threads that ran.
function dropChildrenThatNeverRan() {
  for (const [nodeId, entry] of threads) {
    if (entry.segments > 0) continue;
    entry.element.remove();
    threads.delete(nodeId);
  }
  for (const spawn of document.querySelectorAll('#tree .children')) if (spawn.childElementCount === 0) spawn.remove();
}

// The result's tree says how each thread ended and how long it queued and decoded.
function label(node) {
  const entry = threads.get(node.nodeId);
  if (entry) {
    const end = entry.element.querySelector('.end');
    const [kind, text] = endOf(node);
    end.dataset.end = kind;
    end.textContent = text;
    end.title = node.answer || node.endDetail || '';
    entry.element.dataset.state = 'done';
    entry.element.querySelector('.time').textContent =
      `${(node.elapsedMs / 1000).toFixed(2)} s (queue ${(node.queueMs / 1000).toFixed(2)}, decode ${(node.decodeMs / 1000).toFixed(2)})`;
  }
  for (const spawn of node.spawns ?? []) for (const child of spawn.children ?? []) label(child);
}

function endOf(node) {
  if (node.endReason === 'FINISHED') return node.answer ? ['goal', 'goal reached'] : ['no-solution', 'no solution'];
  return ['limit', node.endReason.toLowerCase().replaceAll('_', ' ')];
}

function fail(message, code) {
  const verdict = document.getElementById('verdict');
  verdict.dataset.error = code;
  verdict.dataset.correct = 'false';
  verdict.textContent = message;
  verdict.hidden = false;
}
