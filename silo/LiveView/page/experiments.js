// The experiment view: the cluster's experiments, and for the chosen one its status and per-step curves. The
// history comes from Experiments.GetHistory; Experiments.Watch then sends every change, and each newly completed
// step (the experiment's `latest` metrics) adds a point. Read-only: nothing here can start, pause or delete.
import { getJson, events, showBanner, clearBanner, ApiError } from './api.js';
import { drawLineChart } from './chart.js';

const METRICS = [
  ['rewardMean', 'reward (mean)'],
  ['accuracy', 'accuracy'],
  ['zeroAdvantageFraction', 'zero-advantage groups'],
  ['childrenPerSpawn', 'children per spawn'],
  ['totalTokens', 'total tokens per trajectory'],
  ['sequentialTokens', 'sequential tokens per trajectory'],
  ['weightVersion', 'weight version'],
  ['rolloutSeconds', 'rollout seconds'],
  ['trainSeconds', 'train seconds'],
  ['publishSeconds', 'publish seconds'],
];

let watching = null; // { name, controller }
let steps = [];      // StepMetrics of the open experiment, in step order

export function startExperimentView() {
  document.getElementById('experiment-form').addEventListener('submit', e => {
    e.preventDefault();
    location.hash = `experiments/${encodeURIComponent(document.getElementById('experiment-name').value.trim())}`;
  });
}

// Called whenever the experiments tab is shown: lists the experiments and opens the one the address names.
export function openExperimentFromHash() {
  listExperiments();
  const name = decodeURIComponent(location.hash.split('/')[1] ?? '');
  if (name && name !== watching?.name) open(name);
}

async function listExperiments() {
  let list;
  try {
    list = await getJson('api/experiments');
  } catch (e) {
    showBanner(e);
    return;
  }
  const body = document.querySelector('#experiment-list tbody');
  const names = document.getElementById('experiment-names');
  body.replaceChildren();
  names.replaceChildren();
  for (const experiment of list.experiments ?? []) {
    const row = body.insertRow();
    row.dataset.name = experiment.name;
    const latest = experiment.latest;
    for (const cell of [experiment.name, status(experiment), `${experiment.step} / ${experiment.config?.maxSteps}`,
      `v${experiment.weightVersion}`, latest && experiment.step > 0 ? latest.rewardMean.toFixed(3) : '']) row.insertCell().textContent = cell;
    row.addEventListener('click', () => { location.hash = `experiments/${encodeURIComponent(experiment.name)}`; });
    names.append(new Option(experiment.name));
  }
}

function status(experiment) {
  return (experiment.status ?? '').replace('EXPERIMENT_', '').toLowerCase();
}

async function open(name) {
  watching?.controller.abort();
  const controller = new AbortController();
  watching = { name, controller };
  document.getElementById('experiment-name').value = name;
  clearBanner();
  try {
    steps = (await getJson(`api/experiments/${encodeURIComponent(name)}/history`)).steps ?? [];
    draw();
    for await (const { event, data } of events(`api/experiments/${encodeURIComponent(name)}/watch`, { signal: controller.signal })) {
      if (event === 'error') throw new ApiError(data.code, data.message);
      if (event === 'message') onChange(data);
    }
  } catch (e) {
    if (!controller.signal.aborted) showBanner(e);
  }
}

function onChange(experiment) {
  const line = document.getElementById('experiment-status');
  line.dataset.status = status(experiment);
  line.dataset.step = experiment.step;
  line.textContent = `${experiment.name}: ${status(experiment)}, step ${experiment.step} of ${experiment.config?.maxSteps}, ` +
    `weights v${experiment.weightVersion}, rollouts: step ${experiment.rolloutStepsReady} has ${experiment.groupsReady} of ` +
    `${experiment.config?.problemsPerStep} groups` + (experiment.error ? ` — ${experiment.error}` : '');
  const latest = experiment.latest;
  if (experiment.step > 0 && latest && !steps.some(s => s.step === latest.step)) {
    steps.push(latest);
    steps.sort((a, b) => a.step - b.step);
    draw();
  }
}

function draw() {
  const charts = document.getElementById('charts');
  for (const [metric, title] of METRICS) {
    let svg = charts.querySelector(`svg[data-metric="${metric}"]`);
    if (!svg) {
      svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.classList.add('chart');
      svg.dataset.metric = metric;
      charts.append(svg);
    }
    drawLineChart(svg, title, steps.map(s => ({ x: Number(s.step), y: Number(s[metric]) })));
  }
}
