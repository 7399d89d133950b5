/*
 * Unit tests of flowhub-client.js's logic, run with `node --test`.  The
 * model is exercised with plain messages; FlowhubClient runs over a
 * scripted socket under mocked timers, so reconnect delays, resume and
 * keepalive are checked without a network.  The real edge is exercised
 * by dashboard.test.mjs in a browser.
 */
import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
	backoffDelay, buildUrl, normalizeLogFilters, logMatches, sameLogFilters, successOf,
	historyFromSnapshot, FlowModel, FlowhubClient, createState,
} from '../../edge/www/flowhub-client.js';

/* ---------- message builders ---------- */

let clock = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (ms) => new Date(ms).toISOString();
const startOf = new Map(); /* blockId -> start ms, as the hub would report */

function started(seq, id, extra = {}) {
	clock += 10;
	startOf.set(id, clock);
	return { type: 'block_started_enhanced', seq, timestamp: iso(clock), data: {
		blockId: id, blockType: 'sensor', blockName: id.toUpperCase(),
		displayText: `Измерва ${id}...`, timing: { startTime: iso(clock) }, ...extra } };
}

function executed(seq, id, status = 'completed', startMs = null) {
	clock += 10;
	const end = clock;
	const start = startMs ?? startOf.get(id) ?? end - 25;
	return { type: 'block_executed_enhanced', seq, timestamp: iso(end), data: {
		blockId: id, blockType: 'sensor', blockName: id.toUpperCase(), status,
		timing: { startTime: iso(start), endTime: iso(end), durationMs: end - start },
		result: status === 'completed' ? { value: 1.5 } : null,
		error: status === 'failed' ? 'sensor timeout' : null } };
}

function log(seq, level, tag = 'Sensor', module = 'ec') {
	return { type: 'log_entry', seq, timestamp: iso(clock), data: {
		level, tag, module, message: `${level} message`, data: {}, timestamp: iso(clock) } };
}

function snapshot(seq, extra = {}) {
	return { type: 'initial_execution_state', timestamp: iso(clock), data: {
		seq, active: [], recent: [],
		executionContext: { sessionId: 's-1', programId: 'p-1', programName: 'Hydro A',
			status: 'running', startTime: iso(clock), endTime: null,
			blocksStarted: 0, blocksCompleted: 0, blocksFailed: 0 },
		hardware: {}, ...extra } };
}

const ids = (h) => h.map((a) => a.blockId);

/* ---------- backoff ---------- */

describe('backoff', () => {
	test('starts at half a second and doubles up to thirty seconds', () => {
		const mid = () => 0.5;
		assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, { random: mid })),
			[500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
		assert.equal(backoffDelay(1000, { random: mid }), 30000);
	});

	test('jitter stays within plus or minus thirty percent', () => {
		for (const n of [0, 3, 6, 20]) {
			const nominal = Math.min(30000, 500 * 2 ** n);
			assert.equal(backoffDelay(n, { random: () => 0 }), Math.round(nominal * 0.7));
			assert.equal(backoffDelay(n, { random: () => 0.999999 }), Math.round(nominal * 1.3));
		}
	});

	test('jitter spreads clients out', () => {
		const seen = new Set();
		for (let i = 0; i < 200; i++) {
			const d = backoffDelay(2);
			assert.ok(d >= 1400 && d <= 2600, `delay ${d} out of bounds`);
			seen.add(d);
		}
		assert.ok(seen.size > 50, `only ${seen.size} distinct delays`);
	});
});

/* ---------- URL and filters ---------- */

