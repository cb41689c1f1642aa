// The page: each prompt becomes a conversation entry that follows its generation over server-sent events (falling
// back to polling) and ends with the ranked images. Entries are kept in localStorage and reopened on reload; each has a
// permalink (#g=<id>). All user text goes in through textContent.
'use strict';

const SCALE = 4;                 // images are tiny; show them 4× with pixelated scaling
const INTEGER_OPTIONS = new Set(['candidates', 'top', 'seed', 'topK']);
const HISTORY_KEY = 'dalle-history';
const HISTORY_LIMIT = 50;
const MAX_SEED = 2 ** 53 - 1;

const form = document.getElementById('prompt-form');
const promptInput = document.getElementById('prompt');
const conversation = document.getElementById('conversation');
const template = document.getElementById('entry-template');
const serviceStatus = document.getElementById('service-status');
const announcer = document.getElementById('announcer');
const apiKeyInput = document.getElementById('api-key');
const dialog = document.getElementById('enlarged');

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

for (const button of document.querySelectorAll('#examples button.example'))
  button.addEventListener('click', () => submit({ prompt: button.dataset.prompt, ...readOptions() }));

/** The folded options as typed; the server validates them and names the field it refuses. No seed = a fresh one. */
function readOptions() {
  const options = {};
  for (const input of document.querySelectorAll('#options input[name]')) {
    if (input.value === '') continue;
    const n = Number(input.value);
    options[input.name] = Number.isFinite(n) && (!INTEGER_OPTIONS.has(input.name) || Number.isInteger(n)) ? n : input.value;
  }
  return options;
}

/** Every API call carries the key when one is set (with keys, a generation is readable only with its creator's key). */
function headers(extra = {}) {
  const h = { 'Accept': 'application/json', ...extra };
  const key = apiKeyInput.value.trim();
  if (key) h['X-Api-Key'] = key;
  return h;
}
const keyed = () => apiKeyInput.value.trim() !== '';

/** Screen readers hear status changes only (one short sentence), not every progress tick. */
function announce(text) { announcer.textContent = text; }

// ---- history (localStorage) ----------------------------------------------------------------------------------------

function loadHistory() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]').filter(h => h && typeof h.id === 'string'); }
  catch { return []; }
}
/** Adds or updates a record; one that replaces an older record (a resumed generation) takes its place in the order. */
function remember(record, replaces = record.id) {
  const history = loadHistory();
  const at = history.findIndex(h => h.id === replaces);
  if (at >= 0) history[at] = record; else history.push(record);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-HISTORY_LIMIT)));
}

// ---- starting a generation -----------------------------------------------------------------------------------------

