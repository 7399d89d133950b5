/*
 * How many server messages per second the client's model absorbs (JSON
 * parse + FlowModel.handle), with every message a block start, a log or a
 * block result, logs subscribed.  Not part of `make check`.
 *   node tests/browser/bench_client.mjs [MESSAGES] [RUNS]
 */
import { FlowModel } from '../../edge/www/flowhub-client.js';

const N = Number(process.argv[2]) || 300000;
const RUNS = Number(process.argv[3]) || 5;
const raw = [];
let t = Date.parse('2026-01-01T00:00:00Z');
for (let seq = 1, b = 0; seq <= N; b++) {
	const id = `b${b}`;
	const st = new Date(t += 5).toISOString();
	raw.push(JSON.stringify({ type: 'block_started_enhanced', seq: seq++, timestamp: st, data: {
		blockId: id, blockType: 'sensor', blockName: 'EC', displayText: 'Измерва EC...',
		timing: { startTime: st } } }));
	raw.push(JSON.stringify({ type: 'log_entry', seq: seq++, timestamp: st, data: {
		level: 'info', tag: 'Sensor', module: 'ec', message: 'reading', data: {}, timestamp: st } }));
	const en = new Date(t += 5).toISOString();
	raw.push(JSON.stringify({ type: 'block_executed_enhanced', seq: seq++, timestamp: en, data: {
		blockId: id, blockType: 'sensor', blockName: 'EC', status: 'completed',
		timing: { startTime: st, endTime: en, durationMs: 5 }, result: { v: 1 }, error: null } }));
}
const rates = [];
for (let run = 0; run < RUNS; run++) {
	const m = new FlowModel();
	m.setLogFilters({});
	m.state.logsSubscribed = true;
	const t0 = process.hrtime.bigint();
	for (const r of raw)
		m.handle(JSON.parse(r));
	const dt = Number(process.hrtime.bigint() - t0) / 1e9;
	if (m.state.lastSeq !== raw.length)
		throw new Error(`lastSeq ${m.state.lastSeq}`);
	rates.push(raw.length / dt);
}
rates.sort((a, b) => a - b);
console.log(`${raw.length} messages x ${RUNS} runs: median ${Math.round(rates[RUNS >> 1])} msgs/s ` +
	`(min ${Math.round(rates[0])}, max ${Math.round(rates[RUNS - 1])})`);
