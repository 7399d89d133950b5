/*
 * Does the dashboard keep up?  Runs a hub, an edge and flowhub-emit --demo
 * at RATE events/s for SECS seconds with the page open in chromium (all log
 * levels subscribed), then reports how far behind the page was when the
 * producer stopped, how long it took to catch up, whether the edge had to
 * close it as a slow client (1013) and whether it ended equal to the hub.
 * Not part of `make check`.
 *   top_builddir=_build node tests/browser/bench_page.mjs [RATE] [SECS]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const srcdir = path.resolve(here, '../..');
const builddir = process.env.top_builddir || path.join(srcdir, '_build');
const RATE = process.argv[2] || '2000';
const SECS = Number(process.argv[3]) || 10;
const built = (dir, name) => [path.join(builddir, dir, name), path.join(builddir, name)]
	.find((f) => fs.existsSync(f));
const { chromium } = await import(path.join(here, 'node_modules/playwright-core/index.mjs'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync('/tmp/fhbench-');
const run = path.join(tmp, 'run');
fs.mkdirSync(run, { mode: 0o700 });
fs.mkdirSync(path.join(tmp, 'state'), { mode: 0o700 });
const ring = `/fhbench-${process.pid}`;
const port = 20000 + (process.pid % 20000);
const procs = [];
function start(file, args) {
	const log = fs.openSync(path.join(tmp, `${path.basename(file)}.log`), 'a');
	const p = spawn(file, args, { stdio: ['ignore', log, log] });
	procs.push(p);
	return p;
}
function probe(minSeq, linger) {
	return new Promise((resolve, reject) => {
		const p = spawn('/usr/bin/python3', [path.join(here, 'state_probe.py'),
			`ws://127.0.0.1:${port}/ws/flow`, String(minSeq), String(linger)]);
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.on('exit', (c) => (c === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe ${c}`))));
	});
}

let ctx;
try {
	start(built('hub', 'flowhub'), ['--ring', ring, '--runtime-dir', run,
		'--state-dir', path.join(tmp, 'state'), '-q']);
	await sleep(500);
	start(built('edge', 'flowhub-edge'), ['--listen', `127.0.0.1:${port}`, '--runtime-dir', run,
		'--www', path.join(srcdir, 'edge/www'), '-q']);
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200)
				break;
		} catch (e) { /* not yet */ }
		await sleep(100);
	}
	ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, 'prof-')), {
		executablePath: '/usr/bin/chromium', headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu'] });
	const page = ctx.pages()[0];
	await page.goto(`http://127.0.0.1:${port}/`);
	await page.waitForSelector('#conn[data-status="connected"]');
	await page.check('input[name=level][value=debug]');
	const emit = start(built('emit', 'flowhub-emit'), ['--ring', ring, '--demo', '--rate', RATE]);
	await sleep(SECS * 1000);
	emit.kill('SIGTERM');
	await new Promise((r) => emit.on('exit', r));
	const tStop = Date.now();
	const atStop = await page.evaluate(() => window.flowhub.state.lastSeq);
	/* caught up = the last time the page's seq moved, once it has been
	 * still for 3 s (then checked against the hub's state) */
	let seen = atStop;
	let moved = tStop;
	while (Date.now() - moved < 3000 && Date.now() - tStop < 60000) {
		const q = await page.evaluate(() => window.flowhub.state.lastSeq);
		if (q !== seen) {
			seen = q;
			moved = Date.now();
		}
		await sleep(20);
	}
	const caught = moved - tStop;
	const hub = (await probe(seen, 0)).seq;
	const s = await page.evaluate(() => ({
		seq: window.flowhub.state.lastSeq,
		stats: window.flowhub.state.stats,
		lastClose: window.flowhub.state.lastClose,
		heapMB: performance.memory ? +(performance.memory.usedJSHeapSize / 1048576).toFixed(1) : null,
	}));
	const final = await probe(s.seq, 0);
	console.log(JSON.stringify({
		rate: Number(RATE), secs: SECS, events: hub, pageBehindAtStop: s.seq - atStop,
		catchUpMs: caught, reconnects: s.stats.resumes, lastClose: s.lastClose,
		duplicatesDropped: s.stats.duplicates, pageSeq: s.seq, hubStateSeq: final.seq,
		equal: s.seq === final.seq, heapMB: s.heapMB }));
} finally {
	if (ctx)
		await ctx.close();
	for (const p of procs)
		p.kill('SIGTERM');
	await sleep(500);
	fs.rmSync(tmp, { recursive: true, force: true });
}
