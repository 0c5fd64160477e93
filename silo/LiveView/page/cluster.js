// The cluster view: every batching grain of the active silos (Weights.ListServing), polled every two seconds:
// the weight version it serves, its running batch and queue, KV pages, and tokens per second from the change of
// its generated-token count between polls.
import { getJson, showBanner, clearBanner } from './api.js';

const PERIOD_MS = 2000;
let timer = null;
let previous = new Map(); // batcher → { tokens, at }

export function setClusterPolling(on) {
  if (on && timer === null) { poll(); timer = setInterval(poll, PERIOD_MS); }
  if (!on && timer !== null) { clearInterval(timer); timer = null; }
}

async function poll() {
  let reply;
  try {
    reply = await getJson('api/cluster');
    clearBanner();
  } catch (e) {
    showBanner(e);
    document.getElementById('batchers').dataset.stale = 'true';
    return;
  }
  const table = document.getElementById('batchers');
  table.dataset.stale = 'false';
  const body = table.querySelector('tbody');
  body.replaceChildren();
  const now = performance.now();
  const silos = new Set();
  for (const batcher of reply.batchers ?? []) {
    const [silo, device] = batcher.batcher.split('/');
    silos.add(silo);
    const load = batcher.load;
    const tokens = load ? Number(load.generatedTokens) : null;
    const before = previous.get(batcher.batcher);
    const rate = tokens !== null && before ? (tokens - before.tokens) / ((now - before.at) / 1000) : null;
    if (tokens !== null) previous.set(batcher.batcher, { tokens, at: now });
    const row = body.insertRow();
    row.dataset.batcher = batcher.batcher;
    const version = Number(batcher.version);
    for (const cell of [
      silo, device, version < 0 ? 'not answering' : `v${version}`,
      load ? `${load.runningSequences} / ${load.slots}` : '',
      load ? load.queuedRequests : '',
      load ? `${load.kvPagesInUse} / ${load.kvPages}` : '',
      rate === null ? '' : rate.toFixed(0),
      batcher.decodeCalls,
    ]) row.insertCell().textContent = cell;
  }
  document.getElementById('cluster-summary').textContent =
    `${silos.size} silo${silos.size === 1 ? '' : 's'}, ${reply.batchers?.length ?? 0} batchers; current weight version v${reply.currentVersion}`;
}
