/*
 * app.js: the flowhub dashboard page.  It owns no protocol logic: the
 * shared client (flowhub-client.js) keeps the connection and the state;
 * this file only draws that state and turns the log filter form into
 * subscribe_logs.  Drawing is coalesced to one pass per animation frame,
 * so a burst of replayed events costs one render, and only the sections
 * whose state changed are rebuilt.  All text goes in through textContent,
 * never as HTML, so display texts from the interpreter cannot inject
 * markup.
 */
import { getFlowhubClient, LOG_LEVELS } from './flowhub-client.js';

const params = new URLSearchParams(location.search);
const client = getFlowhubClient({
	name: 'FlowhubDashboard',
	page: 'dashboard',
	token: params.get('token') || null,
	url: params.get('ws') || null,
});
/* for the browser console and the browser tests */
/** @type {any} */ (window).flowhub = client;

/** @param {string} id @returns {HTMLElement} */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id @returns {HTMLInputElement} */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
/** @returns {HTMLInputElement[]} */
const levelBoxes = () => [...$('log-filters').querySelectorAll('input[name=level]')]
	.map((i) => /** @type {HTMLInputElement} */ (i));

function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			el.className = v;
		else if (k.startsWith('data-'))
			el.setAttribute(k, String(v));
		else
			el.setAttribute(k, String(v));
	}
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

function pad(n, w = 2) {
	return String(n).padStart(w, '0');
}

