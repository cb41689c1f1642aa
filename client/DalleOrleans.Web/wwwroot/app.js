// The page: each prompt becomes a conversation entry that follows its generation over server-sent events
// (falling back to polling) and ends with the ranked images. All user text goes in through textContent.
'use strict';

const SCALE = 4;                 // images are tiny; show them 4× with pixelated scaling
const INTEGER_OPTIONS = new Set(['candidates', 'top', 'seed', 'topK']);

const form = document.getElementById('prompt-form');
const promptInput = document.getElementById('prompt');
const conversation = document.getElementById('conversation');
const template = document.getElementById('entry-template');
const serviceStatus = document.getElementById('service-status');
const apiKeyInput = document.getElementById('api-key');

// The key lives in this tab's session storage only: it survives a reload, not the tab.
apiKeyInput.value = sessionStorage.getItem('dalle-api-key') ?? '';
apiKeyInput.addEventListener('change', () => sessionStorage.setItem('dalle-api-key', apiKeyInput.value.trim()));

form.addEventListener('submit', event => {
  event.preventDefault();
  const prompt = promptInput.value;
  if (!prompt.trim()) { promptInput.focus(); return; }
  promptInput.value = '';
  submit({ prompt, ...readOptions() });
});

/** The folded options as typed; the server validates them and names the field it refuses. */
function readOptions() {
  const options = {};
  for (const input of document.querySelectorAll('#options input[name]')) {
    if (input.value === '') continue;
    const n = Number(input.value);
    options[input.name] = Number.isFinite(n) && (!INTEGER_OPTIONS.has(input.name) || Number.isInteger(n)) ? n : input.value;
  }
  return options;
}

/** Only starting or cancelling a generation needs the key; reads are by unguessable id. */
function guardedHeaders() {
  const headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
  const key = apiKeyInput.value.trim();
  if (key) headers['X-Api-Key'] = key;
  return headers;
}

async function submit(body) {
  const entry = addEntry(body);
  try {
    const response = await fetch('/api/generations', {
      method: 'POST',
      headers: guardedHeaders(),
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) return showError(entry, data ?? { title: `HTTP ${response.status}` });
    entry.dataset.id = data.id;
    entry.dataset.self = data.links.self;
    const cancel = entry.querySelector('button.cancel');
    cancel.hidden = false;
    cancel.addEventListener('click', () => cancelGeneration(entry));
    settleOrFollow(entry, data);
  } catch (e) {
    showError(entry, { title: 'Network error', detail: String(e) });
  }
}

function addEntry(body) {
  const entry = template.content.firstElementChild.cloneNode(true);
  entry.querySelector('.prompt-text').textContent = body.prompt;
  const { prompt, ...options } = body;
  entry.querySelector('.options-text').textContent =
    Object.entries(options).map(([k, v]) => `${k} ${v}`).join(' · ');
  conversation.appendChild(entry);
  entry.scrollIntoView({ block: 'end' });
  return entry;
}

/** data-via on the entry records how the answer came (events, poll, or the POST itself) for tests and debugging. */
function settleOrFollow(entry, generation) {
  if (generation.status === 'done') showResult(entry, generation);
  else if (generation.status === 'failed') showError(entry, generation.error);
  else { showProgress(entry, generation.progress); follow(entry, generation); }
}

/** Server-sent events: 'progress' while running, then 'done' or 'error'. */
function follow(entry, generation) {
  const events = new EventSource(generation.links.events);
  events.addEventListener('progress', e => showProgress(entry, JSON.parse(e.data)));
  events.addEventListener('done', e => { events.close(); entry.dataset.via = 'events'; showResult(entry, JSON.parse(e.data)); });
  events.addEventListener('error', e => {
    events.close();
    // A server 'error' event carries data; a bare error is the connection failing: poll instead.
    if (e.data) showError(entry, JSON.parse(e.data));
    else poll(entry, generation.links.self);
  });
}

async function poll(entry, url) {
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    try {
      const response = await fetch(url, { headers: { 'Accept': 'application/json' } });
      const data = await response.json().catch(() => null);
      if (!response.ok) return showError(entry, data ?? { title: `HTTP ${response.status}` });
      if (data.status !== 'running') { entry.dataset.via = 'poll'; return settleOrFollow(entry, data); }
      showProgress(entry, data.progress);
    } catch (e) {
      return showError(entry, { title: 'Network error', detail: String(e) });
    }
  }
}