describe('url', () => {
	test('uses the page origin with ws: or wss:', () => {
		assert.equal(buildUrl(null, null, { href: 'http://host:5000/dash?x=1' }), 'ws://host:5000/ws/flow');
		assert.equal(buildUrl(null, null, { href: 'https://host/' }), 'wss://host/ws/flow');
	});

	test('puts the resume point and the log filters on the URL', () => {
		const u = new URL(buildUrl('ws://h:5000/ws/flow', 'T', null,
			{ since: 42, logs: { level: ['warn', 'error'], tag: 'a&b' } }));
		assert.equal(u.pathname, '/ws/flow');
		assert.equal(u.searchParams.get('token'), 'T');
		assert.equal(u.searchParams.get('since'), '42');
		assert.deepEqual(JSON.parse(u.searchParams.get('logs')),
			{ level: ['warn', 'error'], tag: 'a&b' });
		assert.equal(buildUrl('ws://h/ws/flow', null, null, { since: 0, logs: null }),
			'ws://h/ws/flow?since=0');
		assert.equal(buildUrl('ws://h/ws/flow', null, null, { since: -1 }), 'ws://h/ws/flow');
	});

	test('accepts an explicit URL and appends the token', () => {
		assert.equal(buildUrl('ws://10.0.0.1:5001/ws/flow', 'a b&c', null),
			'ws://10.0.0.1:5001/ws/flow?token=a+b%26c');
		assert.equal(buildUrl('/ws/flow', 'T', { href: 'https://h:8443/' }), 'wss://h:8443/ws/flow?token=T');
	});
});

describe('log filters', () => {
	test('normalize drops unknown levels and empty strings', () => {
		assert.deepEqual(normalizeLogFilters({ level: ['error', 'bogus', 'info'], tag: ' Pump ', module: '' }),
			{ level: ['info', 'error'], tag: 'Pump' });
		assert.deepEqual(normalizeLogFilters(null), {});
	});

	test('equal filter sets are recognised whatever their spelling', () => {
		assert.ok(sameLogFilters({ level: ['error', 'info'] }, { level: ['info', 'error'], tag: '' }));
		assert.ok(sameLogFilters({}, { level: ['debug', 'info', 'warn', 'error'] }));
		assert.ok(!sameLogFilters({ level: ['error'] }, { level: ['error'], tag: 'Pump' }));
		assert.ok(!sameLogFilters({ module: 'a' }, { module: 'b' }));
		assert.ok(!sameLogFilters(null, {}));
		assert.ok(sameLogFilters(null, undefined));
	});

	test('match level, tag and module exactly', () => {
		const f = { level: ['warn', 'error'], tag: 'Pump' };
		assert.ok(logMatches(f, { level: 'error', tag: 'Pump', module: 'x' }));
		assert.ok(!logMatches(f, { level: 'info', tag: 'Pump' }));
		assert.ok(!logMatches(f, { level: 'error', tag: 'pump' }));
		assert.ok(logMatches({}, { level: 'debug', tag: null }));
		assert.ok(!logMatches(null, { level: 'error' }));
	});

	test('entries that do not match the current filters are not kept', () => {
		const m = new FlowModel();
		m.setLogFilters({ level: ['error'] });
		m.state.logsSubscribed = true;
		m.handle(log(1, 'warn'));
		m.handle(log(2, 'error'));
		assert.deepEqual(m.state.logs.map((e) => e.seq), [2]);
		m.setLogFilters({ level: ['error'], tag: 'Pump' });
		assert.equal(m.state.logs.length, 0);
	});

	test('no logs are kept without a subscription', () => {
		const m = new FlowModel();
		m.handle(log(1, 'error'));
		m.setLogFilters({});
		m.handle(log(2, 'error'));
		m.setLogFilters(null);
		m.handle(log(3, 'error'));
		assert.deepEqual(m.state.logs.map((e) => e.seq), []);
		m.setLogFilters({});
		m.handle(log(4, 'error'));
		assert.deepEqual(m.state.logs.map((e) => e.seq), [4]);
	});

	test('the log list is bounded, newest first', () => {
		const m = new FlowModel({ logLimit: 5 });
		m.setLogFilters({});
		m.state.logsSubscribed = true;
		for (let i = 1; i <= 12; i++)
			m.handle(log(i, 'info'));
		assert.deepEqual(m.state.logs.map((e) => e.seq), [12, 11, 10, 9, 8]);
	});
});