async function submit(body, entry = addEntry(body)) {
  entry.dataset.body = JSON.stringify(body);
  try {
    const response = await fetch('/api/generations', {
      method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (response.status === 429 || response.status === 503) return retryLater(entry, body, response, data);
    if (!response.ok) return showError(entry, data ?? { title: `HTTP ${response.status}` });
    started(entry, data);
    announce(`Generating: ${body.prompt}`);
    settleOrFollow(entry, data);
  } catch (e) {
    showError(entry, { title: 'Network error', detail: String(e) });
  }
}

/** A 429 or 503 names how long to wait (Retry-After): count it down where the user can see it, then ask again. */
function retryLater(entry, body, response, problem) {
  let seconds = Math.max(1, parseInt(response.headers.get('Retry-After') ?? '5', 10) || 5);
  const text = entry.querySelector('.progress-text');
  const reason = problem?.title ?? `HTTP ${response.status}`;
  entry.dataset.retries = String(Number(entry.dataset.retries ?? 0) + 1);
  announce(`${reason}: retrying in ${seconds} seconds`);
  const tick = () => {
    if (seconds <= 0) { text.textContent = 'sending…'; submit(body, entry); return; }
    text.textContent = `${reason} — retrying in ${seconds} s`;
    seconds -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

/** The server accepted it: remember it (history, permalink) and offer cancel. */
function started(entry, generation) {
  entry.dataset.id = generation.id;
  entry.dataset.self = generation.links.self;
  entry.id = `g-${generation.id}`;
  remember({ id: generation.id, prompt: generation.prompt, seed: generation.seed, at: Date.now() }, entry.dataset.replaces ?? generation.id);
  delete entry.dataset.replaces;
  const cancel = entry.querySelector('button.cancel');
  cancel.hidden = false;
  cancel.onclick = () => cancelGeneration(entry);
  showOptions(entry, generation);
  const permalink = entry.querySelector('a.permalink');
  permalink.href = `#g=${generation.id}`;
}

function addEntry(body) {
  const entry = template.content.firstElementChild.cloneNode(true);
  entry.querySelector('.prompt-text').textContent = body.prompt;
  const { prompt, ...options } = body;
  entry.querySelector('.options-text').textContent = Object.entries(options).map(([k, v]) => `${k} ${v}`).join(' · ');
  entry.querySelector('button.again').addEventListener('click', () => again(entry));
  entry.querySelector('button.variations').addEventListener('click', () => variations(entry));
  conversation.appendChild(entry);
  entry.scrollIntoView({ block: 'end' });
  return entry;
}

/** The request as the server recorded it, including the seed it drew. */
function showOptions(entry, generation) {
  const r = generation.request;
  entry.dataset.request = JSON.stringify(r);
  entry.querySelector('.options-text').textContent =
    `seed ${r.seed} · ${r.candidates} candidates · top ${r.top}` +
    (r.temperature !== 1 ? ` · temperature ${r.temperature}` : '') + (r.topK ? ` · top-k ${r.topK}` : '') +
    (r.topP !== 1 ? ` · top-p ${r.topP}` : '') + (r.guidance !== 1 ? ` · guidance ${r.guidance}` : '');
}

/** The same request without its seed: the server draws a fresh one. */
function again(entry) {
  const { seed, ...rest } = requestOf(entry);
  submit(rest);
}

/** The same request with the next three seeds. */
function variations(entry) {
  const r = requestOf(entry);
  for (let i = 1; i <= 3; i++) submit({ ...r, seed: (r.seed + i) % (MAX_SEED + 1) });
}

function requestOf(entry) {
  const r = JSON.parse(entry.dataset.request);
  return { prompt: r.prompt, candidates: r.candidates, top: r.top, seed: r.seed, temperature: r.temperature, topK: r.topK, topP: r.topP, guidance: r.guidance };
}

// ---- following a generation ------------------------------------------------------------------------------------------

/** data-via on the entry records how the answer came (events, poll, or the POST itself) for tests and debugging. */
function settleOrFollow(entry, generation) {
  if (generation.status === 'done') showResult(entry, generation);
  else if (generation.status === 'failed') showError(entry, generation.error);
  else { showProgress(entry, generation.progress); follow(entry, generation); }
}

/** Server-sent events: 'progress' while running, then 'done' or 'error'. With a key, fetch reads the stream (EventSource cannot send headers). */
function follow(entry, generation) {
  const handlers = {
    progress: data => showProgress(entry, data),
    done: data => { entry.dataset.via = 'events'; showResult(entry, data); },
    error: data => showError(entry, data),
  };
  if (keyed()) return followWithFetch(entry, generation, handlers);
  const events = new EventSource(generation.links.events);
  events.addEventListener('progress', e => handlers.progress(JSON.parse(e.data)));
  events.addEventListener('done', e => { events.close(); handlers.done(JSON.parse(e.data)); });
  events.addEventListener('error', e => {
    events.close();
    // A server 'error' event carries data; a bare error is the connection failing: poll instead.
    if (e.data) handlers.error(JSON.parse(e.data));
    else poll(entry, generation.links.self);
  });
}

async function followWithFetch(entry, generation, handlers) {
  try {
    const response = await fetch(generation.links.events, { headers: headers({ 'Accept': 'text/event-stream' }) });
    if (!response.ok) return poll(entry, generation.links.self);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '', ended = false;
    while (!ended) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        let name = 'message'; const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length && handlers[name]) { handlers[name](JSON.parse(data.join('\n'))); ended ||= name !== 'progress'; }
      }
    }
    if (!ended) poll(entry, generation.links.self);
  } catch {
    poll(entry, generation.links.self);
  }
}

async function poll(entry, url) {
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    try {
      const response = await fetch(url, { headers: headers() });
      const data = await response.json().catch(() => null);
      if (!response.ok) return showError(entry, data ?? { title: `HTTP ${response.status}` });
      if (data.status !== 'running') { entry.dataset.via = 'poll'; return settleOrFollow(entry, data); }
      showProgress(entry, data.progress);
    } catch (e) {
      return showError(entry, { title: 'Network error', detail: String(e) });
    }
  }
}

