/*
 * The dashboard in a real browser against real daemons: flowhub (hub),
 * one flowhub-edge serving edge/www, and flowhub-emit --demo --rate 50.
 * Debian's chromium is driven by playwright-core.
 *
 * The steps wait on conditions (DOM state, seq numbers), never on fixed
 * sleeps for correctness.  Where the demo's randomness would make a check
 * depend on timing, the test writes its own events into the ring with a
 * second flowhub-emit (the ring has many producers) and briefly stops the
 * demo producer with SIGSTOP.  Run by dashboard.sh, which sets FH_TMP and
 * cleans up whatever is listed in $FH_TMP/pids.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const srcdir = process.env.top_srcdir || path.resolve(here, '../..');
const builddir = process.env.top_builddir || srcdir;
const tmp = process.env.FH_TMP || fs.mkdtempSync('/tmp/fhbrowser-');
const www = path.join(srcdir, 'edge/www');
/* programs are built either next to their sources or at the top */
const built = (dir, name) => [path.join(builddir, dir, name), path.join(builddir, name)]
	.find((f) => fs.existsSync(f)) || path.join(builddir, dir, name);
const bin = {
	hub: process.env.FLOWHUB_HUB || built('hub', 'flowhub'),
	edge: process.env.FLOWHUB_EDGE || built('edge', 'flowhub-edge'),
	emit: process.env.FLOWHUB_EMIT || built('emit', 'flowhub-emit'),
};
const artifacts = path.join(builddir, 'tests/artifacts');
const ring = `/fhbrowser-${process.pid}`;
const rundir = path.join(tmp, 'run');
const statedir = path.join(tmp, 'state');
const pidfile = path.join(tmp, 'pids');

const { chromium } = await import(path.join(here, 'node_modules/playwright-core/index.mjs'));

let passed = 0;
let failed = 0;
const procs = {};

function note(msg) {
	console.log(`# ${msg}`);
}

function ok(what) {
	passed++;
	console.log(`ok ${passed} - ${what}`);
}

class SetupError extends Error {}

async function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

function start(name, file, args) {
	const log = fs.openSync(path.join(tmp, `${name}.log`), 'a');
	const p = spawn(file, args, { stdio: ['ignore', log, log] });
	fs.closeSync(log);
	fs.appendFileSync(pidfile, `${p.pid}\n`);
	p.exitCode_ = null;
	p.on('exit', (code, sig) => { p.exited = { code, sig }; });
	procs[name] = p;
	return p;
}

function stop(name, sig = 'SIGTERM') {
	const p = procs[name];
	if (p && !p.exited) {
		try {
			p.kill(sig);
		} catch (e) { /* gone */ }
	}
}

async function exited(p, ms = 5000) {
	const t0 = Date.now();
	while (!p.exited && Date.now() - t0 < ms)
		await sleep(20);
	return p.exited;
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

async function until(what, fn, ms = 10000, every = 50) {
	const t0 = Date.now();
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() - t0 > ms)
			throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
		await sleep(every);
	}
}

function run(file, args, input) {
	return new Promise((resolve) => {
		const p = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { err += d; });
		p.on('exit', (code) => resolve({ code, out, err }));
		p.stdin.end(input || '');
	});
}

/* Write events into the ring through flowhub-emit's line mode. */
async function emit(events) {
	const lines = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
	const r = await run(bin.emit, ['--ring', ring], lines);
	if (r.code !== 0)
		throw new Error(`flowhub-emit lines failed (${r.code}): ${r.err}`);
}

async function probe(url, minSeq, linger = 0) {
	const r = await run('/usr/bin/python3', [path.join(here, 'state_probe.py'), url, String(minSeq),
		String(linger)]);
	if (r.code !== 0)
		throw new Error(`state probe failed (${r.code}): ${r.err}`);
	return JSON.parse(r.out);
}

async function healthy(port) {
	try {
		const r = await fetch(`http://127.0.0.1:${port}/healthz`);
		return r.status === 200;
	} catch (e) {
		return false;
	}
}