/* ---------- action history ---------- */

describe('action history', () => {
	test('a started block enters in progress, its result updates the same entry', () => {
		const m = new FlowModel();
		m.handle(snapshot(0));
		m.handle(started(1, 'a'));
		let a = m.state.actionHistory[0];
		assert.equal(a.blockId, 'a');
		assert.equal(a.success, null);
		assert.equal(a.isStarted, true);
		assert.equal(a.text, 'Измерва a...');
		assert.ok(a.timestamp instanceof Date);
		const ex = executed(2, 'a', 'completed');
		m.handle(ex);
		assert.equal(m.state.actionHistory.length, 1);
		a = m.state.actionHistory[0];
		assert.equal(a.success, true);
		assert.equal(a.isStarted, false);
		assert.equal(a.durationMs, 10);
		assert.equal(a.durationMs, ex.data.timing.durationMs);
	});

	test('a failed block is marked unsuccessful with its error', () => {
		const m = new FlowModel();
		m.handle(started(1, 'a'));
		m.handle(executed(2, 'a', 'failed'));
		const a = m.state.actionHistory[0];
		assert.equal(a.success, false);
		assert.equal(a.status, 'failed');
		assert.equal(a.error, 'sensor timeout');
		assert.equal(m.state.executionContext.blocksFailed, 1);
	});

	test('keeps only the last four, newest first', () => {
		const m = new FlowModel();
		for (let i = 0; i < 6; i++)
			m.handle(started(i + 1, `b${i}`));
		assert.deepEqual(ids(m.state.actionHistory), ['b5', 'b4', 'b3', 'b2']);
		/* the result of a block that already left the history changes nothing */
		const before = m.state.actionHistory;
		m.handle(executed(7, 'b0'));
		assert.equal(m.state.actionHistory, before);
	});

	test('success is true for completed and skipped, false for failed and cancelled', () => {
		assert.equal(successOf('completed'), true);
		assert.equal(successOf('skipped'), true);
		assert.equal(successOf('failed'), false);
		assert.equal(successOf('cancelled'), false);
		assert.equal(successOf('running'), null);
	});

	test('execution_finished cancels what is still running', () => {
		const m = new FlowModel();
		m.handle(started(1, 'a'));
		m.handle({ type: 'execution_finished', seq: 2, timestamp: iso(clock), data: { status: 'stopped' } });
		assert.equal(m.state.actionHistory[0].status, 'cancelled');
		assert.equal(m.state.actionHistory[0].success, false);
		assert.equal(m.state.activeBlocks.length, 0);
		assert.equal(m.state.recentBlocks[0].status, 'cancelled');
		assert.equal(m.state.executionContext.status, 'stopped');
	});

	test('a snapshot yields the same history as the events that built it', () => {
		/* random runs: the history rebuilt from active + recent equals the
		 * history the events produced, entry by entry */
		let rnd = 12345;
		const rand = () => ((rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648);
		for (let run = 0; run < 50; run++) {
			const m = new FlowModel();
			const open = [];
			let seq = 0;
			for (let step = 0; step < 40; step++) {
				if (open.length && rand() < 0.5) {
					const id = open.splice(Math.floor(rand() * open.length), 1)[0];
					m.handle(executed(++seq, id, rand() < 0.2 ? 'failed' : 'completed'));
				} else {
					const id = `r${run}s${step}`;
					open.push(id);
					m.handle(started(++seq, id));
				}
			}
			const s = m.state;
			const rebuilt = historyFromSnapshot(s.activeBlocks, s.recentBlocks, 4);
			assert.deepEqual(rebuilt.map((a) => [a.blockId, a.status, a.success]),
				s.actionHistory.map((a) => [a.blockId, a.status, a.success]), `run ${run}`);
		}
	});
});

/* ---------- sequence numbers and resume ---------- */

describe('seq', () => {
	test('drops messages whose seq is not above the last seen', () => {
		const m = new FlowModel();
		m.handle(snapshot(10));
		assert.deepEqual(m.handle(started(10, 'old')), []);
		assert.deepEqual(m.handle(started(5, 'older')), []);
		assert.ok(m.handle(started(11, 'a')).includes('actionHistory'));
		assert.deepEqual(m.handle(started(11, 'dup')), []);
		assert.deepEqual(ids(m.state.actionHistory), ['a']);
		assert.equal(m.state.stats.duplicates, 3);
		assert.equal(m.state.lastSeq, 11);
		assert.equal(m.state.executionContext.blocksStarted, 1);
	});

	test('a jump in seq (filtered logs) is not a loss', () => {
		const m = new FlowModel();
		m.handle(started(1, 'a'));
		m.handle(executed(7, 'a'));
		assert.equal(m.state.lastSeq, 7);
		assert.equal(m.state.actionHistory[0].success, true);
	});

	test('resume: the replay is applied and the held-back greeting dropped', () => {
		const m = new FlowModel();
		m.handle(snapshot(0));
		m.handle(started(1, 'a'));
		m.handle(executed(2, 'a'));
		assert.equal(m.connectionOpened(), true);
		assert.equal(m.resume.since, 2);
		/* greeting at seq 5 arrives first: must not swallow the replay */
		assert.deepEqual(m.handle(snapshot(5)), []);
		assert.equal(m.state.lastSeq, 2);
		m.handle(started(3, 'b'));
		m.handle(executed(4, 'b', 'failed'));
		m.handle(started(5, 'c'));
		assert.equal(m.resuming, false);
		m.handle(started(6, 'd'));
		assert.deepEqual(ids(m.state.actionHistory), ['d', 'c', 'b', 'a']);
		assert.equal(m.state.actionHistory[2].success, false);
		assert.equal(m.state.lastSeq, 6);
	});

	test('resume: a live event past the greeting makes the greeting the state', () => {
		const m = new FlowModel();
		m.handle(snapshot(0));
		m.handle(started(1, 'a'));
		m.connectionOpened();
		const greet = snapshot(8, { active: [started(0, 'x').data] });
		greet.data.active[0].status = 'running';
		m.handle(greet);
		m.handle(started(9, 'y'));
		assert.equal(m.resuming, false);
		assert.deepEqual(ids(m.state.actionHistory), ['y', 'x']);
		/* a late replay of seqs the greeting covered is dropped */
		assert.deepEqual(m.handle(started(2, 'late')), []);
		assert.equal(m.state.lastSeq, 9);
	});

	test('resume: a second snapshot (resume too old) is taken', () => {
		const m = new FlowModel();
		m.handle(snapshot(0));
		m.handle(started(1, 'a'));
		m.connectionOpened();
		m.handle(snapshot(90000));
		m.handle(snapshot(90001, { recent: [executed(0, 'z', 'failed').data] }));
		assert.equal(m.resuming, false);
		assert.equal(m.state.lastSeq, 90001);
		assert.deepEqual(ids(m.state.actionHistory), ['z']);
		assert.equal(m.state.actionHistory[0].success, false);
	});

	test('resume: the timer applies a greeting when no replay comes', () => {
		const m = new FlowModel();
		m.handle(snapshot(3));
		m.connectionOpened();
		m.handle(snapshot(4, { hardware: { pump_1: { status: 'fault', details: {}, timestamp: iso(clock) } } }));
		assert.equal(m.state.hardware.pump_1, undefined);
		assert.ok(m.resumeTimedOut().includes('hardware'));
		assert.equal(m.state.hardware.pump_1.status, 'fault');
		assert.equal(m.state.lastSeq, 4);
	});

	test('resume: a greeting older than lastSeq is ignored, the replay goes on', () => {
		const m = new FlowModel();
		m.handle(snapshot(0));
		m.handle(started(1, 'a'));
		m.handle(started(2, 'b'));
		m.handle(started(3, 'c'));
		m.connectionOpened();
		/* the edge's cached state lags behind what this client saw */
		assert.deepEqual(m.handle(snapshot(1, { active: [] })), []);
		assert.equal(m.resuming, false);
		assert.equal(m.state.lastSeq, 3);
		m.handle(started(4, 'd'));
		assert.deepEqual(ids(m.state.actionHistory), ['d', 'c', 'b', 'a']);
		/* a later state (too-old answer, new stream) is taken */
		m.handle(snapshot(2));
		assert.equal(m.state.lastSeq, 2);
		assert.equal(m.state.actionHistory.length, 0);
	});

	test('a first connection takes the greeting', () => {
		const m = new FlowModel();
		assert.equal(m.connectionOpened(), false);
		m.handle(snapshot(42));
		assert.equal(m.state.lastSeq, 42);
		assert.equal(m.state.executionContext.programName, 'Hydro A');
	});

	test('a null state means the edge has no hub', () => {
		const m = new FlowModel();
		assert.deepEqual(m.handle({ type: 'initial_execution_state', timestamp: iso(clock), data: null }),
			['hubAvailable']);
		assert.equal(m.state.hubAvailable, false);
		assert.equal(m.state.haveState, false);
		m.handle(snapshot(5));
		assert.equal(m.state.hubAvailable, true);
	});

	test('gap is counted', () => {
		const m = new FlowModel();
		m.handle({ type: 'gap', seq: 3, timestamp: iso(clock), data: { lost: 17, reason: 'ring_overflow' } });
		assert.equal(m.state.stats.gaps, 1);
		assert.equal(m.state.stats.lost, 17);
		assert.equal(m.state.lastSeq, 3);
	});
});

/* ---------- the connection ---------- */

class ScriptedSocket {
	static all = [];
	constructor(url) {
		this.url = url;
		this.readyState = 0;
		this.sent = [];
		this.closed = null;
		ScriptedSocket.all.push(this);
	}
	send(s) {
		this.sent.push(JSON.parse(s));
	}
	close(code, reason) {
		this.closed = { code, reason };
		this.readyState = 3;
	}
	/* server side */
	open() {
		this.readyState = 1;
		this.onopen && this.onopen({});
	}
	push(msg) {
		this.onmessage && this.onmessage({ data: JSON.stringify(msg) });
	}
	die(code = 1006) {
		this.readyState = 3;
		this.onclose && this.onclose({ code, reason: '' });
	}
	types() {
		return this.sent.map((m) => m.type);
	}
}

function newClient(extra = {}) {
	ScriptedSocket.all = [];
	let now = 1000;
	const c = new FlowhubClient({ WebSocket: ScriptedSocket, url: 'ws://127.0.0.1:1/ws/flow',
		random: () => 0.5, now: () => now, window: null, navigator: null, ...extra });
	c.advance = (ms) => { now += ms; };
	return c;
}

describe('client', () => {
	test('identifies itself, measures RTT and shows connected', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient({ name: 'ProgramDashboard', page: 'dashboard' });
		const statuses = [];
		c.on('status', (s) => statuses.push(s.connectionStatus));
		c.connect();
		const ws = ScriptedSocket.all[0];
		assert.equal(c.state.connectionStatus, 'connecting');
		ws.open();
		assert.deepEqual(ws.sent[0], { type: 'identify_client',
			clientInfo: { name: 'ProgramDashboard', page: 'dashboard' } });
		assert.equal(c.state.wsConnected, true);
		ws.push(snapshot(3));
		t.mock.timers.tick(5000);
		assert.equal(ws.types().at(-1), 'ping');
		c.advance(12);
		ws.push({ type: 'pong', timestamp: iso(clock) });
		assert.equal(c.state.rttMs, 12);
		assert.deepEqual(statuses.slice(0, 2), ['connecting', 'connected']);
		c.destroy();
	});

	test('reconnects with ?since=lastSeq and its log filters, and takes no greeting', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient();
		c.connect();
		c.subscribeLogs({ level: ['error'], tag: 'Pump' });
		let ws = ScriptedSocket.all[0];
		assert.equal(new URL(ws.url).searchParams.get('since'), null);
		ws.open();
		ws.push(snapshot(10));
		ws.push(started(11, 'a'));
		ws.die();
		t.mock.timers.tick(500);
		ws = ScriptedSocket.all.at(-1);
		const u = new URL(ws.url);
		assert.equal(u.searchParams.get('since'), '11');
		assert.deepEqual(JSON.parse(u.searchParams.get('logs')), { level: ['error'], tag: 'Pump' });
		ws.open();
		/* the URL said it all: no subscribe_logs, no resume */
		assert.deepEqual(ws.types(), ['identify_client']);
		assert.equal(c.state.stats.resumes, 1);
		ws.push({ type: 'logs_subscribed', data: { filters: { level: ['error'], tag: 'Pump' } } });
		assert.equal(c.state.logFiltersConfirmed, true);
		ws.push(executed(12, 'a', 'failed'));
		ws.push(started(13, 'b'));
		assert.equal(c.state.lastSeq, 13);
		assert.deepEqual(c.state.actionHistory.map((a) => [a.blockId, a.success]),
			[['b', null], ['a', false]]);
		/* the resumed stream proves the connection: backoff starts over */
		assert.equal(c.attempt, 0);
		/* no greeting is asked for: a state would jump over the replay */
		t.mock.timers.tick(10000);
		assert.ok(!ws.types().includes('request_initial_state'));
		/* a state on this connection (since was too old) is taken */
		ws.push(snapshot(50));
		assert.equal(c.state.lastSeq, 50);
		assert.equal(c.state.stats.snapshots, 2);
		ws.push(started(49, 'old'));
		assert.equal(c.state.lastSeq, 50);
		/* filters changed while reconnecting: told in band */
		ws.die();
		c.subscribeLogs({ level: ['warn'] });
		t.mock.timers.tick(500);
		ws = ScriptedSocket.all.at(-1);
		assert.deepEqual(JSON.parse(new URL(ws.url).searchParams.get('logs')), { level: ['warn'] });
		ws.die();
		t.mock.timers.tick(1000);
		ws = ScriptedSocket.all.at(-1);
		c.unsubscribeLogs();
		ws.open();
		assert.deepEqual(ws.types(), ['identify_client', 'unsubscribe_logs']);
		c.destroy();
	});

	test('reconnects with backoff, resumes from lastSeq and re-subscribes logs (in band)', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient({ resumeMode: 'inband' });
		c.connect();
		c.subscribeLogs({ level: ['error'], tag: 'Pump' });
		let ws = ScriptedSocket.all[0];
		ws.open();
		assert.deepEqual(ws.sent.find((m) => m.type === 'subscribe_logs').filters,
			{ level: ['error'], tag: 'Pump' });
		ws.push(snapshot(10));
		ws.push(started(11, 'a'));
		ws.die();
		assert.equal(c.state.connectionStatus, 'reconnecting');
		assert.equal(c.state.wsReconnecting, true);
		assert.equal(c.state.wsConnected, false);
		/* first retry after 0.5 s, then 1 s, 2 s while the edge is down */
		for (const delay of [500, 1000, 2000]) {
			const n = ScriptedSocket.all.length;
			t.mock.timers.tick(delay - 1);
			assert.equal(ScriptedSocket.all.length, n, `no retry before ${delay} ms`);
			t.mock.timers.tick(1);
			assert.equal(ScriptedSocket.all.length, n + 1, `retry after ${delay} ms`);
			ScriptedSocket.all.at(-1).die();
		}
		t.mock.timers.tick(4000);
		ws = ScriptedSocket.all.at(-1);
		ws.open();
		assert.deepEqual(ws.types(), ['identify_client', 'subscribe_logs', 'resume']);
		assert.equal(ws.sent[2].since, 11);
		ws.push(snapshot(13));
		ws.push(executed(12, 'a', 'failed'));
		ws.push(started(13, 'b'));
		assert.deepEqual(c.state.actionHistory.map((a) => [a.blockId, a.success]),
			[['b', null], ['a', false]]);
		/* a working connection resets the backoff */
		ws.die();
		assert.equal(c.state.nextRetryMs, 500);
		c.destroy();
	});

	test('drops a connection whose pongs stop coming', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient({ pingIntervalMs: 1000, maxMissedPongs: 2 });
		c.connect();
		const ws = ScriptedSocket.all[0];
		ws.open();
		ws.push(snapshot(1));
		t.mock.timers.tick(2000);
		assert.equal(ws.types().filter((x) => x === 'ping').length, 2);
		assert.equal(ws.closed, null);
		t.mock.timers.tick(1000);
		assert.equal(ws.closed.code, 4000);
		assert.equal(c.state.connectionStatus, 'reconnecting');
		t.mock.timers.tick(500);
		assert.equal(ScriptedSocket.all.length, 2);
		c.destroy();
	});

	test('waits for the network while the browser is offline', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const win = new EventTarget();
		const nav = { onLine: true };
		const c = newClient({ window: win, navigator: nav });
		c.connect();
		ScriptedSocket.all[0].open();
		nav.onLine = false;
		win.dispatchEvent(new Event('offline'));
		ScriptedSocket.all[0].die();
		assert.equal(c.state.connectionStatus, 'offline');
		t.mock.timers.tick(60000);
		assert.equal(ScriptedSocket.all.length, 1);
		nav.onLine = true;
		win.dispatchEvent(new Event('online'));
		assert.equal(ScriptedSocket.all.length, 2);
		c.destroy();
	});

	test('filters count as confirmed only when the reply echoes the last request', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient();
		c.connect();
		const ws = ScriptedSocket.all[0];
		ws.open();
		ws.push(snapshot(1));
		c.subscribeLogs({ level: ['info', 'error'] });
		c.subscribeLogs({ level: ['error'] });
		assert.equal(c.state.logFiltersConfirmed, false);
		ws.push({ type: 'logs_subscribed', data: { filters: { level: ['info', 'error'] } } });
		assert.equal(c.state.logsSubscribed, true);
		assert.equal(c.state.logFiltersConfirmed, false);
		/* in flight under the old filters: not shown under the new ones */
		ws.push(log(2, 'info'));
		ws.push({ type: 'logs_subscribed', data: { filters: { level: ['error'] } } });
		assert.equal(c.state.logFiltersConfirmed, true);
		ws.push(log(3, 'error'));
		assert.deepEqual(c.state.logs.map((e) => e.seq), [3]);
		/* the same filters again are not sent again */
		const n = ws.sent.length;
		assert.equal(c.subscribeLogs({ level: ['error'], tag: '' }), true);
		assert.equal(ws.sent.length, n);
		assert.equal(c.state.logFiltersConfirmed, true);
		ws.die();
		assert.equal(c.state.logFiltersConfirmed, false);
		c.destroy();
	});

	test('asks for a fresh state after a gap', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient();
		c.connect();
		const ws = ScriptedSocket.all[0];
		ws.open();
		ws.push(snapshot(1));
		ws.push({ type: 'gap', seq: 2, timestamp: iso(clock), data: { lost: 5, reason: 'ring_overflow' } });
		assert.equal(ws.types().at(-1), 'request_initial_state');
		c.destroy();
	});

	test('close() stops reconnecting', (t) => {
		t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
		const c = newClient();
		c.connect();
		ScriptedSocket.all[0].open();
		c.close();
		assert.equal(ScriptedSocket.all[0].closed.code, 1000);
		t.mock.timers.tick(60000);
		assert.equal(ScriptedSocket.all.length, 1);
		assert.equal(c.state.connectionStatus, 'disconnected');
	});

	test('the initial state has the original store fields', () => {
		const s = createState();
		for (const k of ['wsConnected', 'wsReconnecting', 'connectionStatus', 'actionHistory'])
			assert.ok(k in s, k);
	});
});