/** Withdraws this page's interest; the event stream then ends with its 'cancelled' error. Others asking the same go on. */
async function cancelGeneration(entry) {
  entry.querySelector('button.cancel').disabled = true;
  const record = loadHistory().find(h => h.id === entry.dataset.id);
  if (record) remember({ ...record, cancelled: true });      // a reload must not resume what the user cancelled
  try {
    const response = await fetch(entry.dataset.self, { method: 'DELETE', headers: headers() });
    if (!response.ok && response.status !== 409) {        // 409: it finished first, the result is on its way
      const data = await response.json().catch(() => null);
      showError(entry, data ?? { title: `HTTP ${response.status}` });
    }
  } catch (e) {
    showError(entry, { title: 'Network error', detail: String(e) });
  }
}

// Closing the page withdraws its interest in running generations (keepalive lets the request outlive the page), so
// device slots are freed when nobody else waits for them. A reload reopens the entry, finds it cancelled, and asks
// for it again with the same seed (so the same images), unless the user cancelled it.
window.addEventListener('pagehide', () => {
  for (const entry of document.querySelectorAll('article.entry.running[data-self]'))
    fetch(entry.dataset.self, { method: 'DELETE', headers: headers(), keepalive: true }).catch(() => {});
});

function showProgress(entry, p) {
  if (p.previewUrl) showPreview(entry, p.previewUrl);
  const bar = entry.querySelector('progress');
  if (p.tokensTotal > 0) { bar.max = p.tokensTotal; bar.value = p.tokensDone; }
  const parts = [p.stage, `${p.candidatesDone}/${p.candidates} candidates`];
  if (p.tokensTotal > 0) parts.push(`${p.tokensDone}/${p.tokensTotal} image tokens`);
  entry.querySelector('.progress-text').textContent = parts.join(' · ');
}

/** An image from the API: a plain src without a key; with one, fetched with the key and shown from a blob. */
async function setImageSource(img, url) {
  if (!keyed()) { img.src = url; return; }
  const response = await fetch(url, { headers: headers({ 'Accept': 'image/png' }) });
  if (response.ok) img.src = URL.createObjectURL(await response.blob());
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
  setImageSource(img, url);
}

function showResult(entry, generation) {
  if (!entry.dataset.id) started(entry, generation);
  showOptions(entry, generation);
  const result = generation.result;
  const grid = entry.querySelector('.grid');
  grid.replaceChildren(...result.images.map(image => figure(generation, image)));
  const t = result.timings;
  entry.querySelector('.meta').textContent = [
    `model ${result.modelId}`,
    result.cacheHit ? 'cache hit' : `${Math.round(t.totalMs)} ms (tokens ${Math.round(t.tokensMs)}, decode ${Math.round(t.decodeMs)}, rerank ${Math.round(t.rerankMs)})`,
  ].join(' · ');
  entry.querySelector('.actions').hidden = false;
  entry.classList.remove('running', 'failed');
  entry.classList.add('done');
  announce(`Done: ${result.images.length} images for ${generation.prompt}`);
}

function figure(generation, image) {
  const fig = document.createElement('figure');
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'enlarge';
  open.title = 'Enlarge';
  const img = document.createElement('img');
  img.className = 'result';
  img.alt = `rank ${image.rank}: ${generation.prompt}`;
  img.addEventListener('load', () => { img.width = img.naturalWidth * SCALE; img.height = img.naturalHeight * SCALE; });
  setImageSource(img, image.url);
  open.appendChild(img);
  open.addEventListener('click', () => enlarge(img, `#${image.rank} · seed ${generation.seed} · ${generation.prompt}`));
  const caption = document.createElement('figcaption');
  const seed = document.createElement('span');
  seed.className = 'seed';
  seed.textContent = `seed ${generation.seed}`;
  caption.append(`#${image.rank} · score ${image.score.toFixed(3)} · `, seed, ' · ');
  const save = document.createElement('a');
  save.href = image.downloadUrl;
  save.download = `dalle-${generation.id.slice(0, 12)}-${image.rank}.png`;
  save.textContent = 'download';
  caption.appendChild(save);
  fig.append(open, caption);
  return fig;
}

/** Click to enlarge: the same pixels, scaled to fit the screen without smoothing. */
function enlarge(img, caption) {
  const big = document.getElementById('enlarged-image');
  big.src = img.src;
  big.alt = img.alt;
  document.getElementById('enlarged-caption').textContent = caption;
  dialog.showModal();
}
dialog.addEventListener('click', e => { if (e.target === dialog) dialog.close(); });