function clock(v) {
	if (!v)
		return '–';
	const d = v instanceof Date ? v : new Date(v);
	if (Number.isNaN(d.getTime()))
		return '–';
	return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function duration(ms) {
	if (typeof ms !== 'number' || !Number.isFinite(ms))
		return '';
	if (ms < 1000)
		return `${Math.round(ms)} ms`;
	if (ms < 60000)
		return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
	return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

const MARKS = {
	running: ['…', 'running'],
	completed: ['✓', 'completed'],
	failed: ['✗', 'failed'],
	skipped: ['↷', 'skipped'],
	cancelled: ['⊘', 'cancelled'],
};

function mark(status) {
	const [sym, label] = MARKS[status] || ['•', status || 'unknown'];
	return h('span', { class: 'mark', 'aria-label': label, title: label }, sym);
}

function short(v) {
	if (v === null || v === undefined)
		return '';
	if (typeof v === 'object') {
		try {
			const s = JSON.stringify(v);
			return s.length > 120 ? `${s.slice(0, 117)}…` : s;
		} catch (e) {
			return '';
		}
	}
	return String(v);
}

/* --- sections --- */

function renderConnection(s) {
	const conn = $('conn');
	conn.dataset.status = s.connectionStatus;
	/* what is on screen may be stale while not connected */
	document.body.dataset.conn = s.connectionStatus;
	$('conn-text').textContent = s.connectionStatus;
	const rtt = $('conn-rtt');
	const haveRtt = s.wsConnected && typeof s.rttMs === 'number';
	rtt.textContent = haveRtt ? `${s.rttMs} ms` : '';
	rtt.dataset.quality = !haveRtt ? '' : s.rttMs < 150 ? 'good' : s.rttMs < 600 ? 'fair' : 'poor';
	rtt.title = haveRtt ? `round trip of the last ping: ${s.rttMs} ms` : '';
	let detail = '';
	if (s.connectionStatus === 'reconnecting' && typeof s.nextRetryMs === 'number')
		detail = `retry ${s.reconnectAttempt} in ${(s.nextRetryMs / 1000).toFixed(1)} s`;
	else if (s.connectionStatus === 'offline')
		detail = 'browser offline: waiting for the network';
	else if (s.wsConnected && s.hubAvailable === false)
		detail = 'edge connected, waiting for the hub';
	$('conn-detail').textContent = detail;
	$('client-id').textContent = s.clientId || '–';
}

function renderProgram(s) {
	const c = s.executionContext || {};
	$('program-name').textContent = c.programName || c.programId || 'No program yet';
	const st = $('program-status');
	st.textContent = c.status || 'idle';
	st.dataset.status = c.status || 'idle';
	$('count-started').textContent = c.blocksStarted ?? 0;
	$('count-completed').textContent = c.blocksCompleted ?? 0;
	$('count-failed').textContent = c.blocksFailed ?? 0;
	$('session-id').textContent = c.sessionId || '–';
	$('start-time').textContent = clock(c.startTime);
	$('end-time').textContent = clock(c.endTime);
}

function renderSeq(s) {
	$('last-seq').textContent = s.lastSeq;
}

function renderActions(s) {
	const list = $('actions');
	const items = s.actionHistory.map((a) => h('li', {
		class: `action ${a.status}`,
		'data-block-id': a.blockId,
		'data-status': a.status,
		'data-success': a.success === null ? 'pending' : String(a.success),
	},
	mark(a.status),
	h('div', { class: 'action-body' },
		h('div', { class: 'action-text' }, a.text || a.blockId),
		h('div', { class: 'action-meta' },
			h('span', { class: 'tag' }, a.type || 'block'),
			h('span', { class: 'time' }, clock(a.timestamp)),
			a.error ? h('span', { class: 'error-text' }, a.error) : null)),
	h('span', { class: 'dur' }, a.isStarted ? 'running' : duration(a.durationMs))));
	list.replaceChildren(...items);
	$('actions-empty').hidden = items.length > 0;
}

function renderActive(s) {
	const items = s.activeBlocks.map((b) => h('li', { class: 'block', 'data-block-id': b.blockId },
		h('span', { class: 'spinner', 'aria-hidden': 'true' }),
		h('span', { class: 'block-text' }, b.displayText || b.blockName || b.blockId),
		h('span', { class: 'tag' }, b.blockType || ''),
		h('span', { class: 'time' }, clock(b.timing && b.timing.startTime))));
	$('active').replaceChildren(...items);
	$('active-count').textContent = items.length;
	$('active-empty').hidden = items.length > 0;
}

function renderHardware(s) {
	const names = Object.keys(s.hardware || {}).sort();
	const items = names.map((name) => {
		const hw = s.hardware[name] || {};
		const details = Object.entries(hw.details || {}).slice(0, 4)
			.map(([k, v]) => `${k}: ${short(v)}`).join(' · ');
		return h('li', { class: 'hw', 'data-component': name, 'data-status': hw.status },
			h('div', { class: 'hw-head' },
				h('span', { class: 'hw-name' }, name),
				h('span', { class: 'pill', 'data-status': hw.status }, hw.status || '?')),
			details ? h('div', { class: 'hw-details' }, details) : null,
			h('div', { class: 'time' }, clock(hw.timestamp)));
	});
	$('hardware').replaceChildren(...items);
	$('hardware-empty').hidden = items.length > 0;
}

function renderLogs(s) {
	const items = s.logs.map((e) => h('li', {
		class: `log ${e.level}`,
		'data-level': e.level,
		'data-tag': e.tag ?? '',
		'data-module': e.module ?? '',
		'data-seq': e.seq ?? '',
	},
	h('span', { class: 'time' }, clock(e.timestamp)),
	h('span', { class: 'lvl-badge' }, e.level),
	e.tag ? h('span', { class: 'tag' }, e.tag) : null,
	e.module ? h('span', { class: 'module' }, e.module) : null,
	h('span', { class: 'msg' }, e.message)));
	$('logs').replaceChildren(...items);
	$('log-count').textContent = items.length;
	const f = s.logFilters;
	let sub = 'Not subscribed';
	if (f) {
		const parts = [f.level ? f.level.join(', ') : 'all levels'];
		if (f.tag)
			parts.push(`tag ${f.tag}`);
		if (f.module)
			parts.push(`module ${f.module}`);
		sub = `${s.logFiltersConfirmed ? 'Subscribed' : 'Subscribing…'} ${parts.join(' · ')}`;
	}
	$('log-sub').textContent = sub;
	$('log-sub').dataset.subscribed = String(!!s.logFiltersConfirmed);
}

/** @typedef {import('./flowhub-client.js').ClientState} ClientState */
/** @type {Array<[string[], (s: ClientState) => void]>} */
const SECTIONS = [
	[['connectionStatus', 'wsConnected', 'wsReconnecting', 'rttMs', 'clientId', 'hubAvailable'],
		renderConnection],
	[['executionContext'], renderProgram],
	[['lastSeq'], renderSeq],
	[['actionHistory'], renderActions],
	[['activeBlocks'], renderActive],
	[['hardware'], renderHardware],
	[['logs', 'logFilters', 'logsSubscribed', 'logFiltersConfirmed'], renderLogs],
];

let dirty = new Set(SECTIONS.map((x) => x[1]));
let scheduled = false;

function render() {
	scheduled = false;
	const s = client.state;
	const todo = dirty;
	dirty = new Set();
	for (const fn of todo)
		fn(s);
	document.body.dataset.lastSeq = String(s.lastSeq);
}

function schedule(keys) {
	for (const [watch, fn] of SECTIONS)
		if (!keys || keys.some((k) => watch.includes(k)))
			dirty.add(fn);
	if (scheduled)
		return;
	scheduled = true;
	/* hidden tabs get no animation frames; a timer still draws there */
	if (document.hidden)
		setTimeout(render, 250);
	else
		requestAnimationFrame(render);
}

client.on('state', (_s, keys) => schedule(keys));
client.on('status', () => schedule(['connectionStatus']));
document.addEventListener('visibilitychange', () => schedule(null));

/* --- log filters --- */

const STORE_KEY = 'flowhub.logFilters';

function readForm() {
	const level = levelBoxes().filter((i) => i.checked).map((i) => i.value);
	return { level, tag: input('filter-tag').value, module: input('filter-module').value };
}

function fillForm(f) {
	for (const i of levelBoxes())
		i.checked = f.level.includes(i.value);
	input('filter-tag').value = f.tag || '';
	input('filter-module').value = f.module || '';
}

function applyFilters() {
	const f = readForm();
	try {
		localStorage.setItem(STORE_KEY, JSON.stringify(f));
	} catch (e) { /* storage may be disabled */ }
	if (f.level.length === 0)
		client.unsubscribeLogs();
	else
		client.subscribeLogs(f);
}

function restoreFilters() {
	try {
		const f = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
		if (f && Array.isArray(f.level))
			fillForm({ level: f.level.filter((l) => LOG_LEVELS.includes(l)), tag: f.tag, module: f.module });
	} catch (e) { /* keep the defaults of the form */ }
}

$('log-filters').addEventListener('submit', (ev) => {
	ev.preventDefault();
	applyFilters();
});
for (const i of levelBoxes())
	i.addEventListener('change', applyFilters);
for (const id of ['filter-tag', 'filter-module'])
	$(id).addEventListener('change', applyFilters);
$('logs-clear').addEventListener('click', () => client.clearLogs());

{
	/* where the page is connected to, never with its token */
	const u = new URL(client.url());
	u.search = '';
	$('edge-url').textContent = u.toString();
}

restoreFilters();
applyFilters();
schedule(null);
