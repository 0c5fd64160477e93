// The live view's shell: three views behind the header's tabs, chosen by the address's #fragment
// (#solve, #experiments or #experiments/NAME, #cluster), so a view can be linked to.
import { startSolveView } from './solve.js';
import { startExperimentView, openExperimentFromHash } from './experiments.js';
import { setClusterPolling } from './cluster.js';

function show() {
  const [view] = (location.hash.slice(1) || 'solve').split('/');
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.view === view);
  setClusterPolling(view === 'cluster');
  if (view === 'experiments') openExperimentFromHash();
}

document.getElementById('silo').textContent = `silo ${location.host}`;
startSolveView();
startExperimentView();
window.addEventListener('hashchange', show);
show();
