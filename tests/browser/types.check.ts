/*
 * Compile-time check of flowhub-client.d.ts (tsc --noEmit, see types.sh):
 * the declarations must compile under strict settings, messages shaped
 * like the protocol's examples must be assignable to them, wrong ones must
 * not (@ts-expect-error fails the build when the error disappears), and a
 * store adapter like the one in doc/client.md must type-check.
 */
import {
	getFlowhubClient, FlowhubClient, FlowModel, backoffDelay, historyFromSnapshot,
	type ServerMessage, type ClientMessage, type ClientState, type Action,
	type ExecutionState, type LogFilters, type StateKey,
} from '../../edge/www/flowhub-client.js';

const state: ExecutionState = {
	seq: 1234,
	active: [],
	recent: [{
		blockId: 'block_1758090035157_3igzjpzov', blockType: 'sensor', blockName: 'EC',
		displayText: 'Измерва EC...', status: 'completed',
		timing: { startTime: '2025-09-18T19:21:00.007Z', endTime: '2025-09-18T19:21:01.007Z', durationMs: 1000 },
		result: { ec: 1.8, unit: 'mS/cm' }, error: null,
	}],
	executionContext: {
		sessionId: 's-42', programId: 'p-7', programName: 'Hydro A', status: 'running',
		startTime: '2025-09-18T19:21:00.007Z', endTime: null,
		blocksStarted: 17, blocksCompleted: 15, blocksFailed: 1,
	},
	hardware: { pump_1: { status: 'ok', details: {}, timestamp: '2025-09-18T19:21:00.007Z' } },
};

const fromServer: ServerMessage[] = [
	{ type: 'client_identified', data: { clientId: 'frontend_1758259703116', name: 'ProgramDashboard', page: 'dashboard' } },
	{ type: 'pong', timestamp: '2025-09-18T19:21:00.007Z' },
	{ type: 'initial_execution_state', timestamp: '2025-09-18T19:21:00.007Z', data: state },
	{ type: 'logs_subscribed', data: { filters: { level: ['info', 'error'], tag: 'FlowExecutor' } } },
	{ type: 'logs_unsubscribed' },
	{ type: 'error', error: { code: 'invalid_field', message: 'unknown level', field: 'filters.level' } },
	{ type: 'execution_started', seq: 1, timestamp: 't', data: { sessionId: 's-42', programId: 'p-7', programName: 'Hydro A', meta: {} } },
	{ type: 'block_started_enhanced', seq: 2, timestamp: 't', data: {
		blockId: 'b', blockType: 'sensor', blockName: 'EC', displayText: 'Измерва EC...', timing: { startTime: 't' } } },
	{ type: 'block_executed_enhanced', seq: 3, timestamp: 't', data: {
		blockId: 'b', blockType: 'sensor', blockName: 'EC', status: 'failed',
		timing: { startTime: 't', endTime: 't', durationMs: 5 }, result: null, error: 'timeout' } },
	{ type: 'execution_finished', seq: 4, timestamp: 't', data: { status: 'completed', summary: {} } },
	{ type: 'log_entry', seq: 5, timestamp: 't', data: {
		level: 'warn', tag: 'Pump', module: 'pumps', message: 'low pressure', data: {}, timestamp: 't' } },
	{ type: 'hardware_health_update', seq: 6, timestamp: 't', data: { component: 'pump_1', status: 'degraded', details: { p: 0.7 } } },
	{ type: 'gap', seq: 7, timestamp: 't', data: { lost: 12, reason: 'ring_overflow' } },
];

const toServer: ClientMessage[] = [
	{ type: 'identify_client', clientInfo: { name: 'ProgramDashboard', page: 'dashboard' } },
	{ type: 'ping' },
	{ type: 'request_initial_state' },
	{ type: 'subscribe_logs', filters: { level: ['info', 'error'], tag: 'FlowExecutor', module: 'sensor' } },
	{ type: 'unsubscribe_logs' },
	{ type: 'hardware_health_update', data: { component: 'pump_1', status: 'fault', details: {} } },
	{ type: 'resume', since: 1234 },
];

// @ts-expect-error: an unknown level
const badFilters: LogFilters = { level: ['verbose'] };
// @ts-expect-error: events carry a seq
const noSeq: ServerMessage = { type: 'gap', timestamp: 't', data: { lost: 1, reason: 'ring_overflow' } };
// @ts-expect-error: since is a number
const badResume: ClientMessage = { type: 'resume', since: '12' };
// @ts-expect-error: block status outside the protocol's set
const badStatus: ServerMessage = { type: 'block_executed_enhanced', seq: 1, timestamp: 't', data: { blockId: 'b', status: 'done', timing: { endTime: 't' } } };

/* a store adapter as in doc/client.md, without Vue */
function store() {
	const client: FlowhubClient = getFlowhubClient({ name: 'ProgramDashboard', page: 'dashboard', autoConnect: false });
	let history: Action[] = client.state.actionHistory;
	let connected: boolean = client.state.wsConnected;
	const off = client.on('state', (s: ClientState, changed: StateKey[]) => {
		if (changed.includes('actionHistory'))
			history = s.actionHistory;
		connected = s.wsConnected;
	});
	client.on('error', (e) => console.warn(e.code, e.field ?? ''));
	client.on('message', (m) => {
		if (m.type === 'block_executed_enhanced')
			console.log(m.data.status, m.seq);
	});
	const ok: boolean = client.subscribeLogs({ level: ['error'] }) && client.sendHardwareHealth('pump_1', 'ok');
	const succeeded: (boolean | null)[] = history.map((a) => a.success);
	return { off, connected, ok, succeeded };
}

const model = new FlowModel();
const keys: StateKey[] = model.handle(fromServer[2]);
const delay: number = backoffDelay(3, { backoffJitter: 0 });
const rebuilt: Action[] = historyFromSnapshot(state.active, state.recent);
void [toServer, badFilters, noSeq, badResume, badStatus, store, keys, delay, rebuilt];