/** Stops a running generation; the event stream then ends with its 'cancelled' error. */
async function cancelGeneration(entry) {
  entry.querySelector('button.cancel').disabled = true;
  try {
    const response = await fetch(entry.dataset.self, { method: 'DELETE', headers: guardedHeaders() });
    if (!response.ok && response.status !== 409) {        // 409: it finished first, the result is on its way
      const data = await response.json().catch(() => null);
      showError(entry, data ?? { title: `HTTP ${response.status}` });
    }
  } catch (e) {
    showError(entry, { title: 'Network error', detail: String(e) });
  }
}

// Closing or leaving the page is a client going away: its running generations are cancelled so their device slots
// are freed (keepalive lets the request outlive the page).
window.addEventListener('pagehide', () => {
  for (const entry of document.querySelectorAll('article.entry.running[data-self]'))
    fetch(entry.dataset.self, { method: 'DELETE', headers: guardedHeaders(), keepalive: true }).catch(() => {});
});

function showProgress(entry, p) {
  if (p.previewUrl) showPreview(entry, p.previewUrl);
  const bar = entry.querySelector('progress');
  if (p.tokensTotal > 0) { bar.max = p.tokensTotal; bar.value = p.tokensDone; }
  const parts = [p.stage, `${p.candidatesDone}/${p.candidates} candidates`];
  if (p.tokensTotal > 0) parts.push(`${p.tokensDone}/${p.tokensTotal} image tokens`);
  entry.querySelector('.progress-text').textContent = parts.join(' · ');
}

/** data-previews counts the partial previews the page has shown (for tests). */
function showPreview(entry, url) {
  const img = entry.querySelector('img.preview');
  if (img.dataset.url === url) return;
  img.dataset.url = url;
  img.onload = () => {
    img.width = img.naturalWidth * SCALE; img.height = img.naturalHeight * SCALE; img.hidden = false;
    entry.dataset.previews = String(Number(entry.dataset.previews ?? 0) + 1);
  };
  img.src = url;
}

function showResult(entry, generation) {
  const result = generation.result;
  const grid = entry.querySelector('.grid');
  grid.replaceChildren(...result.images.map(image => figure(generation, image)));
  const t = result.timings;
  entry.querySelector('.meta').textContent = [
    `model ${result.modelId}`,
    result.cacheHit ? 'cache hit' : `${Math.round(t.totalMs)} ms (tokens ${Math.round(t.tokensMs)}, decode ${Math.round(t.decodeMs)}, rerank ${Math.round(t.rerankMs)})`,
    `id ${generation.id.slice(0, 12)}…`,
  ].join(' · ');
  entry.classList.replace('running', 'done');
}

function figure(generation, image) {
  const fig = document.createElement('figure');
  const link = document.createElement('a');
  link.href = image.downloadUrl;
  link.download = `dalle-${generation.id.slice(0, 12)}-${image.rank}.png`;
  link.title = 'Download this image';
  const img = document.createElement('img');
  img.className = 'result';
  img.alt = `rank ${image.rank}: ${generation.prompt}`;
  img.addEventListener('load', () => { img.width = img.naturalWidth * SCALE; img.height = img.naturalHeight * SCALE; });
  img.src = image.url;
  link.appendChild(img);
  const caption = document.createElement('figcaption');
  caption.textContent = `#${image.rank} · score ${image.score.toFixed(3)} · `;
  const save = document.createElement('a');
  save.href = image.downloadUrl;
  save.download = link.download;
  save.textContent = 'download';
  caption.appendChild(save);
  fig.append(link, caption);
  return fig;
}

/** Problem details (or a generation's error): the title, the detail naming the field and its limit. */
function showError(entry, problem) {
  const error = entry.querySelector('.error');
  const field = problem?.field ? ` (${problem.field})` : '';
  error.textContent = `${problem?.title ?? 'Error'}${field}: ${problem?.detail ?? ''}`;
  error.hidden = false;
  entry.classList.replace('running', 'failed');
}

/** Header line: which model serves, or that the cluster is still starting. */
async function checkService() {
  try {
    const response = await fetch('/api/health', { headers: { 'Accept': 'application/json' } });
    const data = await response.json().catch(() => null);
    if (response.ok) {
      serviceStatus.textContent = `model ${data.modelId} · ${data.devices} device(s) · ${data.mode}`;
      return;
    }
    serviceStatus.textContent = `starting: ${data?.detail ?? response.status}`;
  } catch (e) {
    serviceStatus.textContent = 'the server is not reachable';
  }
  setTimeout(checkService, 2000);
}

checkService();
promptInput.focus();