/**
 * A reopened generation that was withdrawn when this page was left (not by the user's Cancel) is asked for again:
 * the same request with the same seed, so the same images, in the same entry and history place.
 */
function resumable(entry, problem) {
  if (entry.dataset.reopened !== 'true' || problem?.title !== 'Generation cancelled' || !entry.dataset.request) return false;
  return !loadHistory().find(h => h.id === entry.dataset.id)?.cancelled;
}
function resume(entry) {
  const r = requestOf(entry);
  entry.dataset.replaces = entry.dataset.id;
  entry.removeAttribute('id');
  for (const key of ['id', 'self', 'reopened', 'via']) delete entry.dataset[key];
  entry.dataset.resumed = 'true';
  submit(r, entry);
}

/** Problem details (or a generation's error): the title, the detail naming the field and its limit. */
function showError(entry, problem) {
  if (resumable(entry, problem)) return resume(entry);
  const error = entry.querySelector('.error');
  const field = problem?.field ? ` (${problem.field})` : '';
  error.textContent = `${problem?.title ?? 'Error'}${field}: ${problem?.detail ?? ''}`;
  error.hidden = false;
  entry.classList.remove('running');
  entry.classList.add('failed');
  if (entry.dataset.request) entry.querySelector('.actions').hidden = false;
  announce(`${problem?.title ?? 'Error'}${field}`);
}

// ---- reopening: history and permalinks ----------------------------------------------------------------------------------

/** An entry for a generation by id (from history or a permalink), filled from the server's record of it. */
async function reopen(id, record) {
  const existing = document.getElementById(`g-${id}`);
  if (existing) return existing;
  const entry = addEntry({ prompt: record?.prompt ?? '…' });
  entry.id = `g-${id}`;
  entry.dataset.id = id;
  entry.dataset.self = `/api/generations/${id}`;
  entry.querySelector('a.permalink').href = `#g=${id}`;
  try {
    const response = await fetch(entry.dataset.self, { headers: headers() });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const seed = record?.seed !== undefined ? ` (seed ${record.seed})` : '';
      return showError(entry, { title: 'No longer available', detail: `the server no longer keeps this result${seed}; generate it again.` });
    }
    entry.querySelector('.prompt-text').textContent = data.prompt;
    entry.dataset.reopened = 'true';
    started(entry, data);
    if (data.status === 'running') entry.querySelector('button.cancel').hidden = false;
    settleOrFollow(entry, data);
  } catch (e) {
    showError(entry, { title: 'Network error', detail: String(e) });
  }
  return entry;
}

function permalinkId() {
  const m = /^#g=([0-9a-f]{64})$/.exec(location.hash);
  return m ? m[1] : null;
}

async function openPermalink() {
  const id = permalinkId();
  if (!id) return;
  const entry = await reopen(id, loadHistory().find(h => h.id === id));
  entry.classList.add('highlight');
  entry.scrollIntoView({ block: 'center' });
}
window.addEventListener('hashchange', openPermalink);

// ---- the service line ----------------------------------------------------------------------------------------------------

/** Header line: which model serves and its limits, or that no generator is available (the page stays usable). */
async function checkService() {
  try {
    const response = await fetch('/api/health', { headers: { 'Accept': 'application/json' } });
    const data = await response.json().catch(() => null);
    if (response.ok) {
      serviceStatus.textContent = `model ${data.modelId} · ${data.devices} device(s) · ${data.mode}`;
      serviceStatus.dataset.state = 'ready';
      if (data.textTokens) promptInput.title = `at most ${data.textTokens} tokens (word pieces)`;
      return;
    }
    serviceStatus.textContent = `no generator available: ${data?.detail ?? `HTTP ${response.status}`} (checking again…)`;
    serviceStatus.dataset.state = 'unavailable';
  } catch (e) {
    serviceStatus.textContent = 'the server is not reachable (checking again…)';
    serviceStatus.dataset.state = 'unreachable';
  }
  setTimeout(checkService, 2000);
}

checkService();
(async () => {
  for (const record of loadHistory()) await reopen(record.id, record);
  await openPermalink();
  document.body.dataset.restored = 'true';      // for tests: every remembered entry has been asked for
})();
promptInput.focus();