function tail(name, n = 15) {
	try {
		const lines = fs.readFileSync(path.join(tmp, `${name}.log`), 'utf8').trimEnd().split('\n');
		return lines.slice(-n).map((l) => `#   ${name}: ${l}`).join('\n');
	} catch (e) {
		return `#   ${name}: (no log)`;
	}
}

const pageState = (page) => page.evaluate(() => {
	const s = window.flowhub.state;
	return {
		status: s.connectionStatus,
		lastSeq: s.lastSeq,
		actions: s.actionHistory.map((a) => [a.blockId, a.status]),
		resumes: s.stats.resumes,
		duplicates: s.stats.duplicates,
		clientId: s.clientId,
	};
});

const domActions = (page) => page.$$eval('#actions li.action',
	(els) => els.map((e) => [e.dataset.blockId, e.dataset.status]));

const domLogs = (page) => page.$$eval('#logs li.log', (els) => els.map((e) => ({
	level: e.dataset.level, tag: e.dataset.tag, module: e.dataset.module,
	message: e.querySelector('.msg').textContent })));

async function main() {
	for (const [k, f] of Object.entries(bin))
		if (!fs.existsSync(f))
			throw new SetupError(`${k} binary ${f} not built`);
	fs.mkdirSync(rundir, { recursive: true, mode: 0o700 });
	fs.mkdirSync(statedir, { recursive: true, mode: 0o700 });
	fs.mkdirSync(artifacts, { recursive: true });
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	const wsUrl = `ws://127.0.0.1:${port}/ws/flow`;
	note(`port ${port}, ring ${ring}, tmp ${tmp}`);

	const edgeArgs = ['--listen', `127.0.0.1:${port}`, '--runtime-dir', rundir, '--www', www,
		'--id', `browser${process.pid}`];
	const hubArgs = ['--ring', ring, '--runtime-dir', rundir, '--state-dir', statedir];
	start('hub', bin.hub, hubArgs);
	await until('the hub endpoints', () => fs.existsSync(path.join(rundir, 'events')) || procs.hub.exited,
		10000).catch(() => {});
	if (procs.hub.exited)
		throw new SetupError(`hub exited: ${JSON.stringify(procs.hub.exited)}`);
	start('demo', bin.emit, ['--ring', ring, '--demo', '--rate', '50']);
	start('edge', bin.edge, edgeArgs);
	try {
		await until('edge /healthz 200', () => healthy(port), 15000);
	} catch (e) {
		throw new SetupError(e.message);
	}

	const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		viewport: { width: 1280, height: 1000 },
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(e.message));
	/* every frame on every socket the page opens, per connection */
	const sockets = [];
	page.on('websocket', (ws) => {
		const conn = { url: ws.url(), sent: [], received: [] };
		sockets.push(conn);
		ws.on('framesent', (f) => { try { conn.sent.push(JSON.parse(f.payload)); } catch (e) { /* */ } });
		ws.on('framereceived', (f) => { try { conn.received.push(JSON.parse(f.payload)); } catch (e) { /* */ } });
	});

	try {
		await page.goto(`${origin}/`);
		const charset = await page.evaluate(() => document.characterSet);
		if (charset !== 'UTF-8')
			throw new Error(`page charset ${charset}`);

		/* 1. connected */
		await page.waitForSelector('#conn[data-status="connected"]', { timeout: 10000 });
		const connText = await page.textContent('#conn-text');
		if (connText !== 'connected')
			throw new Error(`status text "${connText}"`);
		const first = sockets[0];
		const ident = first.sent.find((m) => m.type === 'identify_client');
		if (!ident || !ident.clientInfo || !ident.clientInfo.name)
			throw new Error('no identify_client sent');
		await until('client_identified', async () => (await pageState(page)).clientId, 5000);
		const cid = (await pageState(page)).clientId;
		if (!cid.startsWith('frontend_'))
			throw new Error(`clientId ${cid}`);
		ok(`page shows "connected" (client ${cid})`);

		/* another view of a single-page app asking for the client (here
		 * after a history navigation) shares the one connection */
		const shared = await page.evaluate(async () => {
			history.pushState({}, '', '/logs');
			const m = await import('/flowhub-client.js');
			const c = m.getFlowhubClient({ name: 'SystemLogs', page: 'logs' });
			history.pushState({}, '', '/');
			return c === window.flowhub;
		});
		if (!shared || sockets.length !== 1)
			throw new Error(`views do not share one connection (same: ${shared}, sockets: ${sockets.length})`);
		ok('views share one connection across SPA navigation');

		/* 2. the last 4 actions follow the running blocks */
		/* (a new run empties the list, so take it while it is full) */
		const a0 = await until('four actions', async () => {
			const a = await domActions(page);
			return a.length === 4 && a;
		}, 15000);
		await until('the action list to move on', async () => {
			const a1 = await domActions(page);
			return a1.length > 0 && a1[0][0] !== a0[0][0];
		}, 10000);
		await until('the DOM to match the client state', async () => {
			const s = await pageState(page);
			return JSON.stringify(s.actions) === JSON.stringify(await domActions(page));
		}, 3000);
		const seqA = (await pageState(page)).lastSeq;
		if (!(seqA > 0))
			throw new Error(`lastSeq ${seqA}`);
		const rtt = await until('an RTT reading', () => page.textContent('#conn-rtt'), 12000);
		ok(`last 4 actions update as blocks run (lastSeq ${seqA}, RTT shown "${rtt}")`);

		/* 3. a failed block is marked; non-ASCII text shown as sent */
		const failId = `probe_fail_${process.pid}`;
		const failText = 'Проба ёмкости — ✓ 測試 ü';
		procs.demo.kill('SIGSTOP');
		try {
			await emit([
				{ event: 'block_started', blockId: failId, blockType: 'sensor', blockName: 'Probe',
					displayText: failText },
				{ event: 'block_executed', blockId: failId, status: 'failed', error: 'probe failure' },
			]);
			const sel = `#actions li.action[data-block-id="${failId}"]`;
			await page.waitForSelector(`${sel}[data-status="failed"]`, { timeout: 10000 });
			const info = await page.$eval(sel, (e) => ({
				cls: e.className, success: e.dataset.success,
				mark: e.querySelector('.mark').textContent,
				text: e.querySelector('.action-text').textContent,
				err: (e.querySelector('.error-text') || {}).textContent,
				first: e === e.parentElement.firstElementChild,
			}));
			if (!info.cls.includes('failed') || info.success !== 'false' || info.mark !== '✗')
				throw new Error(`failed block not marked: ${JSON.stringify(info)}`);
			if (info.text !== failText)
				throw new Error(`display text "${info.text}" != "${failText}"`);
			if (info.err !== 'probe failure' || !info.first)
				throw new Error(`failed entry: ${JSON.stringify(info)}`);
			const failed = await page.textContent('#count-failed');
			if (!(Number(failed) >= 1))
				throw new Error(`failed counter ${failed}`);
		} finally {
			procs.demo.kill('SIGCONT');
		}
		ok('a failed block is marked ✗ with its error; UTF-8 display text intact');

		/* 4. log filters change what is shown */
		const tag = `ProbeTag${process.pid}`;
		await page.uncheck('input[name=level][value=info]');
		await page.uncheck('input[name=level][value=warn]');
		await page.uncheck('input[name=level][value=debug]');
		await page.check('input[name=level][value=error]');
		/* (the edge confirms a filter once the hub has it: from then on
		 * every matching log arrives) */
		await until('the error-only subscription', async () => {
			const st = await page.evaluate(() => window.flowhub.state);
			return st.logFiltersConfirmed && JSON.stringify(st.logFilters.level) === '["error"]';
		}, 5000);
		await emit([
			{ event: 'log', level: 'warn', message: `warn-probe ${tag}`, tag, module: 'probe' },
			{ event: 'log', level: 'error', message: `error-probe ${tag}`, tag, module: 'probe' },
		]);
		await until('the error probe in the log panel',
			async () => (await domLogs(page)).some((l) => l.message === `error-probe ${tag}`), 10000);
		let logs = await domLogs(page);
		if (logs.some((l) => l.message === `warn-probe ${tag}`))
			throw new Error('a warn log is shown under an error-only filter');
		if (logs.some((l) => l.level !== 'error'))
			throw new Error(`non-error rows shown: ${JSON.stringify(logs.filter((l) => l.level !== 'error'))}`);
		/* the edge, too, sends nothing but errors once it confirmed the filter */
		const conn = sockets.at(-1);
		const conf = conn.received.findLastIndex((m) => m.type === 'logs_subscribed' &&
			JSON.stringify(m.data && m.data.filters && m.data.filters.level) === '["error"]');
		if (conf < 0)
			throw new Error('no logs_subscribed for the error-only filter');
		const stray = conn.received.slice(conf).filter((m) => m.type === 'log_entry' && m.data.level !== 'error');
		if (stray.length)
			throw new Error(`edge sent ${stray.length} non-error logs after the filter: ${JSON.stringify(stray[0])}`);
		await page.fill('#filter-tag', tag);
		await page.press('#filter-tag', 'Enter');
		await until('the tag subscription', async () => {
			const st = await page.evaluate(() => window.flowhub.state);
			return st.logFiltersConfirmed && st.logFilters.tag === tag;
		}, 5000);
		await emit([
			{ event: 'log', level: 'error', message: `other-tag ${tag}`, tag: 'OtherTag', module: 'probe' },
			{ event: 'log', level: 'error', message: `tag-probe ${tag}`, tag, module: 'probe' },
		]);
		await until('the tag probe in the log panel',
			async () => (await domLogs(page)).some((l) => l.message === `tag-probe ${tag}`), 10000);
		logs = await domLogs(page);
		if (logs.some((l) => l.tag !== tag || l.level !== 'error'))
			throw new Error(`rows outside the filter: ${JSON.stringify(logs.filter((l) => l.tag !== tag))}`);
		const subText = await page.textContent('#log-sub');
		if (!subText.includes(tag))
			throw new Error(`subscription line "${subText}"`);
		/* back to every log, so that the page sees every seq */
		await page.fill('#filter-tag', '');
		await page.press('#filter-tag', 'Enter');
		for (const l of ['debug', 'info', 'warn'])
			await page.check(`input[name=level][value=${l}]`);
		await until('the all-levels subscription', async () => {
			const st = await page.evaluate(() => window.flowhub.state);
			return st.logFiltersConfirmed && st.logFilters.level.length === 4 && !st.logFilters.tag;
		}, 5000);
		await until('demo logs of other levels again', async () =>
			(await domLogs(page)).some((l) => l.level !== 'error'), 10000);
		ok('log filters (levels, tag) change what the edge sends and the page shows');

		/* a hardware report from the page goes through the hub to everyone */
		const hwName = `browser_probe_${process.pid}`;
		const sentHw = await page.evaluate((n) => window.flowhub.sendHardwareHealth(n, 'degraded',
			{ reason: 'Напрежение ниско' }), hwName);
		if (!sentHw)
			throw new Error('sendHardwareHealth did not send');
		await page.waitForSelector(`#hardware li.hw[data-component="${hwName}"][data-status="degraded"]`,
			{ timeout: 10000 });
		const hwText = await page.textContent(`#hardware li.hw[data-component="${hwName}"] .hw-details`);
		if (!hwText.includes('Напрежение ниско'))
			throw new Error(`hardware details "${hwText}"`);
		ok('sendHardwareHealth: the report comes back as hardware_health_update');

		/* 5. kill -9 the edge: the page shows reconnecting */
		const nSockets = sockets.length;
		stop('edge', 'SIGKILL');
		await exited(procs.edge);
		await page.waitForSelector('#conn[data-status="reconnecting"]', { timeout: 10000 });
		const reconnText = await page.textContent('#conn-text');
		if (reconnText !== 'reconnecting')
			throw new Error(`status text "${reconnText}" while the edge is dead`);
		const since = (await pageState(page)).lastSeq;
		ok(`edge killed (SIGKILL): page shows "reconnecting" (lastSeq ${since})`);

		/* the browser goes offline meanwhile: the client stops retrying */
		await ctx.setOffline(true);
		await page.waitForSelector('#conn[data-status="offline"]', { timeout: 10000 });
		ok('browser offline: page shows "offline" and waits for the network');

		/* 6. restart the edge (standing in for the supervisor); events
		 * went on while it was down */
		start('edge', bin.edge, edgeArgs);
		await until('the restarted edge /healthz 200', () => healthy(port), 15000);
		let hubSeq = 0;
		await until(`events the page has not seen (page at ${since})`, async () => {
			hubSeq = (await probe(wsUrl, 0, 0.5)).streamSeq;
			if (hubSeq > since + 20)
				return true;
			throw new Error(`edge stream at seq ${hubSeq}`);
		}, 15000, 200).then(() => note(`edge stream at seq ${hubSeq} while the page is offline at ${since}`));
		if ((await pageState(page)).status !== 'offline')
			throw new Error('the page left "offline" while the browser was offline');
		/* back online: the client tries at once instead of waiting */
		await ctx.setOffline(false);
		await page.waitForSelector('#conn[data-status="connected"]', { timeout: 10000 });
		/* the resume point and the log filters ride on the upgrade URL */
		const again = sockets.slice(nSockets).find((c) => new URL(c.url).searchParams.has('since'));
		if (!again)
			throw new Error('no ?since= on the new connection');
		const q = new URL(again.url).searchParams;
		if (Number(q.get('since')) !== since)
			throw new Error(`resume since ${q.get('since')}, expected ${since}`);
		if (!q.has('logs') || typeof JSON.parse(q.get('logs')) !== 'object')
			throw new Error('log subscription not renewed on the reconnect URL');
		if (again.received.some((m) => m.type === 'initial_execution_state'))
			throw new Error('a greeting state on a connection that resumed from the URL');
		await until('the page to catch up past the outage',
			async () => (await pageState(page)).lastSeq > since + 20, 15000);
		ok(`page reconnected and resumed since ${since}`);

		/* 7. kill -9 the hub and restart it: the page keeps its connection
		 * to the edge and goes on from where it was, without a hole */
		await page.evaluate(() => {
			window.statusLog = [];
			window.flowhub.on('status', (st) => window.statusLog.push(st.connectionStatus));
		});
		const beforeHub = (await pageState(page)).lastSeq;
		const socketsBeforeHub = sockets.length;
		stop('hub', 'SIGKILL');
		await exited(procs.hub);
		start('hub', bin.hub, hubArgs);
		await until('events after the hub restart',
			async () => (await pageState(page)).lastSeq > beforeHub + 20, 20000);
		const statuses = await page.evaluate(() => window.statusLog.filter((x) => x !== 'connected'));
		if (statuses.length || sockets.length !== socketsBeforeHub)
			throw new Error(`the page lost its connection over a hub restart: ${statuses.join(',')}`);
		ok(`hub killed (SIGKILL) and restarted: page stayed connected, went on past seq ${beforeHub}`);

		/* 8. stop the demo, mark the end, and compare with an independent client */
		/* SIGTERM: the demo finishes its record (a SIGKILL could leave a
		 * claimed record that the hub must wait out) */
		stop('demo', 'SIGTERM');
		if (!(await exited(procs.demo)))
			throw new Error('flowhub-emit --demo did not stop on SIGTERM');
		const marker = `probe_marker_${process.pid}`;
		await emit([{ event: 'hardware_health', component: marker, status: 'ok',
			details: { note: 'end of browser test' } }]);
		await page.waitForSelector(`#hardware li.hw[data-component="${marker}"]`, { timeout: 10000 });
		const ps = await pageState(page);
		const pr = await probe(wsUrl, ps.lastSeq);
		if (pr.seq !== ps.lastSeq)
			throw new Error(`page lastSeq ${ps.lastSeq} != edge state seq ${pr.seq}`);
		if (JSON.stringify(pr.actions) !== JSON.stringify(ps.actions))
			throw new Error(`page actions ${JSON.stringify(ps.actions)} != edge state ${JSON.stringify(pr.actions)}`);
		const dom = await domActions(page);
		if (JSON.stringify(dom) !== JSON.stringify(ps.actions))
			throw new Error(`DOM actions ${JSON.stringify(dom)} != state ${JSON.stringify(ps.actions)}`);
		const started = Number(await page.textContent('#count-started'));
		if (pr.context && started !== pr.context.blocksStarted)
			throw new Error(`page counts ${started} started, hub ${pr.context.blocksStarted}`);
		ok(`after the restart the last 4 actions equal the hub's (seq ${pr.seq}: ${pr.actions.map((a) => a.join(':')).join(', ')})`);
		note(`duplicates dropped by the client: ${ps.duplicates}, resumes: ${ps.resumes}`);

		/* 9. what the edge really sent matches flowhub-client.d.ts */
		const tsc = path.join(here, 'node_modules/typescript/bin/tsc');
		if (fs.existsSync(tsc)) {
			const byType = new Map();
			for (const c of sockets)
				for (const m of c.received) {
					const k = m.type || '?';
					if (!byType.has(k))
						byType.set(k, []);
					if (byType.get(k).length < 5)
						byType.get(k).push(m);
				}
			const client = path.join(srcdir, 'edge/www/flowhub-client.js');
			const file = path.join(tmp, 'frames.ts');
			fs.writeFileSync(file, `import type { ServerMessage } from ${JSON.stringify(client)};\n` +
				`export const frames: ServerMessage[] = ${JSON.stringify([...byType.values()].flat(), null, 1)};\n`);
			const r = await run(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022',
				'--module', 'es2022', '--moduleResolution', 'bundler', file]);
			if (r.code !== 0)
				throw new Error(`edge messages do not match flowhub-client.d.ts:\n${r.out}${r.err}`);
			ok(`edge messages match flowhub-client.d.ts (${[...byType.keys()].sort().join(', ')})`);
		} else {
			note('typescript not installed: message types not checked');
		}

		if (pageErrors.length)
			throw new Error(`page errors: ${pageErrors.join('; ')}`);
		const shot = path.join(artifacts, 'dashboard.png');
		await page.screenshot({ path: shot, fullPage: true });
		note(`screenshot ${shot}`);

		/* readable on a phone: one column, nothing wider than the screen */
		await page.setViewportSize({ width: 390, height: 844 });
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
		const phone = await page.evaluate(() => ({
			scroll: document.scrollingElement.scrollWidth,
			view: window.innerWidth,
			wide: [...document.querySelectorAll('.card')]
				.filter((c) => c.getBoundingClientRect().right > window.innerWidth + 1).length,
			font: parseFloat(getComputedStyle(document.querySelector('.action-text') || document.body).fontSize),
			over: [...document.querySelectorAll('body *')]
				.filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
				.slice(0, 6).map((e) => `${e.tagName}.${e.className}:${e.textContent.slice(0, 40)}`),
		}));
		if (phone.scroll > phone.view || phone.wide || phone.font < 14)
			throw new Error(`not readable at 390 px: ${JSON.stringify(phone)}`);
		await page.screenshot({ path: path.join(artifacts, 'dashboard-phone.png'), fullPage: true });
		ok('readable on a 390 px phone screen (no sideways scrolling, text ≥ 14 px)');
	} catch (e) {
		try {
			await page.screenshot({ path: path.join(artifacts, 'dashboard-failure.png'), fullPage: true });
		} catch (e2) { /* ignore */ }
		/* the conversation apart from events, for the diagnosis */
		const c = sockets.at(-1);
		if (c) {
			for (const m of c.sent.filter((x) => x.type !== 'ping').slice(-8))
				note(`sent ${JSON.stringify(m)}`);
			for (const m of c.received.filter((x) => !('seq' in x) && x.type !== 'pong').slice(-8))
				note(`received ${JSON.stringify(m).slice(0, 300)}`);
		}
		throw e;
	} finally {
		await ctx.close();
	}
}

let code = 0;
try {
	await main();
} catch (e) {
	failed++;
	console.log(`not ok ${passed + failed} - ${e.message}`);
	for (const n of ['hub', 'edge', 'demo'])
		console.log(tail(n));
	code = e instanceof SetupError ? 99 : 1;
} finally {
	for (const n of Object.keys(procs))
		stop(n, 'SIGTERM');
	for (const n of Object.keys(procs))
		if (!(await exited(procs[n], 3000)))
			stop(n, 'SIGKILL');
}
console.log(`dashboard: ${passed} passed, ${failed} failed`);
process.exit(code);
